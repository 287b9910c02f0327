"""Solidity sources, compiled artifacts and the Python binding to the ledger contract."""

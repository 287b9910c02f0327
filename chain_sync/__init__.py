"""Indexer: contract logs -> SQL mirror, with a checkpoint in the same transaction."""

"""Errors raised when talking to the chain; the root ``OcoptraceError`` lives in ``epcis``.

Tree (part of the one in ``epcis.errors``)::

    OcoptraceError
    ├── ChainError              the node is unreachable, a transaction failed, compile failed
    │   └── LedgerRevert        the contract refused a call with one of its custom errors
    └── ChainMismatch           the chain is not the one a deployment manifest or mirror names
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from epcis.errors import OcoptraceError

if TYPE_CHECKING:
    from collections.abc import Mapping


class ChainError(OcoptraceError):
    """Talking to the chain failed; the message says what was tried and what came back."""


class LedgerRevert(ChainError):
    """The ledger contract reverted with a custom error.

    ``error_name`` is the Solidity error (``OcopLedgerNotCustodian``), ``args_by_name``
    its decoded arguments (bytes32 as ``bytes``, addresses checksummed, integers as ``int``).
    ``str()`` reads like Solidity: ``OcopLedgerMassBalanceExceeded(inputTotal=5, outputTotal=6)``.
    """

    def __init__(self, error_name: str, args_by_name: Mapping[str, object]) -> None:
        self.error_name = error_name
        self.args_by_name: dict[str, object] = dict(args_by_name)
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args_by_name.items())
        super().__init__(f"{error_name}({shown})")


class ChainMismatch(OcoptraceError):
    """The chain we reached is not the one expected (other chain id, genesis or contract code)."""


def _show(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)

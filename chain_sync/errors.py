"""Errors of the sync. Part of the tree in ``epcis.errors``::

    OcoptraceError
    ├── ChainError
    │   └── RpcError              the node answered a JSON-RPC call with an error
    └── ChainMismatch
        ├── ChainReset            the chain is not the one the mirror was built from
        └── ChainReorgTooDeep     a reorg replaced blocks deeper than the configured finality

Both ``ChainMismatch`` subclasses stop the sync: continuing would mix two histories.
"""

from __future__ import annotations

from contracts.errors import ChainError, ChainMismatch

RESET_HINT = (
    "Rebuild the mirror from this chain with `ocoptrace sync reset` (keeps the captured "
    "EPCIS documents and actors, re-queues their anchoring), or point DATABASE_URL at the "
    "database of this chain."
)


class RpcError(ChainError):
    """A JSON-RPC error answer; ``code`` and ``rpc_message`` are the node's."""

    def __init__(self, method: str, code: int | None, message: str) -> None:
        self.method = method
        self.code = code
        self.rpc_message = message
        super().__init__(f"{method} failed: {message} (JSON-RPC error {code})")


class ChainReset(ChainMismatch):
    """The chain behind the RPC URL is not the one this mirror was built from."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(
            f"the chain was reset or replaced: {problem}. The mirror refuses to mix two "
            f"chains. {RESET_HINT}"
        )


class ChainReorgTooDeep(ChainMismatch):
    """The mirror's block ``block_number`` (hash ``mirror_hash``) is no longer canonical
    (``chain_hash``), and no common ancestor lies within ``finality`` blocks."""

    def __init__(
        self, block_number: int, mirror_hash: str, chain_hash: str | None, finality: int
    ) -> None:
        self.block_number = block_number
        self.mirror_hash = mirror_hash
        self.chain_hash = chain_hash
        self.finality = finality
        now = chain_hash or "missing (the chain is shorter now)"
        super().__init__(
            f"reorg deeper than the finality of {finality} blocks: the mirror has block "
            f"{block_number} as {mirror_hash}, the chain now has {now}, and none of the "
            f"{finality} blocks below it matches. The sync stopped; nothing was changed. "
            f"If the chain really reorganised this deep, raise the finality "
            f"(--finality / OCOPTRACE_SYNC_FINALITY) and run again; otherwise {RESET_HINT}"
        )

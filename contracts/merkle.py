"""Merkle trees over event digests, verifiable by OpenZeppelin's ``MerkleProof``.

High-volume events (unit scans, sensor readings) are anchored as one root
(``OcopLedger.anchorMerkleRoot``). Encoding, identical to the contract's ``merkleLeaf``
and to OpenZeppelin's ``StandardMerkleTree`` for a single ``bytes32`` value:

- leaf = keccak256(keccak256(abi.encode(digest))) — the double hash keeps a leaf from
  ever passing as an inner node (second-preimage safety);
- inner node = keccak256(sorted(a, b)) — sorted pairs, so a proof is just the siblings,
  no left/right flags (``MerkleProof.verify``);
- leaves are sorted before building, so the same set of digests always gives the same
  root whatever order the events were captured in; an odd node is carried up unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from eth_utils.crypto import keccak

from epcis.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def merkle_leaf(digest: bytes) -> bytes:
    """The leaf of an event digest: keccak256(keccak256(abi.encode(bytes32)))."""
    if len(digest) != 32:
        raise InvalidInput("digest", f"must be 32 bytes, got {len(digest)}")
    return keccak(keccak(bytes(digest)))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin's ``Hashes.commutativeKeccak256``."""
    return keccak(a + b) if a < b else keccak(b + a)


def verify_proof(root: bytes, digest: bytes, proof: Sequence[bytes]) -> bool:
    """``MerkleProof.verify(proof, root, merkle_leaf(digest))``, offline."""
    node = merkle_leaf(digest)
    for sibling in proof:
        node = hash_pair(node, bytes(sibling))
    return node == bytes(root)


@dataclass(frozen=True, slots=True)
class MerkleTree:
    """A built tree: ``levels[0]`` are the sorted leaves, ``levels[-1] == [root]``."""

    levels: tuple[tuple[bytes, ...], ...]

    @classmethod
    def build(cls, digests: Iterable[bytes]) -> MerkleTree:
        """The tree over ``digests`` (distinct, at least one)."""
        leaves = sorted({merkle_leaf(bytes(d)) for d in digests})
        if not leaves:
            raise InvalidInput("digests", "a Merkle tree needs at least one event digest")
        levels = [tuple(leaves)]
        while len(levels[-1]) > 1:
            below = levels[-1]
            above = [hash_pair(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            if len(below) % 2:
                above.append(below[-1])
            levels.append(tuple(above))
        return cls(tuple(levels))

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    @property
    def count(self) -> int:
        return len(self.levels[0])

    def proof(self, digest: bytes) -> list[bytes]:
        """Sibling hashes from ``digest``'s leaf up to the root; ``InvalidInput`` if absent."""
        leaf = merkle_leaf(digest)
        try:
            index = self.levels[0].index(leaf)
        except ValueError:
            raise InvalidInput("digest", f"0x{bytes(digest).hex()} is not in this tree") from None
        proof: list[bytes] = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index //= 2
        return proof

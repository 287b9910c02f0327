"""Typed helpers for the ledger tests: a deployed ledger with one onboarded actor per role.

Imported as ``tests.contracts.ledger_world`` (the repository root is on pytest's path)."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eth_account import Account

from contracts.chains import fund
from contracts.ledger import Deployment, Ledger, TxResult, deploy_ledger
from contracts.types import BatchId, EventDigest, Role, batch_id_of

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from web3 import Web3

GLN = {
    Role.COOPERATIVE: 8930000000017,
    Role.PROCESSOR: 8930000000024,
    Role.LAB: 8930000000031,
    Role.EXPORTER: 8930000000048,
    Role.CUSTOMS: 8930000000055,
}
BORDER_GATE_GLN = 8930000000062
HARVEST_GRAMS = 500_000

_counter = itertools.count()


def digest(label: str = "") -> EventDigest:
    """A fresh, unique event digest (stands in for an EPCIS Event Hash ID's sha-256)."""
    return EventDigest(hashlib.sha256(f"{label}-{next(_counter)}".encode()).digest())


def new_batch_id(lot: str | None = None) -> BatchId:
    return batch_id_of("08930000000017", lot or f"LOT-{next(_counter)}")


@dataclass
class World:
    """A deployed ledger with one funded, onboarded actor per role."""

    w3: Web3
    ledger: Ledger
    deployment: Deployment
    admin: LocalAccount
    coop: LocalAccount
    processor: LocalAccount
    lab: LocalAccount
    exporter: LocalAccount
    customs: LocalAccount
    stranger: LocalAccount

    def actor_for(self, role: Role) -> LocalAccount:
        return {
            Role.ADMIN: self.admin,
            Role.COOPERATIVE: self.coop,
            Role.PROCESSOR: self.processor,
            Role.LAB: self.lab,
            Role.EXPORTER: self.exporter,
            Role.CUSTOMS: self.customs,
        }[role]

    def harvest(self, quantity: int = HARVEST_GRAMS) -> tuple[BatchId, TxResult]:
        """A batch registered by the cooperative."""
        batch_id = new_batch_id()
        return batch_id, self.ledger.register_batch(self.coop, batch_id, quantity, digest("h"))

    def at_processor(self, quantity: int = HARVEST_GRAMS) -> BatchId:
        """A harvest batch now held by the processor."""
        batch_id, _ = self.harvest(quantity)
        self.ledger.transfer_custody(self.coop, batch_id, self.processor.address, digest("t"))
        return batch_id


def _account(seed: str) -> LocalAccount:
    account: LocalAccount = Account.from_key(hashlib.sha256(seed.encode()).digest())
    return account


def build_world(w3: Web3) -> World:
    admin = _account("ocoptrace-test-admin")
    fund(w3, admin.address, 10**20)
    actors = {role: _account(f"ocoptrace-test-{role.name}") for role in GLN}
    stranger = _account("ocoptrace-test-stranger")
    for account in [*actors.values(), stranger]:
        fund(w3, account.address, 10**19)
    deployment = deploy_ledger(w3, admin)
    ledger = Ledger(w3, deployment.address)
    for role, account in actors.items():
        ledger.onboard_actor(admin, account.address, role, GLN[role])
    return World(
        w3=w3,
        ledger=ledger,
        deployment=deployment,
        admin=admin,
        coop=actors[Role.COOPERATIVE],
        processor=actors[Role.PROCESSOR],
        lab=actors[Role.LAB],
        exporter=actors[Role.EXPORTER],
        customs=actors[Role.CUSTOMS],
        stranger=stranger,
    )

"""The running system's parts, wired once: settings, database, key vault, chain, ledger.

``open_chain`` connects to (or starts) the chain the settings name; ``bind_ledger``
finds the ledger this database mirrors on that chain — or deploys one into an empty
database — and refuses a chain that is not the one the database was built from.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from backend.actors import service as actors
from backend.db import make_engine, make_session_factory, transaction, upgrade_schema
from backend.security import KeyVault
from chain_sync.indexer import chain_identity_problem
from chain_sync.models import ChainDeployment
from contracts.chains import HardhatNode, fund, memory_chain, rpc_chain
from contracts.errors import ChainMismatch
from contracts.ledger import Deployment, Ledger, deploy_ledger

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker
    from web3 import Web3

    from backend.config import Settings

log = logging.getLogger(__name__)

# The operator's GLN in the sample data (Lào Cai DOST); configurable later with master data.
OPERATOR_GLN = "8938501000009"
# Ether given to each actor account on local dev chains, where gas is paid.
DEV_ACCOUNT_FUNDS_WEI = 10**19


@dataclass
class Chain:
    """A connected chain. ``lock`` serialises every call: eth-tester is not thread safe,
    and one writer keeps each sender's nonces in order."""

    kind: str
    w3: Web3
    node: HardhatNode | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def is_dev(self) -> bool:
        """A local chain whose dev account pays for our actors' gas."""
        return self.kind in ("memory", "hardhat")

    def close(self) -> None:
        if self.node is not None:
            self.node.stop()


def open_chain(settings: Settings) -> Chain:
    if settings.chain == "memory":
        return Chain("memory", memory_chain())
    if settings.chain == "rpc" or settings.rpc_url:
        if not settings.rpc_url:
            raise ChainMismatch("OCOPTRACE_CHAIN=rpc needs RPC_URL, e.g. http://127.0.0.1:8545")
        return Chain("rpc", rpc_chain(settings.rpc_url))
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    node = HardhatNode(
        settings.hardhat_port or None, log_path=settings.var_dir / "hardhat-node.log"
    ).start()
    return Chain("hardhat", node.web3(), node)


def _deployment_of(stored: ChainDeployment) -> Deployment:
    return Deployment(
        chain_id=stored.chain_id,
        genesis_hash=stored.genesis_hash,
        address=stored.ledger_address,
        deploy_block=stored.deploy_block,
        deploy_tx=stored.deploy_tx,
        artifact_sha256="",
    )


def _binding(deployment: Deployment) -> ChainDeployment:
    return ChainDeployment(
        chain_id=deployment.chain_id,
        genesis_hash=deployment.genesis_hash,
        ledger_address=deployment.address,
        deploy_block=deployment.deploy_block,
        deploy_tx=deployment.deploy_tx,
    )


def bind_ledger(
    sessions: sessionmaker[Session],
    chain: Chain,
    vault: KeyVault,
    admin_api_key: str,
    existing: Deployment | None = None,
) -> tuple[Ledger, Deployment]:
    """The ledger this database mirrors.

    A database bound before keeps its ledger (and refuses another chain). An unbound one
    binds to ``existing`` — a ledger someone else deployed, e.g. the province's on the
    consortium network, for a mirror or verifier node — after checking that the chain
    really holds it; with no ``existing`` it deploys a new ledger with the operator's key.
    """
    with transaction(sessions) as session:
        stored = session.scalar(select(ChainDeployment))
        if stored is not None:
            deployment = _deployment_of(stored)
            problem = chain_identity_problem(chain.w3, deployment)
            if problem:
                raise ChainMismatch(
                    f"this database was built from another chain: {problem}. The chain was "
                    "reset or RPC_URL points elsewhere. Rebuild the database with "
                    "`ocoptrace sync reset`, or point DATABASE_URL at the database of this chain."
                )
            return Ledger(
                chain.w3, stored.ledger_address, from_block=stored.deploy_block
            ), deployment
        if existing is not None:
            with chain.lock:
                existing.check(chain.w3)
            session.add(_binding(existing))
            log.info(
                "bound to the OcopLedger at %s on chain %s", existing.address, existing.chain_id
            )
            return Ledger.from_deployment(chain.w3, existing, check=False), existing
        admin = actors.operator(session) or actors.create_operator(
            session, vault, admin_api_key, OPERATOR_GLN
        )
        deployer = vault.open(admin.sealed_key)
        with chain.lock:
            if chain.is_dev:
                fund(chain.w3, deployer.address, DEV_ACCOUNT_FUNDS_WEI)
            deployment = deploy_ledger(chain.w3, deployer)
        session.add(_binding(deployment))
        log.info("deployed OcopLedger at %s on chain %s", deployment.address, deployment.chain_id)
        return Ledger.from_deployment(chain.w3, deployment, check=False), deployment


@dataclass
class Runtime:
    """Everything the API, the submitter, the sync and the verifier share."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    vault: KeyVault
    chain: Chain
    ledger: Ledger
    deployment: Deployment

    def close(self) -> None:
        self.chain.close()
        self.engine.dispose()


def start_runtime(settings: Settings, chain: Chain | None = None) -> Runtime:
    engine = make_engine(settings.resolved_database_url)
    upgrade_schema(engine)
    sessions = make_session_factory(engine)
    vault = KeyVault(settings.key_encryption_key)
    chain = chain or open_chain(settings)
    try:
        existing = Deployment.load(settings.deployment) if settings.deployment else None
        ledger, deployment = bind_ledger(sessions, chain, vault, settings.admin_api_key, existing)
    except Exception:
        chain.close()
        engine.dispose()
        raise
    settings.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    deployment.save(settings.manifest_path)
    return Runtime(settings, engine, sessions, vault, chain, ledger, deployment)

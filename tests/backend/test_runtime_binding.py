"""An empty database binds to a ledger deployed elsewhere (a mirror or verifier node
joining a network) instead of deploying its own; another chain's manifest is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from backend.runtime import Chain, start_runtime
from backend.worker import drain
from chain_sync.models import ChainDeployment, ChainLog
from contracts.chains import memory_chain
from contracts.errors import ChainMismatch
from seeds.story import load_story
from tests.conftest import make_settings


def _mirror(runtime_sessions: object) -> list[tuple[str, int, str]]:
    with runtime_sessions() as session:  # type: ignore[operator]
        rows = session.execute(
            select(ChainLog.tx_hash, ChainLog.log_index, ChainLog.name).order_by(
                ChainLog.block_number, ChainLog.log_index
            )
        ).all()
    return [tuple(row) for row in rows]


def test_empty_database_binds_to_an_existing_deployment(tmp_path: Path) -> None:
    chain = Chain("memory", memory_chain())
    province = start_runtime(make_settings(tmp_path / "province"), chain)
    load_story(province)
    drain(province)
    head = chain.w3.eth.block_number

    settings = make_settings(tmp_path / "mirror")
    settings.deployment = province.settings.manifest_path
    mirror = start_runtime(settings, chain)
    assert chain.w3.eth.block_number == head  # nothing deployed
    assert mirror.deployment.address == province.deployment.address
    drain(mirror)
    assert _mirror(mirror.sessions) == _mirror(province.sessions)
    with mirror.sessions() as session:
        assert session.scalars(select(ChainDeployment.ledger_address)).one() == (
            province.deployment.address
        )


def test_manifest_of_another_chain_is_refused(tmp_path: Path) -> None:
    elsewhere = start_runtime(
        make_settings(tmp_path / "elsewhere"), Chain("memory", memory_chain())
    )
    manifest = json.loads(elsewhere.settings.manifest_path.read_text())
    settings = make_settings(tmp_path / "mirror")
    settings.deployment = elsewhere.settings.manifest_path
    other = Chain("memory", memory_chain())
    # Two eth-tester chains differ in their genesis timestamp, or else in the code found
    # at the ledger's address: either way the manifest is refused.
    refused = f"this is another chain|no OcopLedger code .* at {manifest['address']}"
    with pytest.raises(ChainMismatch, match=refused):
        start_runtime(settings, other)
    engine = create_engine(settings.resolved_database_url)
    with engine.connect() as connection:
        assert connection.execute(select(ChainDeployment)).all() == []
    engine.dispose()

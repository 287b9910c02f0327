"""`ocoptrace sync reset`: after the chain was reset, the mirror and the binding go, the
EPCIS documents and actors stay, and the next start anchors them on the new chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from backend.actors.models import Actor
from backend.cli import app
from backend.config import get_settings
from backend.db import Base
from backend.outbox.models import OutboxItem
from backend.runtime import Chain, start_runtime
from backend.traceability.models import EpcisEvent
from backend.worker import drain
from chain_sync.models import MIRROR_TABLES, ChainDeployment
from contracts.chains import memory_chain
from contracts.errors import ChainMismatch
from seeds.story import load_story
from tests.conftest import make_settings


@pytest.fixture
def cli_env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("OCOPTRACE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("OCOPTRACE_ENVIRONMENT", "test")
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _counts(settings_dir: Path, database_url: str) -> dict[str, int]:
    runtime_settings = make_settings(settings_dir, database_url)
    from backend.db import make_engine, make_session_factory

    engine = make_engine(runtime_settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as session:
            models: tuple[type[Base], ...] = (
                *MIRROR_TABLES,
                ChainDeployment,
                EpcisEvent,
                Actor,
                OutboxItem,
            )
            counts = {
                model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in models
            }
            for status in ("pending", "anchored"):
                counts[f"events {status}"] = (
                    session.scalar(
                        select(func.count())
                        .select_from(EpcisEvent)
                        .where(EpcisEvent.status == status)
                    )
                    or 0
                )
    finally:
        engine.dispose()
    return counts


def test_sync_reset_keeps_documents_and_requeues_them_for_the_new_chain(
    cli_env: Path, database_url: str
) -> None:
    runtime = start_runtime(make_settings(cli_env, database_url))
    load_story(runtime)
    drain(runtime)
    runtime.close()
    before = _counts(cli_env, database_url)
    assert before["events anchored"] == before["epcis_events"] > 0

    # Another chain: the database refuses it.
    with pytest.raises(ChainMismatch, match="ocoptrace sync reset"):
        start_runtime(make_settings(cli_env, database_url), Chain("memory", memory_chain()))

    refused = CliRunner().invoke(app, ["sync", "reset"], input="n\n")
    assert refused.exit_code == 1
    assert _counts(cli_env, database_url) == before

    done = CliRunner().invoke(app, ["sync", "reset", "--yes"])
    assert done.exit_code == 0, done.output
    assert "deployment binding" in done.output
    assert f"{before['epcis_events']} events back to pending" in done.output
    after = _counts(cli_env, database_url)
    assert all(after[model.__tablename__] == 0 for model in MIRROR_TABLES)
    assert after["chain_deployment"] == 0
    assert (after["epcis_events"], after["actors"]) == (before["epcis_events"], before["actors"])
    assert after["events pending"] == before["epcis_events"]

    # The next start binds to the new chain and anchors everything there.
    fresh = start_runtime(make_settings(cli_env, database_url), Chain("memory", memory_chain()))
    try:
        drain(fresh)
    finally:
        fresh.close()
    again = _counts(cli_env, database_url)
    assert again["events anchored"] == before["epcis_events"]
    assert again["chain_logs"] == before["chain_logs"]

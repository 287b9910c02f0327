"""Shared fixtures: a whole ocoptrace runtime on the in-process chain, on SQLite or
PostgreSQL, and an API client over it.

``OCOPTRACE_TEST_DATABASE=postgresql`` (``make test-postgres``) gives every test that uses
``settings`` (and so ``runtime``, ``client``, ``story``) a fresh PostgreSQL database
instead of a SQLite file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from backend.app import create_app
from backend.config import Settings
from backend.runtime import Runtime, start_runtime
from backend.worker import drain
from seeds.story import StoryResult, load_story

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHARED_TESTDATA = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"
TEST_DATABASE = os.environ.get("OCOPTRACE_TEST_DATABASE", "sqlite")
if TEST_DATABASE not in ("sqlite", "postgresql"):
    raise pytest.UsageError(
        f"OCOPTRACE_TEST_DATABASE={TEST_DATABASE!r}: use sqlite (the default) or postgresql"
    )


def make_settings(var_dir: Path, database_url: str = "", chain: str = "memory") -> Settings:
    settings = Settings(
        chain=chain,  # type: ignore[arg-type]
        var_dir=var_dir,
        environment="test",
        database_url=database_url,
        digital_link_base="http://testserver",
    )
    settings.ensure_dev_secrets()
    return settings


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"ocoptrace_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ocoptrace.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if TEST_DATABASE == "postgresql":
        return make_settings(tmp_path, request.getfixturevalue("postgres_url"))
    return make_settings(tmp_path)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = start_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_worker=False)) as test_client:
        yield test_client


@pytest.fixture
def story(runtime: Runtime) -> StoryResult:
    result = load_story(runtime)
    drain(runtime)
    return result


def admin_headers(runtime: Runtime) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.settings.admin_api_key}"}

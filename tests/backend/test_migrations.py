"""The Alembic migrations build exactly the schema the models declare, on SQLite and on
PostgreSQL, and take a database back down and up again."""

from __future__ import annotations

import ast
import pprint
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from typer.testing import CliRunner

from backend.cli import app
from backend.config import PROJECT_ROOT, get_settings
from backend.db import (
    BASELINE_REVISION,
    MODEL_MODULES,
    Base,
    SchemaMismatch,
    alembic_config,
    current_revision,
    head_revision,
    load_models,
    make_engine,
    migration_connection,
    migration_options,
    upgrade_schema,
)

NEW_REVISION_COMMAND = """\
    mkdir -p var && rm -f var/migrate.db
    .venv/bin/alembic -x url=sqlite:///var/migrate.db upgrade head
    .venv/bin/alembic -x url=sqlite:///var/migrate.db revision --autogenerate -m "<what changed>"
"""


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def schema_drift(engine: Engine) -> list[Any]:
    """What autogenerate would write to turn the database into ``Base.metadata``."""
    load_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts=migration_options(connection.dialect.name)
        )
        drift: list[Any] = compare_metadata(context, Base.metadata)
    return drift


def table_names(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def downgrade(engine: Engine, revision: str) -> None:
    with migration_connection(engine) as connection:
        command.downgrade(alembic_config(connection), revision)


def unversioned_baseline(engine: Engine) -> None:
    """A database as ``create_all`` built it before migrations existed."""
    upgrade_schema(engine, BASELINE_REVISION)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))


def test_upgrade_schema_head_matches_the_models(engine: Engine) -> None:
    upgrade_schema(engine)

    assert current_revision(engine) == head_revision()
    drift = schema_drift(engine)
    assert drift == [], (
        "the models and the migrations differ: a model changed without a migration.\n"
        f"{pprint.pformat(drift)}\n"
        "Write the migration from the repository root:\n"
        f"{NEW_REVISION_COMMAND}"
        "then review the new file in backend/migrations/versions (types, indexes, server "
        "defaults: a NOT NULL column added to a table with rows needs a server_default) and "
        "run this test again."
    )


def test_downgrade_base_then_upgrade_head_rebuilds_the_schema(engine: Engine) -> None:
    upgrade_schema(engine)
    load_models()

    downgrade(engine, "base")
    assert table_names(engine) == {"alembic_version"}
    assert current_revision(engine) is None

    upgrade_schema(engine)
    assert table_names(engine) == {*Base.metadata.tables, "alembic_version"}
    assert schema_drift(engine) == []


def test_upgrade_schema_twice_is_a_no_op(engine: Engine) -> None:
    upgrade_schema(engine)
    upgrade_schema(engine)

    assert current_revision(engine) == head_revision()


def test_upgrade_schema_stamps_a_database_built_before_migrations(engine: Engine) -> None:
    unversioned_baseline(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO products (gtin, company_prefix_length, name_vi, name_en, name_zh,"
                " species, net_content_g, ocop_stars, brand, shelf_life_days, standards) VALUES"
                " ('08938501000010', 9, 'Chè', 'Tea', '茶', '', 0, 4, '', 0, '')"
            )
        )

    upgrade_schema(engine)

    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name_en FROM products")).scalars().all() == ["Tea"]


def test_upgrade_schema_refuses_an_unversioned_database_that_differs(engine: Engine) -> None:
    unversioned_baseline(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE sync_checkpoints"))
        connection.execute(text("ALTER TABLE products ADD COLUMN colour VARCHAR(10)"))

    with pytest.raises(SchemaMismatch) as raised:
        upgrade_schema(engine)

    message = str(raised.value)
    assert f"not the schema of revision {BASELINE_REVISION}" in message
    assert "missing table sync_checkpoints" in message
    assert "products has unknown columns ['colour']" in message
    assert "alembic_version" not in table_names(engine)


def test_upgrade_schema_builds_beside_tables_that_are_not_ours(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)"))

    upgrade_schema(engine)

    assert current_revision(engine) == head_revision()
    assert "someone_elses" in table_names(engine)


def test_model_modules_names_every_module_that_declares_tables() -> None:
    """A model module missing from MODEL_MODULES would read as "drop its tables"."""
    declaring = set()
    for package in ("backend", "chain_sync", "epcis", "verifier", "qr", "seeds", "contracts"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(
                isinstance(node, ast.ClassDef)
                and any(isinstance(base, ast.Name) and base.id == "Base" for base in node.bases)
                for node in ast.walk(tree)
            ):
                module = path.relative_to(PROJECT_ROOT).with_suffix("")
                declaring.add(".".join(module.parts))

    assert declaring == set(MODEL_MODULES)


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("OCOPTRACE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("OCOPTRACE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "ocoptrace.db"
    get_settings.cache_clear()


def test_db_current_before_upgrade_exits_1(cli_database: Path) -> None:
    result = CliRunner().invoke(app, ["db", "current"])

    assert result.exit_code == 1
    assert result.output == f"none (head is {head_revision()}: run `ocoptrace db upgrade`)\n"


def test_db_upgrade_then_current_reports_head(cli_database: Path) -> None:
    upgraded = CliRunner().invoke(app, ["db", "upgrade"])
    current = CliRunner().invoke(app, ["db", "current"])

    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output == (
        f"database  sqlite:///{cli_database}\nrevision  none -> {head_revision()}\n"
    )
    assert current.exit_code == 0
    assert current.output == f"{head_revision()} (head)\n"


def test_db_upgrade_refuses_a_mismatched_database_with_exit_2(cli_database: Path) -> None:
    engine = make_engine(f"sqlite:///{cli_database}")
    unversioned_baseline(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE outbox"))
    engine.dispose()

    result = CliRunner().invoke(app, ["db", "upgrade"])

    assert result.exit_code == 2
    assert "missing table outbox" in result.output

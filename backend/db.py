"""SQLAlchemy 2 engine, sessions, the declarative base every table shares, and the
migrations (Alembic, in ``backend/migrations``) that build the schema."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, create_engine, event, inspect, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from epcis.errors import OcoptraceError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Every module that declares tables. The migrations compare the database with
# Base.metadata, so a module missing here reads as "drop its tables".
MODEL_MODULES = (
    "backend.actors.models",
    "backend.traceability.models",
    "backend.outbox.models",
    "backend.epcis_api.models",
    "chain_sync.models",
)
# The revision whose schema is the one ``create_all`` built before migrations existed:
# such a database has exactly its tables, and is stamped with it before upgrading.
BASELINE_REVISION = "9c1f3e0a5b27"
# Key of the PostgreSQL advisory lock that makes concurrent upgrades run one at a time.
_UPGRADE_LOCK_KEY = 0x6F636F70  # "ocop"


class Base(DeclarativeBase):
    """One metadata for the whole schema: backend tables and the chain mirror.

    Every constraint gets a predictable name, so a migration can drop or alter it by
    name on PostgreSQL and on SQLite (whose batch mode rebuilds tables by name).
    """

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class SchemaMismatch(OcoptraceError, RuntimeError):
    """The database holds tables that no migration of ours accounts for."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the verify page read while the submitter and the sync write.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of page cache (the default is 2 MiB): the mirror's digest-keyed indexes take
    # inserts at random places, and with the small cache most of them re-read a page.
    cursor.execute("PRAGMA cache_size=-65536")
    # Checkpoint the WAL every ~40 MiB instead of every 4 MiB: a sync commits thousands
    # of rows at a time, and each checkpoint copies (and syncs) pages that the next
    # commits change again; measured, 40% less commit time over 100,000 mirrored logs.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session


def load_models() -> None:
    """Import every model module so that its tables are registered on ``Base.metadata``."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def migration_options(dialect_name: str) -> dict[str, Any]:
    """``context.configure`` options shared by the migrations and the drift check."""
    return {
        "compare_type": True,
        # SQLite alters a table by copying it into a new one: batch mode does that.
        "render_as_batch": dialect_name == "sqlite",
    }


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the packaged migrations, on ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision``, in one transaction, one process at a time.

    A database built before migrations existed (our tables, no ``alembic_version``) is
    stamped with the baseline revision first when its tables are the baseline's, and
    refused with ``SchemaMismatch`` otherwise.
    """
    with migration_connection(engine) as connection:
        config = alembic_config(connection)
        _adopt_unversioned(connection, config)
        command.upgrade(config, revision)


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction fit for migrations; commits when the block succeeds."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # Batch migrations rebuild a table (copy, drop, rename); with foreign keys on,
            # dropping a referenced table fails. The pragma is a no-op inside a
            # transaction, so it is switched before BEGIN, and checked again at the end.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # IMMEDIATE takes the write lock now: a second process upgrading at the same
            # time waits, then finds the schema already at head.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK_KEY}
            )
        try:
            yield connection
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise SchemaMismatch(
                        f"the migration left rows whose foreign keys point nowhere: {broken[:5]}; "
                        "nothing was changed. Fix the migration's data steps and run it again."
                    )
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision in ``backend/migrations/versions``."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _adopt_unversioned(connection: Connection, config: Config) -> None:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    if not tables or "alembic_version" in tables:
        return
    load_models()
    baseline = _baseline_columns()
    ours = tables & (Base.metadata.tables.keys() | baseline.keys())
    if not ours:
        return  # someone else's tables only: ours are created beside them
    problems = [f"missing table {name}" for name in sorted(baseline.keys() - tables)]
    problems += [
        f"table {name} is newer than the baseline" for name in sorted(ours - baseline.keys())
    ]
    for name in sorted(ours & baseline.keys()):
        found = {column["name"] for column in inspector.get_columns(name)}
        if missing := baseline[name] - found:
            problems.append(f"{name} lacks columns {sorted(missing)}")
        if extra := found - baseline[name]:
            problems.append(f"{name} has unknown columns {sorted(extra)}")
    url = connection.engine.url.render_as_string(hide_password=True)
    if problems:
        raise SchemaMismatch(
            f"the database {url} has ocoptrace tables but no alembic_version, and they are "
            f"not the schema of revision {BASELINE_REVISION}: {'; '.join(problems)}. Point "
            "DATABASE_URL at an empty database, or move this one aside; if you know which "
            "revision it is at, record it with `alembic stamp <revision>` and upgrade."
        )
    log.warning(
        "%s predates migrations and matches revision %s: stamped it", url, BASELINE_REVISION
    )
    command.stamp(config, BASELINE_REVISION)


@lru_cache(maxsize=1)
def _baseline_columns() -> dict[str, frozenset[str]]:
    """Table -> column names of the baseline revision, built in a scratch SQLite database."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.connect() as connection:
            command.upgrade(alembic_config(connection), BASELINE_REVISION)
            inspector = inspect(connection)
            return {
                name: frozenset(column["name"] for column in inspector.get_columns(name))
                for name in inspector.get_table_names()
                if name != "alembic_version"
            }
    finally:
        scratch.dispose()

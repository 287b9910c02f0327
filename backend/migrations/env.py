"""Alembic environment: migrates the database to the schema of ``backend.db.Base.metadata``.

The connection comes from the caller when there is one (``backend.db.upgrade_schema``
passes it in ``config.attributes["connection"]`` inside its own transaction); otherwise,
for the ``alembic`` command line, from ``-x url=...``, else from ``DATABASE_URL`` through
the settings (``sqlite:///var/ocoptrace.db`` by default).
"""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy import Connection

from backend.config import Settings
from backend.db import Base, load_models, make_engine, migration_connection, migration_options

config = context.config
load_models()


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        **migration_options(connection.dialect.name),
    )
    # Inside the caller's transaction this opens none: the caller commits.
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        run_on(given)
        return
    # The alembic command line configures no logging of its own from pyproject.toml.
    logging.basicConfig(level=logging.INFO, format="%(levelname)-5.5s [%(name)s] %(message)s")
    url = context.get_x_argument(as_dictionary=True).get("url")
    engine = make_engine(url or Settings().resolved_database_url)
    try:
        with migration_connection(engine) as connection:
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit(
        "offline (--sql) migrations are not supported: run `ocoptrace db upgrade` "
        "against the database instead"
    )
run_online()

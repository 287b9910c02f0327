"""``ocoptrace``: run the system, build the contracts, verify a product, load the sample.

Exit codes: 0 success (VERIFIED for ``verify``), 1 a FAILED verdict or a refused
input, 2 the system cannot run (no chain, wrong chain, bad configuration).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from backend.config import Settings, get_settings
from backend.db import SchemaMismatch
from contracts.errors import ChainError, ChainMismatch
from epcis.cli import epcis_app, gs1_app
from epcis.errors import OcoptraceError

app = typer.Typer(
    help="ocoptrace: provenance for OCOP and medicinal-herb products of Lào Cai.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
contracts_app = typer.Typer(help="The Solidity ledger contract.", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")
sync_app = typer.Typer(help="The SQL mirror of the chain.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")
db_app = typer.Typer(help="The database schema: Alembic migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(epcis_app, name="epcis")
app.add_typer(gs1_app, name="gs1")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _node_file(settings: Settings) -> Path:
    return settings.var_dir / "chain.json"


def _attach_runtime(settings: Settings):  # type: ignore[no-untyped-def]
    """A runtime on the chain that ``ocoptrace run`` started, or on RPC_URL."""
    from backend.runtime import Chain, start_runtime
    from contracts.chains import rpc_chain

    if settings.chain == "hardhat" and not settings.rpc_url:
        node_file = _node_file(settings)
        if not node_file.exists():
            raise _fail(
                "no local chain is running: start the system with `ocoptrace run`, "
                "or set RPC_URL to a JSON-RPC node"
            )
        url = json.loads(node_file.read_text())["rpcUrl"]
        try:
            return start_runtime(settings, Chain("hardhat", rpc_chain(url, timeout=10)))
        except ChainError as exc:
            raise _fail(
                f"the local chain at {url} does not answer ({exc}); is `ocoptrace run` "
                "still running?"
            ) from exc
    return start_runtime(settings)


@app.command()
def run(
    host: Annotated[str, typer.Option(help="Interface the backend listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the backend listens on.")] = 8000,
    seed: Annotated[bool, typer.Option(help="Load the sample Lào Cai story.")] = True,
) -> None:
    """Start the chain (a local Hardhat node unless RPC_URL is set), deploy the ledger,
    load the sample story, and serve the backend until Ctrl-C."""
    from backend.app import create_app
    from backend.runtime import start_runtime
    from backend.worker import drain
    from seeds.story import load_story
    from verifier.service import verify_unit

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    if settings.digital_link_base == "http://127.0.0.1:8000" and (host, port) != (
        "127.0.0.1",
        8000,
    ):
        settings.digital_link_base = f"http://{host}:{port}"
    started = time.monotonic()
    try:
        runtime = start_runtime(settings)
    except ChainMismatch as exc:
        runtime = _restart_on_fresh_dev_chain(settings, exc, start_runtime)
    except (ChainError, SchemaMismatch) as exc:
        raise _fail(str(exc)) from exc
    try:
        if runtime.chain.node is not None:
            _node_file(settings).write_text(json.dumps({"rpcUrl": runtime.chain.node.url}))
        base = settings.digital_link_base
        chain_url = (
            runtime.chain.node.url if runtime.chain.node else settings.rpc_url or "in process"
        )
        typer.echo(
            f"chain     {runtime.chain.kind} {chain_url} (chain id "
            f"{runtime.deployment.chain_id}), ledger {runtime.deployment.address}"
        )
        typer.echo(f"database  {settings.resolved_database_url}")
        if seed:
            story = load_story(runtime)
            drain(runtime)
            verdict = verify_unit(runtime, story.unit_uri)
            path = story.unit_uri.removeprefix(base)
            typer.echo(f"sample    {story.created_steps} new records; one package: {path}")
            typer.echo(
                f"verdict   {verdict.verdict}" + "".join(f"\n  - {r}" for r in verdict.reasons)
            )
            typer.echo(f"verify    {base}{path}")
            typer.echo(f"verify    {base}/verify?uri={story.unit_uri}   (JSON)")
            typer.echo(f"QR code   {base}/qr{path}   (PNG; add ?format=svg for SVG)")
            typer.echo(f"lineage   {base}/batches/{story.retail_batch_id}")
        typer.echo(f"API docs  {base}/docs")
        typer.echo(f"admin key {settings.var_dir / 'admin-api-key'}")
        config = uvicorn.Config(
            create_app(runtime=runtime), host=host, port=port, log_level="warning"
        )
        server = _AnnouncingServer(config, started)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the demo stops
            server.run()
        if not server.started:
            raise _fail(f"the backend could not listen on {host}:{port} (is the port in use?)")
    finally:
        _node_file(settings).unlink(missing_ok=True)
        runtime.close()


class _AnnouncingServer(uvicorn.Server):
    """Says "ready" only once the socket listens, so the printed URLs answer at once."""

    def __init__(self, config: uvicorn.Config, started: float) -> None:
        super().__init__(config)
        self._started_at = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            typer.echo(
                f"ready in  {time.monotonic() - self._started_at:.1f}s — press Ctrl-C to stop"
            )
            sys.stdout.flush()


def _restart_on_fresh_dev_chain(settings: Settings, exc: ChainMismatch, start):  # type: ignore[no-untyped-def]
    """A Hardhat node started by us is empty on every run. Its SQLite database from the last
    run mirrors a chain that is gone: say so, keep the old file aside, start clean."""
    if settings.chain != "hardhat" or settings.rpc_url or settings.database_url:
        raise _fail(str(exc)) from exc
    db_path = settings.var_dir / "ocoptrace.db"
    stale = db_path.with_name(f"ocoptrace.{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.stale.db")
    typer.secho(
        f"note: the local Hardhat chain starts empty on every run, and {db_path} mirrors the "
        f"previous one ({exc}).\n      Moved it to {stale.name}; building a fresh database.",
        fg=typer.colors.YELLOW,
    )
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{db_path}{suffix}")
        if source.exists():
            shutil.move(source, Path(f"{stale}{suffix}"))
    try:
        return start(settings)
    except ChainError as again:
        raise _fail(str(again)) from again


@app.command()
def verify(
    uri: Annotated[str, typer.Argument(help="GS1 Digital Link URI of a retail unit.")],
) -> None:
    """Verify a retail unit against the chain; prints the verdict as JSON.

    Exit code 0 when VERIFIED, 1 when FAILED."""
    from verifier.service import VERIFIED, verify_unit

    runtime = _attach_runtime(get_settings())
    try:
        verdict = verify_unit(runtime, uri)
    except OcoptraceError as exc:
        raise _fail(str(exc), 1) from exc
    finally:
        runtime.close() if runtime.chain.node else runtime.engine.dispose()
    typer.echo(json.dumps(verdict.to_json(), ensure_ascii=False, indent=2))
    raise typer.Exit(0 if verdict.verdict == VERIFIED else 1)


@app.command()
def seed() -> None:
    """Load the sample Lào Cai story into the running system (adds nothing twice)."""
    from backend.worker import drain
    from seeds.story import load_story

    runtime = _attach_runtime(get_settings())
    try:
        story = load_story(runtime)
        drain(runtime)
    finally:
        runtime.engine.dispose()
    typer.echo(json.dumps({"createdSteps": story.created_steps, "unitUri": story.unit_uri}))


@sync_app.command("once")
def sync_once_command() -> None:
    """Send pending outbox items and mirror the chain up to its head, once."""
    from backend.worker import drain

    runtime = _attach_runtime(get_settings())
    try:
        drain(runtime)
    finally:
        runtime.engine.dispose()


@sync_app.command("run")
def sync_run(
    follow: Annotated[
        bool, typer.Option(help="After the backfill, keep following new blocks until stopped.")
    ] = False,
    confirmations: Annotated[
        int | None,
        typer.Option(help="Blocks deep before rows count as confirmed [OCOPTRACE_CONFIRMATIONS]."),
    ] = None,
    finality: Annotated[
        int | None,
        typer.Option(
            help="Deepest reorg to follow; deeper stops the sync [OCOPTRACE_SYNC_FINALITY]."
        ),
    ] = None,
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between polls when the mirror is at the head.")
    ] = 1.0,
    chunk_blocks: Annotated[
        int,
        typer.Option(min=1, help="First eth_getLogs range in blocks; then sized by --target-logs."),
    ] = 1,
    target_logs: Annotated[
        int,
        typer.Option(
            min=1, help="Logs an eth_getLogs answer aims at (fewer: smaller transactions)."
        ),
    ] = 5_000,
) -> None:
    """Mirror the chain into the database: backfill to the head, then with --follow keep
    up with new blocks. SIGTERM or Ctrl-C stops after the chunk in progress; killing it
    at any point is safe (each chunk commits with its cursor). Prints a JSON summary."""
    import signal
    import threading

    from chain_sync.indexer import run_sync

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    runtime = _attach_runtime(settings)
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        result = run_sync(
            runtime.sessions,
            runtime.chain.w3,
            runtime.ledger,
            runtime.deployment,
            follow=follow,
            poll_interval=poll_interval,
            stop=stop,
            confirmations=settings.confirmations if confirmations is None else confirmations,
            finality=settings.sync_finality if finality is None else finality,
            chunk_blocks=chunk_blocks,
            target_logs=target_logs,
        )
    except ChainMismatch as exc:
        raise _fail(str(exc)) from exc
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        runtime.engine.dispose()
    typer.echo(
        json.dumps(
            {
                "fromBlock": result.from_block,
                "toBlock": result.to_block,
                "logs": result.logs,
                "reorgs": result.reorgs,
                "stopped": stop.is_set(),
            }
        )
    )


@sync_app.command("reset")
def sync_reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget the chain this database mirrors, after the chain was reset or replaced.

    Deletes: every mirror table (chain logs, cursor, block hashes, chain actors, batches,
    custody, certificates, anchors, recalls, Merkle roots) and the deployment binding, so
    the next start binds afresh (on a local chain: deploys a new ledger).
    Keeps: the captured EPCIS documents, actors, products, batches and keys; their
    anchoring goes back to pending and their outbox items are re-queued, so they are
    anchored on the new chain in their original order."""
    from backend.db import make_engine, make_session_factory, transaction, upgrade_schema
    from chain_sync.indexer import reset_mirror

    settings = get_settings()
    url = settings.resolved_database_url
    if not yes:
        typer.confirm(
            f"Reset the chain mirror of {url}? The mirror and the deployment binding are "
            "deleted; EPCIS documents and actors are kept and re-queued for anchoring",
            abort=True,
        )
    engine = make_engine(url)
    try:
        upgrade_schema(engine)
        with transaction(make_session_factory(engine)) as session:
            summary = reset_mirror(session)
    finally:
        engine.dispose()
    deleted = sum(summary.mirror_rows.values())
    typer.echo(f"deleted   {deleted} mirror rows and the deployment binding")
    typer.echo(
        f"kept      EPCIS documents and actors; {summary.events_reset} events back to "
        f"pending, {summary.outbox_requeued} outbox items re-queued"
    )
    typer.echo("next      start the system (`ocoptrace run`): it binds to the chain afresh")


@contracts_app.command("build")
def contracts_build(
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write the artifacts to (default: contracts/artifacts)."),
    ] = None,
) -> None:
    """Compile the Solidity sources offline (npm solc) into contracts/artifacts."""
    from contracts.build import ARTIFACT_PATH, build_artifacts

    target = ARTIFACT_PATH if out is None else out / ARTIFACT_PATH.name
    try:
        path = build_artifacts(target)
    except OcoptraceError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"wrote {path}")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Revision to migrate to.")] = "head",
) -> None:
    """Migrate the database (DATABASE_URL, else var/ocoptrace.db) to the newest schema.

    A database built before migrations existed is adopted when its tables match."""
    from alembic.util import CommandError
    from sqlalchemy import make_url
    from sqlalchemy.exc import OperationalError

    from backend.db import SchemaMismatch, current_revision, make_engine, upgrade_schema

    url = get_settings().resolved_database_url
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade_schema(engine, revision)
        after = current_revision(engine)
    except (SchemaMismatch, CommandError) as exc:
        raise _fail(str(exc)) from exc
    except OperationalError as exc:
        raise _fail(f"cannot open the database: {exc.orig}; check DATABASE_URL") from exc
    finally:
        engine.dispose()
    typer.echo(f"database  {make_url(url).render_as_string(hide_password=True)}")
    typer.echo(f"revision  {before or 'none'} -> {after}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision. Exit code 0 at the newest revision, 1 behind it."""
    from sqlalchemy.exc import OperationalError

    from backend.db import current_revision, head_revision, make_engine

    engine = make_engine(get_settings().resolved_database_url)
    try:
        revision = current_revision(engine)
    except OperationalError as exc:
        raise _fail(f"cannot open the database: {exc.orig}; check DATABASE_URL") from exc
    finally:
        engine.dispose()
    head = head_revision()
    if revision == head:
        typer.echo(f"{revision} (head)")
        return
    typer.echo(f"{revision or 'none'} (head is {head}: run `ocoptrace db upgrade`)")
    raise typer.Exit(1)

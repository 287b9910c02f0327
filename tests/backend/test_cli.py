"""The ``ocoptrace`` command as a user runs it: real subprocesses, real Hardhat node.

``ocoptrace run`` is started with its own var dir (its own SQLite file and dev keys),
read until ``ready in``; its printed URLs are fetched; ``ocoptrace verify`` is run next
to it; Ctrl-C (SIGINT) must stop it *and* the Hardhat node it started; a second start
on the same var dir must notice that the old database mirrors a chain that is gone.
Every wait has a deadline, and every process group is killed in a ``finally``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from contracts.build import ARTIFACT_PATH
from contracts.chains import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator

OCOPTRACE = str(Path(sys.executable).with_name("ocoptrace"))
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The verdict box of the buyer page: an element whose classes are "verdict" and "VERIFIED".
VERDICT_VERIFIED = re.compile(r'class="(?:[^"]*\s)?verdict\s+VERIFIED(?:\s[^"]*)?"')
SAMPLE_PATH = "/01/08938501000354/10/TT2610-01/21/0001"


def cli_env(var_dir: Path) -> dict[str, str]:
    """The caller's environment without any ocoptrace setting, plus a private var dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OCOPTRACE_") and key not in ("DATABASE_URL", "RPC_URL")
    }
    env["OCOPTRACE_VAR_DIR"] = str(var_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(var_dir: Path, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OCOPTRACE, *args],
        env=cli_env(var_dir),
        cwd=var_dir,  # no stray .env from the repository
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _cmdline(pid: str) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def hardhat_pids(port: int) -> list[int]:
    """Live processes of a ``hardhat node`` on ``port`` (npx, sh and node), from /proc.

    Zombies have an empty cmdline, so a dead-but-unreaped process does not count."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        words = _cmdline(entry.name).split()
        if "hardhat" in " ".join(words) and "node" in words and f"{port}" in words:
            found.append(int(entry.name))
    return found


def port_answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition: object, timeout: float) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


@dataclass
class RunningSystem:
    """One ``ocoptrace run`` subprocess and what it printed."""

    var_dir: Path
    port: int
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    listening_after: float = 0.0
    _queue: queue.Queue[str | None] = field(default_factory=queue.Queue)
    _reader: threading.Thread | None = None

    @classmethod
    def start(cls, var_dir: Path, port: int) -> RunningSystem:
        var_dir.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [OCOPTRACE, "run", "--port", str(port)],
            env=cli_env(var_dir),
            cwd=var_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            start_new_session=True,  # its own group: the finally can kill it whole
        )
        system = cls(var_dir, port, process)
        system._reader = threading.Thread(target=system._read, daemon=True)
        system._reader.start()
        return system

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> float:
        """Read output until ``ready in``; returns the wall time from start to that line."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"`ocoptrace run` not ready within {timeout:.0f}s:\n{self.output}")
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(timeout=STOP_TIMEOUT_S)
                pytest.fail(
                    f"`ocoptrace run` exited with {self.process.returncode} before ready:\n"
                    f"{self.output}"
                )
            self.lines.append(line)
            if line.startswith("ready in"):
                wall = time.monotonic() - self.started
                break
        # `ready in` is printed just before uvicorn binds its port: wait for the port too,
        # so that a request or a Ctrl-C right away meets a serving backend.
        if not wait_until(lambda: port_answers(self.port), max(deadline - time.monotonic(), 5)):
            pytest.fail(
                f"backend port {self.port} does not answer after `ready in`:\n{self.output}"
            )
        self.listening_after = time.monotonic() - self.started - wall
        return wall

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def field(self, label: str, index: int = 0) -> str:
        """The value of the ``index``-th printed line labelled ``label``."""
        values = [line[len(label) :].strip() for line in self.lines if line.startswith(label + " ")]
        assert len(values) > index, f"no line {label!r} in:\n{self.output}"
        return values[index]

    @property
    def ready_seconds(self) -> float:
        match = re.match(r"ready in\s+([0-9.]+)s", self.field("ready"))
        if match is None:
            match = re.search(r"ready in\s+([0-9.]+)s", self.output)
        assert match is not None, self.output
        return float(match.group(1))

    @property
    def page_url(self) -> str:
        return self.field("verify", 0)

    @property
    def json_url(self) -> str:
        return self.field("verify", 1).split()[0]

    @property
    def unit_uri(self) -> str:
        """The GS1 Digital Link URI in the ``uri`` query of the printed JSON verify URL."""
        return parse_qs(urlsplit(self.json_url).query)["uri"][0]

    @property
    def qr_url(self) -> str:
        return self.field("QR code").split()[0]

    @property
    def chain_port(self) -> int:
        match = re.search(r"http://127\.0\.0\.1:(\d+)", self.field("chain"))
        assert match is not None, self.output
        return int(match.group(1))

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to the command (not its group: the node has its own session)."""
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`ocoptrace run` still running {STOP_TIMEOUT_S:.0f}s after SIGINT")
        self._drain_reader()
        return code

    def _drain_reader(self) -> None:
        if self._reader is not None:
            self._reader.join(timeout=5)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)

    def kill(self) -> None:
        """Last resort: kill the command's group and the Hardhat node it printed it started."""
        chain_ports = []
        with contextlib.suppress(AssertionError):
            chain_ports.append(self.chain_port)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT_S)
        for port in chain_ports:
            for pid in hardhat_pids(port):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(os.getpgid(pid), signal.SIGKILL)
        self._drain_reader()
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextlib.contextmanager
def running(var_dir: Path, port: int) -> Iterator[RunningSystem]:
    system = RunningSystem.start(var_dir, port)
    try:
        yield system
    finally:
        system.kill()


def assert_stopped_cleanly(system: RunningSystem, code: int) -> None:
    assert code == 0, system.output
    chain_port = system.chain_port
    assert wait_until(lambda: not hardhat_pids(chain_port), 10), (
        f"hardhat node processes left on port {chain_port}: {hardhat_pids(chain_port)}"
    )
    assert not port_answers(chain_port), f"something still answers on chain port {chain_port}"
    assert not port_answers(system.port), f"the backend still answers on {system.port}"
    assert not (system.var_dir / "chain.json").exists()


def assert_serves_verified(system: RunningSystem) -> None:
    assert system.field("verdict") == "VERIFIED", system.output
    base = f"http://127.0.0.1:{system.port}"
    assert system.page_url == base + SAMPLE_PATH
    assert system.unit_uri == base + SAMPLE_PATH
    with httpx.Client(timeout=30) as http:
        page = http.get(system.page_url, params={"lang": "en"})
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert VERDICT_VERIFIED.search(page.text), page.text[:2000]
        verdict = http.get(system.json_url).json()
        assert verdict["verdict"] == "VERIFIED", verdict["reasons"]
        qr = http.get(system.qr_url)
        assert qr.status_code == 200
        assert qr.headers["content-type"] == "image/png"
        assert qr.content.startswith(PNG_SIGNATURE)


# --------------------------------------------------------------- against a live system


@dataclass
class LiveSlot:
    """The module's running system; replaced by a fresh one once a test has stopped it."""

    factory: pytest.TempPathFactory
    system: RunningSystem | None = None
    wall_to_ready: float = 0.0

    def get(self) -> RunningSystem:
        if self.system is not None and self.system.process.poll() is None:
            return self.system
        self.close()
        system = RunningSystem.start(self.factory.mktemp("live-var"), free_port())
        self.system = system
        try:
            self.wall_to_ready = system.wait_ready()
        except BaseException:
            self.close()
            raise
        return system

    def close(self) -> None:
        system, self.system = self.system, None
        if system is not None:
            system.kill()


@pytest.fixture(scope="module")
def live_slot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSlot]:
    slot = LiveSlot(tmp_path_factory)
    try:
        yield slot
    finally:
        slot.close()


@pytest.fixture
def live(live_slot: LiveSlot) -> RunningSystem:
    """``ocoptrace run`` with the sample story, in its own var dir, shared by the tests of
    this module until one of them stops it (the next one then gets a fresh start)."""
    return live_slot.get()


@pytest.mark.hardhat
@pytest.mark.timeout(240)
def test_run_serves_verified_page_json_and_qr(live: RunningSystem) -> None:
    assert live.field("chain").startswith("hardhat http://127.0.0.1:")
    assert live.field("database") == f"sqlite:///{live.var_dir / 'ocoptrace.db'}"
    assert_serves_verified(live)
    assert json.loads((live.var_dir / "chain.json").read_text())["rpcUrl"].endswith(
        f":{live.chain_port}"
    )


@pytest.mark.hardhat
@pytest.mark.timeout(240)
def test_verify_command_next_to_run_is_verified(live: RunningSystem) -> None:
    result = run_cli(live.var_dir, "verify", live.unit_uri)
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["verdict"] == "VERIFIED", verdict["reasons"]
    assert verdict["uri"] == live.unit_uri
    assert verdict["chain"]["chainId"] == 31337
    assert all(step["anchored"] for step in verdict["steps"])


@pytest.mark.hardhat
@pytest.mark.timeout(240)
def test_verify_command_never_issued_serial_is_counterfeit(live: RunningSystem) -> None:
    uri = live.unit_uri.rsplit("/", 1)[0] + "/9999"
    result = run_cli(live.var_dir, "verify", uri)
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["verdict"] == "FAILED"
    assert verdict["serial"] == "9999"
    assert verdict["steps"] == []
    assert any("counterfeit" in reason for reason in verdict["reasons"]), verdict["reasons"]


@pytest.mark.hardhat
@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("not a uri", "not a uri"),
        # Check digit of the GTIN wrong (…354 is right).
        ("http://127.0.0.1/01/08938501000355/10/TT2610-01/21/0001", "check digit"),
        # A lot, not a retail unit: no serial.
        ("http://127.0.0.1/01/08938501000354/10/TT2610-01", "retail unit"),
    ],
)
def test_verify_command_malformed_uri_is_a_clear_error(
    live: RunningSystem, uri: str, message: str
) -> None:
    result = run_cli(live.var_dir, "verify", uri)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------- lifecycle


@pytest.mark.hardhat
@pytest.mark.timeout(300)
def test_ctrl_c_stops_node_and_restart_rebuilds_on_the_fresh_chain(
    live_slot: LiveSlot, live: RunningSystem
) -> None:
    first, var_dir = live, live.var_dir
    timings = {
        "first wall": live_slot.wall_to_ready,
        "first printed": first.ready_seconds,
        "first port lag": first.listening_after,
    }
    assert not any(line.startswith("note:") for line in first.lines), first.output
    first_ledger = first.field("chain").split("ledger ")[1]
    assert_stopped_cleanly(first, first.interrupt())

    # The node is gone, so `verify` has no chain to talk to: exit code 2, said plainly.
    orphan = run_cli(var_dir, "verify", first.unit_uri)
    assert orphan.returncode == 2, orphan.stdout + orphan.stderr
    assert "no local chain is running" in orphan.stderr

    with running(var_dir, first.port) as second:
        timings["second wall"] = second.wait_ready()
        timings["second printed"] = second.ready_seconds
        timings["second port lag"] = second.listening_after
        notes = [line for line in second.lines if line.startswith("note:")]
        assert notes, second.output
        assert "starts empty on every run" in notes[0]
        assert "mirrors the previous one" in notes[0]
        assert "built from another chain" in notes[0]
        stale = sorted(var_dir.glob("ocoptrace.*.stale.db"))
        assert len(stale) == 1, second.output
        assert stale[0].name in second.output
        assert second.field("chain").split("ledger ")[1] != first_ledger
        assert_serves_verified(second)
        verified = run_cli(var_dir, "verify", second.unit_uri)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert json.loads(verified.stdout)["verdict"] == "VERIFIED"
        assert_stopped_cleanly(second, second.interrupt())

    print(  # figures for the report (pytest -s)
        "\nocoptrace run ready: "
        + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items())
    )


# --------------------------------------------------------------- contracts build


@pytest.mark.timeout(120)
def test_contracts_build_reproduces_every_committed_artifact(tmp_path: Path) -> None:
    out = tmp_path / "artifacts"
    result = run_cli(tmp_path, "contracts", "build", "--out", str(out), timeout=90)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out / ARTIFACT_PATH.name}"
    built = sorted(path.name for path in out.glob("*.json"))
    assert built == sorted(path.name for path in ARTIFACT_PATH.parent.glob("*.json"))
    for name in built:
        assert (out / name).read_bytes() == (ARTIFACT_PATH.parent / name).read_bytes(), name

"""Offline compilation of the ledger contract into a committed, reproducible artifact.

``build_artifacts()`` runs ``contracts/solc_compile.js`` (the npm ``solc`` package, WASM,
no download) and writes one artifact per contract of ``CONTRACT_NAMES`` to
``contracts/artifacts/<Name>.json``. The output is
deterministic (sorted keys, indent 2, trailing newline): rebuilding unchanged sources
gives a byte-identical file, and ``sourcesSha256`` lets a test prove that the committed
artifact was built from the committed sources without running the compiler.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from contracts.errors import ChainError

CONTRACT_NAME = "OcopLedger"
# The ledger, the registry of its immutable versions, and the gas floor of bench/gas.
CONTRACT_NAMES = (CONTRACT_NAME, "OcopLedgerRegistry", "GasFloor")
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
SOURCES_DIR = PACKAGE_DIR / "solidity"
ARTIFACT_PATH = PACKAGE_DIR / "artifacts" / f"{CONTRACT_NAME}.json"
COMPILE_SCRIPT = PACKAGE_DIR / "solc_compile.js"
NODE_MODULES = PROJECT_ROOT / "node_modules"

_IMPORT = re.compile(r'^\s*import\s+(?:[^"\']*\bfrom\s+)?["\']([^"\']+)["\']', re.MULTILINE)


class CompileError(ChainError):
    """solc refused the sources, or Node could not run; the message carries solc's output."""


def _unit_path(unit: str) -> Path:
    """Where a compiler source unit name lives on disk (same rule as solc_compile.js)."""
    if unit.startswith("@"):
        return NODE_MODULES / unit
    return PROJECT_ROOT / unit


def _resolve(unit: str, importing: str) -> str:
    if unit.startswith("."):
        parent = importing.rsplit("/", 1)[0]
        parts: list[str] = []
        for part in f"{parent}/{unit}".split("/"):
            if part == "..":
                parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        return "/".join(parts)
    return unit


def source_units() -> list[str]:
    """Every source unit the compiler reads: our ``.sol`` files plus their imports, sorted."""
    pending = [p.relative_to(PROJECT_ROOT).as_posix() for p in sorted(SOURCES_DIR.rglob("*.sol"))]
    seen: set[str] = set()
    while pending:
        unit = pending.pop()
        if unit in seen:
            continue
        seen.add(unit)
        text = _unit_path(unit).read_text(encoding="utf-8")
        pending.extend(_resolve(found, unit) for found in _IMPORT.findall(text))
    return sorted(seen)


def sources_digest() -> str:
    """sha-256 (hex) over the sorted source units: each unit name, NUL, sha-256 of its bytes."""
    digest = hashlib.sha256()
    for unit in source_units():
        digest.update(unit.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(_unit_path(unit).read_bytes()).digest())
    return digest.hexdigest()


def compile_sources() -> dict[str, Any]:
    """Run solc-js through Node and return its standard JSON output (plus our extras)."""
    node = shutil.which("node")
    if node is None:
        raise CompileError("node is not on PATH: install Node.js 20 to compile the contracts")
    with tempfile.TemporaryDirectory(prefix="ocoptrace-solc-") as tmp:
        out = Path(tmp) / "solc-output.json"
        proc = subprocess.run(
            [node, str(COMPILE_SCRIPT), "--out", str(out)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise CompileError(
                f"compiling {SOURCES_DIR} failed (exit {proc.returncode}):\n{proc.stderr.strip()}"
            )
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def artifact_path(name: str) -> Path:
    """Where the artifact of contract ``name`` is committed."""
    return ARTIFACT_PATH.parent / f"{name}.json"


def artifact_from_output(output: dict[str, Any], name: str = CONTRACT_NAME) -> dict[str, Any]:
    """The artifact document for contract ``name`` built from solc's standard JSON output."""
    unit = f"contracts/solidity/{name}.sol"
    contract = output["contracts"][unit][name]
    units = source_units()
    if output["sourceFiles"] != units:
        raise CompileError(
            f"solc read {output['sourceFiles']} but the import scan found {units}: "
            "fix the import resolution in contracts/build.py"
        )
    return {
        "contractName": name,
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
        # Byte ranges of the deployed code that the constructor fills (immutables).
        "immutableReferences": contract["evm"]["deployedBytecode"].get("immutableReferences", {}),
        "compiler": {"name": "solc-js", "version": output["compilerVersion"]},
        "settings": output["settings"],
        "sourceFiles": units,
        "sourcesSha256": sources_digest(),
    }


def dump_artifact(artifact: dict[str, Any]) -> str:
    """The canonical text of an artifact: sorted keys, indent 2, trailing newline."""
    return json.dumps(artifact, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def build_artifacts(path: Path = ARTIFACT_PATH) -> Path:
    """Compile the sources; write the ledger's artifact to ``path`` and the other contracts'
    next to it (``<Name>.json``); return ``path``."""
    output = compile_sources()
    path.parent.mkdir(parents=True, exist_ok=True)
    for name in CONTRACT_NAMES:
        target = path if name == CONTRACT_NAME else path.parent / f"{name}.json"
        target.write_text(dump_artifact(artifact_from_output(output, name)), encoding="utf-8")
    return path


def load_artifact(path: Path = ARTIFACT_PATH) -> dict[str, Any]:
    """The committed artifact (abi, bytecode, ...). Run ``ocoptrace contracts build`` if missing."""
    try:
        artifact: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CompileError(
            f"no contract artifact at {path}: run `ocoptrace contracts build`"
        ) from None
    return artifact


def artifact_sha256(path: Path = ARTIFACT_PATH) -> str:
    """sha-256 (hex) of the artifact file's bytes; recorded in deployment manifests."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

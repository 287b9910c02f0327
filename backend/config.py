"""Settings, read once from the environment (and an optional ``.env`` file).

One class, as in the FastAPI full-stack template: outside development it refuses
placeholder secrets, so a production deployment cannot start with a demo key.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "test"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OCOPTRACE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = "development"
    # Where local state lives: SQLite database, deployment manifest, Hardhat log, dev keys.
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = Field(
        default="", validation_alias=AliasChoices("DATABASE_URL", "OCOPTRACE_DATABASE_URL")
    )
    # "memory" (eth-tester in process), "hardhat" (a node the CLI starts) or "rpc".
    chain: Literal["memory", "hardhat", "rpc"] = "hardhat"
    rpc_url: str = Field(default="", validation_alias=AliasChoices("RPC_URL", "OCOPTRACE_RPC_URL"))
    hardhat_port: int = 0
    # A ledger deployed elsewhere (its deployment manifest): an empty database binds to it
    # instead of deploying a new one — how a mirror or verifier node joins a network.
    deployment: Path | None = None
    # Blocks a log must be buried under before the mirror calls it confirmed.
    confirmations: int = 0
    # Deepest reorg the mirror follows; a deeper one stops the sync (Besu QBFT: final at once).
    sync_finality: int = 64
    # Fernet key that encrypts actors' private keys at rest.
    key_encryption_key: str = ""
    # The province operator's API key; generated for development when empty.
    admin_api_key: str = ""
    # Base of the GS1 Digital Link URIs printed on labels (our resolver).
    digital_link_base: str = "http://127.0.0.1:8000"
    # Seconds between submitter/sync rounds when the worker runs in the background.
    worker_interval_s: float = 0.5
    max_request_bytes: int = 1_000_000

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment != "production":
            return self
        for name in ("key_encryption_key", "admin_api_key"):
            if getattr(self, name).strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    f"OCOPTRACE_{name.upper()} must be set to a real secret in production"
                )
        if not self.database_url:
            raise ValueError("DATABASE_URL must be set in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'ocoptrace.db'}"

    @property
    def manifest_path(self) -> Path:
        return self.var_dir / "deployment.json"

    def ensure_dev_secrets(self) -> None:
        """Fill empty secrets with random ones kept in ``var_dir`` (development only)."""
        if self.environment == "production":
            return
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if not self.key_encryption_key:
            self.key_encryption_key = _read_or_create(
                self.var_dir / "key-encryption.key", lambda: Fernet.generate_key().decode()
            )
        if not self.admin_api_key:
            self.admin_api_key = _read_or_create(
                self.var_dir / "admin-api-key", lambda: "ocp_admin_" + secrets.token_urlsafe(24)
            )


def _read_or_create(path: Path, make: object) -> str:
    if path.exists():
        return path.read_text().strip()
    assert callable(make)
    value = str(make())
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return value


@lru_cache
def get_settings() -> Settings:
    settings = Settings()
    settings.ensure_dev_secrets()
    return settings

"""Secrets at rest: actors' private keys encrypted, API keys stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from eth_account import Account
from eth_account.signers.local import LocalAccount

from epcis.errors import OcoptraceError

API_KEY_PREFIX = "ocp_"


class KeyDecryptionFailed(OcoptraceError):
    """A stored private key does not open with the configured key-encryption key."""


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    # API keys are 256-bit random tokens, so a fast hash is enough: no dictionary to attack.
    return hashlib.sha256(api_key.encode()).hexdigest()


def api_key_matches(api_key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_key(api_key), stored_hash)


class KeyVault:
    """Encrypts and decrypts actors' signing keys with one Fernet key-encryption key."""

    def __init__(self, key_encryption_key: str) -> None:
        self._fernet = Fernet(key_encryption_key.encode())

    def new_account(self) -> tuple[LocalAccount, bytes]:
        account: LocalAccount = Account.create()
        return account, self.seal(account)

    def seal(self, account: LocalAccount) -> bytes:
        return self._fernet.encrypt(bytes(account.key))

    def open(self, sealed: bytes) -> LocalAccount:
        try:
            raw = self._fernet.decrypt(sealed)
        except InvalidToken as exc:
            raise KeyDecryptionFailed(
                "a stored private key cannot be decrypted: OCOPTRACE_KEY_ENCRYPTION_KEY "
                "is not the key it was sealed with"
            ) from exc
        account: LocalAccount = Account.from_key(raw)
        return account

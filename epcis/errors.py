"""The root of every ocoptrace exception.

It lives in ``epcis`` because that is the lowest layer: every other package
(``contracts``, ``chain_sync``, ``verifier``, ``qr``, ``backend``) already depends on it.

Tree::

    OcoptraceError
    ├── InvalidInput (ValueError)          bad user input: names the field and the rule
    │   └── InvalidGS1Key                  a GS1 key or Digital Link that breaks a GS1 rule
    ├── NotFound (LookupError)             an id that names nothing
    ├── ChainError                          talking to the chain failed (contracts.errors)
    │   └── LedgerRevert                    the contract refused a call, with its custom error
    └── ChainMismatch                       the chain is not the one the mirror was built from
"""

from __future__ import annotations


class OcoptraceError(Exception):
    """Base class of every error ocoptrace raises on purpose."""


class InvalidInput(OcoptraceError, ValueError):
    """Input breaks a rule; ``field`` names where, the message says which rule."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(OcoptraceError, LookupError):
    """An identifier that names nothing we know."""

    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"unknown {kind}: {identifier}")
        self.kind = kind
        self.identifier = identifier


class InvalidGS1Key(InvalidInput):
    """A GS1 key, EPC URI or Digital Link URI that breaks a GS1 rule (check digit,
    length, character set, key qualifier order); the message names the rule."""


class UnknownJsonLdContext(InvalidInput):
    """An EPCIS document refers to a remote JSON-LD context that is not in the local cache.

    We never fetch contexts over the network: add the file to the cache directory instead.
    """

"""Onboarding: a key pair sealed at rest, an API key stored hashed, an outbox call."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors.models import Actor
from backend.actors.schemas import ActorIn
from backend.errors import Conflict, Unauthenticated
from backend.outbox.models import OutboxItem
from backend.security import KeyVault, hash_api_key, new_api_key
from backend.traceability.service import require_role


def authenticate(session: Session, api_key: str) -> Actor:
    actor = session.scalar(select(Actor).where(Actor.api_key_hash == hash_api_key(api_key)))
    if actor is None:
        raise Unauthenticated("unknown API key: send 'Authorization: Bearer <api key>'")
    return actor


def operator(session: Session) -> Actor | None:
    """The province operator: the ADMIN actor that deployed the ledger."""
    return session.scalar(select(Actor).where(Actor.role == "ADMIN").order_by(Actor.id))


def create_operator(session: Session, vault: KeyVault, api_key: str, gln: str) -> Actor:
    account, sealed = vault.new_account()
    actor = Actor(
        name="Province operator (Lào Cai Department of Science and Technology)",
        role="ADMIN",
        gln=gln,
        address=account.address,
        sealed_key=sealed,
        api_key_hash=hash_api_key(api_key),
        locality="Lào Cai, Việt Nam",
    )
    session.add(actor)
    session.flush()
    return actor


def onboard(session: Session, admin: Actor, vault: KeyVault, body: ActorIn) -> tuple[Actor, str]:
    """Create the actor and queue its on-chain role grant; returns the API key, shown once."""
    require_role(admin, "ADMIN")
    if session.scalar(select(Actor.id).where(Actor.gln == body.gln)) is not None:
        raise Conflict("gln", f"an actor with GLN {body.gln} is already onboarded")
    account, sealed = vault.new_account()
    api_key = new_api_key()
    actor = Actor(
        name=body.name,
        role=body.role,
        gln=body.gln,
        address=account.address,
        sealed_key=sealed,
        api_key_hash=hash_api_key(api_key),
        locality=body.locality,
    )
    session.add(actor)
    session.flush()
    session.add(
        OutboxItem(
            call="onboard_actor",
            args={"account": actor.address, "role": body.role, "gln": int(body.gln)},
            sender_id=admin.id,
        )
    )
    return actor, api_key

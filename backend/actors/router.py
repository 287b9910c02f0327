from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from backend.actors import service
from backend.actors.models import Actor
from backend.actors.schemas import ActorCreated, ActorIn, ActorOut
from backend.deps import CurrentActor, RuntimeDep, SessionDep

router = APIRouter(prefix="/actors", tags=["actors"])


def _out(actor: Actor) -> dict[str, object]:
    return {
        "id": actor.id,
        "name": actor.name,
        "role": actor.role,
        "gln": actor.gln,
        "address": actor.address,
        "locality": actor.locality,
        "active": actor.active,
    }


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ActorCreated)
def onboard_actor(
    body: ActorIn, session: SessionDep, admin: CurrentActor, runtime: RuntimeDep
) -> ActorCreated:
    """Onboard a supply-chain actor (province operator only). The API key is shown once."""
    actor, api_key = service.onboard(session, admin, runtime.vault, body)
    return ActorCreated.model_validate({**_out(actor), "apiKey": api_key})


@router.get("", response_model=list[ActorOut])
def list_actors(session: SessionDep) -> list[ActorOut]:
    """Public directory of actors: names, roles, GLNs and ledger addresses."""
    actors = session.scalars(select(Actor).order_by(Actor.id)).all()
    return [ActorOut.model_validate(_out(actor)) for actor in actors]

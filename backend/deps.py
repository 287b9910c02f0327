"""FastAPI dependencies, as ``Annotated`` aliases (``SessionDep``, ``CurrentActor``...)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from backend.actors import service as actors
from backend.actors.models import Actor
from backend.errors import Unauthenticated
from backend.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    with runtime.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_current_actor(
    session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Actor:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthenticated("send your API key as 'Authorization: Bearer <api key>'")
    return actors.authenticate(session, authorization[7:].strip())


CurrentActor = Annotated[Actor, Depends(get_current_actor)]

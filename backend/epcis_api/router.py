"""The EPCIS 2.0 REST binding: capture, query, discovery (mounted under ``/epcis``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.deps import CurrentActor, SessionDep
from backend.epcis_api import capture as capture_service
from backend.epcis_api.models import CaptureJob
from backend.epcis_api.query import EVENT_TYPES, QueryParameterError, build_query, page_token
from backend.traceability.models import EpcisEvent
from epcis import cbv
from epcis.errors import InvalidInput
from epcis.event_hash import EPCIS_CONTEXT_URL
from epcis.ocop_extensions import OCOP_NAMESPACE

EPCIS_HEADERS = {
    "GS1-EPCIS-Version": "2.0.0",
    "GS1-EPCIS-Min": "2.0.0",
    "GS1-EPCIS-Max": "2.0.0",
    "GS1-CBV-Version": "2.0.0",
    "GS1-CBV-Min": "2.0.0",
    "GS1-CBV-Max": "2.0.0",
    # Events come back exactly as captured: URNs stay URNs, Digital Links stay links.
    "GS1-EPC-Format": "Never_Translates",
    "GS1-Extensions": OCOP_NAMESPACE,
    "GS1-EPCIS-Capture-Limit": str(capture_service.CAPTURE_LIMIT),
}
PROBLEM = "application/problem+json"

router = APIRouter(prefix="/epcis", tags=["EPCIS 2.0"])


class EpcisProblem(Exception):
    """An RFC 7807 answer with an EPCIS exception type."""

    def __init__(self, status: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail


def install_epcis_handlers(app: FastAPI) -> None:
    @app.exception_handler(EpcisProblem)
    async def _problem(request: Request, exc: EpcisProblem) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status,
            media_type=PROBLEM,
            headers=EPCIS_HEADERS,
            content={
                "type": f"epcisException:{exc.kind}",
                "title": exc.kind,
                "status": exc.status,
                "detail": exc.detail,
                "instance": str(request.url.path),
            },
        )


def _json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        content=content, status_code=status, headers={**EPCIS_HEADERS, **(headers or {})}
    )


def _discovery(allow: str) -> Response:
    return Response(status_code=204, headers={**EPCIS_HEADERS, "Allow": allow})


def _job_view(job: CaptureJob) -> dict[str, Any]:
    return {
        "captureID": job.capture_id,
        "createdAt": job.created_at.isoformat() if job.created_at else None,
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": job.behaviour,
        "capturedEvents": job.captured,
        "duplicateEvents": job.duplicates,
        "errors": job.errors,
    }


@router.options("/capture", include_in_schema=False)
def capture_options() -> Response:
    return _discovery("OPTIONS, GET, POST")


BehaviourHeader = Annotated[str, Header(alias="GS1-Capture-Error-Behaviour")]


@router.post("/capture", status_code=202)
async def capture(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    behaviour: BehaviourHeader = "rollback",
) -> Response:
    """Capture an EPCISDocument or EPCISQueryDocument. Answers 202 with the capture job's
    URL in ``Location``; the job says which events were stored and why others were not."""
    return await _capture(request, session, actor, behaviour)


@router.post("/events", status_code=202)
async def capture_one(
    request: Request,
    session: SessionDep,
    actor: CurrentActor,
    behaviour: BehaviourHeader = "rollback",
) -> Response:
    """Capture a single EPCIS event (a bare event object), as a capture job of one."""
    return await _capture(request, session, actor, behaviour)


async def _capture(request: Request, session: Session, actor: Any, behaviour: str) -> Response:
    if behaviour not in ("rollback", "proceed"):
        raise EpcisProblem(
            400, "ValidationException", "GS1-Capture-Error-Behaviour: must be rollback or proceed"
        )
    try:
        document = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise EpcisProblem(400, "ValidationException", f"body: not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise EpcisProblem(400, "ValidationException", "body: must be a JSON object")
    try:
        job = capture_service.capture_document(session, actor, document, behaviour)  # type: ignore[arg-type]
    except capture_service.DocumentRejected as exc:
        raise EpcisProblem(400, "ValidationException", str(exc)) from exc
    location = f"/epcis/capture/{job.capture_id}"
    return _json(_job_view(job), 202, {"Location": location})


@router.get("/capture")
def capture_jobs(session: SessionDep, actor: CurrentActor) -> JSONResponse:
    """The caller's capture jobs, newest first."""
    jobs = session.scalars(
        select(CaptureJob)
        .where(CaptureJob.actor_id == actor.id)
        .order_by(CaptureJob.id.desc())
        .limit(100)
    ).all()
    return _json([_job_view(job) for job in jobs])


@router.get("/capture/{capture_id}")
def capture_job(capture_id: str, session: SessionDep, actor: CurrentActor) -> JSONResponse:
    """One capture job's state and errors."""
    job = session.scalar(select(CaptureJob).where(CaptureJob.capture_id == capture_id))
    if job is None or job.actor_id != actor.id:
        raise EpcisProblem(404, "NoSuchResourceException", f"no capture job {capture_id}")
    return _json(_job_view(job))


def _query_document(events: list[EpcisEvent]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT_URL],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": [json.loads(event.document) for event in events]},
            }
        },
    }


def run_query(session: Session, request: Request, params: dict[str, str]) -> JSONResponse:
    try:
        query = build_query(params)
    except QueryParameterError as exc:
        raise EpcisProblem(400, "QueryParameterException", str(exc)) from exc
    except InvalidInput as exc:
        raise EpcisProblem(400, "QueryParameterException", str(exc)) from exc
    statement = query.statement
    if query.max_count is not None:
        total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        if total > query.max_count:
            raise EpcisProblem(
                413,
                "QueryTooLargeException",
                f"maxEventCount: {total} events match, more than {query.max_count}",
            )
    end = query.count_limit
    take = query.per_page
    if end is not None:
        take = max(0, min(take, end - query.offset))
    rows = list(session.scalars(statement.offset(query.offset).limit(take + 1)).all())
    has_more = len(rows) > take and (end is None or query.offset + take < end)
    rows = rows[:take]
    headers: dict[str, str] = {}
    if has_more:
        token = page_token(query.fingerprint, query.offset + take)
        following = {**params, "nextPageToken": token}
        headers["Link"] = f'<{request.url.path}?{urlencode(following)}>; rel="next"'
    return _json(_query_document(rows), headers=headers)


def _params(request: Request, **fixed: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        params[name] = f"{params[name]}|{value}" if name in params else value
    params.update(fixed)
    return params


@router.options("/events", include_in_schema=False)
def events_options() -> Response:
    return _discovery("OPTIONS, GET, POST")


@router.get("/events")
def query_events(request: Request, session: SessionDep) -> JSONResponse:
    """SimpleEventQuery over every event: eventType, GE_/LT_eventTime, GE_/LT_recordTime,
    EQ_action, EQ_bizStep, EQ_disposition, EQ_readPoint, EQ_bizLocation, EQ_transformationID,
    MATCH_epc, MATCH_anyEPC, MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC,
    MATCH_epcClass (and input/output/any), EQ_eventID, EXISTS_errorDeclaration, orderBy,
    orderDirection, eventCountLimit, maxEventCount, perPage, nextPageToken. Multiple values
    are separated by ``|``."""
    return run_query(session, request, _params(request))


@router.get("/events/{event_id:path}")
def get_event(event_id: str, session: SessionDep) -> JSONResponse:
    """One event by its eventID (URL-encoded)."""
    event = session.scalar(select(EpcisEvent).where(EpcisEvent.event_id == event_id))
    if event is None:
        raise EpcisProblem(404, "NoSuchResourceException", f"no event {event_id}")
    return _json(json.loads(event.document))


@router.get("")
def top_level() -> JSONResponse:
    """The top-level resources of this EPCIS repository."""
    return _json(
        [
            "capture",
            "events",
            "eventTypes",
            "epcs",
            "bizSteps",
            "bizLocations",
            "readPoints",
            "dispositions",
        ]
    )


@router.options("", include_in_schema=False)
def top_level_options() -> Response:
    return _discovery("OPTIONS, GET")


@router.get("/eventTypes")
def event_types() -> JSONResponse:
    return _json(list(EVENT_TYPES))


@router.get("/eventTypes/{event_type}/events")
def events_of_type(event_type: str, request: Request, session: SessionDep) -> JSONResponse:
    return run_query(session, request, _params(request, eventType=event_type))


def _used(session: Session, column: Any) -> list[str]:
    return [value for value in session.scalars(select(column).distinct()).all() if value]


def _vocabulary_in_use(
    session: Session, kind: cbv.VocabularyType, standard: frozenset[str], column: Any
) -> JSONResponse:
    """A CBV vocabulary's standard short names, then every custom value in use here."""
    custom = [v for v in _used(session, column) if cbv.shorten(kind, v) not in standard]
    return _json(sorted(standard) + sorted(custom))


@router.get("/bizSteps")
def biz_steps(session: SessionDep) -> JSONResponse:
    """Business steps: the CBV 2.0 standard ones and every custom one in use here."""
    return _vocabulary_in_use(
        session, cbv.VocabularyType.BIZ_STEP, cbv.BIZ_STEPS, EpcisEvent.biz_step
    )


@router.get("/bizSteps/{biz_step:path}/events")
def events_of_biz_step(biz_step: str, request: Request, session: SessionDep) -> JSONResponse:
    return run_query(session, request, _params(request, EQ_bizStep=biz_step))


@router.get("/dispositions")
def dispositions(session: SessionDep) -> JSONResponse:
    """Dispositions: the CBV 2.0 standard ones and every custom one in use here."""
    return _vocabulary_in_use(
        session, cbv.VocabularyType.DISPOSITION, cbv.DISPOSITIONS, EpcisEvent.disposition
    )


@router.get("/dispositions/{disposition:path}/events")
def events_of_disposition(disposition: str, request: Request, session: SessionDep) -> JSONResponse:
    return run_query(session, request, _params(request, EQ_disposition=disposition))


@router.get("/readPoints")
def read_points(session: SessionDep) -> JSONResponse:
    return _json(sorted(_used(session, EpcisEvent.read_point)))


@router.get("/readPoints/{read_point:path}/events")
def events_at_read_point(read_point: str, request: Request, session: SessionDep) -> JSONResponse:
    return run_query(session, request, _params(request, EQ_readPoint=read_point))


@router.get("/bizLocations")
def biz_locations(session: SessionDep) -> JSONResponse:
    return _json(sorted(_used(session, EpcisEvent.biz_location)))


@router.get("/bizLocations/{biz_location:path}/events")
def events_at_biz_location(
    biz_location: str, request: Request, session: SessionDep
) -> JSONResponse:
    return run_query(session, request, _params(request, EQ_bizLocation=biz_location))


@router.get("/epcs/{epc:path}/events")
def events_of_epc(epc: str, request: Request, session: SessionDep) -> JSONResponse:
    """Every event that names this EPC anywhere (MATCH_anyEPC), URN or Digital Link."""
    return run_query(session, request, _params(request, MATCH_anyEPC=epc))


for _path in (
    "/eventTypes",
    "/bizSteps",
    "/dispositions",
    "/readPoints",
    "/bizLocations",
    "/events/{event_id:path}",
    "/capture/{capture_id}",
    "/epcs/{epc:path}/events",
):
    router.add_api_route(
        _path, lambda: _discovery("OPTIONS, GET"), methods=["OPTIONS"], include_in_schema=False
    )

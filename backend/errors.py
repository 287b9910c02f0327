"""Domain errors the services raise, and the one place they become HTTP answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from epcis.errors import InvalidInput, NotFound, OcoptraceError

if TYPE_CHECKING:
    from fastapi import FastAPI


class Forbidden(OcoptraceError, PermissionError):
    """The actor may not do this: wrong role, suspended, or not the batch's custodian."""


class Conflict(OcoptraceError):
    """The request is well formed but clashes with the current state (exists, recalled, ...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Unauthenticated(OcoptraceError):
    """No API key, or one we do not know."""


def _problem(status: int, error: str, detail: str, field: str | None = None) -> JSONResponse:
    body: dict[str, object] = {"error": error, "detail": detail}
    if field is not None:
        body["field"] = field
    return JSONResponse(status_code=status, content=body)


def install_error_handlers(app: FastAPI) -> None:
    from contracts.errors import ChainError, LedgerRevert

    @app.exception_handler(InvalidInput)
    async def _invalid(_: Request, exc: InvalidInput) -> JSONResponse:
        return _problem(422, "invalid_input", str(exc), exc.field)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _problem(404, "not_found", str(exc))

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return _problem(403, "forbidden", str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return _problem(409, "conflict", str(exc), exc.field)

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        response = _problem(401, "unauthenticated", str(exc))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(LedgerRevert)
    async def _revert(_: Request, exc: LedgerRevert) -> JSONResponse:
        return _problem(409, "ledger_refused", str(exc))

    @app.exception_handler(ChainError)
    async def _chain(_: Request, exc: ChainError) -> JSONResponse:
        return _problem(503, "chain_unavailable", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(part) for part in err["loc"] if part != "body"),
                "rule": err["msg"],
            }
            for err in exc.errors()
        ]
        detail = "; ".join(f"{p['field']}: {p['rule']}" for p in problems)
        return JSONResponse(
            status_code=422,
            content={"error": "invalid_input", "detail": detail, "problems": problems},
        )

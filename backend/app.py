"""The FastAPI application: API, EPCIS, QR codes and the buyer's verify page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from backend.actors.router import router as actors_router
from backend.config import Settings, get_settings
from backend.epcis_api.router import install_epcis_handlers
from backend.epcis_api.router import router as epcis_router
from backend.errors import install_error_handlers
from backend.pages.router import router as pages_router
from backend.runtime import Runtime, start_runtime
from backend.traceability.router import router as traceability_router
from backend.worker import Worker
from chain_sync.metrics import router as metrics_router
from qr.router import router as qr_router


class BodySizeLimit(BaseHTTPMiddleware):
    """Refuses bodies over the configured size before anything reads them."""

    def __init__(self, app: object, limit: int) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.limit = limit

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return JSONResponse(
                status_code=413,
                content={
                    "error": "payload_too_large",
                    "detail": f"request body: must be at most {self.limit} bytes",
                },
            )
        return await call_next(request)


def create_app(
    settings: Settings | None = None, runtime: Runtime | None = None, *, run_worker: bool = True
) -> FastAPI:
    """The app. Pass ``runtime`` to share one (tests); otherwise the lifespan starts one."""
    settings = settings or (runtime.settings if runtime else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or start_runtime(settings)
        worker = Worker(app.state.runtime) if run_worker else None
        if worker:
            worker.start()
        try:
            yield
        finally:
            if worker:
                worker.stop()
            if owned:
                app.state.runtime.close()

    app = FastAPI(
        title="ocoptrace",
        version="0.1.0",
        summary="Traceability for OCOP and medicinal-herb products of Lào Cai, on a blockchain.",
        lifespan=lifespan,
    )
    if runtime is not None:
        app.state.runtime = runtime
    app.add_middleware(BodySizeLimit, limit=settings.max_request_bytes)
    install_error_handlers(app)
    install_epcis_handlers(app)
    app.include_router(actors_router)
    app.include_router(traceability_router)
    app.include_router(qr_router)
    app.include_router(epcis_router)
    app.include_router(metrics_router)
    app.include_router(pages_router)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/docs")

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, object]:
        state: Runtime = app.state.runtime
        return {
            "status": "ok",
            "chain": state.chain.kind,
            "chainId": state.deployment.chain_id,
            "ledger": state.deployment.address,
        }

    return app

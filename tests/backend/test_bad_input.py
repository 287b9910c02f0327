"""Bad input: a 4xx whose message names the field and the rule, and nothing written —
neither in SQL nor on chain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.app import create_app
from backend.outbox.models import OutboxItem
from backend.runtime import Runtime
from backend.traceability.models import Batch, EpcisEvent
from backend.worker import drain
from seeds import laocai as data
from tests.backend.story_client import ApiStory


@pytest.fixture
def api(runtime: Runtime) -> Iterator[ApiStory]:
    with TestClient(create_app(runtime=runtime, run_worker=False)) as client:
        story = ApiStory(client, runtime.settings.admin_api_key)
        story.onboard_all()
        drain(runtime)
        yield story


def _footprint(runtime: Runtime) -> tuple[int, int, int, int]:
    with runtime.sessions() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (EpcisEvent, OutboxItem, Batch)
        )
    return (*counts, runtime.chain.w3.eth.block_number)  # type: ignore[return-value]


def _harvest(**changes: Any) -> dict[str, Any]:
    body = {
        **data.HARVEST,
        "quantityKg": "500",
        "harvestDate": "2026-10-05",
        "eventTime": "2026-10-05T16:00:00+07:00",
    }
    body.update(changes)
    return body


def _refused(
    api: ApiStory, runtime: Runtime, path: str, actor: str, body: dict[str, Any], status: int
) -> dict[str, Any]:
    before = _footprint(runtime)
    response = api.client.post(path, json=body, headers=api.as_actor(actor))
    assert response.status_code == status, response.text
    drain(runtime)
    assert _footprint(runtime) == before
    answer: dict[str, Any] = response.json()
    return answer


def test_harvest_invalid_gtin_check_digit_names_field_and_rule(
    api: ApiStory, runtime: Runtime
) -> None:
    wrong = data.FRESH_ROOTS[:-1] + str((int(data.FRESH_ROOTS[-1]) + 1) % 10)
    answer = _refused(api, runtime, "/batches", "cooperative", _harvest(gtin=wrong), 422)
    assert answer["problems"][0]["field"] == "gtin"
    assert f"check digit must be {data.FRESH_ROOTS[-1]}" in answer["detail"]


@pytest.mark.parametrize("quantity", ["0", "-5", "0.0001"])
def test_harvest_non_positive_or_sub_gram_quantity_refused(
    api: ApiStory, runtime: Runtime, quantity: str
) -> None:
    answer = _refused(api, runtime, "/batches", "cooperative", _harvest(quantityKg=quantity), 422)
    assert answer["problems"][0]["field"] == "quantityKg"
    assert "greater than 0" in answer["detail"] or "3 decimals" in answer["detail"]


def test_step_unknown_batch_is_404(api: ApiStory, runtime: Runtime) -> None:
    unknown = "0x" + "ab" * 32
    answer = _refused(
        api, runtime, f"/batches/{unknown}/steps", "processor", {"step": "receiving"}, 404
    )
    assert answer["detail"] == f"unknown batch: {unknown}"


def test_harvest_by_actor_without_role_is_403(api: ApiStory, runtime: Runtime) -> None:
    answer = _refused(api, runtime, "/batches", "processor", _harvest(), 403)
    assert "has role PROCESSOR; this needs COOPERATIVE" in answer["detail"]


def test_export_clearance_by_exporter_is_403(api: ApiStory, runtime: Runtime) -> None:
    fresh = api.harvest()
    drain(runtime)
    answer = _refused(
        api,
        runtime,
        f"/batches/{fresh}/export-clearance",
        "exporter",
        {"declarationNumber": "1", "borderGateGln": data.BORDER_GATE_GLN},
        403,
    )
    assert "this needs CUSTOMS" in answer["detail"]


def _drying_at_the_processor(
    api: ApiStory, runtime: Runtime, input_kg: str, output_kg: str
) -> dict[str, Any]:
    """A harvest handed to the processor, and a drying request over it."""
    fresh = api.harvest()
    processor = next(a.gln for a in data.ACTORS if a.key == "processor")
    api.post(f"/batches/{fresh}/shipments", "cooperative", {"toGln": processor})
    api.post(f"/batches/{fresh}/steps", "processor", {"step": "receiving"})
    drain(runtime)
    return {
        "processStep": "drying",
        "inputs": [{"batchId": fresh, "quantityKg": input_kg}],
        "outputs": [{"gtin": data.DRIED_ROOTS, "lot": data.DRIED_LOT, "quantityKg": output_kg}],
    }


def test_transform_more_output_than_input_is_mass_balance_error(
    api: ApiStory, runtime: Runtime
) -> None:
    body = _drying_at_the_processor(api, runtime, input_kg="500", output_kg="500.001")
    answer = _refused(api, runtime, "/transformations", "processor", body, 422)
    assert answer["field"] == "outputs"
    assert "mass balance" in answer["detail"]


def test_transform_more_input_than_remaining_names_the_input(
    api: ApiStory, runtime: Runtime
) -> None:
    body = _drying_at_the_processor(api, runtime, input_kg="600", output_kg="100")
    answer = _refused(api, runtime, "/transformations", "processor", body, 422)
    assert answer["field"] == "inputs.0.quantityKg"


def test_transfer_by_non_custodian_is_403(api: ApiStory, runtime: Runtime) -> None:
    fresh = api.harvest()
    drain(runtime)
    exporter = next(a.gln for a in data.ACTORS if a.key == "exporter")
    answer = _refused(
        api, runtime, f"/batches/{fresh}/shipments", "processor", {"toGln": exporter}, 403
    )
    assert "is not the custodian" in answer["detail"]


def test_same_lot_registered_twice_is_409(api: ApiStory, runtime: Runtime) -> None:
    api.harvest()
    drain(runtime)
    answer = _refused(api, runtime, "/batches", "cooperative", _harvest(), 409)
    assert answer["field"] == "lot"


def test_missing_or_unknown_api_key_is_401(api: ApiStory, runtime: Runtime) -> None:
    before = _footprint(runtime)
    assert api.client.post("/batches", json=_harvest()).status_code == 401
    response = api.client.post(
        "/batches", json=_harvest(), headers={"Authorization": "Bearer ocp_not-a-key"}
    )
    assert response.status_code == 401
    assert _footprint(runtime) == before


def test_oversized_body_is_413(api: ApiStory, runtime: Runtime) -> None:
    before = _footprint(runtime)
    response = api.client.post(
        "/batches",
        content=b"{" + b" " * 1_000_001 + b"}",
        headers={**api.as_actor("cooperative"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert _footprint(runtime) == before


def test_unknown_field_is_refused(api: ApiStory, runtime: Runtime) -> None:
    answer = _refused(api, runtime, "/batches", "cooperative", _harvest(price="1000000"), 422)
    assert answer["problems"][0]["field"] == "price"


def test_receiving_a_lot_not_shipped_to_you_is_409(api: ApiStory, runtime: Runtime) -> None:
    fresh = api.harvest()
    exporter = next(a.gln for a in data.ACTORS if a.key == "exporter")
    api.post(f"/batches/{fresh}/shipments", "cooperative", {"toGln": exporter})
    drain(runtime)
    answer = _refused(
        api, runtime, f"/batches/{fresh}/steps", "processor", {"step": "receiving"}, 409
    )
    assert "only the consignee of a shipment receives it" in answer["detail"]


def test_shipped_lot_cannot_be_processed_before_receipt(api: ApiStory, runtime: Runtime) -> None:
    fresh = api.harvest()
    processor = next(a.gln for a in data.ACTORS if a.key == "processor")
    api.post(f"/batches/{fresh}/shipments", "cooperative", {"toGln": processor})
    drain(runtime)
    body = {
        "processStep": "drying",
        "inputs": [{"batchId": fresh, "quantityKg": "500"}],
        "outputs": [{"gtin": data.DRIED_ROOTS, "lot": data.DRIED_LOT, "quantityKg": "150"}],
    }
    answer = _refused(api, runtime, "/transformations", "processor", body, 403)
    assert "is not the custodian" in answer["detail"]

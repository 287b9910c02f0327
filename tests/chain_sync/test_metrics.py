"""GET /metrics: the sync's health in the Prometheus text format, through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from backend.runtime import Runtime
from chain_sync.indexer import sync_once
from contracts.chains import free_port
from seeds.story import StoryResult


def _samples(client: TestClient) -> dict[str, tuple[str, float]]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    found: dict[str, tuple[str, float]] = {}
    for line in response.text.splitlines():
        if line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, labels = series.partition("{")
        found[name] = (labels.rstrip("}"), float(value))
    return found


def test_metrics_report_cursor_lag_events_and_outbox(
    client: TestClient, runtime: Runtime, story: StoryResult
) -> None:
    samples = _samples(client)
    head = runtime.chain.w3.eth.block_number
    assert samples["ocoptrace_sync_last_block"][1] == head
    assert samples["ocoptrace_sync_head_lag_blocks"][1] == 0
    assert samples["ocoptrace_sync_events_total"][1] > 0
    assert samples["ocoptrace_sync_events_per_second"][1] > 0
    assert samples["ocoptrace_outbox_pending"][1] == 0
    runtime.chain.w3.provider.ethereum_tester.mine_blocks(2)  # type: ignore[attr-defined]
    assert _samples(client)["ocoptrace_sync_head_lag_blocks"][1] == 2


def test_metrics_report_the_last_sync_error(client: TestClient, runtime: Runtime) -> None:
    nowhere = Web3(HTTPProvider(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(OSError, match="Connection"):
        sync_once(runtime.sessions, nowhere, runtime.ledger, runtime.deployment)
    samples = _samples(client)
    labels, value = samples["ocoptrace_sync_last_error_info"]
    assert value == 1
    assert "Connection" in labels
    assert samples["ocoptrace_sync_last_error_timestamp_seconds"][1] > 0

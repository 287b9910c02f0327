"""The Lào Cai story told through the HTTP API, as the actors' own systems would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from seeds import laocai as data


@dataclass
class ApiStory:
    client: TestClient
    admin_key: str
    keys: dict[str, str] = field(default_factory=dict)
    batch_ids: dict[str, str] = field(default_factory=dict)

    def as_actor(self, key: str) -> dict[str, str]:
        token = self.admin_key if key == "admin" else self.keys[key]
        return {"Authorization": f"Bearer {token}"}

    def post(self, path: str, actor: str, body: dict[str, Any], expect: int = 202) -> Any:
        response = self.client.post(path, json=body, headers=self.as_actor(actor))
        assert response.status_code == expect, response.text
        return response.json()

    def onboard_all(self) -> None:
        for sample in data.ACTORS:
            created = self.post(
                "/actors",
                "admin",
                {
                    "name": sample.name,
                    "role": sample.role,
                    "gln": sample.gln,
                    "locality": sample.locality,
                },
                expect=201,
            )
            self.keys[sample.key] = created["apiKey"]
        for product in data.PRODUCTS:
            self.post("/products", "admin", product, expect=201)

    def harvest(self) -> str:
        body = {
            **data.HARVEST,
            "quantityKg": "500",
            "harvestDate": "2026-10-05",
            "eventTime": data.HARVEST["eventTime"].isoformat(),
        }  # type: ignore[attr-defined]
        accepted = self.post("/batches", "cooperative", body)
        self.batch_ids["fresh"] = accepted["batchIds"][0]
        return self.batch_ids["fresh"]

    def run_all(self) -> str:
        """The whole story; returns the Digital Link path of package 0001."""
        self.onboard_all()
        fresh = self.harvest()
        processor_gln = next(a.gln for a in data.ACTORS if a.key == "processor")
        exporter_gln = next(a.gln for a in data.ACTORS if a.key == "exporter")
        self.post(f"/batches/{fresh}/shipments", "cooperative", {"toGln": processor_gln})
        self.post(f"/batches/{fresh}/steps", "processor", {"step": "receiving"})
        dried = self.post(
            "/transformations",
            "processor",
            {
                "processStep": "drying",
                "inputs": [{"batchId": fresh, "quantityKg": "500"}],
                "outputs": [{"gtin": data.DRIED_ROOTS, "lot": data.DRIED_LOT, "quantityKg": "150"}],
            },
        )["batchIds"][0]
        self.batch_ids["dried"] = dried
        self.post(
            f"/batches/{dried}/certificates",
            "lab",
            {
                "certificateType": "lab-test",
                "documentSha256": data.LAB_REPORT_SHA256,
                "validUntil": "2030-01-01",
                "testResults": data.LAB_RESULTS,
            },
        )
        retail = self.post(
            "/transformations",
            "processor",
            {
                "processStep": "packing",
                "inputs": [{"batchId": dried, "quantityKg": "150"}],
                "outputs": [
                    {
                        "gtin": data.RETAIL_PACK,
                        "lot": data.RETAIL_LOT,
                        "quantityKg": "150",
                        "serials": data.SERIALS,
                    }
                ],
            },
        )["batchIds"][0]
        self.batch_ids["retail"] = retail
        self.post(f"/batches/{retail}/shipments", "processor", {"toGln": exporter_gln})
        self.post(f"/batches/{retail}/steps", "exporter", {"step": "receiving"})
        self.post(
            f"/batches/{retail}/steps",
            "exporter",
            {"step": "departing", "borderGateGln": data.BORDER_GATE_GLN},
        )
        self.post(
            f"/batches/{retail}/export-clearance",
            "customs",
            {
                "declarationNumber": data.EXPORT_DECLARATION,
                "borderGateGln": data.BORDER_GATE_GLN,
            },
        )
        return f"/01/{data.RETAIL_PACK}/10/{data.RETAIL_LOT}/21/{data.SERIALS[0]}"

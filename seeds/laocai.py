"""The sample data of the demo: fictional actors and products of Lào Cai (SAMPLE DATA).

GS1 keys use the made-up company prefix 8938501 (the 893 range is GS1 Vietnam's);
check digits are computed, not typed. Planting-area codes are opaque sample strings:
the official PUC format is not published, so we invent no meaning for its letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from backend.traceability.service import INDOCHINA_TIME
from epcis.gs1 import check_digit

COMPANY_PREFIX = "8938501"


def gln(location_reference: str) -> str:
    body = COMPANY_PREFIX + location_reference
    return body + str(check_digit(body))


def gtin(item_reference: str) -> str:
    body = "0" + COMPANY_PREFIX + item_reference
    return body + str(check_digit(body))


@dataclass(frozen=True)
class SampleActor:
    key: str
    name: str
    role: str
    gln: str
    locality: str


ACTORS = (
    SampleActor(
        "cooperative",
        "HTX Dược liệu Y Tý (sample data)",
        "COOPERATIVE",
        gln("00010"),
        "xã Y Tý, tỉnh Lào Cai",
    ),
    SampleActor(
        "processor",
        "Công ty Chế biến Dược liệu Cam Đường (sample data)",
        "PROCESSOR",
        gln("00020"),
        "phường Cam Đường, tỉnh Lào Cai",
    ),
    SampleActor(
        "lab",
        "Phòng Kiểm nghiệm Dược liệu Lào Cai (sample data)",
        "LAB",
        gln("00030"),
        "phường Lào Cai, tỉnh Lào Cai",
    ),
    SampleActor(
        "exporter",
        "Công ty XNK Kim Thành (sample data)",
        "EXPORTER",
        gln("00040"),
        "phường Lào Cai, tỉnh Lào Cai",
    ),
    SampleActor(
        "customs",
        "Customs post, Lào Cai international road border gate (sample data)",
        "CUSTOMS",
        gln("00050"),
        "Kim Thành, phường Lào Cai, tỉnh Lào Cai",
    ),
)

# The Lào Cai international road border gate (Kim Thành bridge), facing Hekou.
BORDER_GATE_GLN = gln("00900")

FRESH_ROOTS = gtin("00011")
DRIED_ROOTS = gtin("00028")
RETAIL_PACK = gtin("00035")

PRODUCTS = (
    {
        "gtin": FRESH_ROOTS,
        "companyPrefixLength": len(COMPANY_PREFIX),
        "nameVi": "Củ tam thất tươi",
        "nameEn": "Fresh tam that (Panax notoginseng) roots",
        "nameZh": "新鲜三七根",
        "species": "Panax notoginseng (Burk.) F.H. Chen",
    },
    {
        "gtin": DRIED_ROOTS,
        "companyPrefixLength": len(COMPANY_PREFIX),
        "nameVi": "Củ tam thất sấy khô",
        "nameEn": "Dried tam that (Panax notoginseng) roots",
        "nameZh": "三七干根",
        "species": "Panax notoginseng (Burk.) F.H. Chen",
    },
    {
        "gtin": RETAIL_PACK,
        "companyPrefixLength": len(COMPANY_PREFIX),
        "nameVi": "Tam thất Y Tý sấy khô, gói 1 kg",
        "nameEn": "Y Ty dried tam that, 1 kg pack",
        "nameZh": "Y Tý 三七干根，1 公斤装",
        "species": "Panax notoginseng (Burk.) F.H. Chen",
        "netContentG": 1000,
        "ocopStars": 4,
        "brand": "Y Tý Herbs (sample data)",
        "shelfLifeDays": 730,
        "standards": "GACP-WHO (TT 19/2019/TT-BYT); TCVN 12850:2019",
    },
)


def at(day: int, hour: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=INDOCHINA_TIME)


HARVEST_LOT = "YT2610-01"
HARVEST_KG = Decimal(500)
HARVEST = {
    "gtin": FRESH_ROOTS,
    "lot": HARVEST_LOT,
    "quantityKg": HARVEST_KG,
    "harvestDate": date(2026, 10, 5),
    "eventTime": at(5, 16),
    "plantingAreaCode": "LC-PUC-SAMPLE-0001",
    "practice": "GACP",
    "commune": "Y Tý",
    "latitude": 22.6284,
    "longitude": 103.6312,
}
DRIED_LOT = "YT2610-01D"
DRIED_KG = Decimal(150)
RETAIL_LOT = "TT2610-01"
UNIT_COUNT = 150
SERIALS = [f"{n:04d}" for n in range(1, UNIT_COUNT + 1)]
LAB_RESULTS = {
    "moisture": "9.8 %",
    "totalAsh": "4.1 %",
    "acidInsolubleAsh": "0.6 %",
    "notoginsenosideR1+ginsenosidesRg1+Rb1": "7.2 %",
    "Pb": "0.42 mg/kg",
    "Cd": "0.08 mg/kg",
    "As": "0.21 mg/kg",
    "Hg": "0.01 mg/kg",
    "pesticideResidues": "not detected",
}
# SHA-256 of the sample lab report PDF (the document itself is not part of the sample).
LAB_REPORT_SHA256 = "4f2a9c0d51b7e63a8e9d2c4b7a1f0e5d3c6b9a8f7e2d1c0b5a4f3e2d1c0b9a87"
LAB_REPORT_VALID_UNTIL = date(2027, 10, 14)
EXPORT_DECLARATION = "30571234560 (sample)"
PHYTOSANITARY_CERTIFICATE = "VN-PSC-2026-SAMPLE-0457"

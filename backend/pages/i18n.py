"""The buyer page's words in Vietnamese, English and Chinese (simplified)."""

from __future__ import annotations

LANGUAGES = ("vi", "en", "zh")
DEFAULT_LANGUAGE = "vi"

TEXT: dict[str, dict[str, str]] = {
    "title": {"vi": "Truy xuất nguồn gốc", "en": "Product provenance", "zh": "产品溯源"},
    "VERIFIED": {
        "vi": "ĐÃ XÁC THỰC trên blockchain",
        "en": "VERIFIED on the blockchain",
        "zh": "已在区块链上验证",
    },
    "FAILED": {
        "vi": "KHÔNG XÁC THỰC — có thể là hàng giả",
        "en": "NOT VERIFIED — possible counterfeit",
        "zh": "验证失败 — 可能是假冒产品",
    },
    "product": {"vi": "Sản phẩm", "en": "Product", "zh": "产品"},
    "origin": {"vi": "Nguồn gốc", "en": "Origin", "zh": "产地"},
    "steps": {"vi": "Hành trình", "en": "Journey", "zh": "流通环节"},
    "proof": {"vi": "Bằng chứng trên chuỗi khối", "en": "On-chain proof", "zh": "链上证明"},
    "reasons": {"vi": "Lý do", "en": "Reasons", "zh": "原因"},
    "producer": {"vi": "Nhà sản xuất", "en": "Producer", "zh": "生产者"},
    "harvestDate": {"vi": "Ngày thu hoạch", "en": "Harvest date", "zh": "采收日期"},
    "plantingAreaCode": {"vi": "Mã vùng trồng", "en": "Planting area code", "zh": "种植区代码"},
    "practice": {"vi": "Tiêu chuẩn canh tác", "en": "Practice", "zh": "种植规范"},
    "commune": {"vi": "Xã", "en": "Commune", "zh": "乡"},
    "lot": {"vi": "Lô", "en": "Lot", "zh": "批次"},
    "serial": {"vi": "Số sê-ri", "en": "Serial", "zh": "序列号"},
    "block": {"vi": "Khối", "en": "Block", "zh": "区块"},
    "serialOf": {"vi": "Mã sản phẩm", "en": "Trade item", "zh": "商品编码"},
    "stars": {"vi": "sao OCOP", "en": "OCOP stars", "zh": "OCOP 星级"},
    "kind.harvest": {"vi": "Thu hoạch", "en": "Harvest", "zh": "采收"},
    "kind.step": {"vi": "Công đoạn", "en": "Step", "zh": "环节"},
    "kind.transformation": {"vi": "Chế biến", "en": "Processing", "zh": "加工"},
    "kind.custody": {"vi": "Giao nhận", "en": "Handover", "zh": "交接"},
    "kind.certificate": {"vi": "Chứng nhận", "en": "Certificate", "zh": "检测证书"},
    "kind.export": {"vi": "Thông quan xuất khẩu", "en": "Export clearance", "zh": "出口通关"},
    "checkedAgainst": {
        "vi": "Mỗi sự kiện được băm lại và đối chiếu với hợp đồng",
        "en": "Every event was hashed again and checked against contract",
        "zh": "每个事件均已重新计算哈希并与合约核对",
    },
    "chain": {"vi": "chuỗi", "en": "chain", "zh": "链"},
}


def pick_language(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the browser's Accept-Language, then Vietnamese."""
    if query in LANGUAGES:
        return query
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def translator(language: str) -> dict[str, str]:
    return {key: words[language] for key, words in TEXT.items()}

"""The buyer page's words in Vietnamese, English and Chinese (simplified).

Keys with a dot name a value the page translates when it knows it (``proc.drying``,
``cert.lab-test``, ``check.event-hash``...); the template falls back to the raw value.
"""

from __future__ import annotations

LANGUAGES = ("vi", "en", "zh")
DEFAULT_LANGUAGE = "vi"

TEXT: dict[str, dict[str, str]] = {
    "title": {"vi": "Truy xuất nguồn gốc", "en": "Product provenance", "zh": "产品溯源"},
    "language": {"vi": "Ngôn ngữ", "en": "Language", "zh": "语言"},
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
    "headline.counterfeit": {
        "vi": "KHÔNG XÁC THỰC — có thể là hàng giả",
        "en": "NOT VERIFIED — possible counterfeit",
        "zh": "验证失败 — 可能是假冒产品",
    },
    "headline.tampered": {
        "vi": "KHÔNG XÁC THỰC — hồ sơ đã bị sửa đổi",
        "en": "NOT VERIFIED — the records were altered",
        "zh": "验证失败 — 记录已被篡改",
    },
    "headline.recalled": {
        "vi": "ĐÃ THU HỒI — không sử dụng sản phẩm này",
        "en": "RECALLED — do not use this product",
        "zh": "已召回 — 请勿使用该产品",
    },
    "headline.pending": {
        "vi": "CHƯA XÁC NHẬN — hồ sơ đang được ghi lên chuỗi khối",
        "en": "NOT YET CONFIRMED — records are being written to the blockchain",
        "zh": "尚未确认 — 记录正在写入区块链",
    },
    "note.recalled": {
        "vi": "Lô hàng của sản phẩm này đã bị thu hồi. Hãy trả lại cho người bán.",
        "en": "A batch this product was made from has been recalled. Return it to the seller.",
        "zh": "该产品所属批次已被召回，请退还给销售者。",
    },
    "note.pending": {
        "vi": "Hãy quét lại sau ít phút.",
        "en": "Scan again in a few minutes.",
        "zh": "请几分钟后再扫描。",
    },
    "hiddenUnverified": {
        "vi": "Nội dung bản ghi này không khớp với chuỗi khối nên không được hiển thị.",
        "en": "This record does not match the blockchain, so its details are not shown.",
        "zh": "该记录与区块链不符，因此不显示其内容。",
    },
    "check.code": {
        "vi": "Mã quét được không phải là mã GS1 hợp lệ của một sản phẩm.",
        "en": "The scanned code is not a valid GS1 code of a product.",
        "zh": "扫描的编码不是有效的商品 GS1 编码。",
    },
    "check.event-pending": {
        "vi": "Một sự kiện chưa được ghi lên chuỗi khối.",
        "en": "An event is not written to the blockchain yet.",
        "zh": "某个事件尚未写入区块链。",
    },
    "verifiedNote": {
        "vi": "Cả {n} sự kiện trong hành trình đã được đối chiếu với chuỗi khối.",
        "en": "All {n} events of the journey were checked against the blockchain.",
        "zh": "流通过程中的全部 {n} 个事件均已与区块链核对。",
    },
    "failedNote": {
        "vi": "Đừng tin vào nguồn gốc ghi cho sản phẩm này. "
        "Hãy liên hệ người bán hoặc cơ quan quản lý thị trường.",
        "en": "Do not rely on the origin claimed for this product. "
        "Contact the seller or the market surveillance authority.",
        "zh": "请勿相信该产品声明的产地信息，请联系销售者或市场监管部门。",
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
    "gps": {"vi": "Tọa độ", "en": "Coordinates", "zh": "坐标"},
    "lot": {"vi": "Lô", "en": "Lot", "zh": "批次"},
    "serial": {"vi": "Số sê-ri", "en": "Serial", "zh": "序列号"},
    "block": {"vi": "Khối", "en": "Block", "zh": "区块"},
    "tx": {"vi": "giao dịch", "en": "tx", "zh": "交易"},
    "serialOf": {"vi": "Mã sản phẩm", "en": "Trade item", "zh": "商品编码"},
    "species": {"vi": "Loài", "en": "Species", "zh": "物种"},
    "brand": {"vi": "Thương hiệu", "en": "Brand", "zh": "品牌"},
    "standards": {"vi": "Tiêu chuẩn", "en": "Standards", "zh": "执行标准"},
    "netContent": {"vi": "Khối lượng tịnh", "en": "Net content", "zh": "净含量"},
    "stars": {"vi": "sao OCOP", "en": "OCOP stars", "zh": "OCOP 星级"},
    "validUntil": {"vi": "Hiệu lực đến", "en": "Valid until", "zh": "有效期至"},
    "declaration": {"vi": "Tờ khai hải quan", "en": "Customs declaration", "zh": "报关单号"},
    "borderGate": {"vi": "Cửa khẩu", "en": "Border gate", "zh": "口岸"},
    "phytosanitary": {
        "vi": "Giấy kiểm dịch thực vật",
        "en": "Phytosanitary certificate",
        "zh": "植物检疫证书",
    },
    "kind.harvest": {"vi": "Thu hoạch", "en": "Harvest", "zh": "采收"},
    "kind.step": {"vi": "Công đoạn", "en": "Step", "zh": "环节"},
    "kind.transformation": {"vi": "Chế biến", "en": "Processing", "zh": "加工"},
    "kind.custody": {"vi": "Giao nhận", "en": "Handover", "zh": "交接"},
    "kind.certificate": {"vi": "Chứng nhận", "en": "Certificate", "zh": "检测证书"},
    "kind.export": {"vi": "Thông quan xuất khẩu", "en": "Export clearance", "zh": "出口通关"},
    "kind.captured": {"vi": "Sự kiện EPCIS", "en": "EPCIS event", "zh": "EPCIS 事件"},
    "proc.drying": {"vi": "Sấy khô", "en": "Drying", "zh": "干燥"},
    "proc.slicing": {"vi": "Thái lát", "en": "Slicing", "zh": "切片"},
    "proc.extraction": {"vi": "Chiết xuất", "en": "Extraction", "zh": "提取"},
    "proc.packing": {"vi": "Đóng gói", "en": "Packing", "zh": "包装"},
    "proc.grinding": {"vi": "Nghiền", "en": "Grinding", "zh": "研磨"},
    "proc.blending": {"vi": "Phối trộn", "en": "Blending", "zh": "混合"},
    "proc.receiving": {"vi": "Nhận hàng", "en": "Receiving", "zh": "收货"},
    "proc.storing": {"vi": "Lưu kho", "en": "Storage", "zh": "仓储"},
    "proc.inspecting": {"vi": "Kiểm tra", "en": "Inspection", "zh": "检验"},
    "proc.washing": {"vi": "Rửa", "en": "Washing", "zh": "清洗"},
    "proc.sorting": {"vi": "Phân loại", "en": "Sorting", "zh": "分拣"},
    "proc.departing": {"vi": "Xuất phát", "en": "Departure", "zh": "发运"},
    "cert.lab-test": {"vi": "Phiếu kiểm nghiệm", "en": "Lab test report", "zh": "检验报告"},
    "cert.gacp-receipt": {"vi": "Tiếp nhận GACP", "en": "GACP receipt", "zh": "GACP 受理回执"},
    "cert.ocop": {"vi": "Chứng nhận OCOP", "en": "OCOP certificate", "zh": "OCOP 认证"},
    "cert.phytosanitary": {
        "vi": "Kiểm dịch thực vật",
        "en": "Phytosanitary certificate",
        "zh": "植物检疫证书",
    },
    "cert.organic": {"vi": "Chứng nhận hữu cơ", "en": "Organic certificate", "zh": "有机认证"},
    "practice.organic": {"vi": "Hữu cơ", "en": "Organic", "zh": "有机"},
    "practice.conventional": {"vi": "Thông thường", "en": "Conventional", "zh": "常规"},
    "analyte.moisture": {"vi": "Độ ẩm", "en": "Moisture", "zh": "水分"},
    "analyte.totalAsh": {"vi": "Tro toàn phần", "en": "Total ash", "zh": "总灰分"},
    "analyte.acidInsolubleAsh": {
        "vi": "Tro không tan trong acid",
        "en": "Acid-insoluble ash",
        "zh": "酸不溶性灰分",
    },
    "analyte.notoginsenosideR1+ginsenosidesRg1+Rb1": {
        "vi": "Saponin (R1 + Rg1 + Rb1)",
        "en": "Saponins (R1 + Rg1 + Rb1)",
        "zh": "皂苷 (R1 + Rg1 + Rb1)",
    },
    "analyte.Pb": {"vi": "Chì (Pb)", "en": "Lead (Pb)", "zh": "铅 (Pb)"},
    "analyte.Cd": {"vi": "Cadimi (Cd)", "en": "Cadmium (Cd)", "zh": "镉 (Cd)"},
    "analyte.As": {"vi": "Asen (As)", "en": "Arsenic (As)", "zh": "砷 (As)"},
    "analyte.Hg": {"vi": "Thủy ngân (Hg)", "en": "Mercury (Hg)", "zh": "汞 (Hg)"},
    "analyte.pesticideResidues": {
        "vi": "Dư lượng thuốc BVTV",
        "en": "Pesticide residues",
        "zh": "农药残留",
    },
    "value.not detected": {"vi": "không phát hiện", "en": "not detected", "zh": "未检出"},
    "check.unit": {
        "vi": "Mã này chưa từng được cấp cho sản phẩm nào.",
        "en": "This code was never issued to a product.",
        "zh": "该编码从未发放给任何产品。",
    },
    "check.event-document": {
        "vi": "Một bản ghi sự kiện bị hỏng.",
        "en": "An event record is unreadable.",
        "zh": "某个事件记录无法读取。",
    },
    "check.event-hash": {
        "vi": "Một bản ghi sự kiện đã bị sửa sau khi ghi lên chuỗi khối.",
        "en": "An event record was changed after it was written to the blockchain.",
        "zh": "某个事件记录在写入区块链后被修改。",
    },
    "check.event-on-chain": {
        "vi": "Một sự kiện không có trên chuỗi khối.",
        "en": "An event is not on the blockchain.",
        "zh": "某个事件未记录在区块链上。",
    },
    "check.event-batch": {
        "vi": "Một sự kiện được ghi cho lô hàng khác.",
        "en": "An event was recorded for another batch.",
        "zh": "某个事件记录属于其他批次。",
    },
    "check.event-actor": {
        "vi": "Một sự kiện được ghi bởi bên khác.",
        "en": "An event was recorded by someone else.",
        "zh": "某个事件由其他主体记录。",
    },
    "check.unit-packed": {
        "vi": "Gói này không có trong lần đóng gói đã xác thực.",
        "en": "This pack is not in a verified packing record.",
        "zh": "该包装不在已验证的包装记录中。",
    },
    "check.batch-on-chain": {
        "vi": "Một lô hàng chưa được đăng ký trên chuỗi khối.",
        "en": "A batch is not registered on the blockchain.",
        "zh": "某个批次未在区块链上登记。",
    },
    "check.batch-recall": {
        "vi": "Lô hàng đã bị thu hồi.",
        "en": "The batch was recalled.",
        "zh": "该批次已被召回。",
    },
    "check.origin": {
        "vi": "Không truy được đến lần thu hoạch đã đăng ký.",
        "en": "The journey does not reach a registered harvest.",
        "zh": "无法追溯到已登记的采收记录。",
    },
    "checkedAgainst": {
        "vi": "Mỗi sự kiện được băm lại và đối chiếu với hợp đồng",
        "en": "Every event was hashed again and checked against contract",
        "zh": "每个事件均已重新计算哈希并与合约核对",
    },
    "chain": {"vi": "chuỗi", "en": "chain", "zh": "链"},
    "technical": {
        "vi": "Chi tiết kỹ thuật (JSON)",
        "en": "Technical details (JSON)",
        "zh": "技术详情 (JSON)",
    },
}


def pick_language(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the browser's Accept-Language (by q-value), then Vietnamese."""
    if query in LANGUAGES:
        return query
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        code, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = code.lower()[:2]
        if code in LANGUAGES and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def translator(language: str) -> dict[str, str]:
    return {key: words[language] for key, words in TEXT.items()}

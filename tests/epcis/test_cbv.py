"""CBV 2.0 vocabulary expansion and shortening."""

from __future__ import annotations

import pytest

from epcis import cbv


@pytest.mark.parametrize(
    "value",
    ["shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"],
)
def test_expand_biz_step_forms(value: str) -> None:
    assert cbv.expand_biz_step(value) == "https://ref.gs1.org/cbv/BizStep-shipping"


def test_expand_custom_uri_kept() -> None:
    custom = "https://ocop.example.vn/bizstep/drying"
    assert cbv.expand_biz_step(custom) == custom
    assert not cbv.is_standard(cbv.VocabularyType.BIZ_STEP, custom)


def test_shorten_round_trip_every_term() -> None:
    for vocabulary, names in cbv.VOCABULARIES.items():
        for name in names:
            assert cbv.shorten(vocabulary, cbv.expand(vocabulary, name)) == name


def test_vocabulary_sizes() -> None:
    assert len(cbv.BIZ_STEPS) == 41
    assert len(cbv.DISPOSITIONS) == 33
    assert cbv.expand_disposition("in_transit") == "https://ref.gs1.org/cbv/Disp-in_transit"
    assert (
        cbv.expand(cbv.VocabularyType.BIZ_TRANSACTION_TYPE, "po")
        == "https://ref.gs1.org/cbv/BTT-po"
    )

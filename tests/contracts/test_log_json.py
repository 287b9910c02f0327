"""The sync's decoder (``AbiCodec.event_json_args``, ``Ledger.log_json_args``): args read
straight from the hex of raw logs must equal eth-abi's decoding turned into the JSON form,
for every ABI type it reads word by word and for those it hands to eth-abi."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_typing import HexStr
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.ledger import JSON_SAFE_INT, AbiCodec, hex_text
from tests.contracts.ledger_world import World, digest, new_batch_id

# (name, type, indexed) of two synthetic events: one whose data is all one-word values,
# one whose data has dynamic values (decoded by eth-abi).
STATIC_INPUTS = [
    ("digest", "bytes32", True),
    ("who", "address", True),
    ("amount", "uint64", True),
    ("note", "string", True),
    ("tag", "bytes4", False),
    ("big", "uint256", False),
    ("delta", "int256", False),
    ("small", "int8", False),
    ("flag", "bool", False),
    ("to", "address", False),
]
DYNAMIC_INPUTS = [
    ("digest", "bytes32", True),
    ("ids", "bytes32[]", False),
    ("quantities", "uint48[]", False),
    ("label", "string", False),
    ("blob", "bytes", False),
    ("flag", "bool", False),
]


def _event(name: str, inputs: list[tuple[str, str, bool]]) -> dict[str, Any]:
    return {
        "type": "event",
        "name": name,
        "anonymous": False,
        "inputs": [{"name": n, "type": t, "indexed": ix} for n, t, ix in inputs],
    }


CODEC = AbiCodec([_event("Static", STATIC_INPUTS), _event("Dynamic", DYNAMIC_INPUTS)])

addresses = st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address(b))
words = st.binary(min_size=32, max_size=32)
STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "bytes32": words,
    "address": addresses,
    "uint64": st.integers(0, 2**64 - 1),
    "string": st.text(max_size=40),
    "bytes4": st.binary(min_size=4, max_size=4),
    "uint256": st.integers(0, 2**256 - 1),
    "int256": st.integers(-(2**255), 2**255 - 1),
    "int8": st.integers(-128, 127),
    "bool": st.booleans(),
    "bytes32[]": st.lists(words, max_size=4),
    "uint48[]": st.lists(st.integers(0, 2**48 - 1), max_size=4),
    "bytes": st.binary(max_size=70),
}


def _json_form(value: Any, abi_type: str) -> Any:
    """The JSON form, written out independently of the codec."""
    if abi_type.endswith("[]"):
        return [_json_form(v, abi_type[:-2]) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool | str):
        return value
    return value if abs(value) <= JSON_SAFE_INT else str(value)


def _topic(value: Any, abi_type: str) -> str:
    if abi_type == "string":
        return "0x" + keccak(text=value).hex()
    return "0x" + abi_encode([abi_type], [value]).hex()


def _signature(name: str, inputs: list[tuple[str, str, bool]]) -> str:
    return f"{name}({','.join(t for _, t, _ in inputs)})"


def _check(name: str, inputs: list[tuple[str, str, bool]], values: list[Any]) -> None:
    topics = ["0x" + keccak(text=_signature(name, inputs)).hex()]
    plain_types, plain_values = [], []
    for (_, abi_type, indexed), value in zip(inputs, values, strict=True):
        if indexed:
            topics.append(_topic(value, abi_type))
        else:
            plain_types.append(abi_type)
            plain_values.append(value)
    data = "0x" + abi_encode(plain_types, plain_values).hex()
    expected = {}
    for (arg, abi_type, indexed), value in zip(inputs, values, strict=True):
        if indexed and abi_type == "string":
            expected[arg] = _topic(value, abi_type)  # only the hash is on chain
        else:
            expected[arg] = _json_form(value, abi_type)
    assert CODEC.event_json_args(topics, data) == (name, expected)


@settings(max_examples=150, deadline=None)
@given(st.tuples(*(STRATEGIES[t] for _, t, _ in STATIC_INPUTS)))
def test_one_word_values_are_read_from_the_hex(values: tuple[Any, ...]) -> None:
    _check("Static", STATIC_INPUTS, list(values))


@settings(max_examples=150, deadline=None)
@given(st.tuples(*(STRATEGIES[t] for _, t, _ in DYNAMIC_INPUTS)))
def test_dynamic_data_goes_through_eth_abi(values: tuple[Any, ...]) -> None:
    _check("Dynamic", DYNAMIC_INPUTS, list(values))


def test_unknown_topic_and_foreign_logs_are_not_decoded(world: World) -> None:
    assert CODEC.event_json_args([], "0x") is None
    assert CODEC.event_json_args(["0x" + "00" * 32], "0x") is None
    _, result = world.harvest()
    receipt = world.w3.eth.get_transaction_receipt(HexStr(result.tx_hash))
    raw = dict(receipt["logs"][0])
    assert world.ledger.log_json_args(raw) is not None
    assert world.ledger.log_json_args({**raw, "address": world.admin.address}) is None


def test_ledger_logs_match_the_eth_abi_decoder(world: World) -> None:
    """Every log of a lifecycle (onboarding, registration, custody, a transformation with
    arrays, a certificate, a recall): as eth-tester's bytes and as JSON-RPC's hex text."""
    fresh = world.at_processor(500_000)
    dried = new_batch_id()
    world.ledger.transform(
        world.processor, [fresh], [500_000], [dried], [100_000], digest(), yield_bps=2_000
    )
    world.ledger.attach_certificate(world.lab, dried, digest(), 2_000, digest(), valid_from=1_000)
    world.ledger.recall(world.admin, dried, digest())
    logs = world.w3.eth.get_logs({"address": world.ledger.address, "fromBlock": 0})
    abi = {e["name"]: e for e in world.ledger.contract.abi if e["type"] == "event"}
    names = set()
    for raw in logs:
        decoded = world.ledger.decode_log(raw)
        assert decoded is not None
        names.add(decoded.name)
        types = {i["name"]: i["type"] for i in abi[decoded.name]["inputs"]}
        expected = {k: _json_form(v, types[k]) for k, v in decoded.args.items()}
        topics = [hex_text(topic) for topic in raw["topics"]]
        hexed = {**raw, "topics": topics, "data": hex_text(raw["data"])}
        assert world.ledger.log_json_args(raw) == (decoded.name, expected)
        assert world.ledger.log_json_args(hexed) == (decoded.name, expected)
    assert {"ActorOnboarded", "BatchTransformed", "CertificateAttached", "BatchRecalled"} <= names

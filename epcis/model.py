"""EPCIS 2.0 JSON-LD documents and events as typed pydantic models.

Attributes keep GS1's own names in snake_case (``biz_step``, ``read_point``,
``quantity_list``, ``ilmd``); the wire carries GS1's camelCase (``bizStep``). Parsing is
strict about names on the wire (``parse_document``, ``parse_event`` accept only GS1's
spelling) and tolerant where the standard is: CBV values as short names or URIs, any
JSON number as a quantity, any xsd:dateTimeStamp as a time.

Invariant: for a document the standard accepts,
``parse_document(data).model_dump(by_alias=True, exclude_none=True) == data`` (key order
aside). To keep it, values are never normalised: timestamps stay the strings they were,
numbers stay ``int`` or ``float`` as JSON wrote them, CBV values stay short or long, and
user extensions (``prefix:name`` or absolute-IRI keys) are kept verbatim, in order, as
pydantic extras (``element.extensions``). Normalising is the Event Hash ID's job
(``epcis.event_hash``), not the model's.

Not covered: extended event types other than the five standard ones (the schema's
"Extended-Event"), and JSON-LD processing (``@context`` is kept, not interpreted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    model_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from epcis.cbv import VOCABULARIES, VocabularyType

# ----------------------------------------------------------------------------- scalars

# A URI or compact IRI: a scheme (or prefix), a colon, no whitespace. EPC URNs, Digital
# Links, ``ni:///`` hash ids and ``ext:term`` CURIEs all match; a bare word does not.
_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-_]*:\S+")
# xsd:dateTimeStamp: the offset is mandatory, fractional seconds of any length.
_TIMESTAMP: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
)
_TIME_ZONE_OFFSET: Final = r"^[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)$"


def _check_uri(value: str) -> str:
    if not _URI.fullmatch(value):
        raise ValueError(f"{value!r} is not a URI: write an absolute URI, EPC URN or CURIE")
    return value


def _check_timestamp(value: str) -> str:
    if not _TIMESTAMP.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an xsd:dateTimeStamp: write e.g. 2025-06-01T08:30:00.000+07:00"
        )
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a real date and time: {exc}") from None
    return value


def _json_number(value: Any) -> Any:
    """A ``Decimal`` becomes the number JSON would read from its text (``2.50`` -> 2.5,
    ``200`` -> 200); anything else is left for the strict int/float check."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        return json.loads(str(value))
    return value


def as_datetime(value: str) -> datetime:
    """A model timestamp (kept as its original string) as an aware ``datetime``."""
    return datetime.fromisoformat(_check_timestamp(value))


Uri = Annotated[str, AfterValidator(_check_uri)]
Timestamp = Annotated[str, AfterValidator(_check_timestamp)]
TimeZoneOffset = Annotated[str, StringConstraints(pattern=_TIME_ZONE_OFFSET)]
# int stays int and float stays float, so ``200`` and ``26.0`` dump as they were read.
Number = Annotated[StrictInt | StrictFloat, BeforeValidator(_json_number)]
Uom = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,3}$")]
Action = Literal["ADD", "OBSERVE", "DELETE"]
JsonLdContextValue = str | dict[str, Any] | list[str | dict[str, Any]]

_VOCABULARY_NAMES: Final[dict[VocabularyType, str]] = {
    VocabularyType.BIZ_STEP: "business step",
    VocabularyType.DISPOSITION: "disposition",
    VocabularyType.BIZ_TRANSACTION_TYPE: "business transaction type",
    VocabularyType.SOURCE_DESTINATION_TYPE: "source/destination type",
    VocabularyType.ERROR_REASON: "error reason",
    VocabularyType.COMPONENT: "sensor component",
}


def _cbv(vocabulary: VocabularyType) -> AfterValidator:
    """A CBV value: a standard short name, or a URI (standard or user-defined)."""
    names = VOCABULARIES[vocabulary]

    def check(value: str) -> str:
        if value in names or _URI.fullmatch(value):
            return value
        raise ValueError(
            f"{value!r} is not a CBV 2.0 {_VOCABULARY_NAMES[vocabulary]}: use a standard "
            "short name or a URI for a user-defined value"
        )

    return AfterValidator(check)


BizStep = Annotated[str, _cbv(VocabularyType.BIZ_STEP)]
Disposition = Annotated[str, _cbv(VocabularyType.DISPOSITION)]
BizTransactionType = Annotated[str, _cbv(VocabularyType.BIZ_TRANSACTION_TYPE)]
SourceDestinationType = Annotated[str, _cbv(VocabularyType.SOURCE_DESTINATION_TYPE)]
ErrorReason = Annotated[str, _cbv(VocabularyType.ERROR_REASON)]
Component = Annotated[str, _cbv(VocabularyType.COMPONENT)]

# ------------------------------------------------------------------------- base models


class GS1Model(BaseModel):
    """GS1 names as snake_case attributes, camelCase on the wire; no unknown keys."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        validate_assignment=True,
    )

    def to_jsonld(self) -> dict[str, Any]:
        """The JSON-LD object as it goes on the wire (GS1 names, absent fields omitted)."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data


class Extensible(GS1Model):
    """An element that may carry user extensions: ``prefix:name`` or absolute-IRI keys.

    Extensions are pydantic extras, kept verbatim and in order; a bare unknown key is
    refused (it is a typo or a missing namespace, never silently kept).
    """

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _check_extension_names(self) -> Self:
        for key in self.__pydantic_extra__ or {}:
            if not _URI.fullmatch(key):
                raise ValueError(
                    f"unknown field {key!r}: not an EPCIS 2.0 field here, and an "
                    "extension must be written prefix:name (prefix declared in @context) "
                    "or as a full IRI"
                )
        return self

    @model_serializer(mode="wrap")
    def _keep_null_extensions(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        # exclude_none is for absent standard fields; an extension whose value is JSON
        # null is data (the Event Hash ID hashes it), so it is written back.
        data = handler(self)
        extra = self.__pydantic_extra__
        if not info.exclude_none or not extra or None not in extra.values():
            return data
        standard = {k: v for k, v in data.items() if k not in extra}
        for key, value in extra.items():
            if info.exclude and key in info.exclude:
                continue
            standard[key] = data.get(key) if value is not None else None
        return standard

    @property
    def extensions(self) -> dict[str, Any]:
        """User extensions of this element, in document order, keys as written."""
        return dict(self.__pydantic_extra__ or {})


# --------------------------------------------------------------------------- elements


class QuantityElement(GS1Model):
    """``{epcClass, quantity, uom}``: an amount of a class of objects."""

    epc_class: Uri
    quantity: Number | None = None
    uom: Uom | None = None


class BizTransaction(GS1Model):
    """A business transaction the event is part of (purchase order, invoice...)."""

    type: BizTransactionType | None = None
    biz_transaction: Uri


class Source(GS1Model):
    """Where custody, ownership or location comes from."""

    type: SourceDestinationType
    source: Uri


class Destination(GS1Model):
    """Where custody, ownership or location goes to."""

    type: SourceDestinationType
    destination: Uri


class PersistentDisposition(GS1Model):
    """Dispositions that persist beyond this event: ``set`` and/or ``unset``."""

    set: list[Disposition] | None = Field(default=None, min_length=1)
    unset: list[Disposition] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _needs_set_or_unset(self) -> Self:
        if self.set is None and self.unset is None:
            raise ValueError("persistentDisposition needs set or unset (or both)")
        return self


class ReadPoint(Extensible):
    """Where the event was observed (a sub-site location)."""

    id: Uri


class BizLocation(Extensible):
    """Where the objects are after the event."""

    id: Uri


class Ilmd(Extensible):
    """Instance/lot master data: extensions only (``cbvmda:lotNumber``, ``ocop:...``)."""


class SensorMetadata(Extensible):
    """What applies to every report of a sensor element (device, time window, rules)."""

    time: Timestamp | None = None
    device_id: Uri | None = Field(
        default=None, validation_alias="deviceID", serialization_alias="deviceID"
    )
    device_metadata: Uri | None = None
    raw_data: Uri | None = None
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None
    data_processing_method: Uri | None = None
    biz_rules: Uri | None = None


class SensorReport(Extensible):
    """One measurement or alert (``type`` is a gs1: measurement type such as Temperature)."""

    type: str | None = None
    exception: str | None = None
    device_id: Uri | None = Field(
        default=None, validation_alias="deviceID", serialization_alias="deviceID"
    )
    device_metadata: Uri | None = None
    raw_data: Uri | None = None
    data_processing_method: Uri | None = None
    biz_rules: Uri | None = None
    time: Timestamp | None = None
    microorganism: Uri | None = None
    chemical_substance: Uri | None = None
    coordinate_reference_system: Uri | None = None
    value: Number | None = None
    component: Component | None = None
    string_value: str | None = None
    boolean_value: StrictBool | None = None
    hex_binary_value: Annotated[str, StringConstraints(pattern=r"^[A-Fa-f0-9]+$")] | None = None
    uri_value: Uri | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    mean_value: Number | None = None
    s_dev: Number | None = None
    perc_rank: Number | None = None
    perc_value: Number | None = None
    uom: str | None = None


class SensorElement(Extensible):
    """Sensor metadata and at least one report."""

    sensor_metadata: SensorMetadata | None = None
    sensor_report: list[SensorReport] = Field(min_length=1)


class ErrorDeclaration(Extensible):
    """Marks the event as erroneous (same eventID as the event it corrects)."""

    declaration_time: Timestamp
    reason: ErrorReason | None = None
    corrective_event_ids: list[Uri] | None = Field(
        default=None,
        validation_alias="correctiveEventIDs",
        serialization_alias="correctiveEventIDs",
    )


# ----------------------------------------------------------------------------- events


class EventBase(Extensible):
    """Fields every EPCIS 2.0 event has: when, why, where, how, plus error declaration."""

    context: JsonLdContextValue | None = Field(
        default=None, validation_alias="@context", serialization_alias="@context"
    )
    event_id: Uri | None = Field(
        default=None, validation_alias="eventID", serialization_alias="eventID"
    )
    event_time: Timestamp
    event_time_zone_offset: TimeZoneOffset
    record_time: Timestamp | None = None
    certification_info: Uri | list[Uri] | None = None
    error_declaration: ErrorDeclaration | None = None
    biz_step: BizStep | None = None
    disposition: Disposition | None = None
    persistent_disposition: PersistentDisposition | None = None
    read_point: ReadPoint | None = None
    biz_location: BizLocation | None = None
    biz_transaction_list: list[BizTransaction] | None = None
    source_list: list[Source] | None = None
    destination_list: list[Destination] | None = None
    sensor_element_list: list[SensorElement] | None = Field(default=None, min_length=1)


def _parent_id() -> Any:
    return Field(default=None, validation_alias="parentID", serialization_alias="parentID")


def _child_epcs() -> Any:
    return Field(default=None, validation_alias="childEPCs", serialization_alias="childEPCs")


class ObjectEvent(EventBase):
    """Objects observed, commissioned (ADD, may carry ilmd) or decommissioned (DELETE)."""

    type: Literal["ObjectEvent"] = "ObjectEvent"
    action: Action
    epc_list: list[Uri] | None = None
    quantity_list: list[QuantityElement] | None = Field(default=None, min_length=1)
    ilmd: Ilmd | None = None

    @model_validator(mode="after")
    def _what(self) -> Self:
        sensors_only = self.sensor_element_list is not None and self.read_point is not None
        if self.epc_list is None and self.quantity_list is None and not sensors_only:
            raise ValueError(
                "an ObjectEvent needs epcList or quantityList (or sensorElementList with readPoint)"
            )
        if self.ilmd is not None and self.action != "ADD":
            raise ValueError(f"ilmd is only allowed when action is ADD, not {self.action}")
        return self


class AggregationEvent(EventBase):
    """Children packed onto (ADD), seen on (OBSERVE) or taken off (DELETE) a parent."""

    type: Literal["AggregationEvent"] = "AggregationEvent"
    action: Action
    parent_id: Uri | None = _parent_id()
    child_epcs: list[Uri] | None = _child_epcs()
    child_quantity_list: list[QuantityElement] | None = None

    @model_validator(mode="after")
    def _what(self) -> Self:
        if self.action != "DELETE" and not (self.child_epcs or self.child_quantity_list):
            raise ValueError(
                f"an AggregationEvent with action {self.action} needs childEPCs"
                " or childQuantityList"
            )
        return self


class TransactionEvent(EventBase):
    """Objects tied to (ADD) or released from (DELETE) business transactions."""

    type: Literal["TransactionEvent"] = "TransactionEvent"
    action: Action
    biz_transaction_list: list[BizTransaction]
    parent_id: Uri | None = _parent_id()
    epc_list: list[Uri] | None = None
    quantity_list: list[QuantityElement] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _what(self) -> Self:
        if self.action != "DELETE" and self.epc_list is None and self.quantity_list is None:
            raise ValueError(
                f"a TransactionEvent with action {self.action} needs epcList or quantityList"
            )
        return self


class TransformationEvent(EventBase):
    """Inputs consumed and outputs produced (drying, slicing, extraction, blending...)."""

    type: Literal["TransformationEvent"] = "TransformationEvent"
    input_epc_list: list[Uri] | None = Field(
        default=None, validation_alias="inputEPCList", serialization_alias="inputEPCList"
    )
    input_quantity_list: list[QuantityElement] | None = None
    output_epc_list: list[Uri] | None = Field(
        default=None, validation_alias="outputEPCList", serialization_alias="outputEPCList"
    )
    output_quantity_list: list[QuantityElement] | None = None
    transformation_id: Uri | None = Field(
        default=None,
        validation_alias="transformationID",
        serialization_alias="transformationID",
    )
    ilmd: Ilmd | None = None

    @model_validator(mode="after")
    def _what(self) -> Self:
        has_input = bool(self.input_epc_list or self.input_quantity_list)
        has_output = bool(self.output_epc_list or self.output_quantity_list)
        if self.transformation_id is None and not (has_input and has_output):
            raise ValueError(
                "a TransformationEvent needs inputs and outputs, or a transformationID"
            )
        if self.transformation_id is not None and not (has_input or has_output):
            raise ValueError("a TransformationEvent needs at least one input or output")
        return self


class AssociationEvent(EventBase):
    """Children (sensors, components) associated with (ADD) or removed from a parent."""

    type: Literal["AssociationEvent"] = "AssociationEvent"
    action: Action
    parent_id: Uri = Field(validation_alias="parentID", serialization_alias="parentID")
    child_epcs: list[Uri] | None = _child_epcs()
    child_quantity_list: list[QuantityElement] | None = None

    @model_validator(mode="after")
    def _what(self) -> Self:
        if self.action != "DELETE" and not (self.child_epcs or self.child_quantity_list):
            raise ValueError(
                f"an AssociationEvent with action {self.action} needs childEPCs"
                " or childQuantityList"
            )
        return self


Event = Annotated[
    ObjectEvent | AggregationEvent | TransactionEvent | TransformationEvent | AssociationEvent,
    Field(discriminator="type"),
]

# -------------------------------------------------------------------------- documents


class VocabularyAttribute(GS1Model):
    """One master-data attribute: ``{id, attribute}`` (value of any JSON shape)."""

    id: Uri
    attribute: Any = None


class VocabularyElement(GS1Model):
    """Master data of one identifier (a location, a product class...)."""

    id: Uri
    attributes: list[VocabularyAttribute] | None = None
    children: list[Uri] | None = None


class Vocabulary(GS1Model):
    """Master data of one vocabulary type (e.g. ``urn:epcglobal:epcis:vtype:BusinessLocation``)."""

    type: Uri
    vocabulary_element_list: list[VocabularyElement] | None = None


class EPCISMasterData(GS1Model):
    """``epcisHeader.epcisMasterData``."""

    vocabulary_list: list[Vocabulary] | None = None


class EPCISHeader(Extensible):
    """Optional header: master data about the identifiers the events use."""

    epcis_master_data: EPCISMasterData | None = None


class EPCISBody(Extensible):
    """The body of a capture document: its events, in order."""

    event_list: list[Event]


class EPCISDocument(Extensible):
    """An EPCIS 2.0 capture document."""

    context: JsonLdContextValue = Field(validation_alias="@context", serialization_alias="@context")
    type: Literal["EPCISDocument"] = "EPCISDocument"
    id: Uri | None = None
    schema_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)*$")]
    creation_date: Timestamp
    instance_identifier: str | None = None
    sender: str | None = None
    receiver: str | None = None
    epcis_header: EPCISHeader | None = None
    epcis_body: EPCISBody


class ResultsBody(Extensible):
    """Query results: events and, optionally, master data."""

    event_list: list[Event]
    vocabulary_list: list[Vocabulary] | None = None


class QueryResults(Extensible):
    """The answer of a named query or a subscription."""

    query_name: str
    subscription_id: str | None = Field(
        default=None, validation_alias="subscriptionID", serialization_alias="subscriptionID"
    )
    results_body: ResultsBody


class EPCISQueryBody(Extensible):
    """The body of a query document."""

    query_results: QueryResults


class EPCISQueryDocument(Extensible):
    """An EPCIS 2.0 query document: ``epcisBody.queryResults.resultsBody.eventList``."""

    context: JsonLdContextValue = Field(validation_alias="@context", serialization_alias="@context")
    type: Literal["EPCISQueryDocument"] = "EPCISQueryDocument"
    id: Uri | None = None
    schema_version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)*$")] | None = None
    creation_date: Timestamp | None = None
    epcis_body: EPCISQueryBody


AnyDocument = Annotated[EPCISDocument | EPCISQueryDocument, Field(discriminator="type")]

_EVENT: Final[TypeAdapter[Event]] = TypeAdapter(Event)
_DOCUMENT: Final[TypeAdapter[EPCISDocument | EPCISQueryDocument]] = TypeAdapter(AnyDocument)


def _validate(adapter: TypeAdapter[Any], data: Mapping[str, Any] | str | bytes) -> Any:
    # Wire input: GS1 names only (a snake_case key would be an unknown field there).
    if isinstance(data, str | bytes):
        return adapter.validate_json(data, by_alias=True, by_name=False)
    return adapter.validate_python(data, by_alias=True, by_name=False)


def parse_document(data: Mapping[str, Any] | str | bytes) -> EPCISDocument | EPCISQueryDocument:
    """Parse an EPCISDocument or EPCISQueryDocument (a dict, or JSON text).

    Raises ``pydantic.ValidationError`` whose errors name the offending field's path.
    """
    result: EPCISDocument | EPCISQueryDocument = _validate(_DOCUMENT, data)
    return result


def parse_event(data: Mapping[str, Any] | str | bytes) -> Event:
    """Parse one event of any of the five standard types (dispatch on ``type``)."""
    result: Event = _validate(_EVENT, data)
    return result


def events_of(document: EPCISDocument | EPCISQueryDocument) -> list[Event]:
    """The events of a capture or query document, in document order."""
    if isinstance(document, EPCISDocument):
        return document.epcis_body.event_list
    return document.epcis_body.query_results.results_body.event_list

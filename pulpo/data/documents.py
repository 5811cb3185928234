"""Convert between pydantic models and the BSON documents MongoDB stores.

``model_dump(mode="python")`` keeps Python types that BSON cannot encode, and
``mode="json"`` would turn datetimes into strings MongoDB can no longer compare.
So a model is dumped in Python mode and then made BSON-safe, value by value:

=====================  =========================================================
Python                 Stored as
=====================  =========================================================
``Enum``               its ``.value``
``datetime``           ``datetime`` (BSON date; naive values are taken as UTC)
``date``               ``datetime`` at midnight UTC
``time``               ISO string (``"13:45:00"``)
``timedelta``          seconds, as a ``float``
``Decimal``            ``Decimal128``, so it still sorts and compares as a number
``UUID``               string
tuple, set, frozenset  list (sets sorted when their items allow it)
dict                   dict with string keys
pydantic model         document (nested)
anything else unknown  its JSON form per pydantic (``Url``, ``Path``, IPs: strings)
=====================  =========================================================

What BSON cannot store at all, an integer beyond 64 bits or a decimal beyond
``Decimal128``, raises pydantic's ``ValidationError`` where it is found (the API
answers 422), instead of the driver's ``OverflowError`` (a 500).

Reading back is plain ``model_validate``: pydantic turns every stored form into
the declared type again. Only ``Decimal128`` needs help, see :func:`from_document`.

Documents written by other clients need not fit the model (MongoDB has no schema).
Domain code reads strictly (:func:`from_document` raises :class:`StoredDocumentError`,
a 409); the generated API's read routes read leniently (:func:`read_leniently`): a
stored field that is missing or does not fit takes its default, and the read schema
declares fields without a default as nullable.
"""

import datetime as dt
import logging
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from bson import Binary, Code, DBRef, Decimal128, Int64, MaxKey, MinKey, ObjectId, Regex, Timestamp
from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError, to_jsonable_python

from pulpo.errors import Conflict, PulpoError

M = TypeVar("M", bound=BaseModel)

logger = logging.getLogger(__name__)

VERSION_FIELD = "_version"
"""The stored field that counts a document's writes (see :mod:`pulpo.data.repository`).

Not a field of any model (pydantic fields cannot start with ``_``): readers leave it
out, as they leave out ``_id``.
"""

# Values BSON encodes as they are.
_NATIVE = (
    str,
    bool,
    int,
    float,
    bytes,
    dt.datetime,
    ObjectId,
    Decimal128,
    Binary,
    Code,
    DBRef,
    Int64,
    MaxKey,
    MinKey,
    Regex,
    Timestamp,
    re.Pattern,
)


class StoredDocumentError(Conflict):
    """A stored document does not fit its model, so an operation cannot act on it (HTTP 409).

    Raised instead of pydantic's ``ValidationError`` when domain code *reads*, so the
    API does not mistake corrupt or outdated data for an invalid request: the request
    conflicts with what is stored. The validation error is its ``__cause__``.
    """


def to_document(item: BaseModel) -> dict[str, Any]:
    """The BSON-safe document that stores ``item`` (computed fields are not stored).

    Raises pydantic's ``ValidationError`` (a 422 in the API) for a value BSON cannot
    store, see :func:`to_bson_value`.
    """
    document = to_bson_value(_fields(item))
    assert isinstance(document, dict)
    return document


def to_bson_value(value: Any) -> Any:
    """``value`` in a form BSON can store and MongoDB can compare (see the table above).

    Used for documents, and for the values in query filters and update documents,
    so that ``{"kind": Kind.FIRE}`` or ``{"$set": {"born": date(2024, 1, 2)}}`` work.
    A value BSON cannot store (an integer beyond 64 bits, a decimal beyond 128)
    raises pydantic's ``ValidationError``, located where the value is, rather than
    an encoding error from the driver.
    """
    try:
        return _bson(value)
    except _Unstorable as error:
        raise error.validation_error() from None


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class _Unstorable(PulpoError):
    """A value BSON cannot store; its location grows as it propagates out of containers.

    Never escapes :func:`to_bson_value`, which raises it as a ``ValidationError``.
    """

    def __init__(self, value: Any, kind: str | PydanticCustomError, context: dict[str, Any]):
        super().__init__(value)
        self.value, self.kind, self.context = value, kind, context
        self.loc: list[str | int] = []

    def validation_error(self) -> ValidationError:
        problem: InitErrorDetails = {
            "type": self.kind,
            "loc": tuple(self.loc),
            "input": self.value,
            "ctx": self.context,
        }
        return ValidationError.from_exception_data("document", [problem])


def _bson(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Enum):
        return _bson(value.value)
    if isinstance(value, _NATIVE):
        if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            raise _Unstorable(*_int_beyond(value))
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        try:
            return Decimal128(value)
        except ArithmeticError:  # more than 34 digits, or out of range
            raise _Unstorable(value, _DECIMAL128, {}) from None
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, BaseModel):
        return _bson(_fields(value))
    if isinstance(value, Mapping):
        document = {}
        for key, item in value.items():
            try:
                document[_key(key)] = _bson(item)
            except _Unstorable as error:
                error.loc.insert(0, str(key))
                raise
        return document
    if isinstance(value, set | frozenset):
        items = [_bson(item) for item in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, list | tuple):
        converted = []
        for index, item in enumerate(value):
            try:
                converted.append(_bson(item))
            except _Unstorable as error:
                error.loc.insert(0, index)
                raise
        return converted
    return to_jsonable_python(value)


_DECIMAL128 = PydanticCustomError(
    "decimal128",
    "Decimal should fit MongoDB's 128-bit decimal: 34 digits, exponent from -6176 to 6111",
)


def _int_beyond(value: int) -> tuple[int, str, dict[str, int]]:
    """What a 422 says of an integer beyond BSON's 64 bits: pydantic's bound error."""
    if value > INT64_MAX:
        return value, "less_than_equal", {"le": INT64_MAX}
    return value, "greater_than_equal", {"ge": INT64_MIN}


def _fields(item: BaseModel) -> dict[str, Any]:
    computed = set(type(item).model_computed_fields)
    return item.model_dump(mode="python", by_alias=False, exclude=computed or None)


def from_document(model: type[M], document: Mapping[str, Any]) -> M:
    """The model stored in ``document`` (its ``_id`` is ignored).

    Raises :class:`StoredDocumentError` if the document does not validate.
    """
    try:
        return model.model_validate(document_fields(document), by_name=True)
    except ValidationError as error:
        where = f" {document['_id']}" if "_id" in document else ""
        raise StoredDocumentError(
            f"Stored document{where} does not match {model.__name__}: "
            f"{error.error_count()} validation error(s), first: {_first_error(error)}"
        ) from error


def read_leniently(model: type[M], document: Mapping[str, Any]) -> M:
    """``document`` read into ``model`` (a read schema with an ``_id`` field), as far as it fits.

    A document that validates costs one ``model_validate``. Otherwise every
    top-level field that failed is left out and validation runs again, so a
    stored field that is missing or does not fit takes its default (read schemas
    give fields without a default ``None``). The ``_id`` is always a string.
    Raises :class:`StoredDocumentError` only when what fails is not a field
    (a model-level validator).
    """
    fields = document_fields(document)
    if "_id" in document:
        fields["_id"] = str(document["_id"])
    left_out: list[str] = []
    while True:
        try:
            item = model.model_validate(fields)
        except ValidationError as error:
            failed = {str(problem["loc"][0]) for problem in error.errors() if problem["loc"]}
            failed &= fields.keys() - {"_id"}
            if not failed:
                where = f" {document['_id']}" if "_id" in document else ""
                raise StoredDocumentError(
                    f"Stored document{where} does not match {model.__name__}: {_first_error(error)}"
                ) from error
            for name in failed:
                del fields[name]
            left_out.extend(sorted(failed))
            continue
        if left_out:
            logger.info(
                "Stored document %s does not fit %s; read without %s",
                document.get("_id"),
                model.__name__,
                ", ".join(left_out),
            )
        return item


def document_fields(document: Mapping[str, Any]) -> dict[str, Any]:
    """The model's fields as stored in ``document``: without ``_id`` and the version,
    decimals as ``Decimal``."""
    return {
        key: _from_bson(value)
        for key, value in document.items()
        if key != "_id" and key != VERSION_FIELD
    }


def _key(key: Any) -> str:
    key = _bson(key)
    return key if isinstance(key, str) else str(key)


def _from_bson(value: Any) -> Any:
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, dict):
        return {key: _from_bson(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_bson(item) for item in value]
    return value


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "(document)"
    return f"{location}: {first['msg']}"

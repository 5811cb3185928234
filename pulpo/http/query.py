"""Query-string types that say no to what pydantic's lax parsing would take.

Pydantic reads ``"0.5"`` as a datetime (half a second after 1970) and ``"20240101"``
as a date (a Unix timestamp); a query parameter documented as ``format: date-time``
must not. The generated list routes filter dates and times with these types: an
ISO 8601 text (``2026-11-29``, ``2026-11-29T12:00:00Z``) or a 422 naming the parameter.
"""

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise ValueError("must be an ISO 8601 date or date and time, e.g. 2026-11-29T12:00:00Z")
    return value


IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso)]
"""A datetime written in ISO 8601, as the OpenAPI's ``format: date-time`` says."""

IsoDate = Annotated[dt.date, BeforeValidator(_iso)]
"""A date written in ISO 8601, as the OpenAPI's ``format: date`` says."""

QUERY_TYPES: dict[type, str] = {dt.datetime: "IsoDateTime", dt.date: "IsoDate"}
"""What a generated query filter writes in place of these types (imported from here)."""

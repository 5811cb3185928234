"""Diagnostics: one problem in the user's project, with a code and a place."""

from dataclasses import dataclass
from enum import StrEnum

from pulpo.discover.project import Location


class Code(StrEnum):
    """Every problem ``pulpo check`` can report. The value is what users search for."""

    IMPORT_ERROR = "IMPORT_ERROR"
    NOTHING_DECLARED = "NOTHING_DECLARED"
    # Models
    NOT_A_PYDANTIC_MODEL = "NOT_A_PYDANTIC_MODEL"
    DUPLICATE_MODEL = "DUPLICATE_MODEL"
    DUPLICATE_COLLECTION = "DUPLICATE_COLLECTION"
    INVALID_COLLECTION = "INVALID_COLLECTION"
    RESERVED_FIELD_NAME = "RESERVED_FIELD_NAME"
    UNKNOWN_INDEX_FIELD = "UNKNOWN_INDEX_FIELD"
    UNKNOWN_SERVER_MANAGED_FIELD = "UNKNOWN_SERVER_MANAGED_FIELD"
    SERVER_MANAGED_WITHOUT_DEFAULT = "SERVER_MANAGED_WITHOUT_DEFAULT"
    UNKNOWN_ROUTE = "UNKNOWN_ROUTE"
    UNSUPPORTED_FIELD_TYPE = "UNSUPPORTED_FIELD_TYPE"
    UNKNOWN_MODEL = "UNKNOWN_MODEL"
    TYPE_NAME_CLASH = "TYPE_NAME_CLASH"
    # Operations
    NOT_ASYNC = "NOT_ASYNC"
    NON_HIERARCHICAL_NAME = "NON_HIERARCHICAL_NAME"
    INVALID_NAME_PART = "INVALID_NAME_PART"
    DUPLICATE_OPERATION = "DUPLICATE_OPERATION"
    NAME_CONFLICT = "NAME_CONFLICT"
    MISSING_RETURN_TYPE = "MISSING_RETURN_TYPE"
    INVALID_RETURN_TYPE = "INVALID_RETURN_TYPE"
    MISSING_PARAMETER_TYPE = "MISSING_PARAMETER_TYPE"
    UNSUPPORTED_PARAMETER = "UNSUPPORTED_PARAMETER"
    UNSUPPORTED_DEFAULT = "UNSUPPORTED_DEFAULT"
    UNKNOWN_DEPENDENCY = "UNKNOWN_DEPENDENCY"
    DEPENDENCY_CYCLE = "DEPENDENCY_CYCLE"
    INVALID_INPUT_MAP = "INVALID_INPUT_MAP"
    INVALID_RUN_OPTION = "INVALID_RUN_OPTION"
    INVALID_EXAMPLE = "INVALID_EXAMPLE"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem found in a project. ``str()`` is the one line the CLI prints."""

    location: Location
    code: Code
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.code.value} {self.message}"

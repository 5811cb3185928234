"""Writing types and their bounds back as source, as generated schemas restate them."""

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import pytest
from pydantic import AfterValidator, BaseModel, Field

from pulpo.generate.annotations import (
    Imports,
    constraint_arguments,
    optional,
    render_annotation,
    render_literal,
)
from pulpo.generate.identifiers import Namespace

pytestmark = pytest.mark.unit


class Colour(Enum):
    RED = "red"


class Paint(BaseModel):
    colour: Colour


def test_annotations_are_written_with_their_imports() -> None:
    imports = Imports()
    assert render_annotation(list[Paint] | None, imports) == "list[Paint] | None"
    assert render_annotation(optional(dict[str, int]), imports) == "dict[str, int] | None"
    assert render_literal(Colour.RED, imports) == "Colour.RED"
    assert imports.lines() == [f"from {__name__} import Colour, Paint"]


def test_an_import_that_clashes_is_aliased() -> None:
    imports = Imports(Namespace({"Paint"}))
    assert render_annotation(Paint, imports) == "Paint_"
    assert imports.lines() == [f"from {__name__} import Paint as Paint_"]


class Bounded(BaseModel):
    level: int = Field(default=5, ge=1, le=100)
    name: str = Field(min_length=1, max_length=30, pattern="^[A-Z]")
    ratio: Annotated[float, Field(gt=0, multiple_of=0.5)] = 1.0
    price: Decimal = Field(default=Decimal(1), ge=Decimal("0.5"))  # not a plain literal
    when: datetime | None = None
    checked: Annotated[str, AfterValidator(str.strip)] = ""


def test_bounds_are_restated_as_field_arguments() -> None:
    fields = Bounded.model_fields
    assert constraint_arguments(fields["level"].metadata) == ["ge=1", "le=100"]
    assert constraint_arguments(fields["name"].metadata) == [
        "min_length=1",
        "max_length=30",
        "pattern='^[A-Z]'",
    ]
    assert constraint_arguments(fields["ratio"].metadata) == ["gt=0", "multiple_of=0.5"]
    assert constraint_arguments(fields["price"].metadata) == []  # left to the model
    assert constraint_arguments(fields["when"].metadata) == []
    assert constraint_arguments(fields["checked"].metadata) == []

"""Validate: every rule a project must follow, checked at once, each problem with its place.

``diagnose(project)`` lists the problems; ``validate(project)`` raises
:class:`ProjectInvalid` with them, or returns the :class:`ValidProject` every later
stage reads.
"""

from pulpo.validate.diagnostics import Code, Diagnostic
from pulpo.validate.model import (
    DataModel,
    Example,
    Feed,
    Group,
    ModelField,
    Operation,
    ValidProject,
)
from pulpo.validate.rules import ProjectInvalid, diagnose, validate

__all__ = [
    "Code",
    "DataModel",
    "Diagnostic",
    "Example",
    "Feed",
    "Group",
    "ModelField",
    "Operation",
    "ProjectInvalid",
    "ValidProject",
    "diagnose",
    "validate",
]

"""Validate: every rule a project must follow, checked at once, each problem with its place."""

from pulpo.validate.diagnostics import Code, Diagnostic
from pulpo.validate.rules import validate
from pulpo.validate.signature import InputField, OperationSignature, read_signature

__all__ = ["Code", "Diagnostic", "InputField", "OperationSignature", "read_signature", "validate"]

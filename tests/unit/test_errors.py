"""One error hierarchy: every exception class Pulpo defines derives from PulpoError."""

import importlib
import inspect
import pkgutil

import pytest

import pulpo
from pulpo import Conflict, DomainError, NotFound
from pulpo.data import StoredDocumentError
from pulpo.discover.config import ProjectError
from pulpo.errors import DatabaseUnavailable, PulpoError, UsageError
from pulpo.run.flows import FlowInputInvalid
from pulpo.run.operations import InvalidInput
from pulpo.validate import ProjectInvalid

pytestmark = pytest.mark.unit


def exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in a module of the package, by qualified name."""
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(pulpo.__path__, "pulpo."):
        if module_info.name.endswith(".__main__"):
            continue  # importing it would run a command
        module = importlib.import_module(module_info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def test_every_exception_pulpo_defines_is_a_pulpo_error() -> None:
    classes = exception_classes()
    assert "pulpo.validate.rules.ProjectInvalid" in classes  # the walk reaches every module
    outside = sorted(name for name, cls in classes.items() if not issubclass(cls, PulpoError))
    assert outside == []


@pytest.mark.parametrize(
    ("error", "status"),
    [(DomainError, 400), (NotFound, 404), (Conflict, 409), (StoredDocumentError, 409)],
)
def test_domain_errors_keep_their_http_status(error: type[DomainError], status: int) -> None:
    raised = error("what went wrong")
    assert isinstance(raised, PulpoError) and not isinstance(raised, UsageError)
    assert raised.status_code == status and raised.detail == str(raised) == "what went wrong"


def test_an_unavailable_database_is_a_503_and_no_usage_error() -> None:
    raised = DatabaseUnavailable("MongoDB is unavailable: timed out")
    assert raised.status_code == 503 and raised.detail == str(raised)
    assert isinstance(raised, PulpoError) and not isinstance(raised, DomainError | UsageError)


@pytest.mark.parametrize("error", [ProjectError, ProjectInvalid, InvalidInput, FlowInputInvalid])
def test_an_invalid_project_or_input_exits_with_2(error: type[UsageError]) -> None:
    assert issubclass(error, UsageError) and error.exit_code == 2


def test_other_pulpo_errors_exit_with_1() -> None:
    assert PulpoError.exit_code == UsageError.exit_code == NotFound.exit_code == 1

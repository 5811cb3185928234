"""pulpo.validate: every rule, each problem reported with its code, file and exact line.

The expected line of each problem is found by searching the project's source for
a marker text, never copied from Pulpo's output; positions come from libcst.
Static projects live in ``tests/projects``; code that must not be committed (a
syntax error, a reference to a missing class) is written into ``tmp_path``.
"""

from pathlib import Path

import pytest
from project_files import write

from pulpo.discover import discover
from pulpo.discover.project import Location
from pulpo.validate import Code, Diagnostic, diagnose, validate

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = ROOT / "tests" / "projects"

Found = tuple[Code, Path, int]


def pulpo_table(name: str, package: str) -> str:
    return f'[tool.pulpo]\nname = "{name}"\npackages = ["{package}"]\n'


def line_of(path: Path, marker: str) -> int:
    """The 1-based number of the one line of ``path`` that contains ``marker``."""
    lines = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if marker in line
    ]
    assert len(lines) == 1, f"{marker!r} is on lines {lines} of {path}"
    return lines[0]


def at(root: Path, relative: str, marker: str, code: Code, *, below: int = 0) -> Found:
    """The problem ``code`` expected on the line of ``marker``, or ``below`` lines above it."""
    return (code, (root / relative).resolve(), line_of(root / relative, marker) - below)


def found(diagnostics: list[Diagnostic]) -> list[Found]:
    return [(d.code, d.location.path, d.location.line) for d in diagnostics]


def check(root: Path) -> list[Diagnostic]:
    return diagnose(discover(root))


# --- Datamodels ---------------------------------------------------------------------


def test_every_datamodel_problem_in_one_run() -> None:
    root = PROJECTS / "bad_models"
    models, other = "bad_models_app/models.py", "bad_models_app/other.py"

    diagnostics = check(root)

    assert found(diagnostics) == [
        at(root, models, "class Plain:", Code.NOT_A_PYDANTIC_MODEL, below=1),
        at(root, models, "    id: str", Code.RESERVED_FIELD_NAME),
        at(root, models, '@datamodel(indexes=[Index("label")', Code.UNKNOWN_INDEX_FIELD),
        at(root, models, "    payload: Any", Code.UNSUPPORTED_FIELD_TYPE),
        at(root, models, "    ratio: complex", Code.UNSUPPORTED_FIELD_TYPE),
        at(root, models, '@datamodel(collection="health")', Code.INVALID_COLLECTION),
        at(root, models, '@datamodel(collection="fight-logs")', Code.INVALID_COLLECTION),
        at(root, models, '@datamodel(server_managed=["score"', Code.UNKNOWN_SERVER_MANAGED_FIELD),
        # A decorator written on several lines is reported at its first line.
        at(root, models, "on several lines", Code.SERVER_MANAGED_WITHOUT_DEFAULT, below=1),
        at(root, models, '@datamodel(routes=["list", "read"])', Code.UNKNOWN_ROUTE),
        at(root, other, "class Badge(", Code.DUPLICATE_MODEL, below=1),
        at(root, other, "class Badge(", Code.TYPE_NAME_CLASH, below=1),
        at(root, other, '@datamodel(collection="stickers")', Code.DUPLICATE_COLLECTION),
    ]
    # A bare @datamodel is reported at the decorator, the line just above the class.
    assert (root / models).read_text().splitlines()[diagnostics[0].location.line - 1] == (
        "@datamodel"
    )


def test_datamodel_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    root = PROJECTS / "bad_models"
    first_badge = line_of(root / "bad_models_app/models.py", "class Badge(") - 1
    monkeypatch.chdir(root)  # a place inside a message is shown from the current directory

    messages = {(d.code, d.message) for d in check(root)}

    assert messages == {
        (Code.NOT_A_PYDANTIC_MODEL, "Plain: @datamodel needs a pydantic BaseModel subclass"),
        (
            Code.RESERVED_FIELD_NAME,
            "Badge.id: is reserved for the document id ('_id') in the generated API",
        ),
        (Code.UNKNOWN_INDEX_FIELD, "Sticker: index field 'missing' is not a field of Sticker"),
        (
            Code.UNSUPPORTED_FIELD_TYPE,
            "Gadget.payload: 'Any' cannot be validated or documented; name the type",
        ),
        (Code.UNSUPPORTED_FIELD_TYPE, "Gadget.ratio: type 'complex' cannot be stored in MongoDB"),
        (
            Code.DUPLICATE_MODEL,
            "Badge: a datamodel of this name is already declared at "
            f"bad_models_app/models.py:{first_badge}",
        ),
        (
            Code.TYPE_NAME_CLASH,
            "two different types are named 'Badge' (bad_models_app.models and "
            "bad_models_app.other); rename one",
        ),
        (Code.DUPLICATE_COLLECTION, "Label: collection 'stickers' is already used by Sticker"),
        (
            Code.INVALID_COLLECTION,
            "Probe: collection 'health' is reserved: the generated app serves /health itself",
        ),
        (
            Code.INVALID_COLLECTION,
            "FightLog: collection 'fight-logs' must be a Python identifier "
            "(it names a module of the generated app)",
        ),
        (
            Code.UNKNOWN_SERVER_MANAGED_FIELD,
            "Scoreboard: server_managed field 'rank' is not a field of Scoreboard",
        ),
        (
            Code.SERVER_MANAGED_WITHOUT_DEFAULT,
            "Locker.owner: a server-managed field needs a default: no request may set it, "
            "so a Locker created with POST starts with the default",
        ),
        (
            Code.UNKNOWN_ROUTE,
            "Ledger: route 'read' is not one of create, list, get, update, delete",
        ),
    }


def test_unknown_models_in_fields_are_reported_at_the_field(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("unknown_fields", "unknown_fields_app"),
            "unknown_fields_app/__init__.py": "",
            "unknown_fields_app/models.py": """
                from pydantic import BaseModel

                from pulpo import datamodel


                class ItemList(BaseModel):
                    names: list[str]


                @datamodel
                class Shelf(BaseModel):
                    label: str
                    items: "ItemList"
                    item: "Item"


                @datamodel
                class Box(BaseModel):
                    owners: list["Owner"]
            """,
        },
    )
    models = "unknown_fields_app/models.py"

    diagnostics = check(root)

    assert found(diagnostics) == [
        at(root, models, 'item: "Item"', Code.UNKNOWN_MODEL),
        at(root, models, 'owners: list["Owner"]', Code.UNKNOWN_MODEL),
    ]
    assert [d.message for d in diagnostics] == [
        "Shelf.item: unknown type 'Item'",
        "Box.owners: unknown type 'Owner'",
    ]


def test_unsupported_field_in_a_nested_model(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("nested_bad", "nested_bad_app"),
            "nested_bad_app/__init__.py": "",
            "nested_bad_app/models.py": """
                from pydantic import BaseModel

                from pulpo import datamodel


                class Inner(BaseModel):
                    value: complex


                @datamodel
                class Outer(BaseModel):
                    name: str
                    inner: Inner | None = None
            """,
        },
    )

    (diagnostic,) = check(root)

    assert (diagnostic.code, diagnostic.location) == (
        Code.UNSUPPORTED_FIELD_TYPE,
        Location(
            root / "nested_bad_app/models.py",
            line_of(root / "nested_bad_app/models.py", "inner: Inner | None"),
        ),
    )
    assert diagnostic.message == (
        "Outer.inner: Inner.value: type 'complex' cannot be stored in MongoDB"
    )


# --- Operations ---------------------------------------------------------------------


def test_every_operation_problem_in_one_run() -> None:
    root = PROJECTS / "bad_operations"
    names = "bad_operations_app/names.py"
    signatures = "bad_operations_app/signatures.py"
    flows = "bad_operations_app/flows.py"
    examples = "bad_operations_app/examples.py"

    diagnostics = check(root)

    assert found(diagnostics) == [
        at(root, examples, '@operation("shop.refund"', Code.INVALID_EXAMPLE),
        at(root, examples, '@operation("shop.gift"', Code.INVALID_EXAMPLE),
        at(root, flows, '@operation("flow.first", after="missing")', Code.UNKNOWN_DEPENDENCY),
        at(root, flows, '@operation("flow.ping", after="pong")', Code.DEPENDENCY_CYCLE),
        at(root, flows, '@operation("flow.loop", after="loop")', Code.DEPENDENCY_CYCLE),
        at(root, flows, '@operation("flow.report"', Code.INVALID_INPUT_MAP),
        at(root, flows, '@operation("flow.audit"', Code.INVALID_INPUT_MAP),
        at(root, flows, '@operation("flow.bogus"', Code.INVALID_INPUT_MAP),
        at(root, flows, '@operation("flow.shape"', Code.INVALID_INPUT_MAP),
        at(root, names, '@operation("flat")', Code.NON_HIERARCHICAL_NAME),
        at(root, names, '@operation("shop.Checkout")', Code.INVALID_NAME_PART),
        at(root, names, "def sync() -> Done:", Code.NOT_ASYNC),
        at(root, names, "async def order_again()", Code.DUPLICATE_OPERATION, below=1),
        at(root, names, '@operation("shop.cart")', Code.NAME_CONFLICT),
        at(root, names, '@operation("shop.slow", retries=-1)', Code.INVALID_RUN_OPTION),
        at(root, names, '@operation("shop.hasty", timeout=0)', Code.INVALID_RUN_OPTION),
        at(root, signatures, "async def untyped(amount)", Code.MISSING_PARAMETER_TYPE),
        at(root, signatures, "async def no_result(amount: int):", Code.MISSING_RETURN_TYPE),
        at(root, signatures, ") -> None:", Code.MISSING_RETURN_TYPE),
        at(root, signatures, "    *reasons: str,", Code.UNSUPPORTED_PARAMETER),
        at(root, signatures, "    tags: tuple[str, ...] = DEFAULT_TAGS,", Code.UNSUPPORTED_DEFAULT),
        at(root, signatures, "    weight: complex = 0,", Code.UNSUPPORTED_FIELD_TYPE),
        at(root, signatures, ") -> int:", Code.INVALID_RETURN_TYPE),
    ]


def test_operation_lines_point_at_the_decorator_or_the_def(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = PROJECTS / "bad_operations"
    names = root / "bad_operations_app" / "names.py"
    monkeypatch.chdir(root)  # a place inside a message is shown from the current directory
    by_code = {d.code: d for d in check(root) if d.location.path.name == "names.py"}

    # The duplicate is reported at its own decorator, the line above its def.
    duplicate = by_code[Code.DUPLICATE_OPERATION]
    assert duplicate.location.line == line_of(names, "async def order_again()") - 1
    first = line_of(names, "async def order() -> Done:") - 1
    assert duplicate.message == (
        f"shop.order: already declared at bad_operations_app/names.py:{first}"
    )
    # NOT_ASYNC points at the def, one line below the decorator.
    assert by_code[Code.NOT_ASYNC].location.line == line_of(names, '@operation("shop.sync")') + 1


def test_operation_messages() -> None:
    messages = {d.message for d in check(PROJECTS / "bad_operations")}

    assert {
        "flow.first: after='missing' is not a sibling operation (siblings: count, ping, pong, "
        "loop, report, audit, bogus, shape, fed)",
        "after= order loops: flow.ping → flow.pong → flow.ping",
        "shop.refund: example 'example 1' is not a valid input: amount: Input should be a valid "
        "integer, unable to parse string as an integer",
        "shop.gift: example 'wrapped' is not a valid input: colour: Extra inputs are not permitted",
        "flow.loop: after='loop' makes the operation wait for itself",
        "flow.report: inputs['total']: Count has no field 'missing'",
        "flow.audit: inputs['total'] reads from 'count', which is not in after=",
        "flow.bogus: inputs key 'nothere' is not a parameter of flow.bogus",
        "flow.shape: inputs['total'] = 'count' must be 'stage.field'",
        "'flat': an operation name needs a group and a name, e.g. 'pokemon.management.flat'",
        "'shop.Checkout': part 'Checkout' must be a lowercase Python identifier",
        "shop.sync: operations must be 'async def' functions",
        "shop.cart: is an operation and also the group of 'shop.cart.add'; "
        "a name is either a group or an operation",
        "sig.untyped: parameter 'amount' has no type annotation",
        "sig.refund: parameter 'reasons' *args and **kwargs cannot be request fields",
        "sig.refund: parameter 'tags' default ('new', 'sale') is not a literal or Enum member",
        "sig.refund: parameter 'weight' type 'complex' cannot be stored in MongoDB",
        "sig.refund: returns <class 'int'>; an operation must return a pydantic model",
    } <= messages


def test_unknown_models_in_operation_annotations(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("unknown_ops", "unknown_ops_app"),
            "unknown_ops_app/__init__.py": "",
            "unknown_ops_app/ops.py": """
                from pydantic import BaseModel

                from pulpo import operation


                class Done(BaseModel):
                    ok: bool


                @operation("unknown.take")
                async def take(
                    shelf: str,
                    thing: "Thing",
                ) -> Done:
                    return Done(ok=True)


                @operation("unknown.give")
                async def give(
                    shelf: str,
                ) -> "Receipt":
                    return Done(ok=True)
            """,
        },
    )
    ops = "unknown_ops_app/ops.py"

    diagnostics = check(root)

    assert found(diagnostics) == [
        at(root, ops, 'thing: "Thing",', Code.UNKNOWN_MODEL),
        at(root, ops, ') -> "Receipt":', Code.UNKNOWN_MODEL),
    ]
    assert [d.message for d in diagnostics] == [
        "unknown.take: parameter 'thing' unknown type 'Thing'",
        "unknown.give: return type: unknown type 'Receipt'",
    ]


def test_two_result_types_of_one_name(tmp_path: Path) -> None:
    result = """
        from pydantic import BaseModel


        class Result(BaseModel):
            {field}: int
    """
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("clash", "clash_app"),
            "clash_app/__init__.py": "",
            "clash_app/a_results.py": result.format(field="count"),
            "clash_app/b_results.py": result.format(field="total"),
            "clash_app/ops.py": """
                from clash_app import a_results, b_results
                from pulpo import operation


                @operation("clash.count")
                async def count() -> a_results.Result:
                    return a_results.Result(count=1)


                @operation("clash.total")
                async def total() -> b_results.Result:
                    return b_results.Result(total=1)
            """,
        },
    )

    (diagnostic,) = check(root)

    assert (diagnostic.code, diagnostic.location) == (
        Code.TYPE_NAME_CLASH,
        Location(root / "clash_app/ops.py", line_of(root / "clash_app/ops.py", '"clash.total"')),
    )
    assert diagnostic.message == (
        "two different types are named 'Result' (clash_app.a_results and clash_app.b_results); "
        "rename one"
    )


def test_a_valid_project_with_every_supported_feature_has_no_problem(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("fine", "fine_app"),
            "fine_app/__init__.py": "",
            "fine_app/models.py": """
                from enum import StrEnum
                from typing import Literal

                from pydantic import BaseModel, Field

                from pulpo import Index, datamodel


                class Size(StrEnum):
                    SMALL = "small"
                    LARGE = "large"


                class Part(BaseModel):
                    name: str
                    size: Size = Size.SMALL


                @datamodel(collection="machines", indexes=[Index("name", "-built", unique=True)])
                class Machine(BaseModel):
                    name: str = Field(min_length=1)
                    built: int
                    parts: list[Part] = []
                    notes: dict[str, str] | None = None
                    mode: Literal["auto", "manual"] = "auto"
                    related: "Machine | None" = None
            """,
            "fine_app/ops.py": """
                from pydantic import BaseModel

                from fine_app.models import Machine, Size
                from pulpo import operation


                class Count(BaseModel):
                    total: int


                @operation("fine.build.count", retries=2, retry_delay_seconds=0.5, timeout=10)
                async def count(size: Size = Size.LARGE, limit: int | None = None) -> Count:
                    return Count(total=0)


                @operation(
                    "fine.build.report",
                    after=["count", "fine.build.store"],
                    inputs={"total": "count.total"},
                )
                async def report(total: int, title: str = "report") -> Count:
                    return Count(total=total)


                @operation("fine.build.store")
                async def store(machine: Machine) -> Machine:
                    return machine


                @operation("fine.other")
                async def other() -> Count:
                    return Count(total=0)
            """,
        },
    )

    assert check(root) == []


# --- Imports and empty projects -----------------------------------------------------


def test_import_errors_are_reported_where_they_were_raised(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("imports", "imports_app"),
            "imports_app/__init__.py": "",
            "imports_app/broken.py": '''
                """A syntax error on line 4."""


                def oops(:
                    return 1
            ''',
            "imports_app/explode.py": '''
                """Raises while imported."""

                VALUE = 1
                raise RuntimeError("boom at import")
            ''',
            "imports_app/helpers.py": """
                def check(value: int) -> None:
                    if value:
                        raise ValueError(f"bad value {value}")
            """,
            "imports_app/indirect.py": """
                from imports_app.helpers import check

                check(3)
            """,
            "imports_app/needs.py": """
                import json

                import not_a_real_dependency_of_pulpo_tests
            """,
            "imports_app/zz_models.py": """
                from pydantic import BaseModel

                from pulpo import datamodel


                @datamodel
                class Survivor(BaseModel):
                    id: str
            """,
        },
    )

    diagnostics = check(root)

    assert found(diagnostics) == [
        at(root, "imports_app/broken.py", "def oops(:", Code.IMPORT_ERROR),
        at(root, "imports_app/explode.py", "raise RuntimeError", Code.IMPORT_ERROR),
        at(root, "imports_app/helpers.py", "raise ValueError", Code.IMPORT_ERROR),
        at(root, "imports_app/needs.py", "import not_a_real", Code.IMPORT_ERROR),
        # The modules that import still have their declarations checked.
        at(root, "imports_app/zz_models.py", "    id: str", Code.RESERVED_FIELD_NAME),
    ]
    assert [d.message for d in diagnostics[:4]] == [
        "importing imports_app.broken: SyntaxError: invalid syntax",
        "importing imports_app.explode: RuntimeError: boom at import",
        "importing imports_app.indirect: ValueError: bad value 3",
        "importing imports_app.needs: ModuleNotFoundError: "
        "No module named 'not_a_real_dependency_of_pulpo_tests'",
    ]


MODELS_IMPORTED_TWICE = {
    "imports_once_app/__init__.py": "",
    "imports_once_app/battles.py": """
        from imports_once_app.models import Trainer

        TRAINERS = [Trainer]
    """,
    "imports_once_app/management.py": """
        from imports_once_app import models

        TRAINER = models.Trainer
    """,
    "imports_once_app/zz_ops.py": """
        from pydantic import BaseModel

        from pulpo import operation


        class Done(BaseModel):
            ok: bool


        @operation("imports_once.ping")
        async def ping() -> Done:
            return Done(ok=True)
    """,
}


@pytest.mark.parametrize(
    ("models", "marker", "error"),
    [
        ("class Trainer(:\n    pass\n", "class Trainer(:", "SyntaxError: invalid syntax"),
        (
            "class Trainer:\n    pass\n\n\nTEAM = Unknown()\n",
            "TEAM = Unknown()",
            "NameError: name 'Unknown' is not defined",
        ),
    ],
)
def test_a_broken_module_is_reported_once_with_the_modules_it_breaks(
    tmp_path: Path, models: str, marker: str, error: str
) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("imports_once", "imports_once_app"),
            **MODELS_IMPORTED_TWICE,
            "imports_once_app/models.py": models,
        },
    )

    diagnostics = check(root)

    # battles and management are imported before models, and fail first; the problem is
    # still reported once, for the module whose file raised, where it raised.
    assert found(diagnostics) == [at(root, "imports_once_app/models.py", marker, Code.IMPORT_ERROR)]
    assert diagnostics[0].message == (
        f"importing imports_once_app.models: {error} "
        "(also breaks imports_once_app.battles, imports_once_app.management)"
    )


def test_different_errors_at_import_stay_separate_problems(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("imports_once", "imports_once_app"),
            **MODELS_IMPORTED_TWICE,
            "imports_once_app/models.py": "class Trainer(:\n",
            "imports_once_app/management.py": "raise RuntimeError('not configured')\n",
        },
    )

    diagnostics = check(root)

    assert [str(d.message) for d in diagnostics] == [
        "importing imports_once_app.management: RuntimeError: not configured",
        "importing imports_once_app.models: SyntaxError: invalid syntax "
        "(also breaks imports_once_app.battles)",
    ]


def test_a_syntax_error_in_a_package_init(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("bad_init", "bad_init_app"),
            "bad_init_app/__init__.py": "x = (\n",
            "bad_init_app/models.py": "",
        },
    )

    (diagnostic,) = check(root)

    assert diagnostic.code == Code.IMPORT_ERROR
    assert diagnostic.location == Location(root / "bad_init_app/__init__.py", 1)
    # Importing bad_init_app.models imports the package first, so it fails the same way.
    assert diagnostic.message == (
        "importing bad_init_app: SyntaxError: '(' was never closed "
        "(also breaks bad_init_app.models)"
    )


def test_nothing_declared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("empty", "empty_app"),
            "empty_app/__init__.py": "",
            "empty_app/helpers.py": "def helper() -> int:\n    return 1\n",
        },
    )

    (diagnostic,) = check(root)

    assert diagnostic == Diagnostic(
        Location(root / "pyproject.toml", 1),
        Code.NOTHING_DECLARED,
        "no @datamodel or @operation found in packages ['empty_app']",
    )
    monkeypatch.chdir(root)
    assert str(diagnostic) == (
        "pyproject.toml:1: NOTHING_DECLARED no @datamodel or @operation found in packages "
        "['empty_app']"
    )


def test_nothing_declared_is_not_added_to_other_problems(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("only_broken", "only_broken_app"),
            "only_broken_app/__init__.py": "raise ImportError('no luck')\n",
        },
    )

    assert found(check(root)) == [
        at(root, "only_broken_app/__init__.py", "raise ImportError", Code.IMPORT_ERROR)
    ]


def test_diagnostic_line_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    models = tmp_path / "app" / "models.py"
    diagnostic = Diagnostic(Location(models, 12), Code.UNKNOWN_MODEL, "X.y: unknown")

    assert str(diagnostic) == "app/models.py:12: UNKNOWN_MODEL X.y: unknown"


def test_a_location_is_shown_relative_to_the_current_directory_when_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "shop"
    (project / "app").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(project)
    location = Location("app/models.py", 3)  # relative: made absolute where it is created

    assert location.path == project.resolve() / "app" / "models.py"
    assert str(location) == "app/models.py:3"
    monkeypatch.chdir(project / "app")
    assert str(location) == "models.py:3"
    monkeypatch.chdir(tmp_path)
    assert str(location) == "shop/app/models.py:3"
    monkeypatch.chdir(tmp_path / "elsewhere")  # not below: absolute, never ../
    assert str(location) == f"{project.resolve()}/app/models.py:3"


def test_every_code_is_covered_by_these_projects(tmp_path: Path) -> None:
    """Guard: a new diagnostic code needs a fixture here that triggers it."""
    seen = {d.code for d in check(PROJECTS / "bad_models")}
    seen |= {d.code for d in check(PROJECTS / "bad_operations")}
    seen |= {d.code for d in check(PROJECTS / "bad_schedules")}  # test_validate_schedules.py
    seen |= {d.code for d in check(PROJECTS / "bad_upstreams")}  # test_validate_upstreams.py
    empty = write(
        tmp_path / "empty",
        {"pyproject.toml": pulpo_table("cov_empty", "cov_empty_app"), "cov_empty_app/a.py": ""},
    )
    (empty / "cov_empty_app" / "__init__.py").write_text("", encoding="utf-8")
    seen |= {d.code for d in check(empty)}
    other = write(
        tmp_path / "other",
        {
            "pyproject.toml": pulpo_table("cov_other", "cov_other_app"),
            "cov_other_app/__init__.py": "",
            "cov_other_app/broken.py": "def (:\n",
            "cov_other_app/models.py": """
                from pydantic import BaseModel

                from pulpo import datamodel


                @datamodel
                class Shelf(BaseModel):
                    item: "Item"
            """,
        },
    )
    seen |= {d.code for d in check(other)}

    assert seen == set(Code)


def test_the_pokemon_example_has_no_problem() -> None:
    project = discover(ROOT / "examples" / "pokemon")

    assert diagnose(project) == []
    assert len(project.models) == 3
    assert len(project.operations) == 6


def test_server_managed_fields_and_routes_reach_the_valid_project(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("managed", "managed_app"),
            "managed_app/__init__.py": "",
            "managed_app/models.py": """
                from pydantic import BaseModel

                from pulpo import datamodel


                @datamodel(server_managed=["score", "rank"], routes=["delete", "get", "update"])
                class Player(BaseModel):
                    name: str
                    score: int = 0
                    rank: int = 0


                @datamodel(server_managed="owner", routes="list")
                class Locker(BaseModel):
                    owner: str | None = None
                    number: int


                @datamodel
                class Note(BaseModel):
                    text: str
            """,
        },
    )

    player, locker, note = validate(discover(root)).models

    assert [(f.name, f.server_managed) for f in player.fields] == [
        ("name", False),
        ("score", True),
        ("rank", True),
    ]
    assert [f.name for f in player.writable_fields] == ["name"]
    assert player.routes == ("get", "update", "delete")  # in the order the router declares them
    assert [f.name for f in locker.writable_fields] == ["number"]  # one name, not its letters
    assert locker.routes == ("list",)
    assert note.routes == ("create", "list", "get", "update", "delete")
    assert not any(f.server_managed for f in note.fields)

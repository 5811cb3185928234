"""pulpo.discover: project settings, finding and importing modules once, collecting declarations.

Every project here is a real directory: written into ``tmp_path`` by the test, with
a package name no other test uses, then discovered in this process.
"""

import sys
from pathlib import Path

import pytest
from project_files import write

from pulpo.discover import Location, ProjectConfig, ProjectError, discover, load_config, shown
from pulpo.discover.importer import find_modules

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def pulpo_table(name: str, *packages: str) -> str:
    listed = ", ".join(f'"{package}"' for package in packages or (name,))
    return f'[tool.pulpo]\nname = "{name}"\npackages = [{listed}]\n'


MODEL = """
    from pydantic import BaseModel

    from pulpo import datamodel


    @datamodel
    class {name}(BaseModel):
        label: str
"""


# --- Settings ----------------------------------------------------------------------


def test_defaults_come_from_the_directory_name(tmp_path: Path) -> None:
    root = tmp_path / "my_shop"
    root.mkdir()

    config, source = load_config(root)

    assert source is None
    assert config == ProjectConfig(
        name="my_shop", packages=("my_shop",), output="generated", database="my_shop"
    )
    assert config.driver == "pymongo"


def test_pyproject_without_a_pulpo_table_gives_the_defaults(tmp_path: Path) -> None:
    root = write(tmp_path / "plain_shop", {"pyproject.toml": '[project]\nname = "x"\n'})

    config, source = load_config(root)

    assert source is None
    assert (config.name, config.packages, config.database) == (
        "plain_shop",
        ("plain_shop",),
        "plain_shop",
    )


def test_name_alone_sets_packages_and_database(tmp_path: Path) -> None:
    root = write(tmp_path / "dir", {"pyproject.toml": '[tool.pulpo]\nname = "shop"\n'})

    config, source = load_config(root)

    assert source == root / "pyproject.toml"
    assert (config.name, config.packages, config.database) == ("shop", ("shop",), "shop")


def test_every_key_of_the_pulpo_table(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": """
                [tool.pulpo]
                name = "shop"
                packages = ["shop_core", "shop.extras"]
                output = "api"
                database = "shop_db"
                driver = "motor"
            """
        },
    )

    config, _ = load_config(root)

    assert config == ProjectConfig(
        name="shop",
        packages=("shop_core", "shop.extras"),
        output="api",
        database="shop_db",
        driver="motor",
    )


def test_pulpo_toml_wins_over_pyproject(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": '[tool.pulpo]\nname = "from_pyproject"\n',
            "pulpo.toml": 'name = "from_pulpo_toml"\ndatabase = "db_from_pulpo_toml"\n',
        },
    )

    config, source = load_config(root)

    assert source == root / "pulpo.toml"
    assert config.name == "from_pulpo_toml"
    assert config.database == "db_from_pulpo_toml"
    assert config.packages == ("from_pulpo_toml",)


def test_pulpo_toml_may_use_a_tool_table(tmp_path: Path) -> None:
    root = write(tmp_path, {"pulpo.toml": '[tool.pulpo]\nname = "tabled"\n'})

    config, source = load_config(root)

    assert source == root / "pulpo.toml"
    assert config.name == "tabled"


@pytest.mark.parametrize("file_name", ["pyproject.toml", "pulpo.toml"])
def test_invalid_toml_names_the_file(tmp_path: Path, file_name: str) -> None:
    root = write(tmp_path, {file_name: '[tool.pulpo\nname = "x"\n'})

    with pytest.raises(ProjectError) as raised:
        load_config(root)

    message = str(raised.value)
    assert message.startswith(f"{root / file_name}: invalid TOML")
    assert "\n" not in message
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('name = "shop"\ncolour = "red"\n', "[tool.pulpo] colour: Extra inputs are not permitted"),
        ('name = "my-shop"\n', "[tool.pulpo] name: Value error, 'my-shop' must be a Python"),
        ('name = "shop"\npackages = []\n', "[tool.pulpo] packages: Value error, name at least one"),
        ('name = "shop"\npackages = ["a-b"]\n', "[tool.pulpo] packages: Value error, 'a-b' is not"),
        ('name = "shop"\noutput = "gen/api"\n', "[tool.pulpo] output: Value error, 'gen/api'"),
        ('name = "shop"\ndriver = "mysql"\n', "[tool.pulpo] driver: String should match pattern"),
        ('name = "shop"\npackages = "shop"\n', "[tool.pulpo] packages: Input should be a valid"),
    ],
)
def test_invalid_settings_name_the_file_and_the_key(
    tmp_path: Path, table: str, expected: str
) -> None:
    root = write(tmp_path, {"pyproject.toml": "[tool.pulpo]\n" + table})

    with pytest.raises(ProjectError) as raised:
        load_config(root)

    assert str(raised.value).startswith(f"{root / 'pyproject.toml'}: {expected}")


def test_a_directory_name_that_is_not_an_identifier_needs_a_name(tmp_path: Path) -> None:
    root = tmp_path / "my-shop"
    root.mkdir()

    with pytest.raises(ProjectError) as raised:
        load_config(root)

    assert str(raised.value).startswith(f"{root}: [tool.pulpo] name:")


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as raised:
        discover(tmp_path / "nowhere")

    assert str(raised.value) == f"{tmp_path / 'nowhere'}: not a project directory"
    file = write(tmp_path, {"file.txt": "x"}) / "file.txt"
    with pytest.raises(ProjectError, match="not a project directory"):
        load_config(file)


def test_missing_package(tmp_path: Path) -> None:
    root = write(tmp_path, {"pyproject.toml": pulpo_table("ghost", "ghost_app")})

    with pytest.raises(ProjectError) as raised:
        discover(root)

    assert str(raised.value) == (
        f"{root}: package 'ghost_app' not found (looked for {root / 'ghost_app'}/)"
    )


# --- Finding modules ---------------------------------------------------------------


def test_find_modules_walks_regular_packages_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "walk_app/__init__.py": "",
            "walk_app/b.py": "",
            "walk_app/a.py": "",
            "walk_app/sub/__init__.py": "",
            "walk_app/sub/deep.py": "",
            "walk_app/scripts/not_a_package.py": "raise SystemExit('must not be imported')\n",
            "walk_app/.hidden/__init__.py": "",
            "walk_app/.hidden/secret.py": "",
            "walk_app/generated/__init__.py": "",
            "walk_app/generated/app.py": "",
            "solo.py": "",
            "other/__init__.py": "",
        },
    )

    found = find_modules(tmp_path, ("walk_app", "solo"), skip={"generated"})

    assert found == {
        "solo": tmp_path / "solo.py",
        "walk_app": tmp_path / "walk_app" / "__init__.py",
        "walk_app.a": tmp_path / "walk_app" / "a.py",
        "walk_app.b": tmp_path / "walk_app" / "b.py",
        "walk_app.sub": tmp_path / "walk_app" / "sub" / "__init__.py",
        "walk_app.sub.deep": tmp_path / "walk_app" / "sub" / "deep.py",
    }
    assert list(found) == sorted(found)


def test_a_directory_without_init_is_not_a_package(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {"pyproject.toml": pulpo_table("nsp", "nsp_app"), "nsp_app/models.py": ""},
    )

    with pytest.raises(ProjectError, match="package 'nsp_app' not found"):
        discover(root)


def test_a_single_module_package(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("solo", "solo_module_app"),
            "solo_module_app.py": MODEL.format(name="Solo"),
        },
    )

    project = discover(root)

    assert project.modules == {"solo_module_app": root / "solo_module_app.py"}
    assert [model.spec.name for model in project.models] == ["Solo"]
    assert project.models[0].module == "solo_module_app"
    assert project.models[0].file == root / "solo_module_app.py"


# --- Importing and collecting -----------------------------------------------------


def test_every_module_is_imported_exactly_once(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("once", "once_app"),
            "once_app/__init__.py": "from once_app import models  # noqa: F401\n",
            "once_app/log.py": "IMPORTED: list[str] = []\n",
            "once_app/models.py": """
                from pydantic import BaseModel

                from once_app import log
                from pulpo import datamodel

                log.IMPORTED.append(__name__)


                @datamodel
                class Thing(BaseModel):
                    label: str
            """,
            "once_app/ops.py": """
                from once_app import log
                from once_app.models import Thing
                from pulpo import operation

                log.IMPORTED.append(__name__)


                @operation("once.make")
                async def make(label: str) -> Thing:
                    return Thing(label=label)
            """,
            "once_app/zzz.py": """
                from once_app import log, models, ops  # noqa: F401

                log.IMPORTED.append(__name__)
            """,
        },
    )

    project = discover(root)

    log = sys.modules["once_app.log"]
    assert log.IMPORTED == ["once_app.models", "once_app.ops", "once_app.zzz"]
    (thing,) = project.models
    (make,) = project.operations
    # What discovery collected is what the modules hold: no second copy of a class.
    assert thing.spec.cls is sys.modules["once_app.models"].Thing
    assert make.spec.function is sys.modules["once_app.ops"].make
    assert make.spec.function.__annotations__["return"] is thing.spec.cls


def test_re_exported_declarations_are_registered_once(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("reexport", "reexport_app"),
            "reexport_app/__init__.py": """
                from reexport_app.models import Gift
                from reexport_app.ops import wrap

                __all__ = ["Gift", "wrap"]
            """,
            "reexport_app/models.py": MODEL.format(name="Gift"),
            "reexport_app/ops.py": """
                from reexport_app.models import Gift
                from pulpo import operation


                @operation("reexport.wrap")
                async def wrap(label: str) -> Gift:
                    return Gift(label=label)
            """,
            "reexport_app/more.py": """
                from reexport_app import Gift, wrap
                from reexport_app.models import Gift as SameGift

                ALIASES = (Gift, SameGift, wrap)
            """,
        },
    )

    project = discover(root)

    assert [(m.spec.name, m.module) for m in project.models] == [("Gift", "reexport_app.models")]
    assert [(o.spec.name, o.module) for o in project.operations] == [
        ("reexport.wrap", "reexport_app.ops")
    ]


def test_declarations_in_order_with_their_module_and_file(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("order", "order_app"),
            "order_app/__init__.py": "",
            "order_app/b_models.py": """
                from pydantic import BaseModel

                from pulpo import datamodel


                @datamodel
                class Second(BaseModel):
                    label: str


                @datamodel
                class Third(BaseModel):
                    label: str
            """,
            "order_app/a_models.py": MODEL.format(name="First"),
        },
    )

    project = discover(root)

    assert [(m.spec.name, m.module, m.file) for m in project.models] == [
        ("First", "order_app.a_models", root / "order_app" / "a_models.py"),
        ("Second", "order_app.b_models", root / "order_app" / "b_models.py"),
        ("Third", "order_app.b_models", root / "order_app" / "b_models.py"),
    ]
    assert project.output_dir == root / "generated"
    assert project.import_failures == []


def test_a_failing_module_is_recorded_and_the_others_still_imported(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": pulpo_table("partly", "partly_app"),
            "partly_app/__init__.py": "",
            "partly_app/a_broken.py": "VALUE = 1\nraise RuntimeError('boom')\n",
            "partly_app/b_models.py": MODEL.format(name="Survivor"),
        },
    )

    project = discover(root)

    (failure,) = project.import_failures
    assert failure.module == "partly_app.a_broken"
    assert failure.location == Location(root / "partly_app" / "a_broken.py", 2)
    assert failure.also_breaks == ()
    assert failure.message == "RuntimeError: boom"
    assert [model.spec.name for model in project.models] == ["Survivor"]


def test_two_projects_with_the_same_package_name_do_not_mix(tmp_path: Path) -> None:
    first = write(
        tmp_path / "first",
        {
            "pyproject.toml": pulpo_table("twin", "twin_app"),
            "twin_app/__init__.py": "",
            "twin_app/models.py": MODEL.format(name="Alpha"),
        },
    )
    second = write(
        tmp_path / "second",
        {
            "pyproject.toml": pulpo_table("twin", "twin_app"),
            "twin_app/__init__.py": "",
            "twin_app/models.py": MODEL.format(name="Beta"),
        },
    )

    assert [model.spec.name for model in discover(first).models] == ["Alpha"]
    assert [model.spec.name for model in discover(second).models] == ["Beta"]
    assert sys.modules["twin_app.models"].__file__ == str(second / "twin_app" / "models.py")
    assert [model.spec.name for model in discover(first).models] == ["Alpha"]


def test_paths_are_shown_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "rel"
    project.mkdir()
    inside = project / "rel_app" / "__init__.py"
    monkeypatch.chdir(project)

    assert shown(inside) == "rel_app/__init__.py"
    assert shown(Path("rel_app/../rel_app/__init__.py")) == "rel_app/__init__.py"
    assert shown(tmp_path / "elsewhere.py") == str((tmp_path / "elsewhere.py").resolve())


def test_the_pokemon_example_is_discovered() -> None:
    project = discover(ROOT / "examples" / "pokemon")

    assert project.config.name == "pokemon"
    assert "pokemon.models" in project.modules
    assert not any(name.startswith("generated") for name in project.modules)
    assert [model.spec.name for model in project.models] == ["Pokemon", "Trainer", "FightResult"]
    assert sorted(op.spec.name for op in project.operations) == [
        "pokemon.battles.trainer_execute",
        "pokemon.evolution.stage1",
        "pokemon.evolution.stage2",
        "pokemon.management.catch",
        "pokemon.management.train",
        "pokemon.management.trainer_create",
    ]
    assert project.import_failures == []

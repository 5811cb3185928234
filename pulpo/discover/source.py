"""Positions in the user's source, found by static analysis with libcst.

Runtime objects know the file they came from but not where each field or
parameter is written; diagnostics need exactly that. Files are parsed lazily,
only when a diagnostic asks for a position, and each file at most once.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider


@dataclass
class Definition:
    """A top-level class or function: where it, its pulpo decorator and its members are."""

    line: int
    decorator_line: int
    members: dict[str, int] = field(default_factory=dict)
    returns_line: int | None = None


class _DefinitionCollector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, decorator_names: tuple[str, ...]) -> None:
        self.definitions: dict[str, Definition] = {}
        self._decorator_names = decorator_names
        self._depth = 0

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _decorator_line(self, node: cst.ClassDef | cst.FunctionDef, fallback: int) -> int:
        for decorator in node.decorators:
            if any(name in _names_in(decorator.decorator) for name in self._decorator_names):
                return self._line(decorator)
        return fallback

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        if self._depth == 0:
            line = self._line(node.name)
            definition = Definition(line, self._decorator_line(node, line))
            for statement in node.body.body:
                if isinstance(statement, cst.SimpleStatementLine):
                    for small in statement.body:
                        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                            definition.members[small.target.value] = self._line(small)
            self.definitions[node.name.value] = definition
        self._depth += 1
        return True

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._depth -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        if self._depth == 0:
            line = self._line(node.name)
            definition = Definition(line, self._decorator_line(node, line))
            parameters = node.params
            for param in (
                *parameters.posonly_params,
                *parameters.params,
                *parameters.kwonly_params,
            ):
                definition.members[param.name.value] = self._line(param)
            for star in (parameters.star_arg, parameters.star_kwarg):
                if isinstance(star, cst.Param):
                    definition.members[star.name.value] = self._line(star)
            if node.returns is not None:
                definition.returns_line = self._line(node.returns)
            self.definitions[node.name.value] = definition
        self._depth += 1
        return True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1


def _names_in(expression: cst.BaseExpression) -> set[str]:
    """Every name inside a decorator expression (``operation``, ``pulpo.datamodel``)."""
    names: set[str] = set()

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.add(node.value)

    expression.visit(_Names())
    return names


def definitions_in(path: Path) -> dict[str, Definition]:
    """Index the top-level classes and functions of ``path`` by name (parsed once per version)."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@cache
def _parse(path: Path, mtime_ns: int, size: int) -> dict[str, Definition]:
    try:
        module = cst.parse_module(path.read_bytes())
    except (OSError, cst.ParserSyntaxError):
        return {}
    collector = _DefinitionCollector(("datamodel", "operation"))
    MetadataWrapper(module).visit(collector)
    return collector.definitions


def locate(path: Path, name: str, member: str | None = None, *, at: str = "decorator") -> int:
    """The line of ``name`` (or of its field/parameter ``member``) in ``path``; 1 when unknown.

    ``at`` picks which line of the definition itself: ``"decorator"`` (the pulpo
    decorator, where names and options are written), ``"def"`` or ``"returns"``.
    """
    definition = definitions_in(path).get(name)
    if definition is None:
        return 1
    if member is not None:
        return definition.members.get(member, definition.line)
    if at == "returns":
        return definition.returns_line or definition.line
    return definition.line if at == "def" else definition.decorator_line

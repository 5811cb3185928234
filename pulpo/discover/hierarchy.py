"""The operation hierarchy: dotted names form a tree; ``after=`` orders siblings.

``pokemon.management.catch`` and ``pokemon.evolution.stage1`` give the tree::

    pokemon
    ├── management
    │   └── catch
    └── evolution
        └── stage1

Every inner node is a *group* (it becomes a flow); every leaf is an operation
(a task). Within one group, ``after=`` splits the children into *stages*:
stage N holds the children whose predecessors all sit in earlier stages, so the
children of one stage may run concurrently and the stages run in order.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from pulpo.declare import OperationSpec
from pulpo.errors import UsageError


@dataclass
class Node:
    """One name in the hierarchy: a group (has children) or an operation (has a spec)."""

    name: str
    children: dict[str, "Node"] = field(default_factory=dict)
    operation: OperationSpec | None = None

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]

    @property
    def is_group(self) -> bool:
        return bool(self.children)

    def groups(self) -> list["Node"]:
        """This node and every group below it, parents first."""
        found = [self] if self.is_group else []
        for child in self.children.values():
            found.extend(child.groups())
        return found


class DependencyCycle(UsageError):
    """Siblings whose ``after=`` order loops back on itself."""

    def __init__(self, members: list[str]) -> None:
        super().__init__(" → ".join(members))
        self.members = members


def build_tree(operations: Iterable[OperationSpec]) -> list[Node]:
    """The roots of the hierarchy (usually one, named after the domain), in declaration order."""
    roots: dict[str, Node] = {}
    for spec in operations:
        parts = spec.name.split(".")
        level = roots
        node: Node | None = None
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            node = level.setdefault(parts[depth - 1], Node(name))
            level = node.children
        if node is not None:
            node.operation = spec
    return list(roots.values())


def resolve_after(spec: OperationSpec, sibling_names: Iterable[str]) -> list[str | None]:
    """The full names of ``spec.after``, each matched against the siblings; ``None`` when unknown.

    An entry may be a sibling's last name part (``"stage1"``) or its full name.
    """
    siblings = set(sibling_names)
    resolved: list[str | None] = []
    for written in spec.after:
        candidate = written if "." in written else f"{spec.parent}.{written}"
        resolved.append(candidate if candidate in siblings and candidate != spec.name else None)
    return resolved


def resolve_input(spec: OperationSpec, source: str) -> tuple[str, str]:
    """The operation and the output field an ``inputs=`` source names.

    ``"stage1.evolved_name"`` → ``("pokemon.evolution.stage1", "evolved_name")``. The
    stage may be a sibling's last name part or its full name; the field is what
    follows the last dot. Either part comes back empty when ``source`` lacks it.
    """
    stage, _, field = source.rpartition(".")
    if stage and "." not in stage:
        stage = f"{spec.parent}.{stage}"
    return stage, field


def stages(group: Node) -> list[list[Node]]:
    """Split a group's children into ordered stages; raises :class:`DependencyCycle`.

    Unknown ``after=`` names are ignored here (validation reports them).
    """
    children = list(group.children.values())
    names = [child.name for child in children]
    waiting_on: dict[str, set[str]] = {}
    for child in children:
        after = resolve_after(child.operation, names) if child.operation else []
        waiting_on[child.name] = {name for name in after if name is not None}
    ordered: list[list[Node]] = []
    done: set[str] = set()
    while len(done) < len(children):
        ready = [c for c in children if c.name not in done and waiting_on[c.name] <= done]
        if not ready:
            raise DependencyCycle(
                _find_cycle({n: w - done for n, w in waiting_on.items() if n not in done})
            )
        ordered.append(ready)
        done.update(child.name for child in ready)
    return ordered


def _find_cycle(waiting_on: dict[str, set[str]]) -> list[str]:
    """One cycle in the remaining graph, as names, the first repeated at the end."""
    start = min(waiting_on)
    path = [start]
    while True:
        following = min(waiting_on[path[-1]])
        if following in path:
            return [*path[path.index(following) :], following]
        path.append(following)

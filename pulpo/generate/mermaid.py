"""Mermaid diagrams of a project: its datamodels, and its operation hierarchy.

Paste the output into any Markdown file that renders Mermaid (GitHub does)::

    pulpo graph examples/pokemon > docs/domain.md
"""

from pulpo.discover.hierarchy import Node, build_tree, resolve_after, stages
from pulpo.discover.project import Project
from pulpo.generate.annotations import Imports, render_annotation
from pulpo.validate.types import is_model, named_types


def models_diagram(project: Project) -> str:
    """A ``classDiagram``: each datamodel and nested model with its fields, and who embeds whom."""
    lines = ["classDiagram"]
    relations: list[str] = []
    shown: set[type] = set()
    for model in project.models:
        for cls in named_types(model.spec.cls):
            if cls in shown or not is_model(cls):
                continue
            shown.add(cls)
            lines.append(f"    class {cls.__name__} {{")
            if cls is model.spec.cls:
                lines.append("        <<datamodel>>")
            for name, info in cls.model_fields.items():
                annotation = render_annotation(info.annotation, Imports())
                lines.append(f"        +{_mermaid_type(annotation)} {name}")
                relations.extend(
                    f"    {cls.__name__} *-- {inner.__name__} : {name}"
                    for inner in named_types(info.annotation)
                    if is_model(inner) and inner is not cls
                )
            lines.append("    }")
    return "\n".join(lines + sorted(set(relations)))


def operations_diagram(project: Project) -> str:
    """A ``flowchart``: groups as subgraphs, operations as nodes, ``after=`` as arrows."""
    lines = ["flowchart TD"]
    for root in build_tree(operation.spec for operation in project.operations):
        lines.extend(_group_lines(root, depth=1))
    return "\n".join(lines)


def _group_lines(node: Node, depth: int) -> list[str]:
    indent = "    " * depth
    if not node.is_group:
        return [f'{indent}{_node_id(node.name)}["{node.short_name}"]']
    lines = [f'{indent}subgraph {_node_id(node.name)}["{node.name}"]']
    for stage in stages(node):
        for child in stage:
            lines.extend(_group_lines(child, depth + 1))
    names = [child.name for child in node.children.values()]
    for child in node.children.values():
        if child.operation is None:
            continue
        for predecessor in resolve_after(child.operation, names):
            if predecessor is not None:
                lines.append(f"{indent}    {_node_id(predecessor)} --> {_node_id(child.name)}")
    lines.append(f"{indent}end")
    return lines


def _node_id(name: str) -> str:
    return name.replace(".", "_")


def _mermaid_type(annotation: str) -> str:
    # Mermaid reads generics as ``list~Attack~``.
    return annotation.replace("[", "~").replace("]", "~").replace(" ", "")

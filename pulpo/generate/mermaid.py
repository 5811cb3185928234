"""Mermaid diagrams of a project: its datamodels, and its operation hierarchy.

Paste the output into any Markdown file that renders Mermaid (GitHub does)::

    pulpo graph examples/pokemon > docs/domain.md
"""

from pulpo.generate.annotations import Imports, render_annotation
from pulpo.validate import ValidProject
from pulpo.validate.types import is_model, named_types


def models_diagram(project: ValidProject) -> str:
    """A ``classDiagram``: each datamodel and nested model with its fields, and who embeds whom."""
    lines = ["classDiagram"]
    relations: list[str] = []
    shown: set[type] = set()
    for model in project.models:
        for cls in named_types(model.cls):
            if cls in shown or not is_model(cls):
                continue
            shown.add(cls)
            lines.append(f"    class {cls.__name__} {{")
            if cls is model.cls:
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


def operations_diagram(project: ValidProject) -> str:
    """A ``flowchart``: groups as subgraphs, operations as nodes, ``after=`` as arrows."""
    lines = ["flowchart TD"]
    for root in (group for group in project.groups if "." not in group.name):
        lines.extend(_group_lines(project, root.name, depth=1))
    return "\n".join(lines)


def _group_lines(project: ValidProject, name: str, depth: int) -> list[str]:
    indent = "    " * depth
    if not project.is_group(name):
        return [f'{indent}{_node_id(name)}["{name.rpartition(".")[2]}"]']
    group = project.group(name)
    lines = [f'{indent}subgraph {_node_id(name)}["{name}"]']
    for stage in group.stages:
        for child in stage:
            lines.extend(_group_lines(project, child, depth + 1))
    for child in group.children:
        if project.is_group(child):
            continue
        for predecessor in project.operation(child).after:
            lines.append(f"{indent}    {_node_id(predecessor)} --> {_node_id(child)}")
    lines.append(f"{indent}end")
    return lines


def _node_id(name: str) -> str:
    return name.replace(".", "_")


def _mermaid_type(annotation: str) -> str:
    # Mermaid reads generics as ``list~Attack~``.
    return annotation.replace("[", "~").replace("]", "~").replace(" ", "")

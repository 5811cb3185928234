"""Build the :class:`~pulpo.validate.model.ValidProject` of a project that passed every rule.

The rules (:mod:`pulpo.validate.rules`) read each operation's signature once and hand
them here; this module decides the rest once: fields, request models, normalized
examples, resolved ``after=`` names, fed inputs and the stages of every group.
"""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from pulpo.declare import ROUTES
from pulpo.discover.hierarchy import build_tree, resolve_after, resolve_input, stages
from pulpo.discover.project import DiscoveredModel, DiscoveredOperation, Project
from pulpo.validate.model import (
    DataModel,
    Example,
    Feed,
    Group,
    ModelField,
    Operation,
    ValidProject,
)
from pulpo.validate.signature import OperationSignature, input_model
from pulpo.validate.types import is_scalar, strip_annotated


def resolve(project: Project, signatures: Mapping[str, OperationSignature]) -> ValidProject:
    """The resolved model of ``project``, whose operations' signatures are ``signatures``.

    ``signatures`` maps every operation's name (unique, since the project is valid)
    to the signature the rules read.
    """
    tree = build_tree(operation.spec for operation in project.operations)
    groups = tuple(
        Group(
            name=group.name,
            children=tuple(child.name for child in group.children.values()),
            stages=tuple(tuple(child.name for child in stage) for stage in stages(group)),
        )
        for root in tree
        for group in root.groups()
    )
    children = {group.name: group.children for group in groups}
    outputs = {name: signature.output for name, signature in signatures.items()}
    return ValidProject(
        root=project.root,
        config=project.config,
        models=tuple(_model(model) for model in project.models),
        operations=tuple(
            _operation(
                operation, signatures[operation.spec.name], children[operation.spec.parent], outputs
            )
            for operation in project.operations
        ),
        groups=groups,
        settings=tuple(project.settings),
        upstreams=tuple(project.upstreams),
    )


def _model(model: DiscoveredModel) -> DataModel:
    cls: type[BaseModel] = model.spec.cls
    fields = tuple(
        ModelField(
            name=name,
            annotation=info.annotation,
            description=info.description,
            required=info.is_required(),
            scalar=is_scalar(info.annotation),
            server_managed=name in model.spec.server_managed,
        )
        for name, info in cls.model_fields.items()
    )
    return DataModel(
        cls=cls,
        module=model.module,
        file=model.file,
        collection=model.spec.collection,
        description=model.spec.description,
        indexes=model.spec.indexes,
        fields=fields,
        routes=tuple(route for route in ROUTES if route in model.spec.routes),
    )


def _operation(
    operation: DiscoveredOperation,
    signature: OperationSignature,
    siblings: tuple[str, ...],
    outputs: Mapping[str, type[BaseModel]],
) -> Operation:
    spec = operation.spec
    request_model = input_model(spec.name, signature)
    after = tuple(name for name in resolve_after(spec, siblings) if name is not None)
    feeds, fully_fed = _feeds(operation, signature, after, outputs)
    return Operation(
        spec=spec,
        module=operation.module,
        file=operation.file,
        parameters=signature.inputs,
        input_model=signature.input_model,
        request_model=request_model,
        output=signature.output,
        examples=tuple(
            Example(
                name,
                request_model.model_validate(value).model_dump(mode="json", exclude_unset=True),
            )
            for name, value in spec.examples
        ),
        after=after,
        feeds=feeds,
        fully_fed=fully_fed,
        key_parameter=signature.key_parameter,
    )


def _example(request_model: type[BaseModel], name: str, value: Any) -> Example:
    """An example as the request model reads it: JSON values, only what was written."""
    normalized = request_model.model_validate(value).model_dump(mode="json", exclude_unset=True)
    return Example(name, normalized)


def _feeds(
    operation: DiscoveredOperation,
    signature: OperationSignature,
    after: tuple[str, ...],
    outputs: Mapping[str, type[BaseModel]],
) -> tuple[tuple[Feed, ...], bool]:
    """Which parameters the steps ``after`` feed, and whether they feed every required one.

    Through ``inputs=`` first; then a parameter takes the field of the same name and
    type of the first predecessor whose output has one. When every required parameter
    is fed, the step may be left out of its group's input, and every fed value fills
    what the caller leaves out; otherwise the caller gives the step's required
    parameters, and only the optional ones are fed.
    """
    spec = operation.spec
    parameters: dict[str, tuple[Any, bool]]
    if signature.input_model is not None:
        parameters = {
            name: (strip_annotated(info.annotation), info.is_required())
            for name, info in signature.input_model.model_fields.items()
        }
    else:
        parameters = {
            item.name: (strip_annotated(item.annotation), item.required)
            for item in signature.inputs
        }
    fed: dict[str, tuple[str, str]] = {}
    for parameter, source in spec.inputs.items():
        fed[parameter] = resolve_input(spec, source)
    for parameter, (annotation, _) in parameters.items():
        if parameter in fed:
            continue
        for name in after:
            output = outputs.get(name)  # a subgroup's output is not one model: it feeds nothing
            if output is None:
                continue
            info = output.model_fields.get(parameter)
            if info is not None and strip_annotated(info.annotation) == annotation:
                fed[parameter] = (name, parameter)
                break
    fully_fed = all(parameter in fed for parameter, (_, required) in parameters.items() if required)
    feeds = tuple(
        Feed(parameter, *fed[parameter])
        for parameter, (_, required) in parameters.items()
        if parameter in fed and (fully_fed or not required)
    )
    return feeds, fully_fed

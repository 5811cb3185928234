"""Naming rules shared by declaration, validation and generation."""

import keyword
import re

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """``FightResult`` → ``fight_result``; ``HTTPLog`` → ``http_log``."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def pluralize(word: str) -> str:
    """A small English pluralizer, good enough for collection names."""
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def collection_name(model_name: str) -> str:
    """The default MongoDB collection of a model: plural snake_case (``Pokemon`` → ``pokemons``)."""
    return pluralize(snake_case(model_name))


def is_name_part(part: str) -> bool:
    """One part of a dotted operation name: a lowercase Python identifier, not a keyword."""
    return part.isidentifier() and part == part.lower() and not keyword.iskeyword(part)


def pascal_case(snake: str) -> str:
    """``trainer_create`` → ``TrainerCreate``."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


def route_path(dotted_name: str) -> str:
    """The URL path of a dotted operation or group name: ``/pokemon/evolution``."""
    return "/" + dotted_name.replace(".", "/")

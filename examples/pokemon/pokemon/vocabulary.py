"""The games' vocabulary: elements and regions, written as the games write them.

``"Electric"``, ``"Kanto"``: that is how they are stored and documented. Requests
may use any casing (``"electric"``, ``"KANTO"``); they are read as the canonical name.
"""

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field

TrainerName = Annotated[str, Field(min_length=1)]
"""A trainer's name, as operations take it: not empty, like ``Trainer.name``."""

PokemonName = Annotated[str, Field(min_length=1)]
"""A Pokemon's (species) name, as operations take it: not empty, like ``Pokemon.name``."""


class GameName(StrEnum):
    """An enum of names as the games write them, which accepts them in any casing."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        # Called by Enum (and so by pydantic) when no value matches exactly.
        if isinstance(value, str):
            folded = value.strip().casefold()
            for member in cls:
                if member.value.casefold() == folded:
                    return member
        return None


class Element(GameName):
    """The elemental type of a Pokemon or of a move; it decides type effectiveness."""

    NORMAL = "Normal"
    FIRE = "Fire"
    WATER = "Water"
    GRASS = "Grass"
    ELECTRIC = "Electric"
    ICE = "Ice"
    FIGHTING = "Fighting"
    POISON = "Poison"
    GROUND = "Ground"
    FLYING = "Flying"
    PSYCHIC = "Psychic"
    BUG = "Bug"
    ROCK = "Rock"
    GHOST = "Ghost"
    DRAGON = "Dragon"
    DARK = "Dark"
    STEEL = "Steel"
    FAIRY = "Fairy"


class Region(GameName):
    """The region a trainer comes from."""

    KANTO = "Kanto"
    JOHTO = "Johto"
    HOENN = "Hoenn"
    SINNOH = "Sinnoh"
    UNOVA = "Unova"
    KALOS = "Kalos"
    ALOLA = "Alola"
    GALAR = "Galar"
    PALDEA = "Paldea"

"""The documents the Pokemon domain stores in MongoDB.

Each ``@datamodel`` class becomes a collection with CRUD endpoints; the enums
and nested models are the vocabulary those documents are written in. Every
field carries a description and its constraints, because both end up in the
generated OpenAPI schema and in the validation of every write.
"""

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from pulpo import Index, datamodel


class Element(StrEnum):
    """The elemental type of a Pokemon or of an attack; it decides type effectiveness."""

    FIRE = "fire"
    WATER = "water"
    GRASS = "grass"
    ELECTRIC = "electric"
    NORMAL = "normal"


class Region(StrEnum):
    """The region a trainer comes from."""

    KANTO = "kanto"
    JOHTO = "johto"
    HOENN = "hoenn"
    SINNOH = "sinnoh"


class Attack(BaseModel):
    """A move a Pokemon knows."""

    name: str = Field(min_length=1, description="The move's name, e.g. 'Ember'.")
    power: int = Field(ge=1, le=250, description="Base power of the move.")
    element: Element = Field(description="The move's element, compared with the defender's.")


@datamodel(indexes=[Index("name"), Index("trainer")])
class Pokemon(BaseModel):
    """A Pokemon, wild or caught by a trainer.

    Names are species names and are not unique: operations that take a
    ``pokemon_name`` act on the most recently created Pokemon of that name.
    """

    name: str = Field(min_length=1, description="Species name, e.g. 'Charmander'.")
    element: Element = Field(description="The Pokemon's elemental type.")
    level: int = Field(default=5, ge=1, le=100, description="Level, from 1 to 100.")
    experience: int = Field(default=0, ge=0, description="Total experience points earned.")
    health: int = Field(default=40, ge=1, description="Maximum hit points.")
    attack: int = Field(default=10, ge=1, description="Strength of its attacks.")
    defense: int = Field(default=10, ge=1, description="Resistance to attacks.")
    speed: int = Field(default=10, ge=1, description="Who strikes first in a battle.")
    attacks: list[Attack] = Field(default=[], description="The moves it knows.")
    trainer: str | None = Field(default=None, description="Name of its trainer; null if wild.")


@datamodel(indexes=[Index("name", unique=True)])
class Trainer(BaseModel):
    """A Pokemon trainer, with a team of at most six Pokemon."""

    name: str = Field(min_length=1, description="The trainer's unique name.")
    region: Region = Field(description="The region the trainer comes from.")
    team: list[str] = Field(default=[], description="Ids of the team's Pokemon, in catch order.")
    badges: int = Field(default=0, ge=0, description="Gym badges earned.")
    wins: int = Field(default=0, ge=0, description="Battles won.")
    losses: int = Field(default=0, ge=0, description="Battles lost.")


class Round(BaseModel):
    """One attack of a battle: who hit whom, with what, and how hard."""

    number: int = Field(ge=1, description="Position of this attack in the battle, from 1.")
    attacker_trainer: str = Field(description="Trainer of the attacking Pokemon.")
    attacker: str = Field(description="Name of the attacking Pokemon.")
    defender: str = Field(description="Name of the Pokemon that was hit.")
    attack: str = Field(description="Name of the move used.")
    damage: int = Field(ge=0, description="Hit points the defender lost.")
    critical: bool = Field(default=False, description="Whether the hit was critical.")
    defender_health: int = Field(ge=0, description="Hit points the defender has left; 0 faints.")


def _now() -> datetime:
    return datetime.now(UTC)


@datamodel
class FightResult(BaseModel):
    """The record of a battle between two trainers, replayable from its seed."""

    trainer1: str = Field(description="The challenging trainer.")
    trainer2: str = Field(description="The challenged trainer.")
    winning_trainer: str = Field(description="The trainer whose team still stood at the end.")
    losing_trainer: str = Field(description="The trainer whose whole team fainted.")
    seed: int = Field(description="Random seed the battle was simulated with.")
    rounds: list[Round] = Field(default=[], description="Every attack, in order.")
    created_at: datetime = Field(default_factory=_now, description="When the battle took place.")

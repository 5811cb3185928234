"""The documents the Pokemon domain stores in MongoDB.

Each ``@datamodel`` class becomes a collection with CRUD endpoints; the enums
and nested models are the vocabulary those documents are written in. Every
field carries a description and its constraints, because both end up in the
generated OpenAPI schema and in the validation of every write.

What the operations keep consistent is theirs alone to write: ``server_managed``
fields are not in the create and update request bodies (a Pokemon's trainer, a
trainer's team, box, wins and losses), and a FightResult is only read over HTTP
(``routes=["list", "get"]``): the battle operation stores it.

Names are written as the games write them (see :mod:`pokemon.vocabulary` and
:mod:`pokemon.moves`): elements ``"Electric"``, regions ``"Kanto"``, moves
``"Thunderbolt"``. Requests may use any casing; what is stored is the canonical form.
"""

from datetime import UTC, datetime

from pydantic import BaseModel, Field, field_validator

from pokemon.moves import canonical_move
from pokemon.vocabulary import Element, Region
from pulpo import Index, datamodel


@datamodel(
    indexes=[Index("name"), Index("trainer"), Index("element")],
    server_managed=["trainer"],
)
class Pokemon(BaseModel):
    """A Pokemon, wild or caught by a trainer.

    Names are species names and are not unique: operations that take a
    ``pokemon_name`` act on the most recently created Pokemon of that name.
    ``trainer`` is set by ``catch``, with the trainer's team or box in the same
    operation: a Pokemon created or updated over HTTP is wild, so a request can
    never make a Pokemon claim a trainer whose team and box do not hold it.
    """

    name: str = Field(min_length=1, description="Species name, e.g. 'Charmander'.")
    element: Element = Field(description="The Pokemon's elemental type, e.g. 'Fire'.")
    level: int = Field(default=5, ge=1, le=100, description="Level, from 1 to 100.")
    experience: int = Field(default=0, ge=0, description="Total experience points earned.")
    health: int = Field(default=40, ge=1, description="Maximum hit points.")
    attack: int = Field(default=10, ge=1, description="Strength of its attacks.")
    defense: int = Field(default=10, ge=1, description="Resistance to attacks.")
    speed: int = Field(default=10, ge=1, description="Who strikes first in a battle.")
    attacks: list[str] = Field(
        default=[],
        description="Names of the moves it knows, e.g. ['Scratch', 'Ember']. A move's power "
        "and element come from the table of moves; a move not in it is still kept.",
    )
    trainer: str | None = Field(default=None, description="Name of its trainer; null if wild.")

    @field_validator("attacks")
    @classmethod
    def _canonical_moves(cls, attacks: list[str]) -> list[str]:
        return [canonical_move(name) for name in attacks]


@datamodel(
    indexes=[Index("name", unique=True)],
    server_managed=["team", "box", "wins", "losses"],
)
class Trainer(BaseModel):
    """A Pokemon trainer: a team of at most six Pokemon, and a box for the others.

    A trainer exists from their first catch or their registration, whichever
    comes first; the region stays unset until they register.

    The team and the box are filled by ``catch`` (at most six in the team, checked
    atomically), wins and losses by the battle operation: those are server-managed,
    and a request that sets one is refused (422). The region and the badges stay the
    client's to write: a region is the trainer's own answer, which ``trainer_create``
    records (and will not change silently on a second registration); no operation and
    no other document depends on it, so a PATCH that moves a trainer to Johto breaks
    nothing. Nothing awards badges yet, so only a client can.
    """

    name: str = Field(min_length=1, description="The trainer's unique name.")
    region: Region | None = Field(
        default=None, description="The region the trainer registered from; null until then."
    )
    team: list[str] = Field(
        default=[], max_length=6, description="Ids of the team's Pokemon (at most six)."
    )
    box: list[str] = Field(
        default=[], description="Ids of the Pokemon caught while the team was full."
    )
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


@datamodel(routes=["list", "get"])
class FightResult(BaseModel):
    """The record of a battle between two trainers, replayable from its seed.

    Read-only over HTTP (``GET /fight_results`` and ``GET /fight_results/{id}``): the
    battle operation writes it, with the winner's wins and the loser's losses.
    """

    trainer1: str = Field(description="The challenging trainer.")
    trainer2: str = Field(description="The challenged trainer.")
    winning_trainer: str = Field(description="The trainer whose team still stood at the end.")
    losing_trainer: str = Field(description="The trainer whose whole team fainted.")
    seed: int = Field(description="Random seed the battle was simulated with.")
    rounds: list[Round] = Field(default=[], description="Every attack, in order.")
    created_at: datetime = Field(default_factory=_now, description="When the battle took place.")

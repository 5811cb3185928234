"""The game rules, as pure functions: no database, no I/O, no hidden randomness.

Operations load documents, ask these functions what should happen, and store
the answer. Keeping the rules apart makes them testable in microseconds and
lets a battle be replayed exactly from its seed.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pokemon.models import Pokemon, Round
from pokemon.moves import Move, move
from pokemon.vocabulary import Element

# --- Evolution -------------------------------------------------------------

EVOLUTION_CHAINS: tuple[tuple[str, ...], ...] = (
    ("Charmander", "Charmeleon", "Charizard"),
    ("Squirtle", "Wartortle", "Blastoise"),
    ("Bulbasaur", "Ivysaur", "Venusaur"),
    ("Pikachu", "Raichu"),
)
"""Each species' chain, base form first, in the games' spelling."""

_STAGE_NAMES = ("base", "first-evolution", "second-evolution")


class EvolutionRefused(ValueError):
    """The Pokemon cannot take the requested evolution step; the message says why."""


def chain_of(species: str) -> tuple[str, ...] | None:
    """The evolution chain ``species`` (any casing) belongs to, or None if it never evolves."""
    folded = species.casefold()
    return next(
        (chain for chain in EVOLUTION_CHAINS if folded in (name.casefold() for name in chain)),
        None,
    )


def evolution_target(species: str, stage: int) -> str:
    """The species that ``species`` becomes at evolution ``stage`` (1 or 2).

    Stage 1 evolves a base form (Charmander → Charmeleon), stage 2 a first
    evolution (Charmeleon → Charizard). Raises :class:`EvolutionRefused` when
    the species has no chain, is already fully evolved, or sits at another stage.
    """
    chain = chain_of(species)
    if chain is None:
        raise EvolutionRefused(f"{species} does not evolve")
    position = [name.casefold() for name in chain].index(species.casefold())
    if position == len(chain) - 1:
        raise EvolutionRefused(f"{species} is fully evolved and cannot evolve any further")
    if position != stage - 1:
        raise EvolutionRefused(
            f"{species} is a {_STAGE_NAMES[position]} Pokemon, but evolution stage {stage} "
            f"only evolves {_STAGE_NAMES[stage - 1]} Pokemon"
        )
    return chain[stage]


# --- Stats and growth --------------------------------------------------------


class Stats(NamedTuple):
    """The four battle stats of a Pokemon, named as its fields."""

    health: int
    attack: int
    defense: int
    speed: int

    @classmethod
    def of(cls, pokemon: Pokemon) -> "Stats":
        return cls(pokemon.health, pokemon.attack, pokemon.defense, pokemon.speed)

    def grown(self, levels: int) -> "Stats":
        """The stats after gaining ``levels`` levels."""
        gains = (per_level * levels for per_level in GROWTH_PER_LEVEL)
        return Stats(*(stat + gain for stat, gain in zip(self, gains, strict=True)))

    def boosted(self) -> "Stats":
        """The stats after evolving: every stat rises by a fifth, and at least by one."""
        return Stats(*(max(stat + 1, round(stat * EVOLUTION_BOOST)) for stat in self))


CATCH_LEVEL = 5
MAX_LEVEL = 100
EXPERIENCE_PER_HOUR = 50
MAX_TRAINING_HOURS = 1000
EVOLUTION_BOOST = 1.2
GROWTH_PER_LEVEL = Stats(health=3, attack=2, defense=2, speed=1)


class Species(NamedTuple):
    """A species from the games: its element, its stats when caught, the moves it knows."""

    name: str
    element: Element
    stats: Stats
    moves: tuple[str, ...]


SPECIES: dict[str, Species] = {
    species.name.casefold(): species
    for species in (
        Species("Charmander", Element.FIRE, Stats(39, 52, 43, 65), ("Scratch", "Ember")),
        Species("Charmeleon", Element.FIRE, Stats(58, 64, 58, 80), ("Scratch", "Ember")),
        Species("Charizard", Element.FIRE, Stats(78, 84, 78, 100), ("Scratch", "Flamethrower")),
        Species("Squirtle", Element.WATER, Stats(44, 48, 65, 43), ("Tackle", "Water Gun")),
        Species("Wartortle", Element.WATER, Stats(59, 63, 80, 58), ("Tackle", "Water Gun")),
        Species("Blastoise", Element.WATER, Stats(79, 83, 100, 78), ("Bite", "Surf")),
        Species("Bulbasaur", Element.GRASS, Stats(45, 49, 49, 45), ("Tackle", "Vine Whip")),
        Species("Ivysaur", Element.GRASS, Stats(60, 62, 63, 60), ("Tackle", "Vine Whip")),
        Species("Venusaur", Element.GRASS, Stats(80, 82, 83, 80), ("Body Slam", "Razor Leaf")),
        Species(
            "Pikachu", Element.ELECTRIC, Stats(35, 55, 40, 90), ("Quick Attack", "Thunder Shock")
        ),
        Species(
            "Raichu", Element.ELECTRIC, Stats(60, 90, 55, 110), ("Quick Attack", "Thunderbolt")
        ),
        Species("Eevee", Element.NORMAL, Stats(55, 55, 50, 55), ("Tackle", "Quick Attack")),
        Species("Meowth", Element.NORMAL, Stats(40, 45, 35, 90), ("Scratch", "Bite")),
        Species("Staryu", Element.WATER, Stats(30, 45, 55, 85), ("Tackle", "Water Gun")),
        Species("Psyduck", Element.WATER, Stats(50, 52, 48, 55), ("Scratch", "Confusion")),
        Species("Onix", Element.ROCK, Stats(35, 45, 160, 70), ("Tackle", "Rock Throw")),
        Species("Geodude", Element.ROCK, Stats(40, 80, 100, 20), ("Tackle", "Rock Throw")),
        Species("Gastly", Element.GHOST, Stats(30, 35, 30, 80), ("Lick", "Confusion")),
    )
}
"""The species the tables know, by name in lower case; any other name can be caught too."""

ELEMENT_STATS = Stats(health=45, attack=50, defense=50, speed=50)
"""Stats of a caught Pokemon whose species is not in :data:`SPECIES`, whatever its element."""

ELEMENT_MOVES: dict[Element, str] = {
    Element.NORMAL: "Headbutt",
    Element.FIRE: "Ember",
    Element.WATER: "Water Gun",
    Element.GRASS: "Vine Whip",
    Element.ELECTRIC: "Thunder Shock",
    Element.ICE: "Ice Beam",
    Element.FIGHTING: "Karate Chop",
    Element.POISON: "Poison Sting",
    Element.GROUND: "Mud-Slap",
    Element.FLYING: "Gust",
    Element.PSYCHIC: "Confusion",
    Element.BUG: "Bug Bite",
    Element.ROCK: "Rock Throw",
    Element.GHOST: "Lick",
    Element.DRAGON: "Dragon Breath",
    Element.DARK: "Bite",
    Element.STEEL: "Metal Claw",
    Element.FAIRY: "Fairy Wind",
}
"""Besides Tackle, the move a Pokemon of an unknown species knows when caught, by element."""


def species_of(name: str) -> Species | None:
    """The species called ``name`` (any casing), or None if the tables do not know it."""
    return SPECIES.get(name.strip().casefold())


def experience_for_level(level: int) -> int:
    """Total experience a Pokemon needs to reach ``level``: the games' cubic curve."""
    return level**3


def level_for_experience(experience: int) -> int:
    """The highest level ``experience`` reaches, capped at :data:`MAX_LEVEL`."""
    level = 1
    while level < MAX_LEVEL and experience_for_level(level + 1) <= experience:
        level += 1
    return level


def caught_pokemon(name: str, element: Element, trainer: str) -> Pokemon:
    """A newly caught Pokemon of ``trainer``, at :data:`CATCH_LEVEL`.

    A species the tables know gets its own stats and moves, and its name as the
    games spell it; any other name gets :data:`ELEMENT_STATS` and the moves of its
    element, and simply never evolves.
    """
    species = species_of(name)
    if species is None:
        stats, moves = ELEMENT_STATS, ("Tackle", ELEMENT_MOVES[element])
    else:
        name, stats, moves = species.name, species.stats, species.moves
    return Pokemon(
        name=name,
        element=element,
        level=CATCH_LEVEL,
        experience=experience_for_level(CATCH_LEVEL),
        attacks=list(moves),
        trainer=trainer,
        **stats._asdict(),
    )


def trained(pokemon: Pokemon, hours: int) -> Pokemon:
    """``pokemon`` after ``hours`` of training (1 to :data:`MAX_TRAINING_HOURS`).

    Experience grows by :data:`EXPERIENCE_PER_HOUR` per hour, the level follows
    the experience (never dropping, so a Pokemon created above its experience
    keeps its level), and every level gained grows the stats.
    """
    experience = pokemon.experience + hours * EXPERIENCE_PER_HOUR
    level = max(pokemon.level, level_for_experience(experience))
    stats = Stats.of(pokemon).grown(level - pokemon.level)
    return pokemon.model_copy(update={"experience": experience, "level": level, **stats._asdict()})


def evolved(pokemon: Pokemon, stage: int) -> Pokemon:
    """``pokemon`` after evolution ``stage``: the next species of its chain, with boosted stats.

    Raises :class:`EvolutionRefused` if it cannot take that step.
    """
    species = evolution_target(pokemon.name, stage)
    return pokemon.model_copy(update={"name": species, **Stats.of(pokemon).boosted()._asdict()})


# --- Battles -----------------------------------------------------------------

_TYPE_CHART: dict[Element, tuple[tuple[Element, ...], tuple[Element, ...], tuple[Element, ...]]] = {
    Element.NORMAL: (
        (),
        (
            Element.ROCK,
            Element.STEEL,
        ),
        (Element.GHOST,),
    ),
    Element.FIRE: (
        (
            Element.GRASS,
            Element.ICE,
            Element.BUG,
            Element.STEEL,
        ),
        (
            Element.FIRE,
            Element.WATER,
            Element.ROCK,
            Element.DRAGON,
        ),
        (),
    ),
    Element.WATER: (
        (
            Element.FIRE,
            Element.GROUND,
            Element.ROCK,
        ),
        (
            Element.WATER,
            Element.GRASS,
            Element.DRAGON,
        ),
        (),
    ),
    Element.ELECTRIC: (
        (
            Element.WATER,
            Element.FLYING,
        ),
        (
            Element.ELECTRIC,
            Element.GRASS,
            Element.DRAGON,
        ),
        (Element.GROUND,),
    ),
    Element.GRASS: (
        (
            Element.WATER,
            Element.GROUND,
            Element.ROCK,
        ),
        (
            Element.FIRE,
            Element.GRASS,
            Element.POISON,
            Element.FLYING,
            Element.BUG,
            Element.DRAGON,
            Element.STEEL,
        ),
        (),
    ),
    Element.ICE: (
        (
            Element.GRASS,
            Element.GROUND,
            Element.FLYING,
            Element.DRAGON,
        ),
        (
            Element.FIRE,
            Element.WATER,
            Element.ICE,
            Element.STEEL,
        ),
        (),
    ),
    Element.FIGHTING: (
        (
            Element.NORMAL,
            Element.ICE,
            Element.ROCK,
            Element.DARK,
            Element.STEEL,
        ),
        (
            Element.POISON,
            Element.FLYING,
            Element.PSYCHIC,
            Element.BUG,
            Element.FAIRY,
        ),
        (Element.GHOST,),
    ),
    Element.POISON: (
        (
            Element.GRASS,
            Element.FAIRY,
        ),
        (
            Element.POISON,
            Element.GROUND,
            Element.ROCK,
            Element.GHOST,
        ),
        (Element.STEEL,),
    ),
    Element.GROUND: (
        (
            Element.FIRE,
            Element.ELECTRIC,
            Element.POISON,
            Element.ROCK,
            Element.STEEL,
        ),
        (
            Element.GRASS,
            Element.BUG,
        ),
        (Element.FLYING,),
    ),
    Element.FLYING: (
        (
            Element.GRASS,
            Element.FIGHTING,
            Element.BUG,
        ),
        (
            Element.ELECTRIC,
            Element.ROCK,
            Element.STEEL,
        ),
        (),
    ),
    Element.PSYCHIC: (
        (
            Element.FIGHTING,
            Element.POISON,
        ),
        (
            Element.PSYCHIC,
            Element.STEEL,
        ),
        (Element.DARK,),
    ),
    Element.BUG: (
        (
            Element.GRASS,
            Element.PSYCHIC,
            Element.DARK,
        ),
        (
            Element.FIRE,
            Element.FIGHTING,
            Element.POISON,
            Element.FLYING,
            Element.GHOST,
            Element.STEEL,
            Element.FAIRY,
        ),
        (),
    ),
    Element.ROCK: (
        (
            Element.FIRE,
            Element.ICE,
            Element.FLYING,
            Element.BUG,
        ),
        (
            Element.FIGHTING,
            Element.GROUND,
            Element.STEEL,
        ),
        (),
    ),
    Element.GHOST: (
        (
            Element.PSYCHIC,
            Element.GHOST,
        ),
        (Element.DARK,),
        (Element.NORMAL,),
    ),
    Element.DRAGON: ((Element.DRAGON,), (Element.STEEL,), (Element.FAIRY,)),
    Element.DARK: (
        (
            Element.PSYCHIC,
            Element.GHOST,
        ),
        (
            Element.FIGHTING,
            Element.DARK,
            Element.FAIRY,
        ),
        (),
    ),
    Element.STEEL: (
        (
            Element.ICE,
            Element.ROCK,
            Element.FAIRY,
        ),
        (
            Element.FIRE,
            Element.WATER,
            Element.ELECTRIC,
            Element.STEEL,
        ),
        (),
    ),
    Element.FAIRY: (
        (
            Element.FIGHTING,
            Element.DRAGON,
            Element.DARK,
        ),
        (
            Element.FIRE,
            Element.POISON,
            Element.STEEL,
        ),
        (),
    ),
}
"""The games' type chart: for each attacking element, the defending elements it hits
super effectively, those it hits not very effectively, and those it does not affect."""

EFFECTIVENESS: dict[tuple[Element, Element], float] = {
    (attacking, defending): multiplier
    for attacking, groups in _TYPE_CHART.items()
    for multiplier, defenders in zip((2.0, 0.5, 0.0), groups, strict=True)
    for defending in defenders
}
"""Damage multiplier of (move element, defender element); pairs not listed are 1."""

CRITICAL_CHANCE = 1 / 16
CRITICAL_MULTIPLIER = 1.5


class Team(NamedTuple):
    """A trainer's side of a battle: Pokemon fight in the order given."""

    trainer: str
    pokemon: Sequence[Pokemon]


class BattleReport(NamedTuple):
    """How a simulated battle went."""

    winner: str
    loser: str
    rounds: list[Round]


@dataclass
class _Fighter:
    """A Pokemon during a battle: its hit points go down, its document does not change."""

    pokemon: Pokemon
    health: int


@dataclass
class _Side:
    """One trainer's remaining fighters; the first one is in the arena."""

    trainer: str
    fighters: list[_Fighter]

    full_health: int

    @property
    def active(self) -> _Fighter:
        return self.fighters[0]

    def standing(self) -> float:
        """The share of the team's hit points left: 0 once every Pokemon fainted."""
        return sum(fighter.health for fighter in self.fighters) / self.full_health


MAX_EXCHANGES = 500
"""A battle ends after this many exchanges even if both teams still stand (immune to
each other's moves, or stored with enormous health): the healthier team wins."""


def simulate_battle(first: Team, second: Team, seed: int) -> BattleReport:
    """Fight ``first`` against ``second`` until one team has no Pokemon standing.

    Each exchange, the faster active Pokemon attacks first (a coin flip breaks
    ties), then the other strikes back unless it fainted; a fainted Pokemon is
    replaced by the next of its team. After :data:`MAX_EXCHANGES` the team with
    the larger share of its hit points left wins. Every random draw comes from
    ``random.Random(seed)``, so the same teams and seed always give the same
    battle, round for round. Both teams must have at least one Pokemon.
    """
    rng = random.Random(seed)
    one, other = _side(first), _side(second)
    rounds: list[Round] = []
    for _ in range(MAX_EXCHANGES):
        if not (one.fighters and other.fighters):
            break
        attacker, defender = _turn_order(one, other, rng)
        for striker, target in ((attacker, defender), (defender, attacker)):
            rounds.append(_strike(striker, target, len(rounds) + 1, rng))
            if target.active.health == 0:
                target.fighters.pop(0)
                break  # a fainted Pokemon does not strike back
    winner, loser = (one, other) if one.standing() >= other.standing() else (other, one)
    return BattleReport(winner=winner.trainer, loser=loser.trainer, rounds=rounds)


def _side(team: Team) -> _Side:
    if not team.pokemon:
        raise ValueError(f"{team.trainer} has no Pokemon to fight with")
    fighters = [_Fighter(pokemon, pokemon.health) for pokemon in team.pokemon]
    return _Side(team.trainer, fighters, sum(fighter.health for fighter in fighters))


def _turn_order(one: _Side, other: _Side, rng: random.Random) -> tuple[_Side, _Side]:
    speed, other_speed = one.active.pokemon.speed, other.active.pokemon.speed
    if speed > other_speed or (speed == other_speed and rng.random() < 0.5):
        return one, other
    return other, one


def _strike(striker: _Side, target: _Side, number: int, rng: random.Random) -> Round:
    attacker, defender = striker.active, target.active
    chosen = move(rng.choice(attacker.pokemon.attacks or ["Tackle"]))
    critical = rng.random() < CRITICAL_CHANCE
    damage = damage_dealt(attacker.pokemon, defender.pokemon, chosen, rng.uniform(0.85, 1.0))
    if critical:
        damage = int(damage * CRITICAL_MULTIPLIER)
    defender.health = max(0, defender.health - damage)
    return Round(
        number=number,
        attacker_trainer=striker.trainer,
        attacker=attacker.pokemon.name,
        defender=defender.pokemon.name,
        attack=chosen.name,
        damage=damage,
        critical=critical,
        defender_health=defender.health,
    )


def damage_dealt(attacker: Pokemon, defender: Pokemon, used: Move, roll: float = 1.0) -> int:
    """Hit points the move ``used`` takes off ``defender``: the games' formula.

    At least 1, except against an element the move does not affect (0).
    ``roll`` is the random factor (0.85 to 1.0 in a battle) so that the
    formula itself stays deterministic.
    """
    base = (2 * attacker.level / 5 + 2) * used.power * attacker.attack / defender.defense / 50 + 2
    multiplier = EFFECTIVENESS.get((used.element, defender.element), 1.0)
    if multiplier == 0:
        return 0
    return max(1, int(base * multiplier * roll))

"""The game rules, as pure functions: no database, no I/O, no hidden randomness.

Operations load documents, ask these functions what should happen, and store
the answer. Keeping the rules apart makes them testable in microseconds and
lets a battle be replayed exactly from its seed.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pokemon.models import Attack, Element, Pokemon, Round

# --- Evolution -------------------------------------------------------------

EVOLUTION_CHAINS: tuple[tuple[str, ...], ...] = (
    ("Charmander", "Charmeleon", "Charizard"),
    ("Squirtle", "Wartortle", "Blastoise"),
    ("Bulbasaur", "Ivysaur", "Venusaur"),
    ("Pikachu", "Raichu"),
)
"""Each species' chain, base form first. Names are canonical and case-sensitive."""

_STAGE_NAMES = ("base", "first-evolution", "second-evolution")


class EvolutionRefused(ValueError):
    """The Pokemon cannot take the requested evolution step; the message says why."""


def chain_of(species: str) -> tuple[str, ...] | None:
    """The evolution chain ``species`` belongs to, or None if it never evolves."""
    return next((chain for chain in EVOLUTION_CHAINS if species in chain), None)


def evolution_target(species: str, stage: int) -> str:
    """The species that ``species`` becomes at evolution ``stage`` (1 or 2).

    Stage 1 evolves a base form (Charmander → Charmeleon), stage 2 a first
    evolution (Charmeleon → Charizard). Raises :class:`EvolutionRefused` when
    the species has no chain, is already fully evolved, or sits at another stage.
    """
    chain = chain_of(species)
    if chain is None:
        raise EvolutionRefused(f"{species} does not evolve")
    position = chain.index(species)
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

BASE_STATS: dict[Element, Stats] = {
    Element.FIRE: Stats(health=39, attack=52, defense=43, speed=65),
    Element.WATER: Stats(health=44, attack=48, defense=65, speed=43),
    Element.GRASS: Stats(health=45, attack=49, defense=49, speed=45),
    Element.ELECTRIC: Stats(health=35, attack=55, defense=40, speed=90),
    Element.NORMAL: Stats(health=50, attack=45, defense=45, speed=45),
}
"""Stats of a freshly caught Pokemon (at :data:`CATCH_LEVEL`), by element."""

TACKLE = Attack(name="Tackle", power=40, element=Element.NORMAL)

STARTING_ATTACKS: dict[Element, tuple[Attack, ...]] = {
    Element.FIRE: (Attack(name="Ember", power=40, element=Element.FIRE), TACKLE),
    Element.WATER: (Attack(name="Water Gun", power=40, element=Element.WATER), TACKLE),
    Element.GRASS: (Attack(name="Vine Whip", power=45, element=Element.GRASS), TACKLE),
    Element.ELECTRIC: (Attack(name="Thunder Shock", power=40, element=Element.ELECTRIC), TACKLE),
    Element.NORMAL: (Attack(name="Headbutt", power=70, element=Element.NORMAL), TACKLE),
}
"""The moves a freshly caught Pokemon knows, by element."""


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
    """A newly caught Pokemon of ``trainer``: catch level, base stats and starting moves."""
    return Pokemon(
        name=name,
        element=element,
        level=CATCH_LEVEL,
        experience=experience_for_level(CATCH_LEVEL),
        attacks=list(STARTING_ATTACKS[element]),
        trainer=trainer,
        **BASE_STATS[element]._asdict(),
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

EFFECTIVENESS: dict[tuple[Element, Element], float] = {
    (Element.FIRE, Element.GRASS): 2.0,
    (Element.FIRE, Element.WATER): 0.5,
    (Element.FIRE, Element.FIRE): 0.5,
    (Element.WATER, Element.FIRE): 2.0,
    (Element.WATER, Element.GRASS): 0.5,
    (Element.WATER, Element.WATER): 0.5,
    (Element.GRASS, Element.WATER): 2.0,
    (Element.GRASS, Element.FIRE): 0.5,
    (Element.GRASS, Element.GRASS): 0.5,
    (Element.ELECTRIC, Element.WATER): 2.0,
    (Element.ELECTRIC, Element.GRASS): 0.5,
    (Element.ELECTRIC, Element.ELECTRIC): 0.5,
}
"""Damage multiplier of (attack element, defender element); pairs not listed are 1."""

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

    @property
    def active(self) -> _Fighter:
        return self.fighters[0]


def simulate_battle(first: Team, second: Team, seed: int) -> BattleReport:
    """Fight ``first`` against ``second`` until one team has no Pokemon standing.

    Each exchange, the faster active Pokemon attacks first (a coin flip breaks
    ties), then the other strikes back unless it fainted; a fainted Pokemon is
    replaced by the next of its team. Every random draw comes from
    ``random.Random(seed)``, so the same teams and seed always give the same
    battle, round for round. Both teams must have at least one Pokemon.
    """
    rng = random.Random(seed)
    one, other = _side(first), _side(second)
    rounds: list[Round] = []
    while one.fighters and other.fighters:
        attacker, defender = _turn_order(one, other, rng)
        for striker, target in ((attacker, defender), (defender, attacker)):
            rounds.append(_strike(striker, target, len(rounds) + 1, rng))
            if target.active.health == 0:
                target.fighters.pop(0)
                break  # a fainted Pokemon does not strike back
    winner, loser = (one, other) if one.fighters else (other, one)
    return BattleReport(winner=winner.trainer, loser=loser.trainer, rounds=rounds)


def _side(team: Team) -> _Side:
    if not team.pokemon:
        raise ValueError(f"{team.trainer} has no Pokemon to fight with")
    return _Side(team.trainer, [_Fighter(pokemon, pokemon.health) for pokemon in team.pokemon])


def _turn_order(one: _Side, other: _Side, rng: random.Random) -> tuple[_Side, _Side]:
    speed, other_speed = one.active.pokemon.speed, other.active.pokemon.speed
    if speed > other_speed or (speed == other_speed and rng.random() < 0.5):
        return one, other
    return other, one


def _strike(striker: _Side, target: _Side, number: int, rng: random.Random) -> Round:
    attacker, defender = striker.active, target.active
    move = rng.choice(attacker.pokemon.attacks or [TACKLE])
    critical = rng.random() < CRITICAL_CHANCE
    damage = damage_dealt(attacker.pokemon, defender.pokemon, move, rng.uniform(0.85, 1.0))
    if critical:
        damage = int(damage * CRITICAL_MULTIPLIER)
    defender.health = max(0, defender.health - damage)
    return Round(
        number=number,
        attacker_trainer=striker.trainer,
        attacker=attacker.pokemon.name,
        defender=defender.pokemon.name,
        attack=move.name,
        damage=damage,
        critical=critical,
        defender_health=defender.health,
    )


def damage_dealt(attacker: Pokemon, defender: Pokemon, move: Attack, roll: float = 1.0) -> int:
    """Hit points ``move`` takes off ``defender``: the games' formula, at least 1.

    ``roll`` is the random factor (0.85 to 1.0 in a battle) so that the
    formula itself stays deterministic.
    """
    base = (2 * attacker.level / 5 + 2) * move.power * attacker.attack / defender.defense / 50 + 2
    multiplier = EFFECTIVENESS.get((move.element, defender.element), 1.0)
    return max(1, int(base * multiplier * roll))

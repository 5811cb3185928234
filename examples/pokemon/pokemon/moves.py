"""The table of moves: what a move's name means in a battle.

A Pokemon stores only the names of its moves (``["Scratch", "Ember"]``); their
power and element come from here, never from a request. A name that is not in
the table is kept as it was written, and fights as :data:`UNKNOWN_MOVE_POWER`
of Normal damage, like a plain Tackle.
"""

from typing import NamedTuple

from pokemon.vocabulary import Element


class Move(NamedTuple):
    """A move as the games define it: its name, element and base power."""

    name: str
    element: Element
    power: int


UNKNOWN_MOVE_POWER = 40

MOVES: dict[str, Move] = {
    move.name.casefold(): move
    for move in (
        Move("Tackle", Element.NORMAL, 40),
        Move("Scratch", Element.NORMAL, 40),
        Move("Quick Attack", Element.NORMAL, 40),
        Move("Headbutt", Element.NORMAL, 70),
        Move("Body Slam", Element.NORMAL, 85),
        Move("Ember", Element.FIRE, 40),
        Move("Flamethrower", Element.FIRE, 90),
        Move("Water Gun", Element.WATER, 40),
        Move("Bubble", Element.WATER, 40),
        Move("Surf", Element.WATER, 90),
        Move("Vine Whip", Element.GRASS, 45),
        Move("Razor Leaf", Element.GRASS, 55),
        Move("Thunder Shock", Element.ELECTRIC, 40),
        Move("Thunderbolt", Element.ELECTRIC, 90),
        Move("Ice Beam", Element.ICE, 90),
        Move("Karate Chop", Element.FIGHTING, 50),
        Move("Poison Sting", Element.POISON, 15),
        Move("Mud-Slap", Element.GROUND, 20),
        Move("Gust", Element.FLYING, 40),
        Move("Peck", Element.FLYING, 35),
        Move("Confusion", Element.PSYCHIC, 50),
        Move("Bug Bite", Element.BUG, 60),
        Move("Rock Throw", Element.ROCK, 50),
        Move("Lick", Element.GHOST, 30),
        Move("Dragon Breath", Element.DRAGON, 60),
        Move("Bite", Element.DARK, 60),
        Move("Metal Claw", Element.STEEL, 50),
        Move("Fairy Wind", Element.FAIRY, 40),
    )
}
"""Every known move, by its name in lower case."""


def move(name: str) -> Move:
    """The move called ``name`` (any casing); an unknown name fights as a Normal move."""
    known = MOVES.get(name.strip().casefold())
    return known if known is not None else Move(name, Element.NORMAL, UNKNOWN_MOVE_POWER)


def canonical_move(name: str) -> str:
    """``"thunderbolt"`` → ``"Thunderbolt"``; a name not in the table stays as written."""
    known = MOVES.get(name.strip().casefold())
    return known.name if known is not None else name

"""Operations ``pokemon.battles.*``: trainers fight with their teams."""

import asyncio

from pokemon import rules
from pokemon.management import find_trainer
from pokemon.models import FightResult, Pokemon, Trainer
from pokemon.results import BattleOutcome
from pulpo import Conflict, DomainError, Record, operation, repository


@operation(
    "pokemon.battles.trainer_execute",
    examples=[{"trainer1_name": "Ash", "trainer2_name": "Brock", "seed": 0}],
)
async def trainer_execute(trainer1_name: str, trainer2_name: str, seed: int = 0) -> BattleOutcome:
    """Battle two trainers' teams against each other and record the result.

    Pokemon fight in the order they were caught; the faster one attacks first
    and damage follows the games' formula with type effectiveness (water beats
    fire, fire beats grass, ...). All chance comes from ``seed``, so the same
    teams and seed always produce the same battle. The full fight is stored as
    a FightResult, and the winner's wins and the loser's losses go up by one.
    Unknown trainers give 404 Not Found, a trainer without Pokemon gives 409
    Conflict, and a trainer cannot battle themself (400).
    """
    if trainer1_name == trainer2_name:
        raise DomainError(f"{trainer1_name} cannot battle themself")
    first = await _team(await find_trainer(trainer1_name))
    second = await _team(await find_trainer(trainer2_name))
    report = rules.simulate_battle(first, second, seed)
    fight = await repository(FightResult).insert(
        FightResult(
            trainer1=trainer1_name,
            trainer2=trainer2_name,
            winning_trainer=report.winner,
            losing_trainer=report.loser,
            seed=seed,
            rounds=report.rounds,
        )
    )
    # $inc is atomic, so concurrent battles never lose a win or a loss.
    trainers = repository(Trainer)
    await trainers.update_where({"name": report.winner}, {"$inc": {"wins": 1}})
    await trainers.update_where({"name": report.loser}, {"$inc": {"losses": 1}})
    return BattleOutcome(
        winning_trainer=report.winner,
        losing_trainer=report.loser,
        rounds=len(report.rounds),
        fight_id=fight.id,
    )


async def _team(trainer: Record[Trainer]) -> rules.Team:
    """The trainer's Pokemon in team (catch) order; raises Conflict if there are none."""
    # The team lists ids; a Pokemon deleted since it was caught is skipped.
    found = await asyncio.gather(*(repository(Pokemon).get(id) for id in trainer.data.team))
    pokemon = [record.data for record in found if record is not None]
    if not pokemon:
        raise Conflict(f"{trainer.data.name} has no Pokemon to fight with")
    return rules.Team(trainer=trainer.data.name, pokemon=pokemon)

"""Operations ``pokemon.battles.*``: trainers fight with their teams."""

import asyncio

from pokemon import rules
from pokemon.management import find_trainer
from pokemon.models import FightResult, Pokemon, Trainer
from pokemon.results import BattleOutcome
from pokemon.vocabulary import TrainerName
from pulpo import Conflict, DomainError, NotFound, Record, operation, repository
from pulpo.data import atomically


@operation(
    "pokemon.battles.trainer_execute",
    examples=[{"trainer1_name": "Ash", "trainer2_name": "Brock", "seed": 0}],
)
async def trainer_execute(
    trainer1_name: TrainerName, trainer2_name: TrainerName, seed: int = 0
) -> BattleOutcome:
    """Battle two trainers' teams against each other and record the result.

    Pokemon fight in the order they were caught; the faster one attacks first
    and damage follows the games' formula with type effectiveness (water beats
    fire, fire beats grass, ...). All chance comes from ``seed``, so the same
    teams and seed always produce the same battle. The full fight is stored as
    a FightResult, and the winner's wins and the loser's losses go up by one.
    Unknown trainers give 404 Not Found, a trainer cannot battle themself (400),
    and a trainer without Pokemon gives 409 Conflict.
    """
    trainer1 = await find_trainer(trainer1_name)
    trainer2 = await find_trainer(trainer2_name)
    if trainer1.id == trainer2.id:
        raise DomainError(f"{trainer1_name} cannot battle themself")
    first = await _team(trainer1)
    second = await _team(trainer2)
    report = rules.simulate_battle(first, second, seed)
    fight = FightResult(
        trainer1=trainer1_name,
        trainer2=trainer2_name,
        winning_trainer=report.winner,
        losing_trainer=report.loser,
        seed=seed,
        rounds=report.rounds,
    )
    # The record of the fight, the win and the loss: all three, or none.
    fight_id = await atomically(_record, fight)
    return BattleOutcome(
        winning_trainer=report.winner,
        losing_trainer=report.loser,
        rounds=len(report.rounds),
        fight_id=fight_id,
    )


async def _record(fight: FightResult) -> str:
    """Store ``fight`` and count it for both trainers; the fight's id."""
    stored = await repository(FightResult).insert(fight)
    trainers = repository(Trainer)
    for name, tally in ((fight.winning_trainer, "wins"), (fight.losing_trainer, "losses")):
        if await trainers.update_where({"name": name}, {"$inc": {tally: 1}}) is None:
            raise NotFound(f"Trainer {name!r} does not exist")
    return stored.id


async def _team(trainer: Record[Trainer]) -> rules.Team:
    """The trainer's Pokemon in team (catch) order; raises Conflict if there are none."""
    # The team lists ids; a Pokemon deleted since it was caught is skipped.
    found = await asyncio.gather(*(repository(Pokemon).get(id) for id in trainer.data.team))
    pokemon = [record.data for record in found if record is not None]
    if not pokemon:
        raise Conflict(f"{trainer.data.name} has no Pokemon to fight with")
    return rules.Team(trainer=trainer.data.name, pokemon=pokemon)

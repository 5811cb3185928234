"""Operations ``pokemon.management.*``: register trainers, catch and train Pokemon.

Also home of the lookups the other operation modules share: the latest
Pokemon of a name, and a trainer by name.
"""

from typing import Annotated

from pydantic import Field

from pokemon import rules
from pokemon.models import Pokemon, Trainer
from pokemon.results import CatchResult, TrainerCreated, TrainResult
from pokemon.vocabulary import Element, PokemonName, Region, TrainerName
from pulpo import Conflict, DomainError, NotFound, Record, operation, repository
from pulpo.data import atomically

TEAM_LIMIT = 6


async def latest_pokemon(name: str) -> Record[Pokemon]:
    """The most recently created Pokemon called ``name``.

    Names are species names, so several Pokemon may share one; picking the
    newest makes every operation deterministic instead of failing on duplicates.
    """
    record = await repository(Pokemon).latest({"name": name})
    if record is None:
        raise NotFound(f"No Pokemon named {name!r}")
    return record


async def find_trainer(name: str) -> Record[Trainer]:
    """The trainer called ``name``; raises NotFound if there is none."""
    record = await repository(Trainer).find_one({"name": name})
    if record is None:
        raise NotFound(f"Trainer {name!r} does not exist")
    return record


async def trainer_named(name: str) -> Record[Trainer]:
    """The trainer called ``name``, registered (without a region) if this is their first time.

    One upsert, so it also works inside a transaction, where a failed insert would
    abort everything (the unique index on the name keeps concurrent first catches
    to one trainer).
    """
    return await repository(Trainer).find_or_insert({"name": name}, Trainer(name=name))


@operation(
    "pokemon.management.trainer_create",
    examples=[{"trainer_name": "Ash", "region": "Kanto"}],
)
async def trainer_create(trainer_name: TrainerName, region: Region) -> TrainerCreated:
    """Register a trainer from a region, with an empty team and no battles yet.

    Registering is safe to repeat: a trainer who already exists is answered as
    they are when the region matches, or gets the region when none was set yet
    (a trainer exists from their first catch). Another region gives 409 Conflict.
    """
    trainers = repository(Trainer)
    # No "does it exist?" query first: two concurrent requests could both pass
    # it. The unique index on Trainer.name decides, and insert raises Conflict.
    try:
        record = await trainers.insert(Trainer(name=trainer_name, region=region))
    except Conflict:
        # Known already: set the region if it is unset, atomically (null or missing).
        claimed = await trainers.update_where(
            {"name": trainer_name, "region": None}, {"$set": {"region": region}}
        )
        record = claimed or await find_trainer(trainer_name)
        if record.data.region != region:
            raise Conflict(
                f"Trainer {trainer_name!r} is registered in {record.data.region}, not {region}"
            ) from None
    return TrainerCreated(trainer_id=record.id, trainer_name=trainer_name, region=region)


@operation(
    "pokemon.management.catch",
    examples=[{"trainer_name": "Ash", "pokemon_name": "Charmander", "element": "Fire"}],
)
async def catch(
    trainer_name: TrainerName, pokemon_name: PokemonName, element: Element
) -> CatchResult:
    """Catch a Pokemon for a trainer: into the team, or into the box when the team is full.

    Any name can be caught. A species the tables know starts with its own stats
    and moves, any other with those of its element; all start at level 5. A
    trainer who is not registered yet is registered by their first catch. A team
    holds at most six Pokemon, even when catches run concurrently; later catches
    go to the trainer's box, as in the games.
    """
    # One transaction: the Pokemon, the trainer's registration and the slot it takes
    # are stored together or not at all (an error or an outage halfway leaves nothing).
    return await atomically(_catch, trainer_name, pokemon_name, element)


async def _catch(trainer_name: str, pokemon_name: str, element: Element) -> CatchResult:
    pokemon = await repository(Pokemon).insert(
        rules.caught_pokemon(pokemon_name, element, trainer=trainer_name)
    )
    await trainer_named(trainer_name)
    trainers = repository(Trainer)
    # Claim a team slot: the filter only matches while the team has no sixth member
    # ("team.5"); concurrent catches conflict in their transactions and run again.
    trainer = await trainers.update_where(
        {"name": trainer_name, f"team.{TEAM_LIMIT - 1}": {"$exists": False}},
        {"$push": {"team": pokemon.id}},
    )
    in_team = trainer is not None
    if trainer is None:
        trainer = await trainers.update_where(
            {"name": trainer_name}, {"$push": {"box": pokemon.id}}
        )
    if trainer is None:  # deleted between the two updates
        raise NotFound(f"Trainer {trainer_name!r} does not exist")
    where = "" if in_team else " (the team is full: sent to the box)"
    return CatchResult(
        success=True,
        message=f"{trainer_name} caught {pokemon.data.name}!{where}",
        pokemon_id=pokemon.id,
        pokemon_name=pokemon.data.name,
        in_team=in_team,
        team_size=len(trainer.data.team),
    )


@operation(
    "pokemon.management.train",
    examples=[{"pokemon_name": "Charmander", "training_hours": 100}],
)
async def train(
    pokemon_name: PokemonName,
    training_hours: Annotated[int, Field(ge=1, le=rules.MAX_TRAINING_HOURS)],
) -> TrainResult:
    """Train a Pokemon for some hours, earning experience and levels.

    Every hour earns 50 experience points; the level follows the experience
    (reaching a level takes its cube in points, up to level 100) and every level gained
    raises health, attack, defense and speed. Acts on the most recently
    created Pokemon of that name. Hours must be between 1 and 1000.
    """
    if not 1 <= training_hours <= rules.MAX_TRAINING_HOURS:
        raise DomainError(
            f"training_hours must be between 1 and {rules.MAX_TRAINING_HOURS}, not {training_hours}"
        )
    record = await latest_pokemon(pokemon_name)
    seen: list[Pokemon] = []

    def train_once(pokemon: Pokemon) -> Pokemon:
        seen.append(pokemon)
        return rules.trained(pokemon, training_hours)

    # Read, train, write if unchanged, else again: concurrent trainings all count.
    updated = await repository(Pokemon).modify(record.id, train_once)
    if updated is None:
        raise NotFound(f"{pokemon_name} was released while training")
    return TrainResult(
        pokemon_id=record.id,
        pokemon_name=pokemon_name,
        previous_level=seen[-1].level,
        new_level=updated.data.level,
        experience=updated.data.experience,
    )

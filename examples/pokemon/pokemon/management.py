"""Operations ``pokemon.management.*``: register trainers, catch and train Pokemon.

Also home of the two lookups the other operation modules share: the latest
Pokemon of a name, and a trainer by name.
"""

from bson import ObjectId

from pokemon import rules
from pokemon.models import Element, Pokemon, Region, Trainer
from pokemon.results import CatchResult, TrainerCreated, TrainResult
from pulpo import Conflict, DomainError, NotFound, Record, operation, repository

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


@operation("pokemon.management.trainer_create")
async def trainer_create(trainer_name: str, region: Region) -> TrainerCreated:
    """Register a new trainer from a region, with an empty team and no battles yet.

    Trainer names are unique: registering a name that is already taken fails
    with 409 Conflict.
    """
    # No "does it exist?" query first: two concurrent requests could both pass
    # it. The unique index on Trainer.name decides, and insert raises Conflict.
    record = await repository(Trainer).insert(Trainer(name=trainer_name, region=region))
    return TrainerCreated(trainer_id=record.id, trainer_name=trainer_name, region=region)


@operation("pokemon.management.catch")
async def catch(trainer_name: str, pokemon_name: str, element: Element) -> CatchResult:
    """Catch a new Pokemon and add it to a trainer's team.

    The Pokemon starts at level 5 with the base stats and starting moves of its
    element. A team holds at most six Pokemon, even when catches run
    concurrently: catching into a full team fails with 409 Conflict and stores
    nothing. An unknown trainer gives 404 Not Found.
    """
    pokemon = await repository(Pokemon).insert(
        rules.caught_pokemon(pokemon_name, element, trainer=trainer_name)
    )
    # Claim a team slot atomically: the filter only matches while the team has
    # no sixth member ("team.5"), so concurrent catches cannot overfill it.
    trainer = await repository(Trainer).update_where(
        {"name": trainer_name, f"team.{TEAM_LIMIT - 1}": {"$exists": False}},
        {"$push": {"team": pokemon.id}},
    )
    if trainer is None:
        # Compensate: without a slot the new Pokemon must not stay behind.
        await repository(Pokemon).delete(pokemon.id)
        await find_trainer(trainer_name)  # raises NotFound if that is why nothing matched
        raise Conflict(f"{trainer_name}'s team is full ({TEAM_LIMIT} Pokemon)")
    return CatchResult(
        success=True,
        message=f"{trainer_name} caught {pokemon_name}!",
        pokemon_id=pokemon.id,
        team_size=len(trainer.data.team),
    )


@operation("pokemon.management.train")
async def train(pokemon_name: str, training_hours: int) -> TrainResult:
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
    before = record.data
    after = rules.trained(before, training_hours)
    updated = await repository(Pokemon).update_where(
        # Compare-and-set: only apply if nobody changed the Pokemon since it was read.
        {"_id": ObjectId(record.id), "experience": before.experience, "level": before.level},
        {"$set": after.model_dump(include={"experience", "level", *rules.Stats._fields})},
    )
    if updated is None:
        raise Conflict(f"{pokemon_name} changed while training; try again")
    return TrainResult(
        pokemon_id=record.id,
        pokemon_name=pokemon_name,
        previous_level=before.level,
        new_level=after.level,
        experience=after.experience,
    )

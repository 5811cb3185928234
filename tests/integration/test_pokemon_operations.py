"""The Pokemon example's operations against a real database server.

The operations are called as plain coroutines, each test in ``asyncio.run`` on a
database of its own, so these tests need no web server and no pytest plugin.
"""

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "pokemon"))

from pokemon import rules  # noqa: E402
from pokemon.battles import trainer_execute  # noqa: E402
from pokemon.evolution import stage1, stage2  # noqa: E402
from pokemon.management import catch, train, trainer_create  # noqa: E402
from pokemon.models import FightResult, Pokemon, Trainer  # noqa: E402
from pokemon.vocabulary import Element, Region  # noqa: E402

from pulpo import Conflict, DomainError, NotFound, repository  # noqa: E402
from pulpo.data import connection  # noqa: E402

pytestmark = pytest.mark.integration

Scenario = Callable[[], Awaitable[Any]]


@pytest.fixture
def run(mongodb_url: str, database_name: str) -> Callable[..., Any]:
    """Run an async scenario on a fresh, indexed database; another ``database`` if given."""

    def run(scenario: Scenario, database: str = database_name) -> Any:
        async def main() -> Any:
            connection.configure(mongodb_url, database)
            try:
                await connection.ensure_indexes([Pokemon, Trainer, FightResult])
                return await scenario()
            finally:
                await connection.close()

        return asyncio.run(main())

    return run


def caught_stats(species: str) -> rules.Stats:
    known = rules.species_of(species)
    assert known is not None
    return known.stats


async def _trainer(name: str) -> Trainer:
    record = await repository(Trainer).find_one({"name": name})
    assert record is not None
    return record.data


async def _pokemon(pokemon_id: str) -> Pokemon:
    record = await repository(Pokemon).get(pokemon_id)
    assert record is not None
    return record.data


def test_trainer_names_are_unique(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        created = await trainer_create("Ash", Region.KANTO)
        assert (created.trainer_name, created.region) == ("Ash", Region.KANTO)
        with pytest.raises(Conflict, match="registered in Kanto"):
            await trainer_create("Ash", Region.JOHTO)
        assert await repository(Trainer).count({"name": "Ash"}) == 1

    run(scenario)


def test_registering_again_in_the_same_region_is_harmless(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        first = await trainer_create("Ash", Region.KANTO)
        again = await trainer_create("Ash", Region.KANTO)
        assert again == first
        assert await repository(Trainer).count({"name": "Ash"}) == 1

    run(scenario)


def test_a_first_catch_registers_the_trainer_without_a_region(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        caught = await catch("Ash", "Pikachu", Element.ELECTRIC)
        ash = await _trainer("Ash")
        assert (ash.region, ash.team) == (None, [caught.pokemon_id])
        registered = await trainer_create("Ash", Region.KANTO)  # registering still works
        assert registered.region is Region.KANTO
        assert (await _trainer("Ash")).team == [caught.pokemon_id]
        with pytest.raises(Conflict):
            await trainer_create("Ash", Region.JOHTO)

    run(scenario)


def test_catch_adds_the_pokemon_to_the_team(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await trainer_create("Ash", Region.KANTO)
        result = await catch("Ash", "Pikachu", Element.ELECTRIC)
        assert result.success and "Pikachu" in result.message and result.team_size == 1
        assert (await _trainer("Ash")).team == [result.pokemon_id]
        pikachu = await _pokemon(result.pokemon_id)
        assert (pikachu.name, pikachu.element, pikachu.level, pikachu.trainer) == (
            "Pikachu",
            Element.ELECTRIC,
            5,
            "Ash",
        )

    run(scenario)


def test_eight_concurrent_catches_fill_a_team_of_six_and_box_the_rest(
    run: Callable[..., Any],
) -> None:
    async def scenario() -> None:
        outcomes = await asyncio.gather(
            *(catch("Ash", f"Rattata{n}", Element.NORMAL) for n in range(8))
        )
        in_team = [o for o in outcomes if o.in_team]
        boxed = [o for o in outcomes if not o.in_team]
        assert (len(in_team), len(boxed)) == (6, 2)
        assert all("sent to the box" in o.message for o in boxed)
        ash = await _trainer("Ash")
        assert sorted(ash.team) == sorted(o.pokemon_id for o in in_team)
        assert sorted(ash.box) == sorted(o.pokemon_id for o in boxed)
        assert await repository(Pokemon).count({"trainer": "Ash"}) == 8
        assert await repository(Trainer).count({"name": "Ash"}) == 1

    run(scenario)


def test_training_levels_up_the_stored_pokemon(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await trainer_create("Ash", Region.KANTO)
        caught = await catch("Ash", "Charmander", Element.FIRE)
        result = await train("Charmander", 100)
        assert (result.pokemon_id, result.previous_level) == (caught.pokemon_id, 5)
        assert result.new_level > 5
        stored = await _pokemon(caught.pokemon_id)
        assert (stored.level, stored.experience) == (result.new_level, result.experience)
        assert stored.attack > caught_stats("Charmander").attack

    run(scenario)


def test_training_rejects_bad_hours_and_unknown_pokemon(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await trainer_create("Ash", Region.KANTO)
        await catch("Ash", "Charmander", Element.FIRE)
        for hours in (0, -3, rules.MAX_TRAINING_HOURS + 1):
            with pytest.raises(DomainError, match="training_hours"):
                await train("Charmander", hours)
        with pytest.raises(NotFound):
            await train("Missingno", 1)

    run(scenario)


def test_two_evolution_stages_turn_charmander_into_charizard(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await trainer_create("Ash", Region.KANTO)
        caught = await catch("Ash", "Charmander", Element.FIRE)
        first = await stage1("Charmander")
        second = await stage2(first.evolved_name)
        assert (first.previous_name, first.evolved_name, first.stage) == (
            "Charmander",
            "Charmeleon",
            1,
        )
        assert (second.previous_name, second.evolved_name, second.stage) == (
            "Charmeleon",
            "Charizard",
            2,
        )
        assert first.pokemon_id == second.pokemon_id == caught.pokemon_id
        charizard = await _pokemon(caught.pokemon_id)
        assert charizard.name == "Charizard"
        assert charizard.attack > caught_stats("Charmander").attack
        assert await repository(Pokemon).count({"name": "Charmander"}) == 0

    run(scenario)


def test_evolving_at_the_wrong_stage_conflicts(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await trainer_create("Ash", Region.KANTO)
        await catch("Ash", "Charmander", Element.FIRE)
        await catch("Ash", "Pikachu", Element.ELECTRIC)
        with pytest.raises(Conflict, match="base Pokemon"):
            await stage2("Charmander")
        await stage1("Pikachu")
        with pytest.raises(Conflict, match="fully evolved"):
            await stage2("Raichu")
        with pytest.raises(Conflict, match="fully evolved"):
            await stage1("Raichu")
        with pytest.raises(NotFound):
            await stage1("Missingno")
        assert (await repository(Pokemon).latest({"name": "Charmander"})) is not None

    run(scenario)


def test_duplicate_names_act_on_the_latest_pokemon(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await trainer_create("Ash", Region.KANTO)
        await trainer_create("Gary", Region.KANTO)
        older = await catch("Ash", "Squirtle", Element.WATER)
        newer = await catch("Gary", "Squirtle", Element.WATER)
        assert (await train("Squirtle", 50)).pokemon_id == newer.pokemon_id
        assert (await stage1("Squirtle")).pokemon_id == newer.pokemon_id
        # The newer one is a Wartortle now, so the older is the latest Squirtle left.
        assert (await stage1("Squirtle")).pokemon_id == older.pokemon_id
        assert (await _pokemon(older.pokemon_id)).level == 5

    run(scenario)


async def _ash_versus_misty(seed: int) -> tuple[str, int, list[str]]:
    """Set up two teams, battle them, and return (winner, rounds, every attacker)."""
    await trainer_create("Ash", Region.KANTO)
    await trainer_create("Misty", Region.KANTO)
    for name, element in (("Charmander", Element.FIRE), ("Pikachu", Element.ELECTRIC)):
        await catch("Ash", name, element)
    for name, element in (("Squirtle", Element.WATER), ("Staryu", Element.WATER)):
        await catch("Misty", name, element)
    outcome = await trainer_execute("Ash", "Misty", seed=seed)
    fight = await repository(FightResult).get(outcome.fight_id)
    assert fight is not None
    assert (fight.data.winning_trainer, len(fight.data.rounds)) == (
        outcome.winning_trainer,
        outcome.rounds,
    )
    return outcome.winning_trainer, outcome.rounds, [r.attacker for r in fight.data.rounds]


def test_a_battle_replays_identically_on_a_fresh_database(
    run: Callable[..., Any], database_name: str
) -> None:
    first = run(lambda: _ash_versus_misty(seed=11))
    replay_database = f"{database_name}_replay"

    async def replay() -> tuple[str, int, list[str]]:
        try:
            return await _ash_versus_misty(seed=11)
        finally:
            await connection.current_database().client.drop_database(replay_database)

    assert run(replay, database=replay_database) == first


def test_a_battle_updates_wins_and_losses(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        winner, _, _ = await _ash_versus_misty(seed=5)
        loser = ({"Ash", "Misty"} - {winner}).pop()
        assert ((await _trainer(winner)).wins, (await _trainer(winner)).losses) == (1, 0)
        assert ((await _trainer(loser)).wins, (await _trainer(loser)).losses) == (0, 1)
        assert await repository(FightResult).count() == 1

    run(scenario)


def test_a_battle_needs_two_known_trainers_with_pokemon(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        await trainer_create("Ash", Region.KANTO)
        await trainer_create("Gary", Region.KANTO)
        await catch("Ash", "Pikachu", Element.ELECTRIC)
        with pytest.raises(DomainError, match="themself"):
            await trainer_execute("Ash", "Ash")
        with pytest.raises(NotFound):
            await trainer_execute("Ash", "Nobody")
        with pytest.raises(Conflict, match="no Pokemon to fight with"):
            await trainer_execute("Ash", "Gary")
        assert await repository(FightResult).count() == 0

    run(scenario)


# --- all or nothing, and concurrency -------------------------------------------------------------


def test_a_catch_that_fails_halfway_leaves_nothing(run: Callable[..., Any]) -> None:
    """The trainer's stored document does not fit the model: the catch fails after the
    Pokemon was inserted, and the transaction takes it back."""

    async def scenario() -> None:
        await repository(Trainer).collection.insert_one({"name": "Broken", "wins": "many"})
        with pytest.raises(Conflict, match="does not match Trainer"):
            await catch("Broken", "Pikachu", Element.ELECTRIC)
        assert await repository(Pokemon).count() == 0
        stored = await repository(Trainer).collection.find_one({"name": "Broken"})
        assert stored is not None and "team" not in stored and "box" not in stored

    run(scenario)


def test_a_battle_that_fails_halfway_records_nothing(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        winner, _, _ = await _ash_versus_misty(seed=5)
        loser = ({"Ash", "Misty"} - {winner}).pop()
        # The loser's document stops fitting the model: counting the loss fails, after
        # the fight was stored and the win counted.
        await repository(Trainer).collection.update_one({"name": loser}, {"$set": {"badges": -1}})
        with pytest.raises(Conflict, match="does not match Trainer"):
            await trainer_execute("Ash", "Misty", seed=5)
        assert await repository(FightResult).count() == 1
        assert ((await _trainer(winner)).wins, (await _trainer(winner)).losses) == (1, 0)

    run(scenario)


def test_fifty_concurrent_trainings_all_count(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        caught = await catch("Ash", "Bulbasaur", Element.GRASS)
        before = await _pokemon(caught.pokemon_id)
        results = await asyncio.gather(*(train("Bulbasaur", 2) for _ in range(50)))
        after = await _pokemon(caught.pokemon_id)
        gained = 50 * 2 * rules.EXPERIENCE_PER_HOUR
        assert after.experience == before.experience + gained
        assert max(result.experience for result in results) == after.experience
        assert len({result.experience for result in results}) == 50  # each saw the last
        assert after.level == rules.trained(before, 100).level

    run(scenario)


def test_concurrent_evolutions_evolve_once(run: Callable[..., Any]) -> None:
    async def scenario() -> None:
        caught = await catch("Ash", "Charmander", Element.FIRE)
        outcomes = await asyncio.gather(
            *(stage1("Charmander") for _ in range(5)), return_exceptions=True
        )
        evolved = [o for o in outcomes if not isinstance(o, BaseException)]
        refused = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(evolved) == 1 and evolved[0].evolved_name == "Charmeleon"
        assert all(isinstance(error, (Conflict, NotFound)) for error in refused), refused
        charmeleon = await _pokemon(caught.pokemon_id)
        boosted = rules.Stats.of(rules.caught_pokemon("Charmander", Element.FIRE, "Ash")).boosted()
        assert charmeleon.name == "Charmeleon" and charmeleon.attack == boosted.attack

    run(scenario)

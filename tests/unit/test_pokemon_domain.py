"""The Pokemon example domain: its pure rules, and its operations against a real database.

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
from pokemon.moves import UNKNOWN_MOVE_POWER, move  # noqa: E402
from pokemon.vocabulary import Element, Region  # noqa: E402

from pulpo import Conflict, DomainError, NotFound, repository  # noqa: E402
from pulpo.data import connection  # noqa: E402

pytestmark = pytest.mark.unit

Scenario = Callable[[], Awaitable[Any]]


# --- Pure rules ----------------------------------------------------------------


def _every_stat_rose(before: Pokemon, after: Pokemon) -> bool:
    pairs = zip(rules.Stats.of(before), rules.Stats.of(after), strict=True)
    return all(new > old for old, new in pairs)


@pytest.mark.parametrize(
    ("species", "stage", "evolves_into"),
    [
        ("Charmander", 1, "Charmeleon"),
        ("Charmeleon", 2, "Charizard"),
        ("Squirtle", 1, "Wartortle"),
        ("Wartortle", 2, "Blastoise"),
        ("Bulbasaur", 1, "Ivysaur"),
        ("Ivysaur", 2, "Venusaur"),
        ("Pikachu", 1, "Raichu"),
    ],
)
def test_evolution_chains(species: str, stage: int, evolves_into: str) -> None:
    assert rules.evolution_target(species, stage) == evolves_into


@pytest.mark.parametrize(
    ("species", "stage", "reason"),
    [
        ("Charmeleon", 1, "first-evolution Pokemon"),
        ("Charmander", 2, "base Pokemon"),
        ("Pikachu", 2, "base Pokemon"),
        ("Charizard", 1, "fully evolved"),
        ("Raichu", 2, "fully evolved"),
        ("Eevee", 1, "does not evolve"),
        ("Ash's Pokemon", 1, "does not evolve"),
    ],
)
def test_evolution_refusals_say_why(species: str, stage: int, reason: str) -> None:
    with pytest.raises(rules.EvolutionRefused, match=reason):
        rules.evolution_target(species, stage)


def test_chains_are_found_in_any_casing_and_answer_the_games_spelling() -> None:
    assert rules.evolution_target("charmander", 1) == "Charmeleon"
    assert rules.evolution_target("CHARMELEON", 2) == "Charizard"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("Electric", Element.ELECTRIC), ("electric", Element.ELECTRIC), ("FIRE", Element.FIRE)],
)
def test_elements_are_read_in_any_casing_and_kept_as_the_games_write_them(
    written: str, canonical: Element
) -> None:
    pokemon = Pokemon.model_validate_json(f'{{"name": "Pikachu", "element": "{written}"}}')
    assert pokemon.element is canonical
    assert pokemon.model_dump(mode="json")["element"] == canonical.value == written.title()


def test_regions_are_read_in_any_casing() -> None:
    assert Trainer.model_validate({"name": "Ash", "region": "kANTO"}).region is Region.KANTO
    with pytest.raises(ValueError, match="region"):
        Trainer.model_validate({"name": "Ash", "region": "Atlantis"})


def test_moves_are_names_whose_power_and_element_come_from_the_table() -> None:
    pikachu = Pokemon(name="Pikachu", element=Element.ELECTRIC, attacks=["thunderbolt", "Zap"])
    assert pikachu.attacks == ["Thunderbolt", "Zap"]  # known names as the games write them
    assert move("Thunderbolt") == ("Thunderbolt", Element.ELECTRIC, 90)
    assert move("Zap") == ("Zap", Element.NORMAL, UNKNOWN_MOVE_POWER)  # kept, fights plainly


def test_evolving_renames_and_boosts_every_stat() -> None:
    charmander = rules.caught_pokemon("Charmander", Element.FIRE, trainer="Ash")
    charmeleon = rules.evolved(charmander, stage=1)
    assert charmeleon.name == "Charmeleon"
    assert _every_stat_rose(charmander, charmeleon)
    assert (charmeleon.level, charmeleon.attacks) == (charmander.level, charmander.attacks)


def test_a_caught_species_starts_at_level_5_with_its_own_stats_and_moves() -> None:
    pikachu = rules.caught_pokemon("pikachu", Element.ELECTRIC, trainer="Ash")
    assert (pikachu.name, pikachu.level, pikachu.trainer) == ("Pikachu", 5, "Ash")
    assert pikachu.experience == rules.experience_for_level(5)
    species = rules.species_of("Pikachu")
    assert species is not None
    assert rules.Stats.of(pikachu) == species.stats
    assert pikachu.attacks == list(species.moves)
    assert Element.ELECTRIC in {move(name).element for name in pikachu.attacks}


def test_any_name_can_be_caught_with_the_stats_and_moves_of_its_element() -> None:
    caught = rules.caught_pokemon("Ash's Pokemon", Element.ELECTRIC, trainer="Ash")
    assert caught.name == "Ash's Pokemon"
    assert rules.Stats.of(caught) == rules.ELEMENT_STATS
    assert caught.attacks == ["Tackle", rules.ELEMENT_MOVES[Element.ELECTRIC]]
    with pytest.raises(rules.EvolutionRefused, match="does not evolve"):
        rules.evolved(caught, stage=1)


def test_every_element_has_a_starting_move_in_the_table() -> None:
    for element in Element:
        assert move(rules.ELEMENT_MOVES[element]).element is element


def test_level_follows_the_cubic_experience_curve() -> None:
    assert [rules.level_for_experience(xp) for xp in (0, 7, 8, 124, 125, 10**9)] == [
        1,
        1,
        2,
        4,
        5,
        100,
    ]


def test_100_hours_of_training_lift_a_level_5_pokemon_and_its_stats() -> None:
    charmander = rules.caught_pokemon("Charmander", Element.FIRE, trainer="Ash")
    trained = rules.trained(charmander, hours=100)
    assert trained.level > 5
    assert trained.experience == charmander.experience + 100 * rules.EXPERIENCE_PER_HOUR
    assert _every_stat_rose(charmander, trained)


def test_training_never_lowers_a_level_and_stops_at_100() -> None:
    veteran = Pokemon(name="Mew", element=Element.NORMAL, level=50, experience=0)
    assert rules.trained(veteran, hours=1).level == 50
    assert rules.trained(veteran, hours=rules.MAX_TRAINING_HOURS * 100).level == 100


def test_type_effectiveness_changes_damage() -> None:
    squirtle = rules.caught_pokemon("Squirtle", Element.WATER, trainer="Misty")
    charmander = rules.caught_pokemon("Charmander", Element.FIRE, trainer="Ash")
    water_gun, ember = move("Water Gun"), move("Ember")
    assert rules.damage_dealt(squirtle, charmander, water_gun) > rules.damage_dealt(
        charmander, squirtle, ember
    )
    assert rules.EFFECTIVENESS[(Element.ELECTRIC, Element.GROUND)] == 0.0
    assert rules.EFFECTIVENESS[(Element.GROUND, Element.ELECTRIC)] == 2.0
    assert (Element.NORMAL, Element.FIRE) not in rules.EFFECTIVENESS


def test_a_move_that_does_not_affect_the_defender_deals_nothing() -> None:
    eevee = rules.caught_pokemon("Eevee", Element.NORMAL, trainer="Red")
    gastly = rules.caught_pokemon("Gastly", Element.GHOST, trainer="Blue")
    assert rules.damage_dealt(eevee, gastly, move("Tackle")) == 0


def test_a_battle_of_mutually_immune_teams_still_ends() -> None:
    normal = rules.Team("Red", [Pokemon(name="Eevee", element=Element.NORMAL, attacks=["Tackle"])])
    ghost = rules.Team("Blue", [Pokemon(name="Gastly", element=Element.GHOST, attacks=["Lick"])])
    report = rules.simulate_battle(normal, ghost, seed=1)
    assert len(report.rounds) == 2 * rules.MAX_EXCHANGES
    assert {report.winner, report.loser} == {"Red", "Blue"}


def _team(trainer: str, *species: tuple[str, Element]) -> rules.Team:
    return rules.Team(
        trainer, [rules.caught_pokemon(name, element, trainer) for name, element in species]
    )


ASH = _team("Ash", ("Charmander", Element.FIRE), ("Pikachu", Element.ELECTRIC))
MISTY = _team("Misty", ("Squirtle", Element.WATER), ("Staryu", Element.WATER))


def test_a_battle_is_the_same_for_the_same_seed() -> None:
    assert rules.simulate_battle(ASH, MISTY, seed=7) == rules.simulate_battle(ASH, MISTY, seed=7)


def test_a_battle_goes_on_until_a_whole_team_fainted() -> None:
    report = rules.simulate_battle(ASH, MISTY, seed=3)
    knockouts = [r for r in report.rounds if r.defender_health == 0]
    assert [r.attacker_trainer for r in knockouts].count(report.winner) == 2  # the loser's team
    assert report.rounds[-1] == knockouts[-1]
    assert [r.number for r in report.rounds] == list(range(1, len(report.rounds) + 1))
    assert {report.winner, report.loser} == {"Ash", "Misty"}


def test_evenly_matched_battles_are_decided_by_the_seed() -> None:
    red = _team("Red", ("Eevee", Element.NORMAL))
    blue = _team("Blue", ("Eevee", Element.NORMAL))
    winners = {rules.simulate_battle(red, blue, seed).winner for seed in range(40)}
    assert winners == {"Red", "Blue"}


def test_a_team_without_pokemon_cannot_battle() -> None:
    with pytest.raises(ValueError, match="no Pokemon"):
        rules.simulate_battle(ASH, rules.Team("Gary", []), seed=0)


# --- Operations against a real database ----------------------------------------


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

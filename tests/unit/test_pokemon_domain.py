"""The Pokemon example domain: its pure rules (its operations: tests/integration)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples" / "pokemon"))

from pokemon import rules  # noqa: E402
from pokemon.models import Pokemon, Trainer  # noqa: E402
from pokemon.moves import UNKNOWN_MOVE_POWER, move  # noqa: E402
from pokemon.vocabulary import Element, Region  # noqa: E402

pytestmark = pytest.mark.unit


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

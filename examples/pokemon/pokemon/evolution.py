"""Operations ``pokemon.evolution.*``: evolve a Pokemon one stage at a time.

``stage2`` runs after ``stage1`` in the ``pokemon.evolution`` flow and takes
the species ``stage1`` produced as its ``pokemon_name``, so one flow run turns
a Charmander into a Charizard.
"""

from pokemon import rules
from pokemon.management import latest_pokemon
from pokemon.models import Pokemon
from pokemon.results import Evolution
from pulpo import Conflict, NotFound, operation, repository


@operation("pokemon.evolution.stage1", examples=[{"pokemon_name": "Charmander"}])
async def stage1(pokemon_name: str) -> Evolution:
    """Evolve a base-stage Pokemon into its first evolution (Charmander → Charmeleon).

    The Pokemon keeps its id, level and moves; its name becomes the new
    species and its stats rise by a fifth. Acts on the most recently created
    Pokemon of that name. A Pokemon that is not a base form, or that does not
    evolve, gives 409 Conflict; an unknown name gives 404 Not Found.
    """
    return await _evolve(pokemon_name, stage=1)


@operation(
    "pokemon.evolution.stage2",
    after="stage1",
    inputs={"pokemon_name": "stage1.evolved_name"},
    examples=[{"pokemon_name": "Charmeleon"}],
)
async def stage2(pokemon_name: str) -> Evolution:
    """Evolve a first-evolution Pokemon into its final form (Charmeleon → Charizard).

    Same rules as stage 1, one step further along the chain. A base form, a
    fully evolved Pokemon or one without a second evolution (Raichu) gives
    409 Conflict; an unknown name gives 404 Not Found.
    """
    return await _evolve(pokemon_name, stage=2)


async def _evolve(pokemon_name: str, stage: int) -> Evolution:
    record = await latest_pokemon(pokemon_name)
    seen: list[Pokemon] = []

    def evolve_once(pokemon: Pokemon) -> Pokemon:
        seen.append(pokemon)
        try:
            return rules.evolved(pokemon, stage)
        except rules.EvolutionRefused as refused:
            raise Conflict(str(refused)) from refused

    # Decided on the Pokemon as it is when written: of two concurrent requests, the
    # second sees the evolved species and is refused (its stats are boosted once).
    evolved = await repository(Pokemon).modify(record.id, evolve_once)
    if evolved is None:
        raise NotFound(f"{pokemon_name} was released while evolving")
    return Evolution(
        pokemon_id=record.id,
        previous_name=seen[-1].name,
        evolved_name=evolved.data.name,
        stage=stage,
    )

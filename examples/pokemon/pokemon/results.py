"""What the operations return.

These are plain pydantic models, not ``@datamodel``s: they are responses, never
stored. Each one becomes an operation's response schema, and its fields are
what later stages of a flow can take as inputs (``"stage1.evolved_name"``).
"""

from pydantic import BaseModel, Field

from pokemon.vocabulary import Region


class TrainerCreated(BaseModel):
    """A registered trainer."""

    trainer_id: str = Field(description="Id of the Trainer document.")
    trainer_name: str = Field(description="The trainer's unique name.")
    region: Region = Field(description="The region the trainer registered from.")


class CatchResult(BaseModel):
    """The outcome of a successful catch."""

    success: bool = Field(description="Always true: a failed catch is an error response.")
    message: str = Field(description="A human-readable summary naming the caught Pokemon.")
    pokemon_id: str = Field(description="Id of the new Pokemon document.")
    pokemon_name: str = Field(description="Its name, as the games spell a species they know.")
    in_team: bool = Field(
        description="Whether it joined the team (else the box: the team was full)."
    )
    team_size: int = Field(ge=0, le=6, description="Size of the trainer's team after the catch.")


class TrainResult(BaseModel):
    """How a training session changed a Pokemon."""

    pokemon_id: str = Field(description="Id of the trained Pokemon.")
    pokemon_name: str = Field(description="Name of the trained Pokemon.")
    previous_level: int = Field(ge=1, le=100, description="Level before training.")
    new_level: int = Field(ge=1, le=100, description="Level after training.")
    experience: int = Field(ge=0, description="Total experience after training.")


class Evolution(BaseModel):
    """A Pokemon that evolved into the next form of its chain."""

    pokemon_id: str = Field(description="Id of the evolved Pokemon; evolving keeps the id.")
    previous_name: str = Field(description="The species it was, e.g. 'Charmander'.")
    evolved_name: str = Field(description="The species it became, e.g. 'Charmeleon'.")
    stage: int = Field(ge=1, le=2, description="The evolution stage reached: 1 or 2.")


class BattleOutcome(BaseModel):
    """Who won a battle between two trainers."""

    winning_trainer: str = Field(description="The trainer whose team still stood at the end.")
    losing_trainer: str = Field(description="The trainer whose whole team fainted.")
    rounds: int = Field(ge=1, description="Number of attacks the battle took.")
    fight_id: str = Field(description="Id of the stored FightResult with every round.")

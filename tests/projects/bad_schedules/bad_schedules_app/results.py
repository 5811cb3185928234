"""The output every operation of this project returns."""

from pydantic import BaseModel


class Done(BaseModel):
    ok: bool

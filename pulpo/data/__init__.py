"""Data: typed access to MongoDB for domain operations and the generated API.

Configure the connection once per process, then use a model's repository::

    from pulpo.data import configure, repository

    configure("mongodb://127.0.0.1:27017/", "pokemon")
    pikachu = await repository(Pokemon).insert(Pokemon(name="pikachu", level=5))

Modules: :mod:`~pulpo.data.connection` (which database, one client per event
loop), :mod:`~pulpo.data.documents` (models ⇄ BSON documents) and
:mod:`~pulpo.data.repository` (create, read, update, delete).
"""

from pulpo.data.connection import (
    Driver,
    close,
    configure,
    configure_from_env,
    current_database,
    ensure_indexes,
    ping,
)
from pulpo.data.documents import (
    StoredDocumentError,
    read_leniently,
    to_bson_value,
    to_document,
)
from pulpo.data.query import sort_order
from pulpo.data.repository import Record, Repository, repository, stored_id

__all__ = [
    "Driver",
    "Record",
    "Repository",
    "StoredDocumentError",
    "close",
    "configure",
    "configure_from_env",
    "current_database",
    "ensure_indexes",
    "ping",
    "read_leniently",
    "repository",
    "sort_order",
    "stored_id",
    "to_bson_value",
    "to_document",
]

"""Data: typed access to MongoDB for domain operations and the generated API.

Configure the connection once per process, then use a model's repository::

    from pulpo.data import configure, repository

    configure("mongodb://127.0.0.1:27017/", "pokemon")
    pikachu = await repository(Pokemon).insert(Pokemon(name="pikachu", level=5))

Writes that belong together run in a transaction, and read-compute-write changes
through ``modify``, which retries when a concurrent writer came first::

    from pulpo.data import atomically

    async def work() -> None:
        pokemon = await repository(Pokemon).insert(Pokemon(name="pikachu"))
        await repository(Trainer).update_where({"name": "ash"}, {"$push": {"team": pokemon.id}})

    await atomically(work)  # both writes, or neither
    await repository(Pokemon).modify(id, lambda pokemon: rules.trained(pokemon, hours=10))

Modules: :mod:`~pulpo.data.connection` (which database, one client per event
loop, timeouts and write concern), :mod:`~pulpo.data.documents` (models ⇄ BSON
documents), :mod:`~pulpo.data.repository` (create, read, update, delete; versions)
and :mod:`~pulpo.data.transactions` (all or nothing).
"""

from pulpo.data.connection import (
    Driver,
    WriteConcernName,
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
from pulpo.data.transactions import (
    ConcurrentUpdate,
    TransactionAborted,
    atomically,
    atomically_with,
    current_session,
    in_transaction,
    transaction,
)

__all__ = [
    "ConcurrentUpdate",
    "Driver",
    "Record",
    "Repository",
    "StoredDocumentError",
    "TransactionAborted",
    "WriteConcernName",
    "atomically",
    "atomically_with",
    "close",
    "configure",
    "configure_from_env",
    "current_database",
    "current_session",
    "ensure_indexes",
    "in_transaction",
    "ping",
    "read_leniently",
    "repository",
    "sort_order",
    "stored_id",
    "to_bson_value",
    "to_document",
    "transaction",
]

"""The process-wide connection to MongoDB: configure once, use from any event loop.

A project binds Pulpo to one database when it starts::

    from pulpo.data import configure_from_env, ensure_indexes, ping

    configure_from_env(default_database="pokemon")
    await ping()
    await ensure_indexes([Pokemon, Trainer])

Async MongoDB clients (PyMongo's ``AsyncMongoClient`` and Motor's
``AsyncIOMotorClient``) belong to the event loop that created them, while a
project's code may run on several loops: the web server's, a test's
``asyncio.run``, a worker thread's. So a binding only *describes* the database;
the client is created lazily, once per running loop, the first time that loop
asks for :func:`current_database`.

Both drivers are supported; which one is used is decided here and nowhere else. A new
driver is a name in :data:`Driver` and its client in :func:`_new_client`; the project
settings (``driver`` in ``[tool.pulpo]``) accept exactly :data:`DRIVERS`.

Two settings of the binding decide what an answer means for the data:

* ``timeout_ms`` bounds every database call, whatever the server does (down, frozen,
  overloaded): the driver's client-side operation timeout (``timeoutMS``) covers
  server selection, waiting for a pooled connection, and the reply. A call that runs
  out of time raises :class:`~pulpo.errors.DatabaseUnavailable` (503), and the client
  recovers by itself when the server answers again.
* ``write_concern`` (:data:`WriteConcernName`) says when a write is acknowledged;
  the default, ``"journaled"``, waits until it is in the server's journal, so an
  acknowledged write survives the server being killed.
"""

import asyncio
import os
import threading
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import BaseModel
from pymongo.errors import ConnectionFailure, PyMongoError

from pulpo.declare import model_spec
from pulpo.errors import DatabaseUnavailable, UsageError

Driver = Literal["pymongo", "motor"]
"""``"pymongo"`` (PyMongo's async API, the default) or ``"motor"`` (deprecated upstream)."""

DRIVERS: tuple[str, ...] = get_args(Driver)
"""The driver names, for settings and messages."""

DEFAULT_URL = "mongodb://127.0.0.1:27017/"

WriteConcernName = Literal["journaled", "majority", "acknowledged"]
"""When MongoDB acknowledges a write.

``"journaled"`` (the default): once the server has written it to its journal (``w: 1,
j: true``), so it survives the server being killed. ``"majority"``: once a majority of a
replica set has it in its journal (``w: "majority", j: true``), so it also survives
losing the primary; on a single-node replica set it is the same as ``"journaled"``.
``"acknowledged"``: once the server has applied it in memory (``w: 1``); faster, but a
crash of the server can lose the last acknowledged writes.
"""

WRITE_CONCERNS: tuple[str, ...] = get_args(WriteConcernName)
"""The write concern names, for settings and messages."""

DEFAULT_WRITE_CONCERN: WriteConcernName = "journaled"

_WRITE_CONCERN_OPTIONS: dict[str, dict[str, Any]] = {
    "journaled": {"w": 1, "journal": True},
    "majority": {"w": "majority", "journal": True},
    "acknowledged": {"w": 1},
}


@dataclass(frozen=True)
class _Binding:
    url: str
    database: str
    driver: Driver
    timeout_ms: int
    write_concern: WriteConcernName


_lock = threading.Lock()
_binding: _Binding | None = None
# One client per event loop. The loops are held weakly; clients keep a reference to
# their loop, so entries of closed loops are also purged explicitly (see _client_for_running_loop).
_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any]" = weakref.WeakKeyDictionary()
# Strong references to fire-and-forget close() tasks, so they are not collected early.
_closing: set["asyncio.Future[Any]"] = set()


def configure(
    url: str,
    database: str,
    *,
    driver: Driver = "pymongo",
    timeout_ms: int = 2000,
    write_concern: WriteConcernName = DEFAULT_WRITE_CONCERN,
) -> None:
    """Bind Pulpo to the database ``database`` of the server at ``url``.

    ``timeout_ms`` bounds every database call: one that gets no answer in time (the
    server is down, frozen or unreachable) raises
    :class:`~pulpo.errors.DatabaseUnavailable`. ``write_concern`` says when a write is
    acknowledged (:data:`WriteConcernName`). Calling it again replaces the binding;
    clients of the previous one are closed (best effort). Configuring the same
    binding again keeps the existing clients.
    """
    if driver not in DRIVERS:
        raise ValueError(f"Unknown MongoDB driver {driver!r}: use {_one_of()}")
    if not database:
        raise ValueError("configure() needs a database name")
    if timeout_ms <= 0:
        raise ValueError(f"timeout_ms must be positive, not {timeout_ms}")
    if write_concern not in WRITE_CONCERNS:
        raise ValueError(f"Unknown write concern {write_concern!r}: use {_one_of(WRITE_CONCERNS)}")
    binding = _Binding(
        url=url,
        database=database,
        driver=driver,
        timeout_ms=timeout_ms,
        write_concern=write_concern,
    )
    global _binding, _clients
    with _lock:
        if binding == _binding:
            return
        old = list(_clients.items())
        _binding = binding
        _clients = weakref.WeakKeyDictionary()
    for loop, client in old:
        _discard(loop, client)


def configure_from_env(default_database: str) -> None:
    """Configure from the environment, as the generated app and worker do.

    ``MONGODB_URL`` (default ``mongodb://127.0.0.1:27017/``), ``MONGODB_DATABASE``
    (default ``default_database``), ``PULPO_MONGO_DRIVER`` (``pymongo`` or
    ``motor``; default ``pymongo``) and ``MONGODB_WRITE_CONCERN`` (default
    ``journaled``). A misspelt driver or write concern raises
    :class:`~pulpo.errors.UsageError`.
    """
    driver = os.environ.get("PULPO_MONGO_DRIVER", "").strip().lower() or "pymongo"
    if driver not in DRIVERS:
        raise UsageError(f"PULPO_MONGO_DRIVER={driver!r} is not a MongoDB driver: use {_one_of()}")
    concern = os.environ.get("MONGODB_WRITE_CONCERN", "").strip().lower() or DEFAULT_WRITE_CONCERN
    if concern not in WRITE_CONCERNS:
        raise UsageError(
            f"MONGODB_WRITE_CONCERN={concern!r} is not a write concern: "
            f"use {_one_of(WRITE_CONCERNS)}"
        )
    configure(
        os.environ.get("MONGODB_URL", "").strip() or DEFAULT_URL,
        os.environ.get("MONGODB_DATABASE", "").strip() or default_database,
        driver=driver,  # type: ignore[arg-type]  # checked against Driver above
        write_concern=concern,  # type: ignore[arg-type]  # checked against WRITE_CONCERNS
    )


def current_database() -> Any:
    """The driver's async ``Database`` for the running event loop.

    Index it to get a collection (``current_database()["pokemons"]``). Must be
    called from async code; raises :class:`~pulpo.errors.UsageError` if :func:`configure` was never
    called.
    """
    binding, client = _client_for_running_loop()
    return client[binding.database]


def current_client() -> Any:
    """The driver's async client for the running event loop (sessions start on it)."""
    return _client_for_running_loop()[1]


async def ping() -> None:
    """Check that the database answers; raise ``DatabaseUnavailable`` if it does not.

    Bounded by the configured timeout (plus half a second), so it returns promptly
    even when the server is stopped or the address is wrong.
    """
    binding, client = _client_for_running_loop()
    limit = binding.timeout_ms / 1000 + 0.5
    try:
        await asyncio.wait_for(client[binding.database].command("ping"), limit)
    except TimeoutError as error:
        reason = f"no answer within {limit:g} s"
        raise DatabaseUnavailable(f"MongoDB is unavailable: {reason}") from error
    except PyMongoError as error:  # unreachable, but also e.g. authentication failed
        raise DatabaseUnavailable(f"MongoDB is unavailable: {_short(error)}") from error


async def close() -> None:
    """Close the running loop's client, and forget those of loops that have ended.

    Call it when a loop is about to end (e.g. at the end of ``asyncio.run``);
    the binding stays, so a later :func:`current_database` reconnects. Clients of
    other loops that still run are left alone: they may be in use.
    """
    loop = asyncio.get_running_loop()
    with _lock:
        client = _clients.pop(loop, None)
        _forget_closed_loops()
    if client is not None:
        await _close_client(client)


async def ensure_indexes(models: Iterable[type[BaseModel]]) -> None:
    """Create the indexes each ``@datamodel`` declares (existing ones are kept).

    ``Index("trainer", "-level", unique=True)`` becomes a unique compound index
    ``[("trainer", 1), ("level", -1)]`` on the model's collection.
    """
    database = current_database()
    with database_errors():
        for model in models:
            spec = model_spec(model)
            if spec is None:
                name = getattr(model, "__qualname__", repr(model))
                raise TypeError(f"{name} is not a @datamodel, so it has no indexes to create")
            for index in spec.indexes:
                await database[spec.collection].create_index(index.keys, unique=index.unique)


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn the driver's "cannot reach the server" errors into ``DatabaseUnavailable``.

    Covers server-selection timeouts, refused or dropped connections, network
    timeouts and every call that ran out of its time (PyMongo's ``ConnectionFailure``
    family and the errors whose ``timeout`` is true, which Motor raises too); the
    API answers those with 503. Other errors pass through unchanged.
    """
    try:
        yield
    except PyMongoError as error:
        if unavailable(error):
            raise DatabaseUnavailable(f"MongoDB is unavailable: {_short(error)}") from error
        raise


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the server did not answer (in time), not what it answered."""
    return isinstance(error, ConnectionFailure) or (
        isinstance(error, PyMongoError) and error.timeout
    )


# --- clients, one per event loop ---------------------------------------------------------------


def _client_for_running_loop() -> tuple[_Binding, Any]:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise UsageError("pulpo.data needs a running event loop: call it from async code") from None
    with _lock:
        binding = _binding
        if binding is None:
            raise UsageError(
                "pulpo.data is not configured: call pulpo.data.configure(url, database) "
                "or pulpo.data.configure_from_env(default_database) first"
            )
        client = _clients.get(loop)
        if client is None:
            _forget_closed_loops()
            client = _clients[loop] = _new_client(binding, loop)
    return binding, client


def _forget_closed_loops() -> None:
    """Drop the clients of loops that have ended (call with ``_lock`` held).

    Their background tasks died with the loop, and no ``close()`` can run any
    more; the sockets are released when the client is garbage-collected.
    """
    for loop in [loop for loop in _clients if loop.is_closed()]:
        del _clients[loop]


def _new_client(binding: _Binding, loop: asyncio.AbstractEventLoop) -> Any:
    options: dict[str, Any] = {
        # Client-side operation timeout: bounds each call as a whole (server selection,
        # a pooled connection, the reply), so a frozen server is a 503, not a hang.
        "timeoutMS": binding.timeout_ms,
        "serverSelectionTimeoutMS": binding.timeout_ms,
        "connectTimeoutMS": binding.timeout_ms,
        "tz_aware": True,
        **_WRITE_CONCERN_OPTIONS[binding.write_concern],
    }
    if binding.driver == "motor":
        try:
            from motor.motor_asyncio import AsyncIOMotorClient
        except ImportError as error:
            raise UsageError(
                "PULPO_MONGO_DRIVER=motor needs `pip install 'pulpo[motor]'`"
            ) from error
        return AsyncIOMotorClient(binding.url, io_loop=loop, **options)
    from pymongo import AsyncMongoClient

    return AsyncMongoClient(binding.url, **options)


def _one_of(choices: tuple[str, ...] = DRIVERS) -> str:
    """``'pymongo' or 'motor'``."""
    names = [repr(name) for name in choices]
    return " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


async def _close_client(client: Any) -> None:
    result = client.close()  # Motor: synchronous; PyMongo async: a coroutine
    if asyncio.iscoroutine(result):
        await result


def _discard(loop: asyncio.AbstractEventLoop, client: Any) -> None:
    """Close a client of a replaced binding, as far as its loop still allows."""
    if loop.is_closed() or not loop.is_running():
        return  # nothing can run its close(); the sockets go with the client
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        task = loop.create_task(_close_client(client))
        _closing.add(task)
        task.add_done_callback(_closing.discard)
    else:
        asyncio.run_coroutine_threadsafe(_close_client(client), loop)


def _short(error: BaseException) -> str:
    """The gist of a driver error, without the topology dump PyMongo appends."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    for tail in (" (configured timeouts", ", Timeout:", ", full error:"):
        text = text.split(tail, 1)[0]
    return text[:300]

"""Typed access to the documents of one ``@datamodel``.

A repository reads and writes one model's collection and speaks in models, not
dicts::

    pokemons = repository(Pokemon)

    created = await pokemons.insert(Pokemon(name="pikachu", level=5))
    same = await pokemons.get(created.id)
    strong = await pokemons.find({"level": {"$gte": 30}}, sort=[("level", -1)], limit=10)
    await pokemons.update(created.id, {"level": 6})

Every result is a :class:`Record`: the document's id, the validated model and its
version. Filters and update documents are MongoDB's own; their values may be any
type a model field may hold (enums, dates, decimals), see :mod:`pulpo.data.documents`.

**Versions and lost updates.** Every document the repository writes carries a
version (the ``_version`` field, 1 when inserted), which every write through the
repository raises by one. :meth:`Repository.modify` uses it for optimistic
concurrency: it reads the document, computes the new one, and writes it only if the
version is still the one it read; when a concurrent writer came first, it reads
again and recomputes, a bounded number of times::

    await pokemons.modify(pikachu.id, lambda pokemon: rules.trained(pokemon, hours=10))

so concurrent changes all count, none is lost and none is refused. ``update`` (the
generated ``PATCH``) works the same way. Documents other clients stored have no
version (0) until the repository first writes them; writes through ``.collection``
do not raise it, so they can lose a race with ``modify``.

**Transactions.** Inside :func:`~pulpo.data.atomically` (or ``transaction()``) every
call joins the running transaction, see :mod:`pulpo.data.transactions`.

Errors say what happened in the API's terms: a duplicate unique key raises
:class:`~pulpo.errors.Conflict` (409), an unreachable server
:class:`~pulpo.errors.DatabaseUnavailable` (503), an invalid update pydantic's
``ValidationError`` (422).
"""

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeGuard, TypeVar

from bson import ObjectId
from pydantic import BaseModel
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from pulpo.data.connection import current_database, database_errors
from pulpo.data.documents import (
    VERSION_FIELD,
    document_fields,
    from_document,
    to_bson_value,
    to_document,
)
from pulpo.data.transactions import (
    DEFAULT_ATTEMPTS,
    ConcurrentUpdate,
    backoff,
    in_transaction,
    statement,
)
from pulpo.declare import model_spec
from pulpo.errors import Conflict

M = TypeVar("M", bound=BaseModel)
P = ParamSpec("P")
R = TypeVar("R")

Filters = Mapping[str, Any]
"""A MongoDB query filter: ``{"trainer": "ash", "level": {"$gte": 10}}``."""

Sort = Sequence[tuple[str, int]]
"""Sort keys: ``[("level", -1), ("name", 1)]`` (``-1`` descending, ``1`` ascending)."""


@dataclass(frozen=True)
class Record(Generic[M]):
    """A stored model, the id of its document (``str(ObjectId)``) and its version.

    ``version`` counts the writes through the repository (1 once inserted; 0 for a
    document another client stored): two records of one document with the same
    version hold the same data.
    """

    id: str
    data: M
    version: int = 0


def _database_call(method: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Report an unreachable server as ``DatabaseUnavailable``, whatever the call."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with database_errors():
            return await method(*args, **kwargs)

    return call


class Repository(Generic[M]):
    """Create, read, update and delete the documents of one ``@datamodel``.

    Usually obtained with :func:`repository`, which keeps one per model. It holds
    no connection: every call uses :func:`~pulpo.data.current_database`, so one
    repository serves every event loop.
    """

    model: type[M]
    collection_name: str

    def __init__(self, model: type[M]) -> None:
        spec = model_spec(model)
        if spec is None:
            name = getattr(model, "__qualname__", repr(model))
            raise TypeError(f"{name} is not a @datamodel: decorate it with @datamodel to store it")
        self.model = model
        self.collection_name = spec.collection

    def __repr__(self) -> str:
        return f"Repository({self.model.__name__}, collection={self.collection_name!r})"

    @property
    def collection(self) -> Any:
        """The driver's collection, for raw or atomic operations this class does not offer."""
        return current_database()[self.collection_name]

    @_database_call
    async def insert(self, item: M) -> Record[M]:
        """Store ``item`` as a new document; ``Conflict`` if a unique index forbids it."""
        try:
            async with statement() as session:
                result = await self.collection.insert_one(
                    {**to_document(item), VERSION_FIELD: 1}, session=session
                )
        except DuplicateKeyError as error:
            raise self._conflict(error) from error
        return Record(id=str(result.inserted_id), data=item, version=1)

    @_database_call
    async def find_or_insert(self, filters: Filters, item: M) -> Record[M]:
        """The first document matching ``filters``, or ``item`` stored when none does.

        One atomic upsert: concurrent calls store one document, and all get it
        (given a unique index on what ``filters`` name; without one, MongoDB may
        store two). Use it where a failed insert would abort a transaction::

            ash = await trainers.find_or_insert({"name": "Ash"}, Trainer(name="Ash"))
        """
        query = _query(filters)
        upsert = {"$setOnInsert": {**to_document(item), VERSION_FIELD: 1}}
        for _ in range(3):
            # A concurrent upsert may take the key between the match and the insert: the
            # loser gets a duplicate key (SecantusDB: sometimes no document); it is there now.
            try:
                async with statement() as session:
                    found = await self.collection.find_one_and_update(
                        query, upsert, upsert=True, return_document=ReturnDocument.AFTER,
                        session=session,
                    )  # fmt: skip
            except DuplicateKeyError as error:
                if in_transaction():
                    raise self._conflict(error) from error
                continue
            if found is not None:
                return self._record(found)
        raise ConcurrentUpdate(f"{self.model.__name__} was inserted concurrently; try again")

    async def get(self, id: str) -> Record[M] | None:
        """The document with this id, or ``None``."""
        return self._optional(await self.get_document(id))

    @_database_call
    async def get_document(self, id: str) -> dict[str, Any] | None:
        """The stored document with this id as MongoDB returns it, or ``None``.

        Ids are ObjectIds written as 24 hex digits; any other string is looked up
        as it is, so documents another client stored under a string ``_id`` are
        found too.
        """
        async with statement() as session:
            return await self.collection.find_one(  # type: ignore[no-any-return]
                {"_id": stored_id(id)}, session=session
            )

    async def find(
        self,
        filters: Filters | None = None,
        *,
        sort: Sort = (),
        skip: int = 0,
        limit: int = 0,
    ) -> list[Record[M]]:
        """The documents matching ``filters``, in ``sort`` order (``limit=0``: all).

        Ties, and an empty ``sort``, are ordered by ``_id`` (creation order), so
        pages built with ``skip``/``limit`` are stable.
        """
        documents = await self.find_documents(filters, sort=sort, skip=skip, limit=limit)
        return [self._record(document) for document in documents]

    @_database_call
    async def find_documents(
        self,
        filters: Filters | None = None,
        *,
        sort: Sort = (),
        skip: int = 0,
        limit: int = 0,
    ) -> list[dict[str, Any]]:
        """Like :meth:`find`, but the stored documents as MongoDB returns them, unvalidated.

        For readers with a schema of their own, such as the generated API's read
        models (see :func:`~pulpo.data.documents.read_leniently`).
        """
        if skip < 0 or limit < 0:
            raise ValueError(f"skip and limit must not be negative (got {skip}, {limit})")
        async with statement() as session:
            cursor = self.collection.find(
                _query(filters), sort=_sort_keys(sort), skip=skip, limit=limit, session=session
            )
            return await cursor.to_list(length=None)  # type: ignore[no-any-return]

    async def find_one(
        self, filters: Filters | None = None, *, sort: Sort = ()
    ) -> Record[M] | None:
        """The first document matching ``filters`` in ``sort`` order, or ``None``."""
        found = await self.find(filters, sort=sort, limit=1)
        return found[0] if found else None

    async def latest(self, filters: Filters | None = None) -> Record[M] | None:
        """The most recently created document matching ``filters``, or ``None``."""
        return await self.find_one(filters, sort=[("_id", -1)])

    @_database_call
    async def count(self, filters: Filters | None = None) -> int:
        """How many documents match ``filters``."""
        async with statement() as session:
            return int(await self.collection.count_documents(_query(filters), session=session))

    async def update(
        self, id: str, changes: Mapping[str, Any], *, attempts: int = DEFAULT_ATTEMPTS
    ) -> Record[M] | None:
        """Change some fields of one document; the updated record, or ``None`` if absent.

        The stored document with ``changes`` applied is validated against the
        model first: if it is invalid, pydantic's ``ValidationError`` is raised
        and nothing is written. Then only the changed fields are set, and only if
        the document is still the one validated (its version); when a concurrent
        write came first, the change is validated again against the new state
        (at most ``attempts`` times, then :class:`~pulpo.data.ConcurrentUpdate`).
        """
        self._check_fields(changes)

        def assignments(current: Mapping[str, Any]) -> dict[str, Any]:
            fields = {**document_fields(current), **changes}
            stored = to_document(self.model.model_validate(fields, by_name=True))
            return {key: stored[key] for key in changes if key in stored}

        return await self._compare_and_set(id, assignments, attempts)

    async def modify(
        self, id: str, change: Callable[[M], M], *, attempts: int = DEFAULT_ATTEMPTS
    ) -> Record[M] | None:
        """Apply ``change`` to the stored document, safely under concurrency; the result.

        Reads the document, calls ``change`` with its model, and writes the fields
        that differ only if nobody wrote the document in between (its version is
        unchanged). When somebody did, it reads the new state and calls ``change``
        again, up to ``attempts`` times (with short random pauses), then raises
        :class:`~pulpo.data.ConcurrentUpdate` (409). So ``change`` must be a pure
        function of the model it is given; an error it raises (a ``DomainError``)
        propagates, and nothing is written. ``None`` if there is no such document::

            trained = await pokemons.modify(id, lambda pokemon: rules.trained(pokemon, 10))

        A stored document that does not fit the model raises
        :class:`~pulpo.data.StoredDocumentError`.
        """

        def assignments(current: Mapping[str, Any]) -> dict[str, Any]:
            after = to_document(change(from_document(self.model, current)))
            return {key: value for key, value in after.items() if _differs(current, key, value)}

        return await self._compare_and_set(id, assignments, attempts)

    @_database_call
    async def update_where(
        self,
        filters: Filters,
        update: Mapping[str, Any],
        *,
        sort: Sort = (),
    ) -> Record[M] | None:
        """Atomically apply a MongoDB update to the first match; the document after it.

        ``update`` uses update operators (``$set``, ``$inc``, ``$push``...). Put
        the precondition in ``filters`` to make check-and-change one atomic step::

            await teams.update_where(
                {"_id": team_id, "members.5": {"$exists": False}},  # fewer than 6
                {"$push": {"members": "pikachu"}},
            )

        ``None`` when nothing matched. The update is not validated beforehand;
        the result is validated when read. It raises the document's version.
        """
        try:
            async with statement() as session:
                after = await self.collection.find_one_and_update(
                    _query(filters),
                    _versioned(to_bson_value(dict(update))),
                    sort=_sort_keys(sort),
                    return_document=ReturnDocument.AFTER,
                    session=session,
                )
        except DuplicateKeyError as error:
            raise self._conflict(error) from error
        return self._optional(after)

    @_database_call
    async def delete(self, id: str) -> bool:
        """Delete one document; whether it existed."""
        async with statement() as session:
            result = await self.collection.delete_one({"_id": stored_id(id)}, session=session)
        return bool(result.deleted_count)

    @_database_call
    async def delete_where(self, filters: Filters) -> int:
        """Delete every document matching ``filters`` (``{}``: all); how many were."""
        async with statement() as session:
            result = await self.collection.delete_many(_query(filters), session=session)
        return int(result.deleted_count)

    # --- helpers ---

    async def _compare_and_set(
        self,
        id: str,
        assignments: Callable[[Mapping[str, Any]], Mapping[str, Any]],
        attempts: int,
    ) -> Record[M] | None:
        """Read, compute the fields to set, write them if the version is unchanged; retry."""
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        object_id = stored_id(id)
        attempt = 0
        while attempt < attempts:
            attempt += 1
            if attempt > 1:
                await asyncio.sleep(backoff(attempt))
            current = await self.get_document(id)
            if current is None:
                return None
            changes = assignments(current)
            if not changes:
                return self._record(current)
            written = await self._write_if_unchanged(object_id, current, changes)
            if written is not None:
                return written
            if in_transaction():
                break  # its snapshot will not change: only running it again can help
        raise ConcurrentUpdate(
            f"{self.model.__name__} {id} was changed concurrently {attempt} time(s) in a row "
            "while this change was computed; nothing was written: try again"
        )

    @_database_call
    async def _write_if_unchanged(
        self, object_id: Any, current: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> Record[M] | None:
        """``$set`` ``changes`` if the document still has ``current``'s version; else ``None``."""
        version = current.get(VERSION_FIELD)
        expected = {"$exists": False} if version is None else version
        following = version + 1 if _is_count(version) else 1
        try:
            async with statement() as session:
                after = await self.collection.find_one_and_update(
                    {"_id": object_id, VERSION_FIELD: expected},
                    {"$set": {**changes, VERSION_FIELD: following}},
                    return_document=ReturnDocument.AFTER,
                    session=session,
                )
        except DuplicateKeyError as error:
            raise self._conflict(error) from error
        return self._optional(after)

    def _record(self, document: Mapping[str, Any]) -> Record[M]:
        version = document.get(VERSION_FIELD)
        return Record(
            id=str(document["_id"]),
            data=from_document(self.model, document),
            version=version if _is_count(version) else 0,
        )

    def _optional(self, document: Mapping[str, Any] | None) -> Record[M] | None:
        return None if document is None else self._record(document)

    def _check_fields(self, changes: Mapping[str, Any]) -> None:
        if self.model.model_config.get("extra") == "allow":
            return
        unknown = sorted(set(changes) - set(self.model.model_fields))
        if unknown:
            raise ValueError(f"{self.model.__name__} has no field(s) {', '.join(unknown)}")

    def _conflict(self, error: DuplicateKeyError) -> Conflict:
        key_value = (error.details or {}).get("keyValue")
        if isinstance(key_value, Mapping) and key_value:
            key = ", ".join(f"{name}={value!r}" for name, value in key_value.items())
            return Conflict(f"{self.model.__name__} with {key} already exists")
        return Conflict(f"{self.model.__name__} already exists (duplicate unique key)")


_repositories: dict[type[BaseModel], Repository[Any]] = {}
_repositories_lock = threading.Lock()


def repository(model: type[M]) -> Repository[M]:
    """The :class:`Repository` of ``model`` (one per model class, created on first use)."""
    with _repositories_lock:
        found = _repositories.get(model)
        if found is None:
            found = _repositories[model] = Repository(model)
    return found


def stored_id(id: str) -> ObjectId | str:
    """The ``_id`` a record's id stands for: an ObjectId for 24 hex digits, else the string.

    Use it in filters on ``_id``: ``{"_id": stored_id(record.id), "level": 5}``.
    """
    if isinstance(id, ObjectId):
        return id
    return ObjectId(id) if ObjectId.is_valid(id) else id


def _versioned(update: dict[str, Any]) -> dict[str, Any]:
    """``update`` that also raises the document's version (unless it sets the version itself)."""
    if any(isinstance(fields, Mapping) and VERSION_FIELD in fields for fields in update.values()):
        return update
    increments = update.get("$inc")
    if increments is not None and not isinstance(increments, Mapping):
        return update  # malformed: let the server say so
    return {**update, "$inc": {**(increments or {}), VERSION_FIELD: 1}}


def _is_count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


_MISSING = object()


def _differs(document: Mapping[str, Any], key: str, value: Any) -> bool:
    """Whether storing ``value`` (in BSON form) under ``key`` changes the stored ``document``."""
    stored = document.get(key, _MISSING)
    return stored is _MISSING or type(stored) is not type(value) or stored != value


def _query(filters: Filters | None) -> dict[str, Any]:
    return to_bson_value(dict(filters)) if filters else {}


def _sort_keys(sort: Sort) -> list[tuple[str, int]]:
    keys: list[tuple[str, int]] = []
    for field, direction in sort:
        if direction not in (1, -1):
            raise ValueError(f"Sort direction of {field!r} must be 1 or -1, not {direction!r}")
        keys.append((field, int(direction)))
    if all(field != "_id" for field, _ in keys):
        keys.append(("_id", 1))
    return keys

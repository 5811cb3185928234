"""Transactions: several writes that happen all together or not at all.

An operation that writes more than one document runs them in a transaction, so
that no error (a conflict, a crash, a database that stops answering halfway)
leaves half of them written::

    from pulpo.data import atomically, repository

    async def catch(trainer_name: str, pokemon_name: str) -> Record[Pokemon]:
        async def work() -> Record[Pokemon]:
            pokemon = await repository(Pokemon).insert(Pokemon(name=pokemon_name))
            await repository(Trainer).update_where(
                {"name": trainer_name}, {"$push": {"team": pokemon.id}}
            )
            return pokemon

        return await atomically(work)

:func:`atomically` runs ``work`` in a transaction and commits it. When the transaction
loses a race with a concurrent one (MongoDB's ``TransientTransactionError``: a write
conflict), everything it did is rolled back and ``work`` runs again from the start, at
most ``attempts`` times, after a short random pause; so ``work`` must do nothing but
database calls that it can repeat. After the last attempt it raises
:class:`~pulpo.data.ConcurrentUpdate` (409). Any other error rolls the transaction
back and propagates: a :class:`~pulpo.errors.DomainError` as it is, a database that
stopped answering as :class:`~pulpo.errors.DatabaseUnavailable` (503; the commit, if
it was sent, either happened entirely or not at all).

``async with transaction():`` is the same for one attempt, for code that does not
want to be run again; a lost race raises :class:`~pulpo.data.ConcurrentUpdate`.

Every :class:`~pulpo.data.Repository` call made inside (in this task, or in tasks it
starts) joins the transaction: the session is held in a context variable, and the
calls take turns on it (a session does one thing at a time). A transaction started
inside another one joins the outer one, which alone commits or retries. Raw calls
on ``repository(...).collection`` join it only when given ``session=current_session()``.

A statement that fails inside a transaction aborts it on the server: catching the
error and carrying on cannot work. The next call raises :class:`TransactionAborted`
saying which statement failed; write code that expects a failure (an insert that may
meet a unique index) as an upsert instead, or outside the transaction.

Transactions need a replica set (a single-node one is enough): the Docker stack runs
MongoDB so, and :mod:`pulpo.run.database` starts its servers so.
"""

import asyncio
import inspect
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from pymongo.errors import PyMongoError

from pulpo.data.connection import current_client, database_errors, unavailable
from pulpo.errors import Conflict, PulpoError

P = ParamSpec("P")
R = TypeVar("R")

DEFAULT_ATTEMPTS = 20
"""How many times :func:`atomically` runs its work before a lost race becomes a 409."""

_BACKOFF_FIRST = 0.005  # seconds: the longest pause before the second attempt
_BACKOFF_LIMIT = 0.5  # seconds: no pause is longer


class ConcurrentUpdate(Conflict):
    """Concurrent writers kept winning the race for the same documents (HTTP 409).

    Raised after the bounded retries of :func:`atomically` and
    :meth:`~pulpo.data.Repository.modify`; nothing of the losing attempt was written.
    """


class TransactionAborted(PulpoError):
    """A statement failed inside a transaction and the code carried on regardless.

    MongoDB aborts a transaction when one of its statements fails, so nothing after
    it can be written. A bug in the operation (HTTP 500): see :mod:`pulpo.data.transactions`.
    """


@dataclass
class _Transaction:
    """The transaction of a block: its session, and what happened to it so far."""

    session: Any
    loop: asyncio.AbstractEventLoop
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    failure: PyMongoError | None = None  # the statement that failed, aborting it
    open: bool = True


_current: ContextVar[_Transaction | None] = ContextVar("pulpo_transaction", default=None)
# Transactions interrupted while the server was not answering are ended in the
# background, so the caller gets its 503 at once (strong references to the tasks).
_cleaning: set["asyncio.Task[None]"] = set()
_KILL_FIRST_PAUSE = 0.25  # seconds between attempts to reach the server again, doubling
_KILL_PAUSE_LIMIT = 5.0
_KILL_DEADLINE = 600.0  # seconds: then the server, if it ever answers, is left to drop it

logger = logging.getLogger(__name__)


def current_session() -> Any | None:
    """The driver session of the running transaction, or ``None`` outside one.

    Pass it as ``session=`` to raw driver calls (``repository(M).collection``) that
    must be part of the transaction; repository methods join it by themselves.
    """
    transaction = _current.get()
    return None if transaction is None else transaction.session


def in_transaction() -> bool:
    """Whether the running code is inside :func:`transaction` or :func:`atomically`."""
    return _current.get() is not None


@asynccontextmanager
async def statement() -> AsyncIterator[Any | None]:
    """One database call: the session to pass as ``session=``, ``None`` outside a transaction.

    Inside a transaction, calls take turns on its session, and a call after a failed
    one raises :class:`TransactionAborted` (or, when that failure was a lost race,
    that failure again, so that :func:`atomically` retries).
    """
    transaction = _current.get()
    if transaction is None:
        yield None
        return
    if asyncio.get_running_loop() is not transaction.loop:
        raise PulpoError("a transaction was used from another event loop than its own")
    async with transaction.turn:
        _check_usable(transaction)
        try:
            yield transaction.session
        except PyMongoError as error:
            transaction.failure = error
            raise


@asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """Run the block's repository calls as one transaction: committed at the end, or not at all.

    One attempt: a lost race raises :class:`ConcurrentUpdate` (409), a server that does
    not answer :class:`~pulpo.errors.DatabaseUnavailable` (503), and any other error is
    raised as it is, after the rollback. Inside another transaction, joins it.
    Prefer :func:`atomically`, which runs the work again after a lost race.
    """
    if _current.get() is not None:
        yield
        return
    state = await _begin()
    token = _current.set(state)
    try:
        try:
            yield
            if state.failure is not None:
                _raise_failure(state.failure)
        except BaseException as error:
            await _roll_back(state, error)
            if _lost_race(error):
                raise _lost(1) from error
            with database_errors():
                raise
        try:
            await _commit(state)
        except PyMongoError as error:
            if _lost_race(error):
                raise _lost(1) from error
            raise
    finally:
        _current.reset(token)


async def atomically(
    work: Callable[P, Awaitable[R]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """``await work(*args, **kwargs)`` in a transaction, run again when it loses a race.

    Commits what ``work`` wrote when it returns, and returns its result. A write
    conflict with a concurrent transaction rolls everything back and runs ``work``
    again, up to :data:`DEFAULT_ATTEMPTS` times (:func:`atomically_with` sets another
    bound), then raises :class:`ConcurrentUpdate` (409). Any other error rolls back and
    propagates. Inside another transaction, runs ``work`` once as part of it.
    """
    return await atomically_with(DEFAULT_ATTEMPTS, work, *args, **kwargs)


async def atomically_with(
    attempts: int,
    work: Callable[P, Awaitable[R]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """:func:`atomically` with at most ``attempts`` runs of ``work``."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    if _current.get() is not None:
        return await work(*args, **kwargs)
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            await asyncio.sleep(backoff(attempt))
        state = await _begin()
        token = _current.set(state)
        try:
            try:
                result = await work(*args, **kwargs)
                if state.failure is not None:  # swallowed by ``work``
                    _raise_failure(state.failure)
            except BaseException as error:
                await _roll_back(state, error)
                if not _lost_race(error):
                    with database_errors():
                        raise
                if attempt == attempts:
                    raise _lost(attempts) from error
                continue
            try:
                await _commit(state)
            except PyMongoError as error:
                if not _lost_race(error):
                    raise
                if attempt == attempts:
                    raise _lost(attempts) from error
                continue
            return result
        finally:
            _current.reset(token)
    raise AssertionError("unreachable: the last attempt returns or raises")


def backoff(attempt: int) -> float:
    """A random pause before attempt ``attempt`` (2, 3, ...): exponential, capped, jittered.

    Full jitter spreads writers that lost the same race, so they do not meet again.
    """
    return random.uniform(0, min(_BACKOFF_LIMIT, _BACKOFF_FIRST * 2 ** (attempt - 2)))  # noqa: S311


# --- the session's life ---------------------------------------------------------------------------


async def _begin() -> _Transaction:
    client = current_client()
    with database_errors():
        session = client.start_session()
        if inspect.isawaitable(session):  # Motor: a coroutine; PyMongo async: the session
            session = await session
        try:
            started = session.start_transaction()
            if inspect.isawaitable(started):  # PyMongo async
                await started
        except BaseException:
            await _end(session)
            raise
    return _Transaction(session=session, loop=asyncio.get_running_loop())


async def _commit(state: _Transaction) -> None:
    """Commit; the driver retries a commit whose result it does not know, once."""
    state.open = False
    try:
        await state.session.commit_transaction()
    except PyMongoError as error:
        if unavailable(error):
            # Committed or not, atomically: the server may still hold it open, though.
            _clean_up_in_background(state.session)
        else:
            await _end(state.session)
        with database_errors():
            raise
    await _end(state.session)


async def _roll_back(state: _Transaction, error: BaseException) -> None:
    """Abort the transaction; in the background when the server is not answering."""
    state.open = False
    cause = error.__cause__ if error.__cause__ is not None else error
    if unavailable(cause) or unavailable(error) or isinstance(error, asyncio.CancelledError):
        # The abort would wait for the same silent server: answer now, abort meanwhile.
        _clean_up_in_background(state.session)
        return
    await _abort_and_end(state.session)


def _clean_up_in_background(session: Any) -> None:
    """End a transaction the server may still hold open, without making anybody wait.

    The abort may never reach a server that stopped answering, and a transaction left
    open there keeps its documents from every other writer until the server drops it
    (SecantusDB never does). So once the server answers again, its session is killed,
    which aborts whatever it still has open; the driver never reuses that session.
    """
    _never_reuse(session)
    task = asyncio.get_running_loop().create_task(_abort_and_kill(session))
    _cleaning.add(task)
    task.add_done_callback(_cleaning.discard)


async def _abort_and_kill(session: Any) -> None:
    session_id = session.session_id
    client = session.client
    await _abort_and_end(session)
    deadline = asyncio.get_running_loop().time() + _KILL_DEADLINE
    pause = _KILL_FIRST_PAUSE
    while True:
        try:
            await client.admin.command("killSessions", [session_id])
            return
        except PyMongoError as error:
            if not unavailable(error) or asyncio.get_running_loop().time() > deadline:
                # Closed client, or a server gone for good: its transaction died with it,
                # or the server drops it after its lifetime.
                logger.warning("Could not end an interrupted transaction: %s", _gist(error))
                return
        await asyncio.sleep(pause)
        pause = min(pause * 2, _KILL_PAUSE_LIMIT)


async def _abort_and_end(session: Any) -> None:
    try:
        if session.in_transaction:
            await session.abort_transaction()  # the driver ignores the server's errors
    except PyMongoError as error:  # the client's own (closed): the server drops it later
        logger.warning("Could not abort a transaction: %s", _gist(error))
    await _end(session)


async def _end(session: Any) -> None:
    ended = session.end_session()
    if inspect.isawaitable(ended):
        await ended


def _never_reuse(session: Any) -> None:
    """Keep the driver from handing this session to anybody else (it may be killed)."""
    delegate = getattr(session, "delegate", session)  # Motor wraps PyMongo's session
    server_session = getattr(delegate, "_server_session", None)
    mark_dirty = getattr(server_session, "mark_dirty", None)
    if mark_dirty is not None:
        mark_dirty()


# --- what went wrong ------------------------------------------------------------------------------


def _lost_race(error: BaseException) -> bool:
    """A conflict with a concurrent writer, worth running the transaction again for.

    A server that does not answer is not one: retrying would only wait longer.
    """
    cause = error.__cause__ if isinstance(error, PulpoError) else error
    return (
        isinstance(cause, PyMongoError)
        and cause.has_error_label("TransientTransactionError")
        and not unavailable(cause)
    )


def _check_usable(transaction: _Transaction) -> None:
    if not transaction.open:
        raise TransactionAborted(
            "a repository call came after its transaction ended: "
            "await everything the transaction does before it returns"
        )
    if transaction.failure is not None:
        _raise_failure(transaction.failure)


def _raise_failure(failure: PyMongoError) -> None:
    """Raise what a failed statement means for the rest of its transaction."""
    if _lost_race(failure):
        raise failure  # atomically() runs the work again
    with database_errors():
        if unavailable(failure):
            raise failure
    raise TransactionAborted(
        f"a statement failed inside a transaction, which aborted it ({_gist(failure)}); "
        "nothing after it can be written: write it as an upsert, or outside the transaction"
    ) from failure


def _lost(attempts: int) -> ConcurrentUpdate:
    tries = "once" if attempts == 1 else f"{attempts} times"
    return ConcurrentUpdate(
        f"Concurrent requests changed the same data; this one lost the race {tries} "
        "and changed nothing: try again"
    )


def _gist(error: PyMongoError) -> str:
    text = str(error).split(", full error:", 1)[0].strip()
    return text[:200] or type(error).__name__

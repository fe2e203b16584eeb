"""Applying many items in bounded batches, each in a savepoint, holding back what is refused.

A batch is flushed in one savepoint; if the database refuses it (a value it cannot store, a
constraint), the batch is rolled back to the savepoint, the caller's state restored, and its
items applied again one by one: the one still refused is handed to ``hold`` and the rest are
kept. A lost connection or a full disk is not a refusal: it propagates, and the whole store
step is retried by the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError, StatementError
from sqlalchemy.orm import Session

T = TypeVar("T")


class Restorable(Protocol):
    """State in Python beside the session's, rolled back with a refused savepoint."""

    def snapshot(self) -> Any: ...

    def restore(self, mark: Any) -> None: ...


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, max(size, 1))):
        yield batch


def refused(exc: StatementError) -> bool:
    """Whether the database refused the data, rather than lost its connection or its disk."""
    if isinstance(exc, OperationalError | InterfaceError):
        return False
    return not getattr(exc, "connection_invalidated", False)


def _in_savepoint(
    session: Session, items: list[T], apply_one: Callable[[T], None], state: Restorable
) -> StatementError | None:
    mark = state.snapshot()
    try:
        with session.begin_nested():
            for item in items:
                apply_one(item)
            session.flush()
    except StatementError as exc:
        if not refused(exc):
            raise
        state.restore(mark)
        return exc
    return None


def apply_in_batches(
    session: Session,
    items: Iterable[T],
    size: int,
    apply_one: Callable[[T], None],
    state: Restorable,
    hold: Callable[[T, StatementError], None],
) -> None:
    """Apply ``items`` with ``apply_one``, ``size`` per savepoint; ``hold`` each refused one."""
    for batch in batches(items, size):
        if _in_savepoint(session, batch, apply_one, state) is None:
            continue
        for item in batch:
            error = _in_savepoint(session, [item], apply_one, state)
            if error is not None:
                hold(item, error)
                session.flush()

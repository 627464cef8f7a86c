"""Every entry a list shows, in the list's order, read in batches: what a CSV export sends.

``ExportCursor`` reads one statement from a session of its own, opened at the first
batch and closed after the last (or by ``close``, when the client went away):
``yield_per`` makes the driver hand over ``BATCH_ROWS`` rows at a time (on
PostgreSQL from a server-side cursor; SQLite's cursor steps through the result as it
is fetched), so no more than a batch is held, whatever the number of entries. The
rows are plain columns (no ORM objects), the project's, client's, service's and
user's names joined in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from nlentry.storage.models import Client, Project, Service, TimeEntry, User
from nlentry.storage.queries.entries import DEFAULT_SORT, EntryFilter
from nlentry.storage.queries.entries import _conditions as entry_conditions
from nlentry.storage.queries.entries import _order as entry_order

#: Rows fetched from the database at a time.
BATCH_ROWS = 1000


def export_statement(session: Session, user_id: int, where: EntryFilter, *,
                     sort: str | None = None, workspace_id: int | None = None) -> Select:  # fmt: skip
    """The entries ``list_entries`` would list (all its pages), as rows of columns."""
    return (
        select(
            TimeEntry.id, TimeEntry.date, TimeEntry.start_time, TimeEntry.end_time,
            TimeEntry.duration, TimeEntry.timer_started_at, TimeEntry.description,
            TimeEntry.body, TimeEntry.billable, TimeEntry.tags, TimeEntry.created_at,
            TimeEntry.updated_at, Project.name.label("project"), Client.name.label("client"),
            Service.name.label("service"), TimeEntry.user_id, User.display_name.label("user"),
        )
        .select_from(TimeEntry)
        .outerjoin(Project, Project.id == TimeEntry.project_id)
        .outerjoin(Client, Client.id == Project.client_id)
        .outerjoin(Service, Service.id == TimeEntry.service_id)
        .join(User, User.id == TimeEntry.user_id)
        .where(*entry_conditions(session, user_id, where, workspace_id))
        .order_by(*entry_order(sort or DEFAULT_SORT))
    )


class ExportCursor:
    """The rows of one statement, a batch at a time, from a read session of its own.

    ``open_session`` makes the session (``Database.read``), ``build`` the statement
    from it. Not thread-safe: one caller at a time (batches may come from different
    threads, one after the other).
    """

    def __init__(self, open_session: Callable[[], Session], build: Callable[[Session], Select],
                 batch_rows: int | None = None):  # fmt: skip
        self._open_session = open_session
        self._build = build
        self._batch_rows = batch_rows or BATCH_ROWS
        self._session: Session | None = None
        self._batches: Iterator[Sequence[Row[Any]]] | None = None
        self._result: Any = None
        self.done = False

    def next_batch(self) -> Sequence[Row[Any]]:
        """The next rows; empty once all were read (and the session is closed then)."""
        if self.done:
            return []
        try:
            if self._batches is None:
                self._session = self._open_session()
                statement = self._build(self._session)
                self._result = self._session.execute(
                    statement.execution_options(yield_per=self._batch_rows)
                )
                self._batches = self._result.partitions(self._batch_rows)
            rows = next(self._batches, None)
        except BaseException:
            self.close()
            raise
        if rows is None:
            self.close()
            return []
        return rows

    def close(self) -> None:
        """End the read (its transaction and session); again does nothing."""
        self.done = True
        result, session = self._result, self._session
        self._result = self._session = self._batches = None
        with contextlib.suppress(Exception):  # a connection gone bad is discarded by the pool
            if result is not None:
                result.close()
        if session is not None:
            session.close()

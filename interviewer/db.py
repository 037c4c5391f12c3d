"""What the store needs from a database: connections that run `?`-placeholder SQL, transactions,
a per-session row lock, ordered migrations. SQLite (db_sqlite.py) and PostgreSQL (db_postgres.py)
provide it; interviewer/store.py holds the queries, written once for both."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol


class StoreError(RuntimeError):
    pass


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor: ...


class Database(Protocol):
    location: str  # the file path, or the URL without its password: safe to show
    path: Path | None  # the SQLite file; None for a server database
    sessions_order: str  # the insertion-order column used to break created_at ties

    def transaction(self) -> AbstractContextManager[Connection]: ...

    def reading(self) -> AbstractContextManager[Connection]: ...

    def lock_session(self, connection: Connection, session_id: str) -> bool:
        """Within a transaction: True when the session exists, and hold writers to it off until
        the transaction ends (so per-session turn indexes stay consecutive)."""
        ...

    def schema_version(self) -> int: ...

    def migrate(self) -> None: ...

    def close(self) -> None: ...

"""SQLite: one file, WAL, one connection per thread (sqlite3 connections must not cross threads);
writers take the write lock up front (BEGIN IMMEDIATE), so every write transaction is serial."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from interviewer.db import Connection, StoreError

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        case_id TEXT NOT NULL,
        level TEXT NOT NULL,
        backend TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active',
        created_at TEXT NOT NULL,
        duration_s REAL
    );
    CREATE TABLE turns (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        idx INTEGER NOT NULL,
        role TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        at_s REAL NOT NULL,
        phase TEXT NOT NULL,
        criterion TEXT,
        follow_up INTEGER,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (session_id, idx)
    );
    CREATE TABLE scorecards (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at TEXT NOT NULL,
        card TEXT NOT NULL
    );
    CREATE INDEX scorecards_by_session ON scorecards(session_id);
    """,
    # 2: time extensions granted during a round (limits must be adjustable)
    "ALTER TABLE sessions ADD COLUMN time_extension_s REAL NOT NULL DEFAULT 0;",
    # 3: pause / resume (the round clock position while paused, NULL when running) and the
    # candidate's notes / diagram pad, append-only so no version of what they typed is lost
    """
    ALTER TABLE sessions ADD COLUMN paused_at_s REAL;
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX notes_by_session ON notes(session_id);
    """,
    # 4: spoken answers, stored as received before transcription; linked to the turn they became
    """
    CREATE TABLE recordings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        turn_index INTEGER,
        mime TEXT NOT NULL,
        audio BLOB NOT NULL,
        transcript_json TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX recordings_by_session ON recordings(session_id);
    """,
    # 5: every session belongs to a user; 'local' is the single user of a machine without sign-in
    """
    ALTER TABLE sessions ADD COLUMN user_id TEXT NOT NULL DEFAULT 'local';
    CREATE INDEX sessions_by_user ON sessions(user_id, created_at);
    """,
    # 6: extra time per phase (+5 min goes to the phase being worked on; the old per-session column
    # stays and still goes to the last phase) and discarded rounds (kept, hidden from the history)
    """
    CREATE TABLE phase_extensions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        phase TEXT NOT NULL,
        seconds REAL NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX phase_extensions_by_session ON phase_extensions(session_id);
    ALTER TABLE sessions ADD COLUMN discarded_at TEXT;
    """,
)


def _enable_wal(connection: sqlite3.Connection, attempts: int = 100) -> None:
    """Switch to WAL. Changing the journal mode does not wait on the busy handler, so when several
    processes open a new file at once, retry briefly instead of failing."""
    for attempt in range(attempts):
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


class SqliteDatabase:
    sessions_order = "rowid"

    def __init__(self, path: Path) -> None:
        self.path: Path | None = path
        self.location = str(path)
        self._file = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot create the folder for the database {path}: {error.strerror}; "
                "pass --db or set INTERVIEWER_DB to a writable path"
            ) from error
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = sqlite3.connect(self._file, timeout=30, isolation_level=None)
                _enable_wal(connection)
                connection.execute("PRAGMA foreign_keys=ON")
                connection.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error as error:
                raise StoreError(f"cannot open the database {self._file}: {error}") from error
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        connection = self.connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield connection
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise StoreError(f"database {self._file}: {error}") from error
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        try:
            yield self.connection()
        except sqlite3.Error as error:
            raise StoreError(f"database {self._file}: {error}") from error

    def lock_session(self, connection: Connection, session_id: str) -> bool:
        # BEGIN IMMEDIATE already holds the database's write lock
        return connection.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is not None

    def schema_version(self) -> int:
        with self.reading() as connection:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        with self.transaction() as connection:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

"""PostgreSQL through psycopg 3 with a connection pool, for several app processes on one database.

Same numbered migrations as SQLite (the statements side by side, per dialect), recorded in a
schema_version table; a transaction-scoped advisory lock lets only one process migrate at a time.
Writers to one session serialise on its row (SELECT ... FOR UPDATE).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import conninfo as pg_conninfo
from psycopg_pool import ConnectionPool

from interviewer.db import Connection, Cursor, StoreError
from interviewer.db_sqlite import MIGRATIONS as SQLITE_MIGRATIONS

URL_SCHEMES = ("postgresql", "postgres")
URL_FORM = "postgresql://USER:PASSWORD@HOST:5432/DATABASE"

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema (seq: insertion order, as SQLite's rowid)
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        seq BIGSERIAL NOT NULL,
        case_id TEXT NOT NULL,
        level TEXT NOT NULL,
        backend TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active',
        created_at TEXT NOT NULL,
        duration_s DOUBLE PRECISION
    );
    CREATE TABLE turns (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        idx INTEGER NOT NULL,
        role TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        at_s DOUBLE PRECISION NOT NULL,
        phase TEXT NOT NULL,
        criterion TEXT,
        follow_up INTEGER,
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (session_id, idx)
    );
    CREATE TABLE scorecards (
        id BIGSERIAL PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at TEXT NOT NULL,
        card TEXT NOT NULL
    );
    CREATE INDEX scorecards_by_session ON scorecards(session_id);
    """,
    # 2: time extensions
    "ALTER TABLE sessions ADD COLUMN time_extension_s DOUBLE PRECISION NOT NULL DEFAULT 0;",
    # 3: pause / resume and the notes pad
    """
    ALTER TABLE sessions ADD COLUMN paused_at_s DOUBLE PRECISION;
    CREATE TABLE notes (
        id BIGSERIAL PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        created_at TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX notes_by_session ON notes(session_id);
    """,
    # 4: recordings of spoken answers
    """
    CREATE TABLE recordings (
        id BIGSERIAL PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        turn_index INTEGER,
        mime TEXT NOT NULL,
        audio BYTEA NOT NULL,
        transcript_json TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX recordings_by_session ON recordings(session_id);
    """,
    # 5: sessions per user
    """
    ALTER TABLE sessions ADD COLUMN user_id TEXT NOT NULL DEFAULT 'local';
    CREATE INDEX sessions_by_user ON sessions(user_id, created_at);
    """,
    # 6: extra time per phase; discarded rounds
    """
    CREATE TABLE phase_extensions (
        id BIGSERIAL PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        phase TEXT NOT NULL,
        seconds DOUBLE PRECISION NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX phase_extensions_by_session ON phase_extensions(session_id);
    ALTER TABLE sessions ADD COLUMN discarded_at TEXT;
    """,
)
assert len(MIGRATIONS) == len(SQLITE_MIGRATIONS), "every migration needs both dialects"


def is_postgres_url(location: str) -> bool:
    return urlsplit(location).scheme in URL_SCHEMES


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, safe for messages and pages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user_part, _, host_part = netloc.rpartition("@")
        netloc = f"{user_part.split(':', 1)[0]}:***@{host_part}"
    query = urlencode(
        [(key, "***" if key == "password" else value) for key, value in parse_qsl(parts.query)], safe="*"
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _secrets(url: str) -> list[str]:
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    return found + [value for key, value in parse_qsl(parts.query) if key == "password" and value]


class _PgConnection:
    """A psycopg connection that takes the store's `?` placeholders (the SQL has no literal ?)."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor:
        return self._connection.execute(sql.replace("?", "%s"), params)


class PostgresDatabase:
    sessions_order = "seq"

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.path: Path | None = None
        self.location = redact_url(url)
        self._secrets = _secrets(url)
        try:
            options = pg_conninfo.conninfo_to_dict(url)
        except psycopg.Error as error:
            raise StoreError(
                f"database URL {self.location} is not valid: {self._safe(error)}; the form is {URL_FORM}"
            ) from error
        conninfo = pg_conninfo.make_conninfo(url, connect_timeout=options.get("connect_timeout") or 10)
        try:  # one plain connection first: a wrong URL fails here at once, with a clear message
            psycopg.connect(conninfo).close()
        except psycopg.Error as error:
            raise StoreError(
                f"cannot connect to PostgreSQL at {self.location}: {self._safe(error)}; check the "
                f"host, port, user, password and database in DATABASE_URL ({URL_FORM}) and that the "
                "server is running"
            ) from error
        self._pool = ConnectionPool(
            conninfo, min_size=1, max_size=pool_size, open=True, timeout=30,
            check=ConnectionPool.check_connection, name="interviewer-store",
        )

    def _safe(self, error: BaseException) -> str:
        text = str(error).strip()
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        try:
            with self._pool.connection() as connection:  # commits on success, rolls back on error
                yield _PgConnection(connection)
        except psycopg.Error as error:
            raise StoreError(f"database {self.location}: {self._safe(error)}") from error

    reading = transaction

    def lock_session(self, connection: Connection, session_id: str) -> bool:
        row = connection.execute("SELECT 1 FROM sessions WHERE id = ? FOR UPDATE", (session_id,)).fetchone()
        return row is not None

    def schema_version(self) -> int:
        with self.reading() as connection:
            exists = connection.execute("SELECT to_regclass('schema_version')").fetchone()[0]
            if exists is None:
                return 0
            row = connection.execute("SELECT version FROM schema_version").fetchone()
            return int(row[0]) if row else 0

    def migrate(self) -> None:
        with self.transaction() as connection:
            connection.execute("SELECT pg_advisory_xact_lock(hashtext('interviewer:' || current_schema()))")
            connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = connection.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                connection.execute("INSERT INTO schema_version (version) VALUES (0)")
            version = int(row[0]) if row else 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    connection.execute(statement)
                connection.execute("UPDATE schema_version SET version = ?", (number,))

    def close(self) -> None:
        self._pool.close()

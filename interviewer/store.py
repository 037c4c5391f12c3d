"""SQLite store: sessions, append-only turns, score cards as JSON; ordered migrations; WAL mode.

One connection per thread (sqlite3 connections must not cross threads); every write commits at
once, so a turn is on disk before anything else happens to it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir

from interviewer.models import Level, ScoreCard, SessionInfo, Turn

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
)


@dataclass(frozen=True)
class Recording:
    id: int
    session_id: str
    turn_index: int | None
    mime: str
    audio: bytes
    transcript_json: str
    created_at: str


class StoreError(RuntimeError):
    pass


def default_db_path() -> Path:
    configured = os.environ.get("INTERVIEWER_DB")
    if configured:
        return Path(configured).expanduser()
    return Path(user_data_dir("mock-interviewer", appauthor=False)) / "interviews.sqlite3"


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path).expanduser() if path else default_db_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(
                f"cannot create the folder for the database {self.path}: {error.strerror}; "
                "pass --db or set INTERVIEWER_DB to a writable path"
            ) from error
        self._local = threading.local()
        self.migrate()

    # -- connections ------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                _enable_wal(connection)
                connection.execute("PRAGMA foreign_keys=ON")
                connection.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error as error:
                raise StoreError(f"cannot open the database {self.path}: {error}") from error
            self._local.connection = connection
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield connection
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise StoreError(f"database {self.path}: {error}") from error
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # -- migrations -------------------------------------------------------------------------------

    def schema_version(self) -> int:
        row = self._connection().execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def migrate(self) -> None:
        with self._transaction() as connection:
            version = int(connection.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")

    # -- sessions ---------------------------------------------------------------------------------

    def create_session(self, case_id: str, level: Level, backend: str) -> SessionInfo:
        session_id = uuid.uuid4().hex[:12]
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO sessions (id, case_id, level, backend, created_at) VALUES (?,?,?,?,?)",
                (session_id, case_id, level, backend, _now()),
            )
        return self.session(session_id)

    def session(self, session_id: str) -> SessionInfo:
        row = self._connection().execute(
            "SELECT id, case_id, level, backend, status, created_at, duration_s FROM sessions "
            "WHERE id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise KeyError(f"no session {session_id!r} in {self.path}")
        return _session_info(row)

    def sessions(self, limit: int = 500) -> list[SessionInfo]:
        rows = self._connection().execute(
            "SELECT id, case_id, level, backend, status, created_at, duration_s FROM sessions "
            "ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [_session_info(row) for row in rows]

    def finish_session(self, session_id: str, duration_s: float) -> None:
        with self._transaction() as connection:
            connection.execute(
                "UPDATE sessions SET status = 'finished', duration_s = ? WHERE id = ?",
                (duration_s, session_id),
            )

    def time_extension_s(self, session_id: str) -> float:
        row = self._connection().execute(
            "SELECT time_extension_s FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return float(row[0]) if row else 0.0

    def extend_time(self, session_id: str, seconds: float) -> None:
        with self._transaction() as connection:
            connection.execute(
                "UPDATE sessions SET time_extension_s = time_extension_s + ? WHERE id = ?",
                (seconds, session_id),
            )

    def paused_at_s(self, session_id: str) -> float | None:
        """Where the round clock stands while the session is paused; None when it runs."""
        row = self._connection().execute(
            "SELECT paused_at_s FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def set_paused(self, session_id: str, at_s: float | None) -> None:
        with self._transaction() as connection:
            connection.execute(
                "UPDATE sessions SET paused_at_s = ? WHERE id = ?", (at_s, session_id)
            )

    # -- notes / diagram pad ----------------------------------------------------------------------

    def save_notes(self, session_id: str, text: str) -> bool:
        """Store a new version of the pad when it changed; True when something was written."""
        with self._transaction() as connection:
            row = connection.execute(
                "SELECT text FROM notes WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session_id,)
            ).fetchone()
            if (row[0] if row else "") == text:
                return False
            connection.execute(
                "INSERT INTO notes (session_id, created_at, text) VALUES (?,?,?)",
                (session_id, _now(), text),
            )
        return True

    def notes(self, session_id: str) -> str:
        row = self._connection().execute(
            "SELECT text FROM notes WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session_id,)
        ).fetchone()
        return str(row[0]) if row else ""

    # -- turns ------------------------------------------------------------------------------------

    def append_turn(self, session_id: str, turn: Turn) -> Turn:
        """Store a turn at the next index (the given index is ignored) and return it as stored."""
        with self._transaction() as connection:
            row = connection.execute(
                "SELECT COALESCE(MAX(idx) + 1, 0) FROM turns WHERE session_id = ?", (session_id,)
            ).fetchone()
            stored = turn.model_copy(update={"index": int(row[0])})
            connection.execute(
                "INSERT INTO turns (session_id, idx, role, kind, text, at_s, phase, criterion, "
                "follow_up, source, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    session_id,
                    stored.index,
                    stored.role,
                    stored.kind,
                    stored.text,
                    stored.at_s,
                    stored.phase,
                    stored.criterion,
                    stored.follow_up,
                    stored.source,
                    _now(),
                ),
            )
        return stored

    def turns(self, session_id: str) -> list[Turn]:
        rows = self._connection().execute(
            "SELECT idx, role, kind, text, at_s, phase, criterion, follow_up, source FROM turns "
            "WHERE session_id = ? ORDER BY idx",
            (session_id,),
        ).fetchall()
        return [
            Turn(index=r[0], role=r[1], kind=r[2], text=r[3], at_s=r[4], phase=r[5],
                 criterion=r[6], follow_up=r[7], source=r[8])
            for r in rows
        ]

    # -- recordings -------------------------------------------------------------------------------

    def save_recording(self, session_id: str, audio: bytes, mime: str) -> int:
        """Store a spoken answer as received; returns its id."""
        with self._transaction() as connection:
            self._require_session(connection, session_id)
            row = connection.execute(
                "INSERT INTO recordings (session_id, mime, audio, created_at) VALUES (?,?,?,?) "
                "RETURNING id",
                (session_id, mime, audio, _now()),
            ).fetchone()
        return int(row[0])

    def set_recording_transcript(self, recording_id: int, transcript_json: str) -> None:
        self._update_recording(recording_id, "transcript_json", transcript_json)

    def attach_recording(self, recording_id: int, turn_index: int) -> None:
        """Link a recording to the turn its transcript was sent as."""
        self._update_recording(recording_id, "turn_index", turn_index)

    def _update_recording(self, recording_id: int, column: str, value: str | int) -> None:
        with self._transaction() as connection:
            updated = connection.execute(
                f"UPDATE recordings SET {column} = ? WHERE id = ?", (value, recording_id)
            ).rowcount
            if updated == 0:
                raise KeyError(f"no recording {recording_id!r} in {self.path}")

    def recordings(self, session_id: str) -> list[Recording]:
        connection = self._connection()
        self._require_session(connection, session_id)
        rows = connection.execute(
            "SELECT id, session_id, turn_index, mime, audio, transcript_json, created_at "
            "FROM recordings WHERE session_id = ? ORDER BY id",
            (session_id,),
        ).fetchall()
        return [
            Recording(id=r[0], session_id=r[1], turn_index=r[2], mime=r[3], audio=bytes(r[4]),
                      transcript_json=r[5], created_at=r[6])
            for r in rows
        ]

    def _require_session(self, connection: sqlite3.Connection, session_id: str) -> None:
        row = connection.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise KeyError(f"no session {session_id!r} in {self.path}")

    # -- score cards ------------------------------------------------------------------------------

    def save_scorecard(self, session_id: str, card: ScoreCard) -> None:
        with self._transaction() as connection:
            connection.execute(
                "INSERT INTO scorecards (session_id, created_at, card) VALUES (?,?,?)",
                (session_id, _now(), card.model_dump_json()),
            )

    def scorecard(self, session_id: str) -> ScoreCard | None:
        row = self._connection().execute(
            "SELECT card FROM scorecards WHERE session_id = ? ORDER BY id DESC LIMIT 1",
            (session_id,),
        ).fetchone()
        return ScoreCard.model_validate(json.loads(row[0])) if row else None


def _session_info(row: tuple) -> SessionInfo:  # type: ignore[type-arg]
    return SessionInfo(
        id=row[0], case_id=row[1], level=row[2], backend=row[3], status=row[4],
        created_at=row[5], duration_s=row[6],
    )

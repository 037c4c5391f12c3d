"""The store: sessions, append-only turns, notes, recordings, score cards as JSON; ordered migrations.

SQLite by default (a file, WAL; interviewer/db_sqlite.py); PostgreSQL when given a postgresql:// URL,
as DATABASE_URL for a team deployment with several app processes (interviewer/db_postgres.py). The
queries are written once here. Every write commits at once, so a turn is stored before anything
else happens to it.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platformdirs import user_data_dir

from interviewer.db import Connection, Database, StoreError
from interviewer.db_sqlite import MIGRATIONS, SqliteDatabase
from interviewer.models import Level, ScoreCard, SessionInfo, Turn

__all__ = ["LOCAL_USER", "MIGRATIONS", "Recording", "Store", "StoreError", "configured_location",
           "default_db_path"]

LOCAL_USER = "local"  # the one user of an app without sign-in
SESSION_COLUMNS = "id, case_id, level, backend, status, created_at, duration_s, user_id"


@dataclass(frozen=True)
class Recording:
    id: int
    session_id: str
    turn_index: int | None
    mime: str
    audio: bytes
    transcript_json: str
    created_at: str


def default_db_path() -> Path:
    configured = os.environ.get("INTERVIEWER_DB")
    if configured:
        return Path(configured).expanduser()
    return Path(user_data_dir("mock-interviewer", appauthor=False)) / "interviews.sqlite3"


def configured_location() -> str:
    """Where the store lives when nothing is passed: DATABASE_URL, else the SQLite file."""
    return os.environ.get("DATABASE_URL", "").strip() or str(default_db_path())


def open_database(location: Path | str | None = None) -> Database:
    target = str(location) if location else configured_location()
    if "://" not in target:
        return SqliteDatabase(Path(target).expanduser())
    scheme = urlsplit(target).scheme
    if scheme not in ("postgresql", "postgres"):
        raise StoreError(
            f"database URL scheme {scheme!r} is not supported: give a PostgreSQL URL "
            "(postgresql://USER:PASSWORD@HOST:5432/DATABASE) in DATABASE_URL, or unset DATABASE_URL "
            "and give a SQLite file path with --db or INTERVIEWER_DB"
        )
    from interviewer.db_postgres import PostgresDatabase  # psycopg is needed only for PostgreSQL

    return PostgresDatabase(target)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    def __init__(self, location: Path | str | None = None) -> None:
        """location: a SQLite file path or a postgresql:// URL; by default DATABASE_URL, else
        INTERVIEWER_DB, else a file in the user data folder."""
        self._db = open_database(location)
        self.location = self._db.location  # safe to show: a URL's password is masked
        self.path = self._db.path  # the SQLite file; None on PostgreSQL
        self.migrate()

    def close(self) -> None:
        self._db.close()

    # -- migrations -------------------------------------------------------------------------------

    def schema_version(self) -> int:
        return self._db.schema_version()

    def migrate(self) -> None:
        self._db.migrate()

    # -- sessions ---------------------------------------------------------------------------------

    def create_session(
        self, case_id: str, level: Level, backend: str, user_id: str = LOCAL_USER
    ) -> SessionInfo:
        if not user_id.strip():
            raise ValueError("user_id must not be empty: pass the signed-in user's id, or 'local'")
        session_id = uuid.uuid4().hex[:12]
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO sessions (id, case_id, level, backend, created_at, user_id) "
                "VALUES (?,?,?,?,?,?)",
                (session_id, case_id, level, backend, _now(), user_id),
            )
        return self.session(session_id)

    def session(self, session_id: str) -> SessionInfo:
        with self._db.reading() as connection:
            row = connection.execute(
                f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        if row is None:
            raise KeyError(f"no session {session_id!r} in {self.location}")
        return _session_info(row)

    def sessions(
        self, limit: int = 500, user_id: str | None = None, include_discarded: bool = False
    ) -> list[SessionInfo]:
        """The newest first; only user_id's when given; discarded rounds only when asked for."""
        conditions = ([] if include_discarded else ["discarded_at IS NULL"]) + (
            ["user_id = ?"] if user_id is not None else [])
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        params = (user_id, limit) if user_id is not None else (limit,)
        with self._db.reading() as connection:
            rows = connection.execute(
                f"SELECT {SESSION_COLUMNS} FROM sessions {where}"
                f"ORDER BY created_at DESC, {self._db.sessions_order} DESC LIMIT ?",
                params,
            ).fetchall()
        return [_session_info(row) for row in rows]

    def finish_session(self, session_id: str, duration_s: float) -> None:
        with self._db.transaction() as connection:
            connection.execute(
                "UPDATE sessions SET status = 'finished', duration_s = ? WHERE id = ?",
                (duration_s, session_id),
            )

    def time_extension_s(self, session_id: str) -> float:
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT time_extension_s FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        return float(row[0]) if row else 0.0

    def extend_time(self, session_id: str, seconds: float) -> None:
        with self._db.transaction() as connection:
            connection.execute(
                "UPDATE sessions SET time_extension_s = time_extension_s + ? WHERE id = ?",
                (seconds, session_id),
            )

    def extend_phase(self, session_id: str, phase: str, seconds: float) -> None:
        """Extra time for one phase of the round (its budget, and so the round's, grows)."""
        with self._db.transaction() as connection:
            self._require_session(connection, session_id)
            connection.execute(
                "INSERT INTO phase_extensions (session_id, phase, seconds, created_at) VALUES (?,?,?,?)",
                (session_id, phase, seconds, _now()),
            )

    def phase_extensions(self, session_id: str) -> dict[str, float]:
        """Extra seconds granted per phase id (phases without any are left out)."""
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT phase, SUM(seconds) FROM phase_extensions WHERE session_id = ? GROUP BY phase",
                (session_id,),
            ).fetchall()
        return {str(r[0]): float(r[1]) for r in rows}

    def discard_session(self, session_id: str) -> None:
        """Hide a round from the history and progress (its rows stay: nothing is deleted)."""
        with self._db.transaction() as connection:
            self._require_session(connection, session_id)
            connection.execute(
                "UPDATE sessions SET discarded_at = ? WHERE id = ? AND discarded_at IS NULL",
                (_now(), session_id),
            )

    def is_discarded(self, session_id: str) -> bool:
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT discarded_at FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        return bool(row and row[0])

    def paused_at_s(self, session_id: str) -> float | None:
        """Where the round clock stands while the session is paused; None when it runs."""
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT paused_at_s FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def set_paused(self, session_id: str, at_s: float | None) -> None:
        with self._db.transaction() as connection:
            connection.execute("UPDATE sessions SET paused_at_s = ? WHERE id = ?", (at_s, session_id))

    # -- notes / diagram pad ----------------------------------------------------------------------

    def save_notes(self, session_id: str, text: str) -> bool:
        """Store a new version of the pad when it changed; True when something was written."""
        with self._db.transaction() as connection:
            self._db.lock_session(connection, session_id)
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
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT text FROM notes WHERE session_id = ? ORDER BY id DESC LIMIT 1", (session_id,)
            ).fetchone()
        return str(row[0]) if row else ""

    # -- turns ------------------------------------------------------------------------------------

    def append_turn(self, session_id: str, turn: Turn) -> Turn:
        """Store a turn at the next index (the given index is ignored) and return it as stored."""
        with self._db.transaction() as connection:
            self._db.lock_session(connection, session_id)  # an unknown session fails on its foreign key
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
        with self._db.reading() as connection:
            rows = connection.execute(
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
        with self._db.transaction() as connection:
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
        with self._db.transaction() as connection:
            updated = connection.execute(
                f"UPDATE recordings SET {column} = ? WHERE id = ?", (value, recording_id)
            ).rowcount
            if updated == 0:
                raise KeyError(f"no recording {recording_id!r} in {self.location}")

    def recordings(self, session_id: str) -> list[Recording]:
        return self._recordings("session_id = ?", (session_id,), session_id)

    def recording(self, session_id: str, recording_id: int) -> Recording:
        """One recording of the session (reading only its own audio); KeyError when there is none."""
        found = self._recordings("session_id = ? AND id = ?", (session_id, recording_id), session_id)
        if not found:
            raise KeyError(f"no recording {recording_id} in session {session_id}")
        return found[0]

    def _recordings(self, where: str, values: tuple[object, ...], session_id: str) -> list[Recording]:
        with self._db.reading() as connection:
            self._require_session(connection, session_id)
            rows = connection.execute(
                "SELECT id, session_id, turn_index, mime, audio, transcript_json, created_at "
                f"FROM recordings WHERE {where} ORDER BY id",
                values,
            ).fetchall()
        return [
            Recording(id=r[0], session_id=r[1], turn_index=r[2], mime=r[3], audio=bytes(r[4]),
                      transcript_json=r[5], created_at=r[6])
            for r in rows
        ]

    def _require_session(self, connection: Connection, session_id: str) -> None:
        row = connection.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise KeyError(f"no session {session_id!r} in {self.location}")

    # -- score cards ------------------------------------------------------------------------------

    def save_scorecard(self, session_id: str, card: ScoreCard) -> None:
        with self._db.transaction() as connection:
            connection.execute(
                "INSERT INTO scorecards (session_id, created_at, card) VALUES (?,?,?)",
                (session_id, _now(), card.model_dump_json()),
            )

    def scorecard(self, session_id: str) -> ScoreCard | None:
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT card FROM scorecards WHERE session_id = ? ORDER BY id DESC LIMIT 1",
                (session_id,),
            ).fetchone()
        return ScoreCard.model_validate(json.loads(row[0])) if row else None


def _session_info(row: Any) -> SessionInfo:
    return SessionInfo(
        id=row[0], case_id=row[1], level=row[2], backend=row[3], status=row[4],
        created_at=row[5], duration_s=row[6], user_id=row[7],
    )

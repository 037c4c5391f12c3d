"""SQLite store: ordered migrations, WAL, append-only turns, score cards as JSON, threads."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from interviewer.models import CriterionScore, ScoreCard, Turn
from interviewer.store import MIGRATIONS, Store, StoreError, default_db_path


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, independent of the Store under test."""
    return sqlite3.connect(path)


def columns(path: Path, table: str) -> list[str]:
    with raw(path) as connection:
        return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]


def turn(
    text: str, role: str = "candidate", kind: str = "answer", at_s: float = 0.0, **extra: object
) -> Turn:
    return Turn(index=999, role=role, kind=kind, text=text, at_s=at_s, phase="interview", **extra)  # type: ignore[arg-type]


def card(case: str = "drill-bias-variance", overall: float | None = 3.25) -> ScoreCard:
    return ScoreCard(
        case=case,
        rubric="drill",
        level="senior",
        overall=overall,
        verdict="ready" if overall else "unscored",
        verdict_reason="Overall 3.25 with every core criterion at the bar or above.",
        criteria=[
            CriterionScore(
                id="correctness",
                title="Correctness",
                weight=0.7,
                core=True,
                level=4,
                evidence=["Bias is systematic error — “quoted” with ünïcode."],
                covered=["point a"],
                missing=["point b"],
                rationale="Covered 4 of 5.",
                descriptor="Strong.",
            ),
            CriterionScore(
                id="application",
                title="Application",
                weight=0.3,
                core=False,
                level=None,
                evidence=[],
                missing=["everything"],
                rationale="No evidence.",
            ),
        ],
        actions=["Say the numbers."],
        flags=["short answer"],
    )


# -- migrations ------------------------------------------------------------------------------------


def test_blank_database_reaches_the_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "blank.sqlite3"
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    with raw(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "turns", "scorecards"} <= tables
    assert "time_extension_s" in columns(path, "sessions")


def test_reopening_does_not_rerun_migrations(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    session = Store(path).create_session("drill-bias-variance", "mid", "offline")
    again = Store(path)  # an ALTER TABLE run twice would raise "duplicate column"
    assert again.schema_version() == len(MIGRATIONS)
    assert again.session(session.id) == session


def test_a_version_1_database_upgrades_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    with raw(path) as connection:
        connection.executescript(MIGRATIONS[0])
        connection.execute("PRAGMA user_version = 1")
        connection.execute(
            "INSERT INTO sessions (id, case_id, level, backend, created_at) VALUES (?,?,?,?,?)",
            ("old-session", "last-mile-eta", "senior", "offline", "2024-01-01T00:00:00+00:00"),
        )
        connection.execute(
            "INSERT INTO turns (session_id, idx, role, kind, text, at_s, phase, source, created_at) "
            "VALUES ('old-session', 0, 'interviewer', 'opening', 'Hello', 0, 'interview', 'offline', 'x')"
        )
    assert "time_extension_s" not in columns(path, "sessions")

    store = Store(path)

    assert store.schema_version() == len(MIGRATIONS)
    assert "time_extension_s" in columns(path, "sessions")
    old = store.session("old-session")
    assert (old.case_id, old.level, old.status) == ("last-mile-eta", "senior", "active")
    assert [t.text for t in store.turns("old-session")] == ["Hello"]
    assert store.time_extension_s("old-session") == 0.0
    store.extend_time("old-session", 300)
    store.extend_time("old-session", 60)
    assert store.time_extension_s("old-session") == 360.0
    assert store.append_turn("old-session", turn("Next")).index == 1


def test_wal_journal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    Store(path)
    with raw(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- sessions and turns ----------------------------------------------------------------------------


def test_append_turn_assigns_increasing_indexes_per_session(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    first = store.create_session("drill-bias-variance", "mid", "offline")
    second = store.create_session("last-mile-eta", "senior", "offline")
    stored = [store.append_turn(first.id, turn(f"answer {i}", at_s=i * 10.0)) for i in range(4)]
    assert [t.index for t in stored] == [0, 1, 2, 3]  # the index given (999) is ignored
    assert store.append_turn(second.id, turn("other")).index == 0
    assert store.append_turn(first.id, turn("answer 4")).index == 4
    assert [t.text for t in store.turns(first.id)] == [f"answer {i}" for i in range(5)]


def test_turns_persist_across_a_new_store_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    session = store.create_session("feature-store", "staff", "offline")
    written = [
        store.append_turn(session.id, turn("Let's begin.", role="interviewer", kind="opening")),
        store.append_turn(session.id, turn("I'd start with the SLA — 50 ms p99.", at_s=42.5)),
        store.append_turn(
            session.id,
            turn(
                "How do you backfill?",
                role="interviewer",
                kind="probe",
                at_s=43.0,
                criterion="deep_dive",
                follow_up=2,
                source="openai",
            ),
        ),
    ]
    store.close()

    reopened = Store(path)
    assert reopened.turns(session.id) == written
    assert reopened.session(session.id) == session
    assert reopened.sessions()[0].id == session.id


def test_finish_session_records_status_and_duration(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    session = store.create_session("drill-bias-variance", "junior", "offline")
    assert (session.status, session.duration_s) == ("active", None)
    store.finish_session(session.id, 312.5)
    finished = store.session(session.id)
    assert (finished.status, finished.duration_s) == ("finished", 312.5)


def test_unknown_session_is_a_key_error_naming_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    with pytest.raises(KeyError, match="nope"):
        store.session("nope")
    assert store.turns("nope") == []
    assert store.scorecard("nope") is None


def test_turn_for_an_unknown_session_is_refused(tmp_path: Path) -> None:
    """Foreign keys are on: a turn cannot point at a session that does not exist."""
    store = Store(tmp_path / "db.sqlite3")
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        store.append_turn("ghost", turn("hello"))
    assert store.turns("ghost") == []


# -- score cards -----------------------------------------------------------------------------------


def test_score_card_round_trips_as_json(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    session = store.create_session("drill-bias-variance", "senior", "offline")
    original = card()
    store.save_scorecard(session.id, original)

    assert Store(path).scorecard(session.id) == original
    with raw(path) as connection:
        (stored,) = connection.execute(
            "SELECT card FROM scorecards WHERE session_id = ?", (session.id,)
        ).fetchone()
    as_json = json.loads(stored)  # JSON text, not a pickle
    assert as_json["overall"] == 3.25
    assert as_json["criteria"][1]["level"] is None
    assert as_json["criteria"][0]["evidence"] == ["Bias is systematic error — “quoted” with ünïcode."]


def test_the_latest_score_card_wins(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    session = store.create_session("drill-bias-variance", "mid", "offline")
    store.save_scorecard(session.id, card(overall=2.0))
    store.save_scorecard(session.id, card(overall=None))
    latest = store.scorecard(session.id)
    assert latest is not None and latest.overall is None and latest.verdict == "unscored"


# -- threads ---------------------------------------------------------------------------------------

THREADS = 8
TURNS_EACH = 25


def _run_threads(target, count: int = THREADS) -> list[str]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    barrier = threading.Barrier(count)

    def wrapped(number: int) -> None:
        try:
            barrier.wait()
            target(number)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(f"thread {number}: {error!r}")

    threads = [threading.Thread(target=wrapped, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def test_threads_appending_to_different_sessions_lose_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    sessions = [store.create_session("drill-bias-variance", "mid", "offline").id for _ in range(THREADS)]
    connections: dict[int, sqlite3.Connection] = {}  # kept alive, so distinct objects have distinct ids

    def work(number: int) -> None:
        for i in range(TURNS_EACH):
            store.append_turn(sessions[number], turn(f"s{number} t{i}", at_s=float(i)))
        connections[number] = store._connection()

    assert _run_threads(work) == []
    assert len({id(c) for c in connections.values()}) == THREADS, "each thread must use its own connection"
    reopened = Store(store.path)
    for number, session_id in enumerate(sessions):
        turns = reopened.turns(session_id)
        assert [t.index for t in turns] == list(range(TURNS_EACH))
        assert [t.text for t in turns] == [f"s{number} t{i}" for i in range(TURNS_EACH)]


def test_threads_each_with_their_own_store_on_a_blank_file(tmp_path: Path) -> None:
    """Concurrent first opens race on the migrations; the file still ends at the latest version."""
    path = tmp_path / "db.sqlite3"
    created: dict[int, str] = {}

    def work(number: int) -> None:
        store = Store(path)
        session = store.create_session("drill-bias-variance", "mid", "offline")
        created[number] = session.id
        for i in range(TURNS_EACH):
            store.append_turn(session.id, turn(f"s{number} t{i}"))
        store.close()

    assert _run_threads(work) == []
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert len(store.sessions()) == THREADS
    for session_id in created.values():
        assert [t.index for t in store.turns(session_id)] == list(range(TURNS_EACH))


def test_threads_appending_to_one_session_get_unique_consecutive_indexes(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    session = store.create_session("drill-bias-variance", "mid", "offline").id

    def work(number: int) -> None:
        for i in range(10):
            store.append_turn(session, turn(f"s{number} t{i}"))

    assert _run_threads(work) == []
    turns = store.turns(session)
    assert [t.index for t in turns] == list(range(THREADS * 10))
    assert sorted(t.text for t in turns) == sorted(f"s{n} t{i}" for n in range(THREADS) for i in range(10))


# -- where the file lives --------------------------------------------------------------------------


def test_interviewer_db_env_var_sets_the_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from-env" / "nested" / "interviews.sqlite3"
    monkeypatch.setenv("INTERVIEWER_DB", str(target))
    assert default_db_path() == target
    store = Store()
    assert store.path == target
    session = store.create_session("drill-bias-variance", "mid", "offline")
    assert target.is_file()
    assert Store(target).session(session.id) == session


def test_interviewer_db_env_var_expands_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("INTERVIEWER_DB", "~/dbs/interviews.sqlite3")
    assert Store().path == tmp_path / "dbs" / "interviews.sqlite3"
    assert (tmp_path / "dbs" / "interviews.sqlite3").is_file()


def test_an_explicit_path_beats_the_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEWER_DB", str(tmp_path / "env.sqlite3"))
    store = Store(tmp_path / "explicit.sqlite3")
    assert store.path == tmp_path / "explicit.sqlite3"
    assert not (tmp_path / "env.sqlite3").exists()


def test_unwritable_location_gives_a_helpful_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # works even as root, unlike chmod
    target = blocker / "sub" / "interviews.sqlite3"
    with pytest.raises(StoreError) as raised:
        Store(target)
    message = str(raised.value)
    assert str(target) in message
    assert "--db" in message and "INTERVIEWER_DB" in message


def test_a_folder_in_place_of_the_file_gives_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as raised:
        Store(tmp_path)
    assert str(tmp_path) in str(raised.value)


# -- recordings of spoken answers ------------------------------------------------------------------

AUDIO = bytes(range(256)) * 40  # every byte value, NUL included: stored as a blob, not text


def test_recordings_are_stored_transcribed_and_attached_in_order(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    session = store.create_session("drill-bias-variance", "mid", "offline")
    other = store.create_session("last-mile-eta", "mid", "offline")
    first = store.save_recording(session.id, AUDIO, "audio/wav")
    second = store.save_recording(session.id, b"RIFF-short", "audio/webm")
    store.save_recording(other.id, b"elsewhere", "audio/wav")
    assert first < second

    stored = Store(path).recordings(session.id)
    assert [(r.id, r.audio, r.mime, r.turn_index, r.transcript_json) for r in stored] == [
        (first, AUDIO, "audio/wav", None, ""),
        (second, b"RIFF-short", "audio/webm", None, ""),
    ]
    assert all(r.session_id == session.id and r.created_at for r in stored)

    transcript = json.dumps({"text": "Bias is systematic error", "words": [{"w": "Bias", "start": 0.1}]})
    store.set_recording_transcript(first, transcript)
    store.attach_recording(first, 3)
    updated = Store(path).recordings(session.id)
    assert (updated[0].transcript_json, updated[0].turn_index) == (transcript, 3)
    assert (updated[1].transcript_json, updated[1].turn_index) == ("", None)
    assert [r.audio for r in store.recordings(other.id)] == [b"elsewhere"]


def test_recordings_of_an_unknown_session_or_id_are_key_errors(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    session = store.create_session("drill-bias-variance", "mid", "offline")
    with pytest.raises(KeyError, match="ghost"):
        store.save_recording("ghost", AUDIO, "audio/wav")
    with pytest.raises(KeyError, match="ghost"):
        store.recordings("ghost")
    with pytest.raises(KeyError, match="4242"):
        store.set_recording_transcript(4242, "{}")
    with pytest.raises(KeyError, match="4242"):
        store.attach_recording(4242, 0)
    assert store.recordings(session.id) == []


def test_a_version_3_database_gains_recordings_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    with raw(path) as connection:
        for script in MIGRATIONS[:3]:
            connection.executescript(script)
        connection.execute("PRAGMA user_version = 3")
        connection.execute(
            "INSERT INTO sessions (id, case_id, level, backend, created_at, paused_at_s) "
            "VALUES ('v3-session', 'feature-store', 'staff', 'offline', '2025-01-01T00:00:00+00:00', 12.5)"
        )
        connection.execute(
            "INSERT INTO notes (session_id, created_at, text) VALUES ('v3-session', 'x', 'my notes')"
        )
    assert "recordings" not in {row[0] for row in raw(path).execute("SELECT name FROM sqlite_master")}

    store = Store(path)

    assert store.schema_version() == len(MIGRATIONS) >= 4
    assert store.paused_at_s("v3-session") == 12.5
    assert store.notes("v3-session") == "my notes"
    assert store.recordings("v3-session") == []
    recording = store.save_recording("v3-session", AUDIO, "audio/wav")
    store.attach_recording(recording, 0)
    assert [(r.id, r.turn_index, r.audio) for r in store.recordings("v3-session")] == [(recording, 0, AUDIO)]

"""The store on SQLite and on PostgreSQL: ordered migrations, append-only turns, score cards as
JSON, recordings, users, threads. Tests taking `location` / `open_store` run on both: the
PostgreSQL variant on a fresh schema of TEST_DATABASE_URL (skipped when unset, failed under CI)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from conftest import free_port

from interviewer.db_postgres import MIGRATIONS as POSTGRES_MIGRATIONS
from interviewer.db_postgres import redact_url
from interviewer.models import CriterionScore, ScoreCard, Turn
from interviewer.store import MIGRATIONS, Store, StoreError, configured_location, default_db_path

Location = Path | str  # a SQLite file, or a postgresql:// URL


@pytest.fixture(autouse=True)
def no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """A DATABASE_URL in the developer's shell must not redirect the tests' stores."""
    monkeypatch.delenv("DATABASE_URL", raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    if request.param == "sqlite":
        return tmp_path / "db.sqlite3"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def open_store(location: Location) -> Iterator[Callable[[], Store]]:
    """Opens a new Store on the test's database each call (a restart, another process)."""
    opened: list[Store] = []

    def build() -> Store:
        opened.append(Store(location))
        return opened[-1]

    yield build
    for store in opened:
        store.close()


def query(location: Location, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows through a plain driver connection, independent of the Store under test (? placeholders)."""
    if isinstance(location, Path):
        with closing(sqlite3.connect(location)) as connection:
            return connection.execute(sql, params).fetchall()
    import psycopg

    with psycopg.connect(location) as connection:
        return connection.execute(sql.replace("?", "%s"), params).fetchall()


def run_script(location: Location, script: str) -> None:
    if isinstance(location, Path):
        with closing(sqlite3.connect(location)) as connection:
            connection.executescript(script)
        return
    import psycopg

    with psycopg.connect(location) as connection:
        for statement in filter(str.strip, script.split(";")):
            connection.execute(statement)


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


def test_both_dialects_have_every_migration() -> None:
    assert len(POSTGRES_MIGRATIONS) == len(MIGRATIONS) >= 5


def test_blank_database_reaches_the_latest_version(open_store: Callable[[], Store], location: Location) -> None:
    store = open_store()
    assert store.schema_version() == len(MIGRATIONS)
    session = store.create_session("drill-bias-variance", "mid", "offline")
    for table in ("turns", "scorecards", "notes", "recordings"):
        assert query(location, f"SELECT COUNT(*) FROM {table}") == [(0,)]
    assert query(location, "SELECT time_extension_s, paused_at_s, user_id FROM sessions WHERE id = ?",
                 (session.id,)) == [(0.0, None, "local")]


def test_blank_sqlite_file_records_its_version_in_user_version(tmp_path: Path) -> None:
    path = tmp_path / "blank.sqlite3"
    Store(path).close()
    with raw(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert "time_extension_s" in columns(path, "sessions")


def test_reopening_does_not_rerun_migrations(open_store: Callable[[], Store]) -> None:
    session = open_store().create_session("drill-bias-variance", "mid", "offline")
    again = open_store()  # an ALTER TABLE run twice would raise "duplicate column"
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
    assert (old.case_id, old.level, old.status, old.user_id) == ("last-mile-eta", "senior", "active", "local")
    assert [t.text for t in store.turns("old-session")] == ["Hello"]
    assert store.time_extension_s("old-session") == 0.0
    store.extend_time("old-session", 300)
    store.extend_time("old-session", 60)
    assert store.time_extension_s("old-session") == 360.0
    assert store.append_turn("old-session", turn("Next")).index == 1


def _make_version_3(location: Location) -> None:
    if isinstance(location, Path):
        run_script(location, ";".join(MIGRATIONS[:3]) + ";PRAGMA user_version = 3")
    else:
        run_script(location, ";".join(POSTGRES_MIGRATIONS[:3])
                   + ";CREATE TABLE schema_version (version INTEGER NOT NULL);"
                   "INSERT INTO schema_version VALUES (3)")
    run_script(
        location,
        "INSERT INTO sessions (id, case_id, level, backend, created_at, paused_at_s) VALUES "
        "('v3-session', 'feature-store', 'staff', 'offline', '2025-01-01T00:00:00+00:00', 12.5);"
        "INSERT INTO notes (session_id, created_at, text) VALUES ('v3-session', 'x', 'my notes')",
    )


def test_a_version_3_database_gains_recordings_and_users_and_keeps_its_data(
    open_store: Callable[[], Store], location: Location
) -> None:
    _make_version_3(location)
    with pytest.raises(Exception, match="recordings"):  # the table is not there yet
        query(location, "SELECT COUNT(*) FROM recordings")

    store = open_store()

    assert store.schema_version() == len(MIGRATIONS)
    assert store.session("v3-session").user_id == "local"
    assert [s.id for s in store.sessions(user_id="local")] == ["v3-session"]
    assert store.paused_at_s("v3-session") == 12.5
    assert store.notes("v3-session") == "my notes"
    assert store.recordings("v3-session") == []
    recording = store.save_recording("v3-session", AUDIO, "audio/wav")
    store.attach_recording(recording, 0)
    assert [(r.id, r.turn_index, r.audio) for r in store.recordings("v3-session")] == [(recording, 0, AUDIO)]


def test_wal_journal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    Store(path)
    with raw(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- sessions and turns ----------------------------------------------------------------------------


def test_append_turn_assigns_increasing_indexes_per_session(open_store: Callable[[], Store]) -> None:
    store = open_store()
    first = store.create_session("drill-bias-variance", "mid", "offline")
    second = store.create_session("last-mile-eta", "senior", "offline")
    stored = [store.append_turn(first.id, turn(f"answer {i}", at_s=i * 10.0)) for i in range(4)]
    assert [t.index for t in stored] == [0, 1, 2, 3]  # the index given (999) is ignored
    assert store.append_turn(second.id, turn("other")).index == 0
    assert store.append_turn(first.id, turn("answer 4")).index == 4
    assert [t.text for t in store.turns(first.id)] == [f"answer {i}" for i in range(5)]


def test_turns_persist_across_a_new_store_on_the_same_database(open_store: Callable[[], Store]) -> None:
    store = open_store()
    session = store.create_session("feature-store", "staff", "offline")
    written = [
        store.append_turn(session.id, turn("Let's begin.", role="interviewer", kind="opening")),
        store.append_turn(session.id, turn("I'd start with the SLA — 50 ms p99.", at_s=42.123456789)),
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

    reopened = open_store()
    assert reopened.turns(session.id) == written  # floats keep full precision on both dialects
    assert reopened.session(session.id) == session
    assert reopened.sessions()[0].id == session.id


def test_sessions_are_newest_first_and_limited(open_store: Callable[[], Store]) -> None:
    store = open_store()
    created = [store.create_session("drill-bias-variance", "mid", "offline").id for _ in range(5)]
    assert [s.id for s in store.sessions()] == created[::-1]  # same second: insertion order breaks ties
    assert [s.id for s in store.sessions(limit=2)] == created[:2:-1]


def test_finish_session_records_status_and_duration(open_store: Callable[[], Store]) -> None:
    store = open_store()
    session = store.create_session("drill-bias-variance", "junior", "offline")
    assert (session.status, session.duration_s) == ("active", None)
    store.finish_session(session.id, 312.5)
    finished = store.session(session.id)
    assert (finished.status, finished.duration_s) == ("finished", 312.5)


def test_pause_position_and_notes_versions(open_store: Callable[[], Store], location: Location) -> None:
    store = open_store()
    session = store.create_session("feature-store", "staff", "offline")
    store.set_paused(session.id, 61.25)
    assert store.paused_at_s(session.id) == 61.25
    store.set_paused(session.id, None)
    assert store.paused_at_s(session.id) is None
    assert store.save_notes(session.id, "graph LR") is True
    assert store.save_notes(session.id, "graph LR") is False  # unchanged: nothing written
    assert store.save_notes(session.id, "graph LR\n A-->B") is True
    assert store.notes(session.id) == "graph LR\n A-->B"
    assert query(location, "SELECT COUNT(*) FROM notes WHERE session_id = ?", (session.id,)) == [(2,)]


def test_unknown_session_is_a_key_error_naming_it(open_store: Callable[[], Store]) -> None:
    store = open_store()
    with pytest.raises(KeyError, match="nope"):
        store.session("nope")
    assert store.turns("nope") == []
    assert store.scorecard("nope") is None


def test_turn_for_an_unknown_session_is_refused(open_store: Callable[[], Store]) -> None:
    """Foreign keys are on: a turn cannot point at a session that does not exist."""
    store = open_store()
    with pytest.raises(StoreError, match="(?i)foreign key"):
        store.append_turn("ghost", turn("hello"))
    assert store.turns("ghost") == []


# -- users -----------------------------------------------------------------------------------------


def test_sessions_belong_to_users_and_list_per_user(open_store: Callable[[], Store]) -> None:
    store = open_store()
    ada = [store.create_session("drill-bias-variance", "mid", "offline", user_id="ada@example.com")
           for _ in range(2)]
    bob = store.create_session("last-mile-eta", "mid", "offline", user_id="bob@example.com")
    local = store.create_session("feature-store", "mid", "offline")
    assert local.user_id == "local"
    assert store.session(bob.id).user_id == "bob@example.com"
    assert [s.id for s in store.sessions(user_id="ada@example.com")] == [ada[1].id, ada[0].id]
    assert [s.id for s in store.sessions(user_id="bob@example.com")] == [bob.id]
    assert store.sessions(user_id="nobody") == []
    assert {s.id for s in store.sessions()} == {ada[0].id, ada[1].id, bob.id, local.id}


def test_an_empty_user_id_is_refused(open_store: Callable[[], Store]) -> None:
    with pytest.raises(ValueError, match="user_id"):
        open_store().create_session("drill-bias-variance", "mid", "offline", user_id=" ")


# -- score cards -----------------------------------------------------------------------------------


def test_score_card_round_trips_as_json(open_store: Callable[[], Store], location: Location) -> None:
    store = open_store()
    session = store.create_session("drill-bias-variance", "senior", "offline")
    original = card()
    store.save_scorecard(session.id, original)

    assert open_store().scorecard(session.id) == original
    ((stored,),) = query(location, "SELECT card FROM scorecards WHERE session_id = ?", (session.id,))
    as_json = json.loads(stored)  # JSON text, not a pickle
    assert as_json["overall"] == 3.25
    assert as_json["criteria"][1]["level"] is None
    assert as_json["criteria"][0]["evidence"] == ["Bias is systematic error — “quoted” with ünïcode."]


def test_the_latest_score_card_wins(open_store: Callable[[], Store]) -> None:
    store = open_store()
    session = store.create_session("drill-bias-variance", "mid", "offline")
    store.save_scorecard(session.id, card(overall=2.0))
    store.save_scorecard(session.id, card(overall=None))
    latest = store.scorecard(session.id)
    assert latest is not None and latest.overall is None and latest.verdict == "unscored"


# -- recordings of spoken answers ------------------------------------------------------------------

AUDIO = bytes(range(256)) * 40  # every byte value, NUL included: stored as a blob, not text


def test_recordings_are_stored_transcribed_and_attached_in_order(open_store: Callable[[], Store]) -> None:
    store = open_store()
    session = store.create_session("drill-bias-variance", "mid", "offline")
    other = store.create_session("last-mile-eta", "mid", "offline")
    first = store.save_recording(session.id, AUDIO, "audio/wav")
    second = store.save_recording(session.id, b"RIFF-short", "audio/webm")
    store.save_recording(other.id, b"elsewhere", "audio/wav")
    assert first < second

    stored = open_store().recordings(session.id)
    assert [(r.id, r.audio, r.mime, r.turn_index, r.transcript_json) for r in stored] == [
        (first, AUDIO, "audio/wav", None, ""),
        (second, b"RIFF-short", "audio/webm", None, ""),
    ]
    assert all(r.session_id == session.id and r.created_at for r in stored)

    transcript = json.dumps({"text": "Bias is systematic error", "words": [{"w": "Bias", "start": 0.1}]})
    store.set_recording_transcript(first, transcript)
    store.attach_recording(first, 3)
    updated = open_store().recordings(session.id)
    assert (updated[0].transcript_json, updated[0].turn_index) == (transcript, 3)
    assert (updated[1].transcript_json, updated[1].turn_index) == ("", None)
    assert [r.audio for r in store.recordings(other.id)] == [b"elsewhere"]
    assert store.recording(session.id, first) == updated[0]  # one recording, read on its own


def test_recordings_of_an_unknown_session_or_id_are_key_errors(open_store: Callable[[], Store]) -> None:
    store = open_store()
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
    with pytest.raises(KeyError, match="4242"):
        store.recording(session.id, 4242)


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


def test_threads_appending_to_different_sessions_lose_nothing(open_store: Callable[[], Store]) -> None:
    store = open_store()
    sessions = [store.create_session("drill-bias-variance", "mid", "offline").id for _ in range(THREADS)]

    def work(number: int) -> None:
        for i in range(TURNS_EACH):
            store.append_turn(sessions[number], turn(f"s{number} t{i}", at_s=float(i)))

    assert _run_threads(work) == []
    reopened = open_store()
    for number, session_id in enumerate(sessions):
        turns = reopened.turns(session_id)
        assert [t.index for t in turns] == list(range(TURNS_EACH))
        assert [t.text for t in turns] == [f"s{number} t{i}" for i in range(TURNS_EACH)]


def test_each_thread_has_its_own_sqlite_connection(tmp_path: Path) -> None:
    from interviewer.db_sqlite import SqliteDatabase

    database = SqliteDatabase(tmp_path / "db.sqlite3")
    connections: dict[int, sqlite3.Connection] = {}  # kept alive, so distinct objects have distinct ids

    def work(number: int) -> None:
        connections[number] = database.connection()
        assert database.connection() is connections[number]

    assert _run_threads(work) == []
    assert len({id(c) for c in connections.values()}) == THREADS


def test_threads_each_with_their_own_store_on_a_blank_database(location: Location) -> None:
    """Concurrent first opens race on the migrations; the database still ends at the latest version."""
    created: dict[int, str] = {}

    def work(number: int) -> None:
        store = Store(location)
        session = store.create_session("drill-bias-variance", "mid", "offline")
        created[number] = session.id
        for i in range(TURNS_EACH):
            store.append_turn(session.id, turn(f"s{number} t{i}"))
        store.close()

    assert _run_threads(work) == []
    with closing(Store(location)) as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert len(store.sessions()) == THREADS
        for session_id in created.values():
            assert [t.index for t in store.turns(session_id)] == list(range(TURNS_EACH))


def test_threads_appending_to_one_session_get_unique_consecutive_indexes(
    open_store: Callable[[], Store],
) -> None:
    store = open_store()
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


# -- choosing PostgreSQL: DATABASE_URL, and what a bad one says ------------------------------------


def test_database_url_selects_postgresql_over_interviewer_db(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEWER_DB", str(tmp_path / "unused.sqlite3"))
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    assert configured_location() == postgres_url
    with closing(Store()) as store:
        session = store.create_session("drill-bias-variance", "mid", "offline", user_id="ada")
        assert store.path is None and store.location.startswith("postgresql://")
    assert query(postgres_url, "SELECT user_id FROM sessions WHERE id = ?", (session.id,)) == [("ada",)]
    assert not (tmp_path / "unused.sqlite3").exists()


def test_an_explicit_sqlite_path_beats_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:1/none")
    with closing(Store(tmp_path / "explicit.sqlite3")) as store:
        assert store.path == tmp_path / "explicit.sqlite3"


def test_a_database_url_of_another_kind_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root:hunter2@db/interviews")
    with pytest.raises(StoreError) as raised:
        Store()
    message = str(raised.value)
    assert "'mysql'" in message and "postgresql://" in message and "DATABASE_URL" in message
    assert "hunter2" not in message


def test_an_unreachable_server_names_the_url_without_its_password() -> None:
    free_tcp_port = free_port()  # nothing listens there
    url = f"postgresql://interviewer:s3cr%21t-pw@127.0.0.1:{free_tcp_port}/interviews"
    with pytest.raises(StoreError) as raised:
        Store(url)
    message = str(raised.value)
    assert f"postgresql://interviewer:***@127.0.0.1:{free_tcp_port}/interviews" in message
    assert "DATABASE_URL" in message and "s3cr" not in message


def test_a_wrong_password_is_reported_without_the_password(postgres_url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(postgres_url)
    wrong = parts._replace(netloc=f"{parts.username}:Wr0ng-pass-xyz@{parts.hostname}:{parts.port}").geturl()
    with pytest.raises(StoreError, match="(?i)password authentication failed") as raised:
        Store(wrong)
    assert "Wr0ng-pass-xyz" not in str(raised.value)


def test_redact_url_masks_passwords_in_the_authority_and_the_query() -> None:
    assert redact_url("postgresql://u:p%40ss@h:5432/db?sslmode=require") == (
        "postgresql://u:***@h:5432/db?sslmode=require"
    )
    assert redact_url("postgresql://h/db?user=u&password=secret") == "postgresql://h/db?user=u&password=***"
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"


# -- migration 6: extra time per phase, discarded rounds ------------------------------------------


def test_extra_time_is_kept_per_phase_and_adds_up(open_store: Callable[[], Store]) -> None:
    store = open_store()
    session = store.create_session("feature-store", "senior", "offline")
    assert store.phase_extensions(session.id) == {}
    store.extend_phase(session.id, "deep_dive", 300)
    store.extend_phase(session.id, "deep_dive", 300)
    store.extend_phase(session.id, "requirements", 60)
    assert open_store().phase_extensions(session.id) == {"deep_dive": 600.0, "requirements": 60.0}
    assert store.time_extension_s(session.id) == 0.0  # the old per-round column is untouched
    with pytest.raises(KeyError):
        store.extend_phase("no-such-session", "deep_dive", 300)


def test_a_discarded_round_leaves_the_history_but_keeps_its_rows(open_store: Callable[[], Store]) -> None:
    store = open_store()
    kept = store.create_session("drill-bias-variance", "mid", "offline")
    dropped = store.create_session("drill-bias-variance", "mid", "offline")
    store.append_turn(dropped.id, turn("An answer worth keeping on disk."))
    assert not store.is_discarded(dropped.id)
    store.discard_session(dropped.id)
    store.discard_session(dropped.id)  # twice is harmless
    assert store.is_discarded(dropped.id)
    assert [s.id for s in store.sessions()] == [kept.id]
    assert [s.id for s in store.sessions(user_id="local")] == [kept.id]
    assert {s.id for s in store.sessions(include_discarded=True)} == {kept.id, dropped.id}
    assert [t.text for t in store.turns(dropped.id)] == ["An answer worth keeping on disk."]
    assert store.session(dropped.id).id == dropped.id  # still readable by id


def test_a_version_5_database_gains_phase_extensions_and_discarding(tmp_path: Path) -> None:
    path = tmp_path / "v5.sqlite3"
    run_script(path, ";".join(MIGRATIONS[:5]) + ";PRAGMA user_version = 5")
    run_script(path, "INSERT INTO sessions (id, case_id, level, backend, created_at) VALUES "
                     "('old', 'feature-store', 'mid', 'offline', '2025-01-01T00:00:00+00:00')")
    assert "discarded_at" not in columns(path, "sessions")
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS) >= 6
    assert [s.id for s in store.sessions()] == ["old"]
    store.extend_phase("old", "requirements", 300)
    assert store.phase_extensions("old") == {"requirements": 300.0}

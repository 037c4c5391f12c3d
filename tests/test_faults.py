"""Faults a candidate can meet: the model server down, slow, rate-limited or talking garbage (the
round goes on, grading is unscored, never 0); the database read-only or full (a clear error, and the
typed answer lands in a rescue file that replays); the practice process killed between turns
(`--resume` continues, every answer exactly once). Turn-level model faults that fall back to the
offline interviewer are in tests/test_llm_backend.py; these are the ones it does not cover."""

from __future__ import annotations

import json
import os
import queue
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, free_port

from interviewer import cli
from interviewer.backends.llm import LlmConfig, LlmGrader, LlmInterviewer
from interviewer.backends.offline import OfflineGrader
from interviewer.catalog import Catalog
from interviewer.rescue import RESCUE_DIR_ENV, AnswerNotStored
from interviewer.service import InterviewService
from interviewer.store import Store
from tests.openai_stub import Reply, StubServer

DRILL = "drill-kv-cache"
KEY = "sk-test-FAULTS-77aa66bb55cc"
ANSWERS = [
    "Attention weighs every earlier token's value by how well its key matches the current query.",
    "The KV cache keeps past keys and values per layer, so a new token computes only its own.",
    "Per token that is 2 x 32 x 8 x 128 x 2 bytes, about 128 KB, so 6,000 tokens need 0.8 GB.",
]


# -- the model server -------------------------------------------------------------------------------


def config(base_url: str, **overrides: Any) -> LlmConfig:
    values: dict[str, Any] = dict(api_key=KEY, base_url=base_url, model="stub-model", timeout=1.0, max_retries=0)
    values.update(overrides)
    return LlmConfig(**values)


def grade_reply(level: int, quote: str) -> Reply:
    return Reply(content=json.dumps({"quotes": [quote], "rationale": "Fits.", "level": level}))


def test_a_model_server_that_is_down_leaves_a_playable_round_and_an_offline_scored_card(
    tmp_path: Path, catalog: Catalog, grader: OfflineGrader, clock: Any
) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    service = InterviewService(catalog, Store(tmp_path / "down.sqlite3"), LlmInterviewer(config(down)),
                               LlmGrader(config(down), grader), clock, grader)
    session = service.start(DRILL)
    for number, text in enumerate(ANSWERS[:2], start=1):
        (turn,) = service.submit(session.id, text, at_s=60.0 * number)
        assert turn.source.startswith("offline-fallback (APIConnectionError"), turn.source
        assert turn.text
    card = service.finish(session.id, at_s=200.0)
    offline = grader.grade(catalog.case(DRILL), catalog.rubric_for(catalog.case(DRILL)), ANSWERS[:2])
    assert [c.level for c in card.criteria] == [c.level for c in offline.criteria], "the offline levels, never 0"
    fell_back = {f.split(":")[0] for f in card.flags if ": scored by the offline scorer" in f}
    assert fell_back == {c.id for c in card.criteria if c.level is not None}
    assert all("offline scorer" in c.rationale for c in card.criteria if c.level is not None)
    stored = [t.text for t in service.store.turns(session.id) if t.role == "candidate"]
    assert stored == ANSWERS[:2]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Reply(status=429, headers={"retry-after": "0"}), "HTTP 429"),
        (Reply(status=503), "HTTP 503"),
        (Reply(raw_body=b"<html><body>502 Bad Gateway</body></html>"), "malformed"),
        (Reply(content="Sure! I think the candidate did great, maybe a 4?"), "invalid twice"),
    ],
    ids=["429", "503", "html-body", "prose-not-json"],
)
def test_a_grading_fault_falls_back_to_the_offline_scorer_labelled(
    fault: Reply, reason: str, catalog: Catalog, grader: OfflineGrader
) -> None:
    case = catalog.case(DRILL)
    answer = " ".join(ANSWERS)
    with StubServer(default=fault) as stub:  # every call meets the fault
        card = LlmGrader(config(stub.base_url), grader).grade(case, catalog.rubric_for(case), [answer])
    offline = grader.grade(case, catalog.rubric_for(case), [answer])
    assert [(c.level, c.evidence) for c in card.criteria] == [(c.level, c.evidence) for c in offline.criteria]
    assert card.overall == offline.overall
    assert any(reason in c.rationale for c in card.criteria), [c.rationale for c in card.criteria]
    assert all("offline scorer" in c.rationale for c in card.criteria if c.level is not None)


def test_a_slow_grader_within_the_timeout_still_grades(catalog: Catalog, grader: OfflineGrader) -> None:
    case = catalog.case(DRILL)
    quote = " ".join(ANSWERS[1].split()[:8])
    with StubServer(default=grade_reply(3, quote)) as stub:
        stub.enqueue(Reply(content=grade_reply(3, quote).content, delay_s=0.3))
        card = LlmGrader(config(stub.base_url, timeout=5.0), grader).grade(
            case, catalog.rubric_for(case), [" ".join(ANSWERS)])
    assert [c.level for c in card.criteria] == [3, 3]
    assert all(c.evidence == [quote] for c in card.criteria)


# -- the database refuses writes --------------------------------------------------------------------


def sqlite_connection(store: Store) -> sqlite3.Connection:
    """This thread's real SQLite connection inside the store (to make it read-only or full)."""
    connection = store._db.connection()  # noqa: SLF001 - the test reaches the real database
    assert isinstance(connection, sqlite3.Connection)
    return connection


@pytest.fixture
def rescue_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rescued"
    monkeypatch.setenv(RESCUE_DIR_ENV, str(folder))
    return folder


def rescued(folder: Path, session_id: str) -> list[dict[str, Any]]:
    path = folder / f"{session_id}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def candidate_texts(store: Store, session_id: str) -> list[str]:
    return [t.text for t in store.turns(session_id) if t.role == "candidate"]


@pytest.mark.parametrize(
    ("refuse", "restore", "message"),
    [
        ("PRAGMA query_only = ON", "PRAGMA query_only = OFF", "readonly database"),
        ("PRAGMA max_page_count = {pages}", "PRAGMA max_page_count = 1073741823", "full"),
    ],
    ids=["read-only", "disk-full"],
)
def test_a_database_that_refuses_the_answer_keeps_it_in_a_rescue_file_that_replays(
    refuse: str, restore: str, message: str, make_service: Callable[[], InterviewService],
    rescue_dir: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    service = make_service()
    session = service.start(DRILL)
    service.submit(session.id, ANSWERS[0], at_s=60.0)
    connection = sqlite_connection(service.store)
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(refuse.format(pages=pages))
    long_answer = ANSWERS[1] + " " + "I would also page the cache in 16-token blocks. " * 200

    with pytest.raises(AnswerNotStored) as raised:
        service.submit(session.id, long_answer, at_s=120.0)
    error = str(raised.value)
    assert message in error and str(service.store.location) in error
    assert str(raised.value.rescue_file) in error and f"--resume {session.id}" in error
    assert candidate_texts(service.store, session.id) == [ANSWERS[0]]
    assert [row["say"] for row in rescued(rescue_dir, session.id)] == [long_answer]

    connection.execute(restore)  # the disk has room again / the file is writable again
    code = cli.main(["practice", "--resume", session.id, "--answers-file", str(raised.value.rescue_file),
                     "--db", str(service.store.location), "--json"])
    assert code == 0, capsys.readouterr().err
    assert candidate_texts(service.store, session.id) == [ANSWERS[0], long_answer]


def test_practice_on_a_read_only_database_file_is_one_clear_error(tmp_path: Path) -> None:
    """A database file SQLite itself must treat as read-only (the header's write version is above 2):
    refused even for root, unlike file permissions."""
    db = tmp_path / "ro.sqlite3"
    store = Store(db)
    session = store.create_session(DRILL, "mid", "offline")
    store.close()
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")
    with db.open("r+b") as raw:
        raw.seek(18)
        raw.write(bytes([3]))
    result = subprocess.run(
        [sys.executable, "-m", "interviewer", "practice", "--resume", session.id, "--db", str(db)],
        input="An answer.\n", capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and str(db) in result.stderr
    assert "readonly database" in result.stderr and "Traceback" not in result.stderr


def _limit_file_size(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_under_the_practice_command_loses_no_typed_answer(tmp_path: Path) -> None:
    """The real command under a file-size limit (RLIMIT_FSIZE binds root too): the database stops
    growing part-way; every typed answer is in the database or in the rescue file, exactly once."""
    db = tmp_path / "full.sqlite3"
    store = Store(db)
    session = store.create_session(DRILL, "mid", "offline")
    store.close()
    limit = max(p.stat().st_size for p in tmp_path.glob("full.sqlite3*")) + 48 * 1024
    typed = [f"{text} {'Paged blocks of 16 tokens avoid fragmentation. ' * 40}".strip() for text in ANSWERS * 3]
    rescue = tmp_path / "rescued"
    result = subprocess.run(
        [sys.executable, "-m", "interviewer", "practice", "--resume", session.id, "--db", str(db)],
        input="\n".join(typed) + "\n", capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, RESCUE_DIR_ENV: str(rescue)}, preexec_fn=_limit_file_size(max(limit, 64 * 1024)),
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "Your answer was not lost" in result.stderr and str(rescue) in result.stderr
    kept = candidate_texts(Store(db), session.id)
    saved = [row["say"] for row in rescued(rescue, session.id)]
    assert saved and kept + saved == typed[: len(kept) + len(saved)]
    assert len(saved) == 1, "the command stops at the first refused answer"


# -- the process killed between turns ---------------------------------------------------------------


class Practice:
    """`python -m interviewer practice` as a real subprocess with piped stdin; stdout lines are
    collected by a reader thread."""

    def __init__(self, *args: str, db: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "interviewer", "practice", *args, "--db", str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def say(self, text: str) -> str:
        """Send one answer; return the interviewer's reply once it has been printed in full."""
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        while True:
            line = self.lines.get(timeout=120)
            if line.startswith("interviewer: "):
                return line.removeprefix("interviewer: ").strip()

    def session_id(self) -> str:
        assert self.process.stderr is not None
        first = self.process.stderr.readline()
        assert first.startswith(("session ", "resuming session ")), first
        return first.split()[-1]


@pytest.fixture
def practice_processes() -> Iterator[list[Practice]]:
    started: list[Practice] = []
    yield started
    for practice in started:
        if practice.process.poll() is None:
            practice.process.kill()
        practice.process.wait(timeout=30)


def test_a_killed_practice_process_resumes_and_the_report_has_every_answer_once(
    tmp_path: Path, practice_processes: list[Practice]
) -> None:
    db = tmp_path / "killed.sqlite3"
    first = Practice("--case", DRILL, db=db)
    practice_processes.append(first)
    session_id = first.session_id()
    assert first.say(ANSWERS[0]) and first.say(ANSWERS[1])
    first.process.send_signal(signal.SIGKILL)
    assert first.process.wait(timeout=30) == -signal.SIGKILL

    second = subprocess.run(
        [sys.executable, "-m", "interviewer", "practice", "--resume", session_id, "--db", str(db), "--json"],
        input=ANSWERS[2] + "\n", capture_output=True, text=True, timeout=180, cwd=ROOT,
    )
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["scorecard"]["case"] == DRILL
    report = subprocess.run(
        [sys.executable, "-m", "interviewer", "report", session_id, "--format", "json", "--db", str(db)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert report.returncode == 0, report.stderr
    turns = json.loads(report.stdout)["turns"]
    assert [t["text"] for t in turns if t["role"] == "candidate"] == ANSWERS
    assert [t["index"] for t in turns] == list(range(len(turns)))
    roles = [t["role"] for t in turns]
    assert roles[:5] == ["interviewer", "candidate", "interviewer", "candidate", "interviewer"]

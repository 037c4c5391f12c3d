"""Concurrent simulated candidates, offline backend, one SQLite file (or one PostgreSQL database with
--database-url), two ways:
- service: each candidate runs its own interview in its own thread through the service layer (start,
  scripted answers, finish and score);
- app: `streamlit run` on a free port, one headless Chromium (playwright, /usr/bin/chromium), one
  browser context per candidate typing its answers into the chat input and waiting for the reply.
Prints p50/p95 turn latency and checks in the database that no answer was lost or landed in another
session.

    .venv/bin/python bench/load.py [--mode service|app|both] [--candidates 20] [--turns 6]
                                   [--app-turns 3] [--db PATH | --database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviewer.backends.offline import OfflineGrader, OfflineInterviewer  # noqa: E402
from interviewer.catalog import load_catalog  # noqa: E402
from interviewer.service import InterviewService  # noqa: E402
from interviewer.store import Store  # noqa: E402

CASES = ["drill-kv-cache", "hierarchical-demand-forecasting", "realtime-eta-service", "otif-drop-diagnosis"]


@dataclass
class Outcome:
    latencies_s: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def candidate(service: InterviewService, number: int, turns: int, outcome: Outcome) -> None:
    case_id = CASES[number % len(CASES)]
    session = service.start(case_id)
    said = [f"Candidate {number} answer {k}: I would measure WAPE weekly because stock-outs cost "
            f"{k + 2} times more than overstock, and start with a seasonal baseline." for k in range(turns)]
    for k, text in enumerate(said):
        started = time.perf_counter()
        service.submit(session.id, text, at_s=60.0 * (k + 1))
        outcome.latencies_s.append(time.perf_counter() - started)
    service.finish(session.id, at_s=60.0 * (turns + 1))
    stored = [t.text for t in service.store.turns(session.id) if t.role == "candidate"]
    if stored != said:
        outcome.problems.append(f"session {session.id} (candidate {number}): answers lost or crossed")
    if service.store.scorecard(session.id) is None:
        outcome.problems.append(f"session {session.id}: no score card")


def run(candidates: int, turns: int, db: Path | str) -> Outcome:
    grader = OfflineGrader()
    grader.grade(*_warm_up())  # load the model once before the clock starts
    service = InterviewService(load_catalog(), Store(db), OfflineInterviewer(), grader, offline_grader=grader)
    outcome = Outcome()
    threads = [
        threading.Thread(target=candidate, args=(service, n, turns, outcome)) for n in range(candidates)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


# -- through the running app --------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def app_unavailable() -> str | None:
    """Why the app run cannot happen here, or None."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"{CHROMIUM} is not installed"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(db: Path | str, log_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run` on a free port with its own database; yields the app's URL."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    env["DATABASE_URL" if str(db).startswith("postgres") else "INTERVIEWER_DB"] = str(db)
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(f"{url}/_stcore/health", server, log_path)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_for_health(url: str, server: subprocess.Popen[bytes], log_path: Path, seconds: float = 120) -> None:
    if not wait_until_healthy(url, server, seconds):
        raise RuntimeError(f"streamlit did not start; see {log_path}")


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Poll url until it answers 200 (True); False once the process dies or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def app_answers(number: int, turns: int) -> list[str]:
    return [f"Candidate {number} answer {k}: I would compare training and validation error weekly "
            f"because a gap of {k + 2} points means variance, and start with a simple baseline."
            for k in range(turns)]


async def _stored_turns(store: Store, session_id: str, count: int) -> None:
    """Wait until the session has `count` turns in the database."""
    while len(await asyncio.to_thread(store.turns, session_id)) < count:
        await asyncio.sleep(0.2)


async def _browser_candidate(browser: Any, url: str, store: Store, number: int, turns: int,
                             outcome: Outcome, sessions: dict[int, str]) -> None:
    """One candidate in its own browser context: start a 45-minute ML case (a drill's few minutes
    can run out while 20 candidates share 2 cores), then type each answer and wait for the reply.
    The next answer goes only after the reply is stored and the page has rerun: typing ahead while
    a reply is still being written is a different test (see bench/README.md)."""
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    try:
        page = await context.new_page()
        page.set_default_timeout(300_000)
        await page.goto(url)
        await page.get_by_test_id("stSelectbox").filter(has_text="Kind").click()
        await page.get_by_role("option", name="ML case study").click()
        await page.get_by_role("button", name="Start", exact=True).click()
        box = page.get_by_test_id("stChatInputTextArea")
        await box.wait_for()
        await page.wait_for_url(re.compile(r"[?&]session=[0-9a-f]+"))
        found = re.search(r"[?&]session=([0-9a-f]+)", page.url)
        if not found:
            outcome.problems.append(f"candidate {number}: no session in the URL {page.url}")
            return
        session_id = sessions[number] = found.group(1)
        messages = page.get_by_test_id("stChatMessage")
        for k, text in enumerate(app_answers(number, turns)):
            await box.fill(text)
            started = time.perf_counter()
            await box.press("Enter")
            # opening + (answer, reply) per turn: the reply to answer k is message 2k + 2; its
            # words appear once the answer is stored and the interviewer's turn is being written
            await messages.nth(2 * k + 2).get_by_test_id("stMarkdownContainer").first.wait_for()
            outcome.latencies_s.append(time.perf_counter() - started)
            await asyncio.wait_for(_stored_turns(store, session_id, 2 * k + 3), 300)
            await page.wait_for_timeout(1000)  # the page reruns from the store after each turn
            await box.wait_for()
    except Exception as error:  # noqa: BLE001 - one candidate's failure is a finding, not a crash
        outcome.problems.append(f"candidate {number}: {type(error).__name__}: {str(error)[:300]}")
    finally:
        await context.close()


async def _drive(url: str, store: Store, candidates: int, turns: int, outcome: Outcome,
                 sessions: dict[int, str]) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(_browser_candidate(browser, url, store, n, turns, outcome, sessions)
                                   for n in range(candidates)))
        finally:
            await browser.close()


def run_app(candidates: int, turns: int, db: Path | str, log_path: Path) -> Outcome:
    """N candidates at once in N browser contexts against one `streamlit run`; then the database
    must hold each candidate's answers, in order, in its own session and nowhere else."""
    outcome = Outcome()
    sessions: dict[int, str] = {}
    with serving(db, log_path) as url:
        warm = urllib.request.urlopen(url, timeout=60)  # the first page load builds the service
        warm.close()
        store = Store(db)
        asyncio.run(_drive(url, store, candidates, turns, outcome, sessions))
    owners: dict[str, int] = {}
    for number, session_id in sessions.items():
        if session_id in owners:
            outcome.problems.append(f"candidates {owners[session_id]} and {number} share session {session_id}")
        owners[session_id] = number
        stored = [t.text for t in store.turns(session_id) if t.role == "candidate"]
        if stored != app_answers(number, turns):
            outcome.problems.append(f"session {session_id} (candidate {number}): answers lost or crossed")
    return outcome


def _warm_up() -> tuple:  # type: ignore[type-arg]
    catalog = load_catalog()
    case = catalog.case(CASES[0])
    return case, catalog.rubric_for(case), ["warm-up"]


def summary(label: str, candidates: int, turns: int, wall: float, outcome: Outcome) -> str:
    latencies = sorted(outcome.latencies_s)
    if not latencies:
        return f"{label}: no turn completed; {len(outcome.problems)} problem(s)"
    p95 = latencies[max(0, int(0.95 * len(latencies)) - 1)]
    return (
        f"{label}: {candidates} candidates x {turns} turns in {wall:.1f} s: turn latency "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms; "
        f"{len(latencies)} turns, {len(outcome.problems)} lost or crossed"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["service", "app", "both"], default="both")
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--turns", type=int, default=6, help="answers per candidate, service run")
    parser.add_argument("--app-turns", type=int, default=3, help="answers per candidate, app run")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--database-url", default=None,
                        help="postgresql://USER:PASSWORD@HOST:PORT/DATABASE (an empty database or schema)")
    args = parser.parse_args()
    # a terminated benchmark still stops the streamlit server it started (the `with` exits)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        if args.mode in ("service", "both"):
            db = args.database_url or args.db or Path(folder) / "load.sqlite3"
            started = time.perf_counter()
            outcome = run(args.candidates, args.turns, db)
            print(summary("service", args.candidates, args.turns, time.perf_counter() - started, outcome))
            problems += outcome.problems
        if args.mode in ("app", "both"):
            reason = app_unavailable()
            if reason:
                print(f"app: skipped ({reason})")
            else:
                db = args.database_url or (args.db.with_suffix(".app.sqlite3") if args.db else
                                           Path(folder) / "app.sqlite3")
                started = time.perf_counter()
                outcome = run_app(args.candidates, args.app_turns, db, Path(folder) / "streamlit.log")
                print(summary("app (browser)", args.candidates, args.app_turns,
                              time.perf_counter() - started, outcome))
                problems += outcome.problems
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Two real `streamlit run` processes on one PostgreSQL database, as behind a load balancer: four
candidates (two browser contexts per process, one headless Chromium) answer turns concurrently,
then the database must hold every answer, once, in order, in the right session.

Needs TEST_DATABASE_URL (skipped when unset, a failure under CI=true), Debian's chromium and the
`playwright` package."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from bench.load import serving
from interviewer.store import Store

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TURNS = 3
CANDIDATES_PER_PROCESS = 2

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

pytestmark = pytest.mark.slow


@pytest.fixture
def two_apps(postgres_url: str, tmp_path: Path) -> Iterator[list[str]]:
    with ExitStack() as stack:
        # INTERVIEWER_DB set too, to an unused file: a process that ignored DATABASE_URL would create it.
        unused = {"INTERVIEWER_DB": str(tmp_path / "unused.sqlite3")}
        yield [stack.enter_context(serving(postgres_url, tmp_path / f"streamlit-{n}.log", unused)) for n in range(2)]
    assert not (tmp_path / "unused.sqlite3").exists(), "a process fell back to SQLite"


def settle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )


def session_in_url(page) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r"[?&]session=([0-9a-f]+)", page.url)
    assert found, page.url
    return found.group(1)


def test_two_processes_share_one_postgresql_database_without_losing_or_crossing_turns(
    two_apps: list[str], postgres_url: str
) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = []
            for url in two_apps:
                for _ in range(CANDIDATES_PER_PROCESS):
                    page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
                    page.set_default_timeout(60_000)
                    page.goto(url)
                    pages.append(page)
            for page in pages:  # a long system-design round: it does not wrap up after a few turns
                settle(page)
                page.get_by_test_id("stSelectbox").filter(has_text="Kind").click()
                page.get_by_role("option", name="System design").click()
            for page in pages:
                settle(page)
                page.get_by_role("button", name="Start", exact=True).click()
            for page in pages:
                settle(page)
                page.get_by_test_id("stChatInputTextArea").wait_for()
            sessions = [session_in_url(page) for page in pages]

            said: dict[str, list[str]] = {session: [] for session in sessions}
            for turn in range(TURNS):
                for number, (page, session) in enumerate(zip(pages, sessions, strict=True)):
                    text = (f"Candidate {number} turn {turn}: I would shard the feature store by "
                            f"entity id and keep p99 reads under {10 + turn} ms.")
                    box = page.get_by_test_id("stChatInputTextArea")
                    box.fill(text)
                    box.press("Enter")  # all candidates' turns are in flight at once
                    said[session].append(text)
                for page in pages:
                    settle(page)
                    page.get_by_test_id("stChatMessage").nth(2 * turn + 2).wait_for(timeout=90_000)
        finally:
            browser.close()

    assert len(set(sessions)) == len(pages)
    store = Store(postgres_url)
    try:
        assert {s.id for s in store.sessions()} == set(sessions)
        for session in sessions:
            turns = store.turns(session)
            assert [t.index for t in turns] == list(range(len(turns)))
            assert [t.text for t in turns if t.role == "candidate"] == said[session]  # none lost or crossed
            roles = [t.role for t in turns]
            assert roles[:1 + 2 * TURNS] == ["interviewer"] + ["candidate", "interviewer"] * TURNS, roles
    finally:
        store.close()

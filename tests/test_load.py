"""The load benchmark in a short form: concurrent candidates lose no answer and cross no session,
through the service layer and through the running app in a real headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.load import app_unavailable, run, run_app


def test_concurrent_candidates_lose_and_cross_nothing(tmp_path: Path) -> None:
    outcome = run(candidates=8, turns=3, db=tmp_path / "load.sqlite3")
    assert outcome.problems == []
    assert len(outcome.latencies_s) == 8 * 3


def test_concurrent_browser_candidates_lose_and_cross_nothing(tmp_path: Path) -> None:
    reason = app_unavailable()
    if reason:
        pytest.skip(reason)
    outcome = run_app(candidates=3, turns=2, db=tmp_path / "app.sqlite3", log_path=tmp_path / "streamlit.log")
    assert outcome.problems == [], (tmp_path / "streamlit.log").read_text(errors="replace")[-3000:]
    assert len(outcome.latencies_s) == 3 * 2

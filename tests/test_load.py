"""The load benchmark in a short form: concurrent candidates lose no answer and cross no session."""

from __future__ import annotations

from bench.load import run


def test_concurrent_candidates_lose_and_cross_nothing(tmp_path):
    outcome = run(candidates=8, turns=3, db=tmp_path / "load.sqlite3")
    assert outcome.problems == []
    assert len(outcome.latencies_s) == 8 * 3

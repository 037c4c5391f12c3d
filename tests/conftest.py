from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from interviewer.backends.offline import OfflineGrader, OfflineInterviewer
from interviewer.catalog import Catalog, load_catalog
from interviewer.embeddings import Embedder
from interviewer.service import InterviewService
from interviewer.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def grader(embedder: Embedder) -> OfflineGrader:
    return OfflineGrader(embedder)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_service(
    tmp_path: Path, catalog: Catalog, grader: OfflineGrader, clock: FakeClock
) -> Callable[[], InterviewService]:
    def build() -> InterviewService:
        return InterviewService(
            catalog, Store(tmp_path / "interviews.sqlite3"), OfflineInterviewer(), grader, clock, grader
        )

    return build

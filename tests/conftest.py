from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from bench.load import free_port as free_port  # re-exported: tests import it from here
from bench.load import wait_until_healthy
from interviewer.backends.offline import OfflineGrader, OfflineInterviewer
from interviewer.catalog import Catalog, load_catalog
from interviewer.embeddings import Embedder
from interviewer.service import InterviewService
from interviewer.store import Store

ROOT = Path(__file__).resolve().parent.parent


def wait_until_serving(url: str, process: subprocess.Popen[bytes], seconds: float, what: str) -> None:
    """Poll url until it answers 200; fail the test if the process dies or time runs out."""
    if not wait_until_healthy(url, process, seconds):
        pytest.fail(f"{what} did not start in {seconds:g} s")


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


# -- PostgreSQL: TEST_DATABASE_URL names a database the tests may create schemas in ---------------


def postgres_base_url() -> str:
    """TEST_DATABASE_URL; skips the test when unset, except under CI=true, where that fails."""
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return url
    reason = ("TEST_DATABASE_URL is unset, so the PostgreSQL variant cannot run (set it to "
              "postgresql://USER:PASSWORD@HOST:PORT/DATABASE; .ci/run starts a server and sets it)")
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; under CI=true this is a failure, not a skip")
    pytest.skip(reason)


def with_search_path(url: str, schema: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query), ("options", f"-csearch_path={schema}")]
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections see a fresh, empty schema of their own; dropped afterwards."""
    import psycopg

    base = postgres_base_url()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    yield with_search_path(base, schema)
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")

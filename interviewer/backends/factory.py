"""Builds the interviewer, grader and service for the chosen backend, once, at start-up."""

from __future__ import annotations

from interviewer.backends import Grader
from interviewer.backends.offline import OfflineGrader, OfflineInterviewer
from interviewer.catalog import Catalog
from interviewer.service import InterviewService
from interviewer.store import Store


class BackendUnavailable(ValueError):
    pass


def build_grader(backend: str = "offline", base_url: str | None = None, model: str | None = None) -> Grader:
    if backend == "offline":
        return OfflineGrader()
    raise BackendUnavailable(
        f"backend {backend!r} is not available in this build yet; use --backend offline"
    )


def build_service(
    catalog: Catalog,
    store: Store,
    backend: str = "offline",
    base_url: str | None = None,
    model: str | None = None,
) -> InterviewService:
    if backend != "offline":
        build_grader(backend, base_url, model)  # raises with the reason
    return InterviewService(catalog, store, OfflineInterviewer(), OfflineGrader())

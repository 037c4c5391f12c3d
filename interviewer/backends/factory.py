"""Builds the interviewer, grader and service for the chosen backend, once, at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from interviewer.backends import Grader
from interviewer.backends.offline import OfflineGrader, OfflineInterviewer
from interviewer.catalog import Catalog
from interviewer.service import InterviewService
from interviewer.store import Store

if TYPE_CHECKING:
    from interviewer.backends.llm import LlmConfig
    from interviewer.speech import Transcript


class BackendUnavailable(ValueError):
    pass


def llm_config(
    base_url: str | None = None, model: str | None = None, api_key: str | None = None
) -> LlmConfig:
    """The openai backend's settings: flags over environment over .streamlit/secrets.toml. Imported
    lazily so the offline backend never loads the openai SDK."""
    from interviewer.backends.llm import LlmConfig, LlmConfigError

    try:
        return LlmConfig.load(base_url=base_url, model=model, api_key=api_key)
    except LlmConfigError as error:
        raise BackendUnavailable(str(error)) from error


class ModelSpeech:
    """Speech through the model server's audio endpoints (the OpenAI protocol). Servers without
    them (llama.cpp, many local ones) fail here and the service falls back to offline speech."""

    name = "openai"

    def __init__(self, config: LlmConfig) -> None:
        self.config = config

    def transcribe(self, audio: bytes, vocabulary: Sequence[str]) -> Transcript:
        from interviewer.backends.llm import transcribe_openai

        return transcribe_openai(self.config, audio, vocabulary)

    def synthesize(self, text: str) -> bytes:
        from interviewer.backends.llm import synthesize_openai

        return synthesize_openai(self.config, text)


def build_grader(
    backend: str = "offline",
    base_url: str | None = None,
    model: str | None = None,
    offline: OfflineGrader | None = None,
) -> Grader:
    if backend == "offline":
        return offline or OfflineGrader()
    if backend == "openai":
        from interviewer.backends.llm import LlmGrader

        return LlmGrader(llm_config(base_url, model), offline)
    raise BackendUnavailable(f"unknown backend {backend!r}; use offline or openai")


def build_service(
    catalog: Catalog,
    store: Store,
    backend: str = "offline",
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
) -> InterviewService:
    if backend == "offline":
        return InterviewService(catalog, store, OfflineInterviewer(), OfflineGrader())
    if backend == "openai":
        from interviewer.backends.llm import LlmGrader, LlmInterviewer

        config = llm_config(base_url, model, api_key)
        offline = OfflineGrader()
        return InterviewService(
            catalog,
            store,
            LlmInterviewer(config),
            LlmGrader(config, offline),
            offline_grader=offline,
            speech=ModelSpeech(config),
        )
    raise BackendUnavailable(f"unknown backend {backend!r}; use offline or openai")

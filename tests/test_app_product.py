"""Engine pieces behind the app's product fixes: Settings' connection check, the Library search."""

from __future__ import annotations

from interviewer.backends.llm import LlmConfig, check_connection
from interviewer.catalog import Catalog
from interviewer.search import search, words
from tests.conftest import free_port
from tests.openai_stub import Reply, StubServer

SECRET = "sk-test-" + "k" * 24


def test_a_working_server_answers_a_one_token_request_and_the_check_says_how_fast() -> None:
    with StubServer() as stub:
        found = check_connection(LlmConfig(base_url=stub.base_url, model="stub-model", api_key=SECRET))
        assert found.ok and found.latency_s is not None and found.latency_s >= 0
        assert "stub-model" in found.message and "does not list its models" in found.message
        body = stub.chat_requests[-1]
        assert body["max_tokens"] == 1


def test_a_closed_port_is_named_in_plain_words() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    found = check_connection(LlmConfig(base_url=url, api_key=SECRET), timeout=5)
    assert not found.ok and found.message.startswith(f"Cannot reach {url}")


def test_a_refused_key_never_appears_in_the_message() -> None:
    with StubServer(default=Reply(status=401, error_message=f"Incorrect API key provided: {SECRET}")) as stub:
        found = check_connection(LlmConfig(base_url=stub.base_url, api_key=SECRET))
    assert not found.ok and "refused the API key" in found.message
    assert SECRET not in found.message


def test_a_server_error_is_reported_with_its_status_and_the_key_masked() -> None:
    with StubServer(default=Reply(status=500, error_message=f"boom near {SECRET}")) as stub:
        found = check_connection(LlmConfig(base_url=stub.base_url, api_key=SECRET))
    assert not found.ok and "HTTP 500" in found.message and SECRET not in found.message


def test_search_matches_whole_words_and_ranks_title_matches_first(catalog: Catalog) -> None:
    found = search(catalog.cases.values(), "ETA")
    assert found and all("eta" in words(c.title) for c in found[:2])
    assert all("eta" in words(f"{c.title} {' '.join(c.tags)} {c.kind} {c.prompt}") for c in found)
    # "eta" inside "metadata", "beta" or "theta" is not a match
    assert not any("eta" not in words(c.title + " " + c.prompt + " " + " ".join(c.tags)) for c in found)
    assert {c.id for c in search(catalog.cases.values(), "ETAs")[:2]} == {c.id for c in found[:2]}  # plural
    assert search(catalog.cases.values(), "ETA zzzunknownword") == []  # every word must match
    assert len(search(catalog.cases.values(), "  ")) == len(catalog.cases)  # no query: everything

"""The API key reaches the model server and nothing else: not the database file (its bytes, WAL
included), the logs (caplog and a subprocess's stderr, verbose), stdout, the reports and exports
(Markdown, JSON, HTML), nor anything the app sends to the browser (every element of every page,
after the key was entered in Settings and an interview ran on it). Also when the server echoes the
key back in an error. tests/test_llm_backend.py checks the in-process CLI round; these add the rest."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from tests.openai_stub import Reply, StubServer

KEY = "sk-test-NEVER-LEAK-3c2b1a0f9e8d"
DRILL = "drill-kv-cache"
SAID = [
    "The KV cache keeps the keys and values of earlier tokens per layer, so they are not recomputed.",
    "Per token it holds 2 x 32 x 8 x 128 x 2 bytes, about 128 KB, so 6,000 tokens take 0.8 GB.",
]


def responder(body: dict[str, Any]) -> Reply:
    """Interviewer turns get a question; grading calls a valid grade quoting the first answer."""
    text = "".join(str(m.get("content") or "") for m in body.get("messages", []))
    if "<<<CANDIDATE turn 1" not in text or "Level anchors" not in text:
        return Reply(content="Thanks. How would you size it for 32 concurrent chats?")
    grade = json.dumps({"quotes": [" ".join(SAID[0].split()[:8])], "rationale": "Fits.", "level": 3})
    return Reply(content=grade if body.get("response_format") else f"JSON: {grade}")


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer(responder=responder) as server:
        yield server


def database_bytes(folder: Path, name: str) -> bytes:
    files = sorted(folder.glob(f"{name}*"))
    assert files, f"no database {name} in {folder}"
    return b"".join(p.read_bytes() for p in files)


def no_key_in(where: str, text: str | bytes) -> None:
    needle: str | bytes = KEY.encode() if isinstance(text, bytes) else KEY
    assert needle not in text, f"the API key leaked into {where}"
    tail: str | bytes = needle[-12:]
    assert tail not in text, f"the end of the API key leaked into {where}"


# -- the command line, as a real process ------------------------------------------------------------


def run(*args: str, db: Path, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interviewer", *args, "--db", str(db)],
        input=stdin, capture_output=True, text=True, timeout=180, cwd=ROOT, env=env,
    )


def test_a_verbose_cli_round_keeps_the_key_out_of_stderr_stdout_db_and_every_export(
    tmp_path: Path, stub: StubServer
) -> None:
    db = tmp_path / "cli.sqlite3"
    env = {**os.environ, "OPENAI_API_KEY": KEY, "INTERVIEWER_LLM_MAX_RETRIES": "0",
           "INTERVIEWER_LLM_TIMEOUT": "5", "HOME": str(tmp_path)}
    env.pop("OPENAI_BASE_URL", None)
    # one turn meets a server that echoes the key in its error, as some proxies do
    stub.enqueue(Reply(status=401, error_message=f"Incorrect API key provided: {KEY}"))
    script = tmp_path / "round.jsonl"
    script.write_text("\n".join(json.dumps({"say": s, "at_s": 60 * (i + 1)}) for i, s in enumerate(SAID)),
                      encoding="utf-8")
    practice = run("practice", "--case", DRILL, "--answers-file", str(script), "--backend", "openai",
                   "--base-url", stub.base_url, "--model", "stub-model", "--json", "-v", db=db, env=env)
    assert practice.returncode == 0, practice.stderr[-3000:]
    assert stub.headers and all(h["authorization"] == f"Bearer {KEY}" for h in stub.headers)
    result = json.loads(practice.stdout)
    sources = [t["source"] for t in result["turns"] if t["role"] == "interviewer"]
    assert any(s.startswith("offline-fallback") for s in sources) and "openai" in sources
    assert practice.stderr.strip(), "verbose mode logs something, which is what this test reads"
    no_key_in("practice stderr", practice.stderr)
    no_key_in("practice stdout", practice.stdout)

    for form in ("md", "json", "html"):
        report = run("report", result["session_id"], "--format", form, "-v", db=db, env=env)
        assert report.returncode == 0, report.stderr
        assert result["session_id"] in report.stdout
        no_key_in(f"the {form} report", report.stdout)
        no_key_in(f"the {form} report's stderr", report.stderr)
    no_key_in("the database file", database_bytes(tmp_path, "cli.sqlite3"))


def test_a_bad_key_error_names_the_problem_but_not_the_key(
    tmp_path: Path, stub: StubServer, caplog: pytest.LogCaptureFixture
) -> None:
    from interviewer.backends.llm import LlmConfig, LlmGrader
    from interviewer.backends.offline import OfflineGrader
    from interviewer.catalog import load_catalog

    catalog = load_catalog()
    case = catalog.case(DRILL)
    caplog.set_level(logging.DEBUG)
    stub.enqueue(Reply(status=401, error_message=f"Incorrect API key provided: {KEY}"))
    config = LlmConfig(api_key=KEY, base_url=stub.base_url, model="stub-model", timeout=5.0, max_retries=0)
    card = LlmGrader(config, OfflineGrader()).grade(case, catalog.rubric_for(case), SAID)
    assert "401" in card.criteria[0].rationale and "offline scorer" in card.criteria[0].rationale
    no_key_in("the score card", card.model_dump_json())
    no_key_in("the logs", caplog.text)
    no_key_in("repr(config)", repr(config) + str(config))


# -- the app ---------------------------------------------------------------------------------------


def sent_to_browser(at: AppTest) -> str:
    """Every element message of the page as Streamlit would send it (protobuf text form)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)  # noqa: SLF001 - the whole element tree, not one element type
    return "\n".join(parts)


def test_the_app_keeps_the_key_off_every_page_out_of_the_db_and_logs(
    tmp_path: Path, stub: StubServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml: the key comes from the page only
    monkeypatch.setenv("INTERVIEWER_DB", str(tmp_path / "app.sqlite3"))
    monkeypatch.setenv("INTERVIEWER_LLM_MAX_RETRIES", "0")
    caplog.set_level(logging.DEBUG)
    pages: dict[str, str] = {}

    at = AppTest.from_file(ROOT / "streamlit_app.py", default_timeout=90).run()
    at.switch_page("app_pages/settings.py").run()
    at.radio(key="settings_backend").set_value("openai").run()
    at.text_input(key="settings_base_url").input(stub.base_url).run()
    at.text_input(key="settings_model").input("stub-model").run()
    at.text_input(key="settings_api_key").input(KEY).run()
    at.button(key="settings_use_key").click().run()
    assert not at.exception
    pages["settings"] = sent_to_browser(at)

    at.switch_page("app_pages/practice.py").run()
    at.selectbox(key="practice_kind").set_value("drill").run()
    at.selectbox(key="practice_case").set_value(DRILL).run()
    at.button(key="practice_start").click().run()
    for text in SAID:
        at.chat_input(key="practice_answer").set_value(text).run()
        assert not at.exception
    pages["practice"] = sent_to_browser(at)
    at.button(key="practice_end").click().run()
    assert not at.exception
    pages["practice, finished"] = sent_to_browser(at)
    at.switch_page("app_pages/review.py").run()
    assert not at.exception
    pages["review"] = sent_to_browser(at)
    at.switch_page("app_pages/library.py").run()
    pages["library"] = sent_to_browser(at)

    assert stub.chat_requests, "the interview ran on the model server"
    assert all(h["authorization"] == f"Bearer {KEY}" for h in stub.headers), "the key was used"
    assert "How would you size it for 32 concurrent chats" in pages["practice"], "the model turn is shown"
    for page, shown in pages.items():
        no_key_in(f"the {page} page", shown)
    no_key_in("the logs", caplog.text)
    no_key_in("the database file", database_bytes(tmp_path, "app.sqlite3"))

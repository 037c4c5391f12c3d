"""The record / replay harness (bench/model_server.py) over real HTTP with the openai SDK."""

from __future__ import annotations

import json

import openai
import pytest

from bench.model_server import ModelServer, load_responses, placeholder, request_key, write_batches
from interviewer.backends.llm import CriterionGrade, grade_schema

MESSAGES = [{"role": "system", "content": "You grade."}, {"role": "user", "content": "Grade this."}]
FORMAT = {"type": "json_schema", "json_schema": {"name": "g", "strict": True, "schema": grade_schema(False)}}


def client(server: ModelServer) -> openai.OpenAI:
    return openai.OpenAI(api_key="unused", base_url=server.base_url, max_retries=0, timeout=10)


def test_record_stores_the_request_and_answers_a_schema_valid_placeholder(tmp_path):
    with ModelServer("record", requests_dir=tmp_path) as server:
        reply = client(server).chat.completions.create(
            model="m", messages=MESSAGES, response_format=FORMAT  # type: ignore[arg-type]
        )
    grade = CriterionGrade.model_validate_json(reply.choices[0].message.content or "")
    assert grade.level is None and grade.quotes == []
    stored = json.loads((tmp_path / f"{request_key(MESSAGES)}.json").read_text())
    assert stored["messages"] == MESSAGES and stored["response_format"]["type"] == "json_schema"


def test_replay_serves_the_stored_content_and_fails_loudly_without_one(tmp_path):
    content = json.dumps({"quotes": ["a b c"], "rationale": "r", "level": 3})
    (tmp_path / "r.jsonl").write_text(json.dumps({"key": request_key(MESSAGES), "content": content}) + "\n")
    with ModelServer("replay", responses_dir=tmp_path) as server:
        reply = client(server).chat.completions.create(model="m", messages=MESSAGES)
        assert reply.choices[0].message.content == content
        streamed = client(server).chat.completions.create(model="m", messages=MESSAGES, stream=True)
        assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == content
        other = [{"role": "user", "content": "never recorded"}]
        with pytest.raises(openai.InternalServerError, match="no stored response"):
            client(server).chat.completions.create(model="m", messages=other)  # type: ignore[arg-type]
    assert server.misses == [request_key(other)]  # type: ignore[arg-type]


def test_a_bad_responses_row_names_the_file_and_line(tmp_path):
    (tmp_path / "r.jsonl").write_text('{"key": "k", "content": "x"}\n{"key": "k2"}\n')
    with pytest.raises(ValueError, match=r"r\.jsonl:2"):
        load_responses(tmp_path)


def test_placeholder_prefers_null_and_fills_required_fields():
    assert placeholder(grade_schema()) == {"quotes": [], "rationale": "", "level": None}


def test_batches_show_shared_text_once_and_every_request_key(tmp_path):
    requests = tmp_path / "requests"
    requests.mkdir()
    shared = "Case and transcript " * 50
    for criterion in ("metrics", "framing"):
        messages = [{"role": "user", "content": f"{shared}# The criterion to grade: {criterion}"}]
        key = request_key(messages)
        (requests / f"{key}.json").write_text(json.dumps({"key": key, "messages": messages}))
    [batch] = write_batches(requests, tmp_path / "out", size=10)
    text = batch.read_text()
    assert text.count(shared) == 1 and text.count("### request key:") == 2
    assert "# The criterion to grade: metrics" in text and "# The criterion to grade: framing" in text

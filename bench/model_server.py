"""Record / replay: a local OpenAI-compatible server behind which a capable model answers outside.

No capable model is reachable from the machines this project is built on, yet the LLM grader and
interviewer must be measured on one. So a command runs three times:

1. record: every chat request is written to REQUESTS/<key>.json (key: a hash of its messages) and
   answered with a neutral placeholder valid against its response format, so the command runs to the
   end and makes all the requests it would make;
2. answer: a capable model writes, for each request file, exactly the assistant content it would
   return (`batches` lays the requests out for it; replies go to RESPONSES/ as <key>.txt files or
   *.jsonl rows {"key": ..., "content": "..."}, or {"key": ..., "json": {...}} for a JSON reply);
3. replay: each request is answered with the stored content for its key; a request with none gets
   HTTP 500 and is listed in `misses`, never a silent placeholder.

Multi-turn interviewer rounds need one record / answer / replay pass per turn (each turn's prompt
holds the reply to the previous one).

    .venv/bin/python bench/model_server.py record  --requests DIR [--port 8765]
    .venv/bin/python bench/model_server.py replay  --responses DIR [--requests DIR] [--port 8765]
    .venv/bin/python bench/model_server.py batches --requests DIR --out DIR [--size 40] [--skip-answered RESPONSES]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.openai_stub import Reply, StubServer  # noqa: E402

PLACEHOLDER_TEXT = "Placeholder reply (record mode)."
# Where the grader prompt's per-criterion part starts (interviewer/prompts/grader.j2): requests that
# share everything before it are laid out together in a batch.
SHARED_UNTIL = "# The criterion to grade:"


def request_key(messages: list[dict[str, Any]]) -> str:
    canonical = json.dumps(
        [{"role": m.get("role"), "content": m.get("content")} for m in messages],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


def placeholder(schema: dict[str, Any] | None) -> Any:
    """The most neutral value a JSON schema accepts: null where allowed, else empty or minimal."""
    if not schema:
        return None
    if "enum" in schema:
        return None if None in schema["enum"] else schema["enum"][0]
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if "null" in kinds:
        return None
    kind = kinds[0]
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: placeholder(properties.get(name)) for name in schema.get("required", properties)}
    if kind == "array":
        return []
    if kind == "string":
        return ""
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None


def placeholder_content(body: dict[str, Any]) -> str:
    """Placeholder assistant content for a request: schema-valid JSON when a format is asked for."""
    response_format = body.get("response_format") or {}
    kind = response_format.get("type")
    if kind == "json_schema":
        return json.dumps(placeholder(response_format.get("json_schema", {}).get("schema")))
    if kind == "json_object":
        return json.dumps(placeholder(response_format.get("schema") or {"type": "object"}))
    prompt = "".join(str(m.get("content") or "") for m in body.get("messages", []))
    if "JSON:" in prompt:  # the grader's plain-text rung: a final `JSON: {...}` line
        return 'JSON: {"quotes": [], "rationale": "", "level": null}'
    return PLACEHOLDER_TEXT


def load_responses(folder: Path) -> dict[str, str]:
    responses: dict[str, str] = {}
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no responses folder")
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                content = row["content"] if "content" in row else json.dumps(row["json"], ensure_ascii=False)
                responses[str(row["key"])] = str(content)
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise ValueError(
                    f"{path}:{number}: not a {{\"key\", \"content\"}} or {{\"key\", \"json\"}} row ({error}); fix that line"
                ) from None
    for path in sorted(folder.glob("*.txt")):
        responses[path.stem] = path.read_text(encoding="utf-8")
    return responses


class ModelServer:
    """A recording or replaying OpenAI-compatible server on loopback (a context manager)."""

    def __init__(
        self,
        mode: str,
        requests_dir: Path | None = None,
        responses_dir: Path | None = None,
        port: int = 0,
    ) -> None:
        if mode not in ("record", "replay"):
            raise ValueError(f"mode must be record or replay, not {mode!r}")
        if mode == "record" and requests_dir is None:
            raise ValueError("record needs a requests folder")
        if mode == "replay" and responses_dir is None:
            raise ValueError("replay needs a responses folder")
        self.mode = mode
        self.requests_dir = requests_dir
        self.responses = load_responses(responses_dir) if responses_dir is not None else {}
        self.recorded: list[str] = []
        self.served: list[str] = []
        self.misses: list[str] = []
        self._lock = threading.Lock()
        self._stub = StubServer(responder=self._respond, port=port)

    def _store(self, key: str, body: dict[str, Any]) -> None:
        assert self.requests_dir is not None
        self.requests_dir.mkdir(parents=True, exist_ok=True)
        path = self.requests_dir / f"{key}.json"
        if not path.exists():
            request = {
                "key": key,
                "messages": body.get("messages", []),
                "response_format": body.get("response_format"),
                "stream": bool(body.get("stream")),
                "max_tokens": body.get("max_tokens"),
            }
            path.write_text(json.dumps(request, ensure_ascii=False, indent=1), encoding="utf-8")

    def _respond(self, body: dict[str, Any]) -> Reply:
        key = request_key(body.get("messages") or [])
        with self._lock:
            if self.mode == "record" or self.requests_dir is not None:
                self._store(key, body)
            if self.mode == "record":
                self.recorded.append(key)
                return Reply(content=placeholder_content(body))
            if key in self.responses:
                self.served.append(key)
                return Reply(content=self.responses[key])
            self.misses.append(key)
        return Reply(status=500, error_message=f"replay: no stored response for request {key}")

    def __enter__(self) -> ModelServer:
        self._stub.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stub.stop()

    @property
    def base_url(self) -> str:
        return self._stub.base_url


@contextmanager
def recording(requests_dir: Path) -> Iterator[ModelServer]:
    with ModelServer("record", requests_dir=requests_dir) as server:
        yield server


@contextmanager
def replaying(responses_dir: Path, requests_dir: Path | None = None) -> Iterator[ModelServer]:
    with ModelServer("replay", requests_dir=requests_dir, responses_dir=responses_dir) as server:
        yield server


# -- laying requests out for the model that answers them -------------------------------------------


def _user_text(request: dict[str, Any]) -> str:
    return "".join(str(m.get("content") or "") for m in request["messages"] if m.get("role") != "system")


def _format_note(request: dict[str, Any]) -> str:
    response_format = request.get("response_format")
    if not response_format:
        return "Response format: plain text" + (" (streamed chat reply)" if request.get("stream") else "")
    return "Response format: " + json.dumps(response_format, ensure_ascii=False)


def write_batches(
    requests_dir: Path, out_dir: Path, size: int, answered: set[str] = frozenset()
) -> list[Path]:
    """Markdown batches of at most `size` requests. Requests that share the text before the
    per-criterion part are shown together: the shared messages once, then each request's own rest,
    so every request is there in full and in order."""
    requests = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(requests_dir.glob("*.json"))]
    requests = [r for r in requests if r["key"] not in answered]
    groups: dict[str, list[dict[str, Any]]] = {}
    for request in requests:
        text = json.dumps(request["messages"][:-1]) + _user_text(request).split(SHARED_UNTIL)[0]
        groups.setdefault(text, []).append(request)
    out_dir.mkdir(parents=True, exist_ok=True)
    batches: list[list[list[dict[str, Any]]]] = [[]]
    for group in groups.values():
        if batches[-1] and sum(len(g) for g in batches[-1]) + len(group) > size:
            batches.append([])
        batches[-1].append(group)
    paths = []
    for number, batch in enumerate(b for b in batches if b):
        lines = [
            f"# Batch {number + 1}: {sum(len(g) for g in batch)} requests",
            "",
            "For each request below, write exactly the assistant content you would return, valid "
            "against its response format. Requests in a group share their messages up to the point "
            "marked; each request's own text follows under its key.",
            "",
        ]
        for group in batch:
            first = group[0]
            shared_user = _user_text(first).split(SHARED_UNTIL)[0] if len(group) > 1 else ""
            lines += ["=" * 100, f"## Group of {len(group)} request(s)", ""]
            for message in first["messages"]:
                if message.get("role") == "system":
                    lines += ["### system message", str(message.get("content")), ""]
            if shared_user:
                lines += ["### user message, shared beginning", shared_user, ""]
            for request in group:
                own = _user_text(request)[len(shared_user):]
                lines += [
                    "-" * 100,
                    f"### request key: {request['key']}",
                    _format_note(request),
                    "### user message" + (", continued" if shared_user else ""),
                    own,
                    "",
                ]
        path = out_dir / f"batch-{number + 1:03d}.md"
        path.write_text("\n".join(lines), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    record = sub.add_parser("record")
    record.add_argument("--requests", type=Path, required=True)
    record.add_argument("--port", type=int, default=8765)
    replay = sub.add_parser("replay")
    replay.add_argument("--responses", type=Path, required=True)
    replay.add_argument("--requests", type=Path, default=None, help="also store requests seen")
    replay.add_argument("--port", type=int, default=8765)
    batches = sub.add_parser("batches")
    batches.add_argument("--requests", type=Path, required=True)
    batches.add_argument("--out", type=Path, required=True)
    batches.add_argument("--size", type=int, default=40)
    batches.add_argument("--skip-answered", type=Path, default=None)
    args = parser.parse_args()
    if args.mode == "batches":
        answered = set(load_responses(args.skip_answered)) if args.skip_answered else set()
        for path in write_batches(args.requests, args.out, args.size, answered):
            print(path)
        return 0
    requests = args.requests
    responses = getattr(args, "responses", None)
    with ModelServer(args.mode, requests, responses, port=args.port) as server:
        print(f"{args.mode}: {server.base_url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
        print(
            f"recorded {len(server.recorded)}, served {len(server.served)}, missing {len(server.misses)}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A small OpenAI-compatible chat-completions server on loopback, for tests and the cost bench.

Speaks `POST /v1/chat/completions`, both as one JSON body and, with `"stream": true`, as server-sent
events (`data: {...}` chunks, then `data: [DONE]`) over chunked transfer encoding, like the real API.
Replies come from a queue of scripted `Reply` objects (then from a responder function, then from a
default); faults are scripted the same way: an HTTP status, a delay past the client's timeout, a raw
(malformed) body, or a stream cut off mid-way. Every request body is recorded.

Token counts in `usage` are len(text) // 4 of the message contents and of the reply; cached tokens are
the longest common prefix with any earlier request's message contents, // 4, as a provider's prompt
cache would see it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str = "Understood. What would you measure first, and why?"
    status: int = 200
    delay_s: float = 0.0  # wait this long before answering (a timeout fault)
    raw_body: bytes | None = None  # sent as-is instead of a completion (a malformed-body fault)
    truncate_after: int | None = None  # streaming: drop the connection after this many deltas
    chunk_chars: int = 6  # streaming: characters per delta
    chunk_delay_s: float = 0.0  # streaming: pause between events (to observe incremental delivery)
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)
    error_message: str | None = None  # the error's message for a status >= 400 (e.g. echoing the key)


Responder = Callable[[dict[str, Any]], Reply | None]


def prompt_text(body: dict[str, Any]) -> str:
    messages = body.get("messages") or []
    return "".join(str(m.get("content") or "") for m in messages if isinstance(m, dict))


def tokens(text: str) -> int:
    return len(text) // 4


def _common_prefix(a: str, b: str) -> int:
    limit = min(len(a), len(b))
    index = 0
    while index < limit and a[index] == b[index]:
        index += 1
    return index


class StubServer:
    """Use as a context manager: `with StubServer() as stub: ... stub.base_url ...`."""

    def __init__(
        self,
        replies: list[Reply] | tuple[Reply, ...] = (),
        responder: Responder | None = None,
        default: Reply | None = None,
        port: int = 0,
    ) -> None:
        self.port = port  # 0: any free port
        self.queue: deque[Reply] = deque(replies)
        self.responder = responder
        self.default = default or Reply()
        self.requests: list[dict[str, Any]] = []
        self.events_sent = 0  # server-sent events written so far, over all streams
        self.headers: list[dict[str, str]] = []
        # Audio endpoints: what /v1/audio/transcriptions answers (verbose_json), what
        # /v1/audio/speech returns (WAV bytes), and every audio request as {"path", "fields", "file"}.
        self.transcription: dict[str, Any] = {"text": "", "duration": 0.0, "words": []}
        self.speech_audio: bytes = silent_wav()
        self.audio_requests: list[dict[str, Any]] = []
        self._prompts: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> StubServer:
        handler = _handler_for(self)
        self._server = _QuietServer(("127.0.0.1", self.port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    # -- script ------------------------------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self.queue.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.responder is not None:
            reply = self.responder(body)
            if reply is not None:
                return reply
        return self.default

    def record(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, int]:
        """Store the request; return (prompt tokens, cached prompt tokens)."""
        text = prompt_text(body)
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            cached = max((_common_prefix(text, p) for p in self._prompts), default=0)
            self._prompts.append(text)
        return tokens(text), tokens(text[:cached])

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if "messages" in r]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, cut streams) are part of the script, not errors."""
        return


def _handler_for(stub: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
            return

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.rstrip("/").endswith(("/audio/transcriptions", "/audio/speech")):
                self._audio(raw)
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"_unparseable": raw.decode("utf-8", "replace")}
            if not isinstance(body, dict):
                body = {"_not_an_object": body}
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            prompt_tokens, cached = stub.record(body, {k.lower(): v for k, v in self.headers.items()})
            reply = stub.next_reply(body)
            try:
                self._answer(body, reply, prompt_tokens, cached)
            except OSError:  # the client gave up (a timeout fault): nothing to tell it
                self.close_connection = True

        def _audio(self, raw: bytes) -> None:
            if self.path.rstrip("/").endswith("/audio/speech"):
                body = json.loads(raw or b"{}")
                with stub._lock:
                    stub.audio_requests.append({"path": self.path, "fields": body, "file": b""})
                self._send(200, stub.speech_audio, "audio/wav", {})
                return
            fields, upload = _multipart(self.headers.get("Content-Type", ""), raw)
            with stub._lock:
                stub.audio_requests.append({"path": self.path, "fields": fields, "file": upload})
            self._json(200, stub.transcription)

        # -- replies -------------------------------------------------------------------------------

        def _answer(self, body: dict[str, Any], reply: Reply, prompt_tokens: int, cached: int) -> None:
            if reply.delay_s:
                stub.wait(reply.delay_s)
            if reply.status >= 400:
                payload = {
                    "error": {
                        "message": reply.error_message or f"scripted fault {reply.status}",
                        "type": "server_error" if reply.status >= 500 else "invalid_request_error",
                        "code": None,
                    }
                }
                self._json(reply.status, payload, reply.headers)
                return
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": tokens(reply.content),
                "total_tokens": prompt_tokens + tokens(reply.content),
                "prompt_tokens_details": {"cached_tokens": cached},
            }
            if body.get("stream"):
                self._stream(body, reply, usage)
            elif reply.raw_body is not None:
                self._send(reply.status, reply.raw_body, "application/json", reply.headers)
            else:
                self._json(
                    reply.status,
                    {
                        "id": "chatcmpl-stub",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "stub"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": reply.content},
                                "finish_reason": reply.finish_reason,
                                "logprobs": None,
                            }
                        ],
                        "usage": usage,
                    },
                    reply.headers,
                )

        def _stream(self, body: dict[str, Any], reply: Reply, usage: dict[str, Any]) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if reply.raw_body is not None:
                self._chunk(reply.raw_body)
                self._end_chunks()
                return
            model = body.get("model", "stub")
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            for sent, event in enumerate(_events(reply, model, usage, include_usage)):
                if reply.truncate_after is not None and sent > reply.truncate_after:
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)  # cut mid-body: no final chunk, no [DONE]
                    return
                if sent and reply.chunk_delay_s:
                    stub.wait(reply.chunk_delay_s)
                self._chunk(f"data: {event}\n\n".encode())
                stub.events_sent += 1
            self._chunk(b"data: [DONE]\n\n")
            self._end_chunks()

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _end_chunks(self) -> None:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _json(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json", headers or {})

        def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    return Handler


def _events(reply: Reply, model: str, usage: dict[str, Any], include_usage: bool) -> Iterator[str]:
    """The JSON of each server-sent event: a role delta, the content deltas, the finish, usage."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        return json.dumps(
            {
                "id": "chatcmpl-stub",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }
        )

    yield chunk({"role": "assistant", "content": ""})
    text = reply.content
    step = max(1, reply.chunk_chars)
    for start in range(0, len(text), step):
        yield chunk({"content": text[start : start + step]})
    yield chunk({}, reply.finish_reason)
    if include_usage:
        yield json.dumps(
            {
                "id": "chatcmpl-stub",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [],
                "usage": usage,
            }
        )


def silent_wav(seconds: float = 0.2, rate: int = 16_000) -> bytes:
    """A valid mono 16-bit WAV of silence, the speech endpoint's default reply."""
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def _multipart(content_type: str, raw: bytes) -> tuple[dict[str, Any], bytes]:
    """Form fields (repeated names as lists) and the uploaded file of a multipart/form-data body."""
    from email import message_from_bytes
    from email.policy import HTTP

    message = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw, policy=HTTP)
    fields: dict[str, Any] = {}
    upload = b""
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            upload = payload
        elif isinstance(name, str):
            value = payload.decode()
            key = name.removesuffix("[]")
            if key in fields:
                fields[key] = [*([fields[key]] if not isinstance(fields[key], list) else fields[key]), value]
            else:
                fields[key] = [value] if name.endswith("[]") else value
    return fields, upload

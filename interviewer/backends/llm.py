"""The OpenAI-compatible backend: interviewer and grader behind the same interfaces as the offline one.

The only module that imports `openai`. Works with OpenAI, Azure's OpenAI-compatible endpoint, Ollama,
vLLM, llama.cpp and LM Studio through `base_url`. What it relies on from a server is deliberately
small: chat completions with the `system` and `user` roles (or `user` only), `max_tokens`, streaming
server-sent events, and JSON by `json_schema`, `json_object` or a strict final line, whichever works.

Prompts are jinja2 templates (interviewer/prompts/*.j2). The interviewer's static prefix (persona plus
case brief) depends on the case and rubric only, so it is byte-identical across the turns of a round
and a provider's prompt cache applies; everything that changes per turn follows it. The candidate's
words are passed as data inside fences they cannot close, never as template source.

The API key lives in `LlmConfig` and the SDK client only: it is masked in reprs and never logged,
stored or reported.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tomllib
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from interviewer.backends import TurnContext
from interviewer.backends.offline import OfflineGrader, opening_text, probe_words
from interviewer.models import AnyCase, Criterion, CriterionScore, Level, Rubric, ScoreCard, Turn
from interviewer.policy import PHASE_COVERED, Move
from interviewer.policy.moves import Substitution
from interviewer.prompts import render
from interviewer.scoring import improvement_actions, overall_score, verdict
from interviewer.session import minutes_text
from interviewer.speech.models import SpeechError, Transcript, WordTiming
from interviewer.text import fold, is_grader_directed, normalise

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
SECRETS_PATH = Path(".streamlit") / "secrets.toml"
# Local servers ignore the key, but the SDK refuses to build a client without one.
LOCAL_PLACEHOLDER_KEY = "sk-no-key-needed-for-a-local-server"

# Per-turn prompt bounds: the transcript shown to the interviewer is recent and clipped.
RECENT_TURNS = 6
RECENT_TURN_CHARS = 1200
LATEST_TURN_CHARS = 6000
# Grader bounds: what the model may return, and how much transcript it sees.
MAX_QUOTES = 5
QUOTE_MAX_CHARS = 400
RATIONALE_MAX_CHARS = 600
MIN_QUOTE_WORDS = 3
ANSWER_MAX_CHARS = 8000
TRANSCRIPT_MAX_CHARS = 60000
REASK_ECHO_CHARS = 4000
DISAGREEMENT_LEVELS = 2
OFFLINE_FALLBACK_FLAG = "scored by the offline scorer"
# Bump when grader_system.j2 or grader.j2 changes meaning: graded corpora record the version they
# were graded with.
GRADER_PROMPT_VERSION = 2
# A reply that repeats this many consecutive words of hidden text (key points, model answer, rubric
# anchors) that the candidate could not have seen is a leak.
LEAK_WORDS = 8
LEAK_MIN_WORDS = 5


class LlmConfigError(ValueError):
    """The openai backend cannot be configured (no key and no local server)."""


class LlmReplyError(RuntimeError):
    """A model reply that cannot be used: cut off, empty, or leaking hidden text."""


# -- configuration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LlmConfig:
    """Where and how to reach the model. Precedence: explicit values (CLI flags, settings page) over
    the environment over `.streamlit/secrets.toml` over defaults."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    timeout: float = 60.0
    max_retries: int = 2
    system_in_user: bool = False  # for servers whose chat format drops system messages
    turn_max_tokens: int = 300
    grade_max_tokens: int = 900
    temperature: float = 0.4
    stream_usage: bool = True  # ask for `usage` in the last stream chunk (stream_options)

    def __repr__(self) -> str:
        return (
            f"LlmConfig(api_key={self.masked_key!r}, base_url={self.base_url!r}, model={self.model!r}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries!r}, "
            f"system_in_user={self.system_in_user!r})"
        )

    __str__ = __repr__

    @property
    def masked_key(self) -> str:
        return "***" if self.api_key else "unset"

    @classmethod
    def load(
        cls,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        system_in_user: bool | None = None,
        environ: Mapping[str, str] | None = None,
        secrets_path: Path | None = SECRETS_PATH,
    ) -> LlmConfig:
        env = os.environ if environ is None else environ
        secrets = read_secrets(secrets_path)

        def pick(explicit: Any, name: str) -> Any:
            if explicit is not None and explicit != "":
                return explicit
            return env.get(name) or secrets.get(name) or None

        seconds = pick(timeout, "INTERVIEWER_LLM_TIMEOUT")
        retries = pick(max_retries, "INTERVIEWER_LLM_MAX_RETRIES")
        try:
            config = cls(
                api_key=pick(api_key, "OPENAI_API_KEY"),
                base_url=pick(base_url, "OPENAI_BASE_URL"),
                model=pick(model, "INTERVIEWER_MODEL") or DEFAULT_MODEL,
                timeout=float(seconds) if seconds is not None else 60.0,
                max_retries=int(retries) if retries is not None else 2,
                system_in_user=_truthy(pick(system_in_user, "INTERVIEWER_LLM_SYSTEM_IN_USER")),
            )
        except ValueError as error:
            raise LlmConfigError(f"bad timeout or retry setting: {error}") from None
        if not config.api_key and not config.base_url:
            raise LlmConfigError(
                "the openai backend needs OPENAI_API_KEY, or OPENAI_BASE_URL (--base-url) for a local "
                "OpenAI-compatible server; set one in the environment or .streamlit/secrets.toml"
            )
        return config

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=self.api_key or LOCAL_PLACEHOLDER_KEY,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
        )


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def read_secrets(path: Path | None) -> dict[str, str]:
    """Root keys named like the environment variables, or an `[openai]` table with api_key, base_url,
    model. A missing or unreadable file is no configuration, not an error."""
    if path is None or not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        log.warning("ignoring %s: %s", path, type(error).__name__)
        return {}
    found = {k: str(v) for k, v in data.items() if isinstance(v, str | int | float | bool)}
    table = data.get("openai")
    if isinstance(table, dict):
        names = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL", "model": "INTERVIEWER_MODEL"}
        for key, name in names.items():
            if isinstance(table.get(key), str) and name not in found:
                found[name] = table[key]
    return found


# -- usage accounting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRecord:
    """One model call, for the cost bench and logs: token counts as the server reported them."""

    purpose: str  # "turn" or "grade:<criterion>"
    prompt_chars: int
    prefix_chars: int  # characters of the prompt in the static, cacheable prefix
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None


def _usage_record(purpose: str, prompt_chars: int, prefix_chars: int, usage: Any) -> CallRecord:
    if usage is None:
        return CallRecord(purpose, prompt_chars, prefix_chars)
    details = getattr(usage, "prompt_tokens_details", None)
    return CallRecord(
        purpose,
        prompt_chars,
        prefix_chars,
        getattr(usage, "prompt_tokens", None),
        getattr(usage, "completion_tokens", None),
        getattr(details, "cached_tokens", None) if details is not None else None,
    )


Message = dict[str, str]


def _messages(prefix: str, user: str, system_in_user: bool) -> list[Message]:
    """The static prefix as the system message, or, for servers that drop system messages, as the
    start of the only user message (still a byte-identical prefix of the prompt)."""
    if system_in_user:
        return [{"role": "user", "content": f"{prefix}\n{user}"}]
    return [{"role": "system", "content": prefix}, {"role": "user", "content": user}]


def _chars(messages: Sequence[Message]) -> int:
    return sum(len(m["content"]) for m in messages)


# -- candidate text as data ------------------------------------------------------------------------

_FENCE_RUN = re.compile(r"<{3,}|>{3,}")


def inert(text: str, limit: int | None = None) -> str:
    """Candidate (or model) text made safe to place inside a `<<<LABEL ... LABEL>>>` fence: runs of
    three or more angle brackets are cut to two, so the text can neither close nor open a fence."""
    cleaned = _FENCE_RUN.sub(lambda m: m.group(0)[:2], text.strip())
    if limit is not None and len(cleaned) > limit:
        head = cleaned[: limit * 2 // 3]
        tail = cleaned[-(limit // 3) :]
        cleaned = f"{head} [...] {tail}"
    return cleaned


# -- hidden text guard -----------------------------------------------------------------------------

_WORDS = re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")


def _words(text: str) -> list[str]:
    return _WORDS.findall(normalise(text).lower())


def _shingles(words: Sequence[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def hidden_texts(case: AnyCase, rubric: Rubric) -> list[str]:
    """What the interviewer knows but must never say: key points, model answer, rubric anchors."""
    texts = [point for points in case.key_points.values() for point in points]
    texts += [s for s in re.split(r"(?<=[.!?])\s+", case.model_answer) if s.strip()]
    for criterion in rubric.criteria:
        texts += [criterion.description, *criterion.levels.values()]
        texts += list(criterion.level_expectations.values())
    return texts


def hidden_text_leak(
    reply: str, case: AnyCase, rubric: Rubric, candidate_words: Sequence[str] = ()
) -> str | None:
    """The hidden text the reply repeats (LEAK_WORDS consecutive words of it, or all of a shorter
    one), unless those words also stand in what the candidate may see or has said: the prompt, the
    clarification facts, the authored follow-ups and the candidate's own words (quoting them back
    reveals nothing). None when the reply leaks nothing."""
    said = _words(reply)
    visible = " ".join(
        [case.prompt, *(c.answer for c in case.clarifications), *(f.ask for f in case.follow_ups),
         *candidate_words]
    )
    visible_words = _words(visible)
    for hidden in hidden_texts(case, rubric):
        words = _words(hidden)
        if len(words) < LEAK_MIN_WORDS:
            continue
        size = min(LEAK_WORDS, len(words))
        overlap = _shingles(words, size) & _shingles(said, size)
        if overlap - _shingles(visible_words, size):
            return hidden
    return None


# -- interviewer -----------------------------------------------------------------------------------


def coverage_label(value: float) -> str:
    if value >= PHASE_COVERED:
        return "covered"
    if value >= PHASE_COVERED / 3:
        return "partly covered"
    return "not yet covered"


def interviewer_prefix(case: AnyCase, rubric: Rubric) -> str:
    """Persona, then the case brief: a function of the case and rubric only (the cacheable prefix)."""
    brief = render(
        "case_brief.j2",
        case=case,
        kind=case.kind.replace("_", " "),
        phases=case.plan(),
        criteria=rubric.criteria,
        key_points=[
            (rubric.criterion(cid).title, points)
            for cid, points in case.key_points.items()
            if cid in rubric.criterion_ids
        ],
    )
    return render("interviewer_system.j2") + "\n" + brief


_REASONS = {
    "time": "time is up",
    "covered": "it is covered",
    "ahead": "the candidate has moved ahead to the next one",
    "asked": "the candidate asked to move on",
    "ended": "the candidate ended the round",
    "exhausted": "there is nothing more to probe here",
}


def _move_values(move: Move, context: TurnContext) -> dict[str, Any]:
    rubric, state = context.rubric, context.state

    def title(phase_id: str) -> str:
        return next(p.title for p in state.phases if p.id == phase_id)

    values: dict[str, Any] = {
        "kind": move.kind,
        "criterion": rubric.criterion(move.criterion).title if move.criterion else "",
        "follow_up": move.follow_up.ask if move.follow_up else "",
        "time_note": move.time_note,
        "reason": move.reason,
        "reason_text": _REASONS.get(move.reason, "everything has been asked"),
        "lead": move.lead,
        "ask": move.ask,
        "style": move.style,
        "quote": inert(move.quote, 400) if move.quote else "",
        "misconception": (
            {"claim": move.misconception.claim, "correction": move.misconception.correction}
            if move.misconception else None
        ),
        "carries_probe": move.carries_probe,
        "probe_text": probe_words(move, context) if move.carries_probe and move.follow_up is None else "",
        "last_question": state.last_question or (state.spoken[0] if state.spoken else ""),
        "skipped": [title(p) for p in move.skipped],
        "alternatives": [
            {"criterion": rubric.criterion(a.criterion).title if a.criterion else "",
             "text": inert(probe_words(a, context), 600)}
            for a in move.alternatives
        ] if move.follow_up is not None else [],
        "fact": None,
        "next_phase": None,
    }
    if move.kind == "clarification" and move.clarification is not None:
        values["fact"] = {"topic": move.clarification.topic, "answer": move.clarification.answer,
                          "nearest": move.nearest}
    if move.kind == "phase_change":
        upcoming = next(p for p in state.phases if p.id == move.phase)
        values["next_phase"] = {"title": upcoming.title, "minutes": minutes_text(upcoming.minutes * 60)}
    return values


_MARKER = re.compile(r"^\s*\[(ALT\s*(\d+)|SKIP)\]\s*", re.IGNORECASE)
_MARKER_MAX = 12  # characters to hold back while a reply might still be starting with a marker


def substitution(move: Move, marker: re.Match[str]) -> Substitution | None:
    """The move a reply's leading [ALT n] / [SKIP] marker chose instead of the given one."""
    from dataclasses import replace

    if move.follow_up is None:
        return None
    if marker.group(2) is not None:
        number = int(marker.group(2))
        if not 1 <= number <= len(move.alternatives):
            return None
        chosen = move.alternatives[number - 1]
        if move.kind == "phase_change":
            chosen = replace(chosen, kind="phase_change", phase=move.phase, reason=move.reason, lead=move.lead,
                             left_phase=move.left_phase, skipped=move.skipped)
        return Substitution(replace(chosen, time_note=move.time_note, lead=move.lead), f"alternative {number}")
    # skipped: the follow-up counts as asked (the candidate answered it), the words are the model's own
    return Substitution(replace(move, follow_up=None, style="deeper", alternatives=()), "skipped follow-up")


def _transcript(turns: Sequence[Turn]) -> tuple[list[dict[str, str]], str]:
    """The recent turns before the candidate's latest one (fenced, clipped), and that latest turn."""
    latest_index = max((i for i, t in enumerate(turns) if t.role == "candidate"), default=-1)
    latest = inert(turns[latest_index].text, LATEST_TURN_CHARS) if latest_index >= 0 else ""
    earlier = turns[:latest_index] if latest_index >= 0 else turns
    recent = [
        {
            "label": "CANDIDATE" if t.role == "candidate" else "INTERVIEWER",
            "text": inert(t.text, RECENT_TURN_CHARS),
        }
        for t in list(earlier)[-RECENT_TURNS:]
    ]
    return recent, latest


def interviewer_turn_prompt(move: Move, context: TurnContext) -> str:
    state, rubric = context.state, context.rubric
    in_phase = set(state.phase.criteria or rubric.criterion_ids)
    recent, latest = _transcript(context.turns)
    return render(
        "interviewer_turn.j2",
        phase=state.phase,
        phase_number=state.phase_index + 1,
        phase_count=len(state.phases),
        phase_left=minutes_text(max(0.0, state.phase_remaining_s(context.now_s))),
        round_left=minutes_text(max(0.0, state.round_remaining_s(context.now_s))),
        coverage=[
            {
                "title": c.title,
                "status": coverage_label(context.coverage.get(c.id, 0.0)),
                "in_phase": c.id in in_phase,
            }
            for c in rubric.criteria
        ],
        move=_move_values(move, context),
        recent=recent,
        latest=latest,
        notes=inert(context.notes, LATEST_TURN_CHARS),
    )


class LlmInterviewer:
    """Phrases the policy's move with one streaming chat-completions call per candidate turn. Any
    failure propagates: the service then answers that turn with the offline interviewer."""

    name = "openai"

    def __init__(self, config: LlmConfig, client: openai.OpenAI | None = None) -> None:
        self.config = config
        self._client = client or config.client()
        self.calls: deque[CallRecord] = deque(maxlen=500)

    def __repr__(self) -> str:
        return f"LlmInterviewer({self.config!r})"

    def opening(self, case: AnyCase) -> str:
        return opening_text(case)

    def messages(self, move: Move, context: TurnContext) -> list[Message]:
        prefix = interviewer_prefix(context.case, context.rubric)
        turn = interviewer_turn_prompt(move, context)
        return _messages(prefix, turn, self.config.system_in_user)

    def phrase(self, move: Move, context: TurnContext) -> Iterator[str | Substitution]:
        messages = self.messages(move, context)
        prefix_chars = len(interviewer_prefix(context.case, context.rubric))
        extra: dict[str, Any] = {}
        if self.config.stream_usage:
            extra["stream_options"] = {"include_usage": True}
        stream = self._client.chat.completions.create(
            model=self.config.model,
            messages=cast(Any, messages),
            stream=True,
            max_tokens=self.config.turn_max_tokens,
            temperature=self.config.temperature,
            **extra,
        )
        parts: list[str] = []
        finished = False
        usage: Any = None
        # A reply may open with [ALT n] or [SKIP] (the model used an alternative, or skipped a
        # follow-up the candidate had answered): held back until it is clear, never shown.
        pending, decided = "", False
        with stream:
            for chunk in stream:
                if getattr(chunk, "usage", None) is not None:
                    usage = chunk.usage
                for choice in chunk.choices or []:
                    text = choice.delta.content if choice.delta is not None else None
                    if text and decided:
                        parts.append(text)
                        yield text
                    elif text:
                        pending += text
                        marker = _MARKER.match(pending)
                        if marker is not None:
                            chosen = substitution(move, marker)
                            if chosen is not None:
                                yield chosen
                            pending, decided = pending[marker.end() :], True
                        elif len(pending) >= _MARKER_MAX or not pending.lstrip().startswith("["):
                            decided = decided or bool(pending.strip())
                        if decided and pending:
                            parts.append(pending)
                            yield pending
                            pending = ""
                    if choice.finish_reason:
                        finished = True
        if pending:
            parts.append(pending)
            yield pending
        self.calls.append(_usage_record("turn", _chars(messages), prefix_chars, usage))
        if not finished:
            raise LlmReplyError("the reply stream ended before the model finished (truncated)")
        reply = "".join(parts).strip()
        if not reply:
            raise LlmReplyError("the model returned an empty reply")
        own_words = [t.text for t in context.turns if t.role == "candidate"]
        leaked = hidden_text_leak(reply, context.case, context.rubric, own_words)
        if leaked is not None:
            log.warning("model reply repeated hidden case text; the offline interviewer answers instead")
            raise LlmReplyError("the reply repeated hidden key-point or rubric text")


# -- grader ----------------------------------------------------------------------------------------

Rung = Literal["json_schema", "json_object", "text"]
RUNGS: tuple[Rung, ...] = ("json_schema", "json_object", "text")
# HTTP statuses that mean "this server does not take this request shape": try the next rung. Auth,
# missing model, rate limits and timeouts are not about the format and end the criterion instead.
REJECTS_FORMAT = frozenset({400, 415, 422}) | frozenset(range(500, 600))
CRITERION_SECTION = "# The criterion to grade:"  # where grader.j2's per-criterion part starts


class CriterionGrade(BaseModel):
    """What the model returns for one criterion, validated at the boundary."""

    model_config = ConfigDict(extra="forbid")

    quotes: Annotated[
        list[Annotated[str, Field(max_length=QUOTE_MAX_CHARS)]], Field(max_length=MAX_QUOTES)
    ]
    rationale: Annotated[str, Field(max_length=RATIONALE_MAX_CHARS)]
    level: Annotated[int, Field(ge=1, le=4)] | None

    @field_validator("level", mode="before")
    @classmethod
    def _no_booleans(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("level must be 1, 2, 3, 4 or null, not a boolean")
        return value


def grade_schema(bounded_strings: bool = True) -> dict[str, Any]:
    """The JSON schema of CriterionGrade, written out so that every list and string is bounded.
    `bounded_strings=False` leaves out maxLength, which OpenAI's strict mode has not accepted; the
    bounds are still enforced by pydantic and stated in the descriptions."""
    quote: dict[str, Any] = {"type": "string", "description": f"at most {QUOTE_MAX_CHARS} characters"}
    rationale: dict[str, Any] = {
        "type": "string",
        "description": f"at most {RATIONALE_MAX_CHARS} characters",
    }
    if bounded_strings:
        quote["maxLength"] = QUOTE_MAX_CHARS
        rationale["maxLength"] = RATIONALE_MAX_CHARS
    return {
        "type": "object",
        "properties": {
            "quotes": {
                "type": "array",
                "items": quote,
                "maxItems": MAX_QUOTES,
                "description": "exact quotes from the candidate's own words, copied character for character",
            },
            "rationale": rationale,
            "level": {
                "type": ["integer", "null"],
                "enum": [1, 2, 3, 4, None],
                "description": "1-4, or null when there is not enough evidence",
            },
        },
        "required": ["quotes", "rationale", "level"],
        "additionalProperties": False,
    }


class GraderFailure(Exception):
    """One criterion could not be graded; the message says why (shown on the card)."""


class GraderUnavailable(Exception):
    """The server cannot be reached or refuses us: stop asking for the remaining criteria."""


def _extract_json(content: str, rung: Rung) -> Any:
    text = content.strip()
    if rung == "text":
        marker = text.rfind("JSON:")
        if marker < 0:
            raise ValueError("no final line starting with 'JSON:'")
        text = text[marker + len("JSON:") :].strip()
    if text.startswith("```"):
        text = text.strip("`").strip()
        if text.lower().startswith("json"):
            text = text[4:].strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start = text.find("{")
        if start < 0:
            raise ValueError("no JSON object in the reply") from None
        try:
            value, _ = json.JSONDecoder().raw_decode(text[start:])
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON ({error.msg} at char {error.pos})") from None
        return value


def _validation_problems(error: ValidationError) -> str:
    """Field and message only: never the input values (they may echo the candidate's words)."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in error.errors()[:6]
    )


_QUOTE_TRIM = "\"'“”‘’«» \t\n"


def verify_quote(quote: str, answers: Sequence[str]) -> str | None:
    """The candidate's own words that the quote reproduces (whitespace-insensitive, case-insensitive,
    look-alike characters folded), or None. Quotes of fewer than MIN_QUOTE_WORDS words, quotes with
    an ellipsis inside, and sentences addressed to a grader are never evidence."""
    text = normalise(quote).strip(_QUOTE_TRIM)
    for ellipsis in ("...", "…"):
        text = text.removeprefix(ellipsis).removesuffix(ellipsis).strip(_QUOTE_TRIM)
    tokens = text.split()
    if len(tokens) < MIN_QUOTE_WORDS or is_grader_directed(text):
        return None
    pattern = re.compile(r"\s+".join(re.escape(t) for t in tokens), re.IGNORECASE)
    for answer in answers:
        folded = fold(answer)
        found = pattern.search(folded.text)
        if found:  # the candidate's exact characters, not the folded copy
            start, end = folded.source_span(found.start(), found.end())
            return answer[start:end]
    return None


def _transcript_blocks(answers: Sequence[str]) -> tuple[list[str], bool]:
    blocks: list[str] = []
    total = 0
    clipped = False
    for answer in answers:
        if not answer.strip():
            continue
        block = inert(answer, ANSWER_MAX_CHARS)
        clipped = clipped or len(inert(answer)) > ANSWER_MAX_CHARS  # not when only fences were cut
        if total + len(block) > TRANSCRIPT_MAX_CHARS:
            clipped = True
            break
        blocks.append(block)
        total += len(block)
    return blocks, clipped


@dataclass
class _Outcome:
    grade: CriterionGrade | None
    note: str = ""


class LlmGrader:
    """Grades each criterion with one structured-output call (plus at most one re-ask), keeps only
    quotes found verbatim in the candidate's words, and builds the card with the shared scoring
    arithmetic. Compared with the offline scorer; a gap of two levels or more is flagged."""

    name = "openai"

    def __init__(
        self,
        config: LlmConfig,
        offline: OfflineGrader | None = None,
        client: openai.OpenAI | None = None,
    ) -> None:
        self.config = config
        self.offline = offline or OfflineGrader()
        self._client = client or config.client()
        self._rung = 0  # index into RUNGS: the structured-output mode this server takes
        self._confirmed = False  # the current rung has produced parseable JSON at least once
        self.calls: deque[CallRecord] = deque(maxlen=500)

    def __repr__(self) -> str:
        return f"LlmGrader({self.config!r}, rung={self.rung!r})"

    @property
    def rung(self) -> Rung:
        return RUNGS[self._rung]

    # -- one criterion -----------------------------------------------------------------------------

    def _prompt(
        self, case: AnyCase, rubric: Rubric, criterion: Criterion, target: Level, blocks: list[str],
        clipped: bool, rung: Rung,
    ) -> list[Message]:
        system = render("grader_system.j2")
        user = render(
            "grader.j2",
            case=case,
            rubric=rubric,
            criterion=criterion,
            key_points=case.key_points.get(criterion.id, []),
            misconceptions=[m for m in case.misconceptions if m.criterion == criterion.id],
            bar=criterion.level_expectations.get(target, ""),
            strong=criterion.strong_expectations.get(target, ""),
            example=case.criterion_examples.get(criterion.id, ""),
            target=target,
            answers=blocks,
            clipped=clipped,
            rung=rung,
            schema=json.dumps(grade_schema()),
            max_quotes=MAX_QUOTES,
            quote_max=QUOTE_MAX_CHARS,
            rationale_max=RATIONALE_MAX_CHARS,
        )
        return _messages(system, user, self.config.system_in_user)

    def _complete(self, messages: list[Message], rung: Rung, purpose: str) -> str:
        response_format: Any = None
        if rung == "json_schema":
            response_format = {
                "type": "json_schema",
                "json_schema": {
                    "name": "criterion_grade",
                    "strict": True,
                    "schema": grade_schema(bounded_strings=False),
                },
            }
        elif rung == "json_object":
            # `schema` is an extension some local servers (llama.cpp) turn into a grammar; others
            # ignore it, and the schema is in the prompt as well.
            response_format = {"type": "json_object", "schema": grade_schema()}
        kwargs: dict[str, Any] = {}
        if response_format is not None:
            kwargs["response_format"] = response_format
        completion = self._client.chat.completions.create(
            model=self.config.model,
            messages=cast(Any, messages),
            max_tokens=self.config.grade_max_tokens,
            temperature=0,
            **kwargs,
        )
        # Everything before the criterion section (instructions, case, transcript) is the same for
        # every criterion of a grading pass.
        prompt = "".join(m["content"] for m in messages)
        prefix_chars = max(prompt.find(CRITERION_SECTION), len(messages[0]["content"]))
        self.calls.append(
            _usage_record(purpose, _chars(messages), prefix_chars, getattr(completion, "usage", None))
        )
        choices = getattr(completion, "choices", None)
        if not choices:
            raise ValueError("the server's reply has no choices")
        content = choices[0].message.content if choices[0].message is not None else None
        return content or ""

    def _next_rung(self) -> bool:
        if self._confirmed or self._rung >= len(RUNGS) - 1:
            return False
        self._rung += 1
        log.info("structured output: falling back to %s", self.rung)
        return True

    def _grade_one(
        self, base: Callable[[Rung], list[Message]], criterion: Criterion
    ) -> CriterionGrade:
        """Ask, falling down the structured-output ladder while the server rejects a format, and
        re-ask once with the validation error. Raises GraderFailure or GraderUnavailable."""
        reasked = False
        follow: list[Message] = []
        while True:
            rung = self.rung
            messages = base(rung) + follow
            try:
                content = self._complete(messages, rung, f"grade:{criterion.id}")
            except openai.APIStatusError as error:
                if error.status_code in REJECTS_FORMAT and self._next_rung():
                    follow = []
                    continue
                if error.status_code in REJECTS_FORMAT:
                    raise GraderFailure(f"the model server answered HTTP {error.status_code}") from None
                raise GraderUnavailable(f"the model server answered HTTP {error.status_code}") from None
            except openai.APIConnectionError as error:  # includes timeouts
                raise GraderUnavailable(type(error).__name__) from None
            except (ValueError, openai.APIResponseValidationError) as error:  # a malformed body
                raise GraderFailure(f"the server's reply was malformed ({type(error).__name__})") from None
            except Exception as error:  # noqa: BLE001 - any other fault unscores, never crashes a card
                log.warning("grading call failed: %s", type(error).__name__)
                raise GraderFailure(f"the grading call failed ({type(error).__name__})") from None
            try:
                data = _extract_json(content, rung)
            except ValueError as error:
                if self._next_rung():
                    follow = []
                    continue
                problem = str(error)
            else:
                try:
                    grade = CriterionGrade.model_validate(data)
                except ValidationError as error:
                    problem = _validation_problems(error)
                else:
                    self._confirmed = True
                    return grade
                self._confirmed = True  # the server produced JSON in this mode: the rung works
            if reasked:
                raise GraderFailure(f"the reply was invalid twice ({problem[:200]})")
            reasked = True
            follow = [
                {"role": "assistant", "content": content[:REASK_ECHO_CHARS]},
                {"role": "user", "content": render("grader_reask.j2", problem=problem, rung=rung)},
            ]

    # -- the card ----------------------------------------------------------------------------------

    def grade(
        self, case: AnyCase, rubric: Rubric, answers: Sequence[str], level: Level = "mid"
    ) -> ScoreCard:
        offline_card = self.offline.grade(case, rubric, answers, level)
        offline = {c.id: c for c in offline_card.criteria}
        blocks, clipped = _transcript_blocks(answers)
        flags: list[str] = []
        scores: list[CriterionScore] = []
        unavailable: str | None = None
        for criterion in rubric.criteria:
            theirs = offline[criterion.id]
            outcome = _Outcome(None)
            if not blocks:
                outcome.note = "Not observed: the candidate said nothing to grade."
            elif unavailable is not None:
                outcome.note = f"Unscored: the model server was unavailable ({unavailable})."
            else:
                def base(rung: Rung, criterion: Criterion = criterion) -> list[Message]:
                    return self._prompt(case, rubric, criterion, level, blocks, clipped, rung)

                try:
                    outcome.grade = self._grade_one(base, criterion)
                except GraderFailure as failure:
                    outcome.note = f"Unscored: {failure}."
                except GraderUnavailable as failure:
                    unavailable = str(failure)
                    outcome.note = f"Unscored: the model server was unavailable ({unavailable})."
            scores.append(self._score(criterion, outcome, answers, theirs, level, flags))
        if unavailable is not None:
            flags.append(
                f"openai grader unavailable ({unavailable}); the criteria after it are scored by the offline scorer"
            )
        overall = overall_score(scores)
        outcome_verdict, reason = verdict(scores, overall)
        return ScoreCard(
            case=case.id,
            rubric=rubric.id,
            level=level,
            backend=self.name,
            overall=overall,
            coverage=offline_card.coverage,
            verdict=outcome_verdict,
            verdict_reason=reason,
            criteria=scores,
            actions=improvement_actions(scores),
            flags=flags,
        )

    def _score(
        self,
        criterion: Criterion,
        outcome: _Outcome,
        answers: Sequence[str],
        offline: CriterionScore,
        target: Level,
        flags: list[str],
    ) -> CriterionScore:
        grade = outcome.grade
        level: int | None = None
        evidence: list[str] = []
        rationale = outcome.note
        if grade is not None:
            verified = [q for q in (verify_quote(quote, answers) for quote in grade.quotes) if q]
            evidence = list(dict.fromkeys(verified))
            dropped = len(grade.quotes) - len(verified)
            level = grade.level
            rationale = grade.rationale.strip()
            if dropped:
                rationale += (
                    f" [{dropped} quote(s) dropped: not found verbatim in the candidate's words.]"
                )
            if level is not None and not evidence:
                rationale += f" [Level {level} withdrawn: no quote could be verified.]"
                flags.append(f"{criterion.id}: level {level} withdrawn, no verifiable quote")
                level = None
        elif outcome.note.startswith("Unscored") and offline.level is not None:
            # The model grader failed: the offline scorer's level stands in, labelled as such, so the
            # card never says "unscored" while its actions talk about what was said.
            reason = outcome.note.removeprefix("Unscored: ").rstrip(".")
            flags.append(f"{criterion.id}: {OFFLINE_FALLBACK_FLAG} ({reason})")
            level, evidence = offline.level, list(offline.evidence)
            rationale = f"Scored by the offline scorer because the model grader failed ({reason}). {offline.rationale}"
        elif outcome.note.startswith("Unscored"):
            flags.append(f"{criterion.id}: {outcome.note.rstrip('.')}")
        if (
            level is not None
            and offline.level is not None
            and abs(level - offline.level) >= DISAGREEMENT_LEVELS
        ):
            flags.append(
                f"{criterion.id}: the openai grader gave {level} and the offline scorer "
                f"{offline.level}; check the quoted evidence"
            )
        return CriterionScore(
            id=criterion.id,
            title=criterion.title,
            weight=criterion.weight,
            core=criterion.core,
            level=level,
            coverage=offline.coverage,  # the offline evidence pass's key-point coverage
            evidence=evidence,
            covered=offline.covered,
            missing=offline.missing,
            rationale=rationale.strip(),
            descriptor=criterion.levels[level] if level else "",
            bar=criterion.level_expectations.get(target, ""),
            points=offline.points,
            misconceptions=offline.misconceptions,
        )


# -- speech through the OpenAI audio endpoints ------------------------------------------------------

TRANSCRIBE_MODEL = "whisper-1"
SPEECH_MODEL = "gpt-4o-mini-tts"
SPEECH_VOICE = "alloy"


def transcribe_openai(
    config: LlmConfig,
    audio: bytes | Path,
    vocabulary: Sequence[str] = (),
    model: str | None = None,
    client: openai.OpenAI | None = None,
) -> Transcript:
    """The same Transcript as the offline engine, from `/v1/audio/transcriptions`: the offline
    engine's prompt (hesitant lead-in, then the vocabulary) goes too, word timings are asked for
    (verbose_json), and the shared correction step runs on the returned words. The file is decoded
    locally first, so a bad file fails before any upload, with the same SpeechError, and the
    duration is known even when the server omits it."""
    from interviewer.speech.stt import SAMPLE_RATE, decode, finish_transcript
    from interviewer.speech.vocabulary import recogniser_prompt

    samples = decode(audio)
    name = audio.name if isinstance(audio, Path) else "recording.wav"
    content = audio.read_bytes() if isinstance(audio, Path) else audio
    picked = model or os.environ.get("INTERVIEWER_TRANSCRIBE_MODEL") or TRANSCRIBE_MODEL
    try:
        reply = (client or config.client()).audio.transcriptions.create(
            file=(name, content),
            model=picked,
            language="en",
            prompt=recogniser_prompt(vocabulary),
            response_format="verbose_json",
            timestamp_granularities=["word"],
        )
    except openai.OpenAIError as error:
        raise SpeechError(f"{name}: the transcription service failed: {error}") from error
    words = [
        WordTiming(text=str(w.word).strip(), start_s=float(w.start), end_s=float(w.end))
        for w in (getattr(reply, "words", None) or [])
        if str(w.word).strip()
    ]
    tokens = [w.text for w in words] or str(reply.text).split()
    duration = float(getattr(reply, "duration", 0.0) or len(samples) / SAMPLE_RATE)
    return finish_transcript(tokens, words, duration, vocabulary, f"openai {picked}")


def synthesize_openai(
    config: LlmConfig,
    text: str,
    model: str | None = None,
    voice: str | None = None,
    client: openai.OpenAI | None = None,
) -> bytes:
    """WAV bytes of the interviewer's words from `/v1/audio/speech`."""
    if not text.strip():
        raise SpeechError("nothing to say: the text is empty")
    picked = model or os.environ.get("INTERVIEWER_TTS_MODEL") or SPEECH_MODEL
    try:
        reply = (client or config.client()).audio.speech.create(
            model=picked,
            voice=voice or os.environ.get("INTERVIEWER_TTS_VOICE") or SPEECH_VOICE,
            input=text,
            response_format="wav",
        )
    except openai.OpenAIError as error:
        raise SpeechError(f"the speech service failed: {error}") from error
    audio = reply.content
    if not audio.startswith(b"RIFF"):
        raise SpeechError(f"the speech service returned {len(audio)} bytes that are not WAV audio")
    return bytes(audio)


# -- connection check (the Settings page's "Test connection") ---------------------------------------


@dataclass(frozen=True)
class ConnectionCheck:
    """What a quick check of the endpoint found, in plain words (never the key)."""

    ok: bool
    message: str
    latency_s: float | None = None  # the one-token completion, seconds
    models: tuple[str, ...] = ()  # what the server lists (empty when it does not list models)


def _redacted(text: str, secret: str | None) -> str:
    text = " ".join(str(text).split())
    if secret:
        text = text.replace(secret, "***")
    return text[:300]


def _plain_failure(error: Exception, config: LlmConfig, what: str) -> str:
    where = config.base_url or "the OpenAI API"
    if isinstance(error, openai.APITimeoutError):
        return f"{where} did not answer {what} within {config.timeout:g} s."
    if isinstance(error, openai.APIConnectionError):
        return (f"Cannot reach {where}: nothing answered there (is the server running, and is the "
                "base URL right, including /v1?).")
    if isinstance(error, openai.AuthenticationError):
        return f"{where} refused the API key (HTTP 401). Check the key, or that this server needs one."
    if isinstance(error, openai.PermissionDeniedError):
        return f"{where} denied access (HTTP 403) {what}."
    if isinstance(error, openai.NotFoundError):
        return (f"{where} has no model {config.model!r} (HTTP 404). Pick one the server lists."
                if what == "to a one-token request" else f"{where} answered HTTP 404 {what}.")
    if isinstance(error, openai.RateLimitError):
        return f"{where} is rate-limiting this key (HTTP 429); try again in a minute."
    if isinstance(error, openai.APIStatusError):
        detail = _redacted(getattr(error, "message", "") or "", config.api_key)
        return f"{where} answered HTTP {error.status_code} {what}: {detail}"
    return f"{type(error).__name__} {what}: {_redacted(str(error), config.api_key)}"


def check_connection(config: LlmConfig, timeout: float = 15.0) -> ConnectionCheck:
    """List the server's models (optional: many local servers do not), then send a one-token
    completion to the configured model and time it. No retries; the key never appears in the result."""
    import time

    quick = LlmConfig(api_key=config.api_key, base_url=config.base_url, model=config.model,
                      timeout=timeout, max_retries=0)
    client = quick.client()
    models: tuple[str, ...] = ()
    note = ""
    try:
        models = tuple(sorted(m.id for m in client.models.list()))[:50]
    except (openai.APIConnectionError, openai.AuthenticationError) as error:
        return ConnectionCheck(False, _plain_failure(error, quick, "to the model list"))
    except openai.OpenAIError:
        note = " The server does not list its models."
    started = time.perf_counter()
    try:
        client.chat.completions.create(
            model=quick.model, messages=[{"role": "user", "content": "Reply with OK."}], max_tokens=1,
        )
    except openai.OpenAIError as error:
        message = _plain_failure(error, quick, "to a one-token request")
        if models and isinstance(error, openai.NotFoundError):
            message += " It lists: " + ", ".join(models[:10]) + "."
        return ConnectionCheck(False, message, models=models)
    latency = time.perf_counter() - started
    listed = f" It lists {len(models)} model{'s' if len(models) != 1 else ''}." if models else note
    return ConnectionCheck(
        True, f"Connected: model {quick.model!r} answered a one-token request in {latency:.2f} s.{listed}",
        latency, models,
    )

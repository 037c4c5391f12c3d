"""The `practice` command: an interview in the terminal, or scripted from a JSONL file of
{"say": text, "at_s": seconds since the start} rows so timed rounds are reproducible (other keys in
a row, such as the "expect" notes of tests/rounds/, are ignored). A row that says `/end` ends the
round there, as typing it does.

Two settings for benches that measure the interviewer (bench/listening.py), not for candidates:
INTERVIEWER_PRACTICE_GRADER=offline grades the card with the offline scorer whatever the backend, and
INTERVIEWER_PRACTICE_STOP_AT_FALLBACK=1 stops a scripted round after the first turn the model
interviewer has no reply for yet (a record / replay pass adds one turn per round).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from interviewer.jsonl import read_jsonl
from interviewer.models import Turn
from interviewer.service import InterviewService


class ScriptError(ValueError):
    pass


def scripted_answers(path: Path) -> Iterator[tuple[str, float | None]]:
    last = 0.0
    for number, row in read_jsonl(path):
        if not isinstance(row.get("say"), str):
            raise ScriptError(f'{path}:{number}: each row needs "say": text')
        at_s = row.get("at_s")
        if at_s is not None:
            if not isinstance(at_s, int | float) or at_s < last:
                raise ScriptError(f"{path}:{number}: at_s must be a number of seconds, not before the row above")
            last = float(at_s)
        yield row["say"], (float(at_s) if at_s is not None else None)


def typed_answers(interactive: bool) -> Iterator[tuple[str, float | None]]:
    while True:
        try:
            line = input("\nyou> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return
        line = line.strip()
        if line in ("/end", "/quit", "/done"):
            return
        if line:
            yield line, None


def _show(turn: Turn, quiet: bool) -> None:
    if not quiet:
        who = "interviewer" if turn.role == "interviewer" else "you"
        print(f"\n[{turn.at_s / 60:5.1f} min · {turn.phase}] {who}: {turn.text}", flush=True)


def run_practice(service: InterviewService, args: argparse.Namespace) -> dict[str, Any]:
    quiet = bool(args.json)
    if args.resume:
        session = service.store.session(args.resume)
        if session.status == "finished":
            raise ValueError(f"session {session.id} has already ended; `report {session.id}` shows it")
        print(f"resuming session {session.id}", file=sys.stderr)
    else:
        session = service.start(args.case, args.level)
        print(f"session {session.id}", file=sys.stderr)
        for turn in service.store.turns(session.id):
            _show(turn, quiet)

    answers = (
        scripted_answers(args.answers_file)
        if args.answers_file
        else typed_answers(interactive=sys.stdin.isatty())
    )
    last_at: float | None = None
    stop_at_fallback = os.environ.get("INTERVIEWER_PRACTICE_STOP_AT_FALLBACK", "") == "1"
    for text, at_s in answers:
        if service.store.session(session.id).status == "finished":
            print("the interviewer has closed the round; remaining answers ignored", file=sys.stderr)
            break
        last_at = at_s
        if quiet:
            replies = service.submit(session.id, text, at_s)
        else:  # the interviewer's words appear as the backend streams them
            print("\ninterviewer: ", end="", flush=True)
            replies = service.submit_streaming(
                session.id, text, lambda chunk: print(chunk, end="", flush=True), at_s
            )
            print(flush=True)
        # a reply the model gave but the interviewer rejected (say, it leaked a key point) is part of
        # the round; only a request with no reply yet (the replay server's HTTP 500) ends a pass
        if stop_at_fallback and any(t.source.startswith("offline-fallback (InternalServerError") for t in replies):
            print("stopped at the first turn the model did not answer", file=sys.stderr)
            break

    if os.environ.get("INTERVIEWER_PRACTICE_GRADER", "") == "offline":
        service.grader = service.offline
    card = service.finish(session.id, at_s=last_at)
    if not quiet:
        print(f"\nverdict: {card.verdict} · overall {card.overall} · {card.verdict_reason}")
        for action in card.actions:
            print(f"  -> {action}")
        print(f"\nfull report: python -m interviewer report {session.id}")
    return {
        "session_id": session.id,
        "case": session.case_id,
        "turns": [t.model_dump() for t in service.store.turns(session.id)],
        "scorecard": card.model_dump(),
    }

"""Does the interviewer listen? Every scripted round in tests/rounds/ runs through
`python -m interviewer practice --answers-file ... --json`, and its transcript is checked for the six
failures of issue 14:

- answered_follow_up: an authored follow-up asked after the candidate had said what it listens for;
- covered_phase_asked: a phase change that asks "take me through it" of a phase already covered;
- fact_withheld: a question about the case that the case's facts answer, not answered with them
  (and fact_invented, reported beside it: a number given that no fact, prompt or question holds);
- interview_as_case: a question about the interview ("how much time is left?") answered as a case
  question ("that isn't specified");
- after_end: anything but the close after the candidate's `/end`;
- repeated_question: the same follow-up, or the same question in the same words, asked twice.

Also reported, not counted in the six: `revealed` (eight words in a row of a key point or the model
answer that the candidate did not say and could not see) and, for the model interviewer, `reply`
(a reply longer than 70 words or three questions' worth, a probe without a question, a close with
one, an adapted probe that does not pick up the candidate's words).

A round is tests/rounds/<case-id>--<style>.jsonl: rows {"say", "at_s", "expect"}, where expect is
answer | fact:<topic> | known:<words the prompt states> | no_fact | interview | dont_know | end.

Offline:
    .venv/bin/python bench/listening.py [--rounds 'realtime-eta*'] [--jobs 2] [--json]
    .venv/bin/python bench/listening.py --facts    (the fact matcher on tests/rounds/fact-questions.json)

The model interviewer, through bench/model_server.py (one pass per interviewer turn, because each
turn's prompt holds the previous reply):
    .venv/bin/python bench/listening.py --llm pass --requests R --responses S
        replays every stored reply and stores each new request in R; a round stops at its first turn
        with no stored reply (that turn falls back offline), so a pass adds one request per round.
        Answer the new requests (bench/model_server.py batches --requests R --out B --skip-answered S),
        put the replies in S, run the pass again; done when a pass reports no pending round.
    .venv/bin/python bench/listening.py --llm replay --responses S
        runs every round on stored replies only and checks them; a missing reply fails loudly.
LISTENING_ENGINE=DIR runs the practice command of another checkout (say, a `git worktree` of an older
commit) on this checkout's cases, to compare engines on the same rounds.
Grading in these runs uses the offline scorer (INTERVIEWER_PRACTICE_GRADER=offline): the bench
measures the interviewer, not the grader.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.backends.offline import NO_FACT, OfflineGrader  # noqa: E402
from interviewer.catalog import Catalog, load_catalog  # noqa: E402
from interviewer.models import AnyCase  # noqa: E402
from interviewer.numbers import quantities, same_quantity  # noqa: E402
from interviewer.policy import PHASE_COVERED, listened_points  # noqa: E402
from interviewer.policy.heard import HEARD  # noqa: E402
from interviewer.policy.phases import phase_views  # noqa: E402
from interviewer.session import derive_state  # noqa: E402
from interviewer.text import content_stems  # noqa: E402

ROUNDS = ROOT / "tests" / "rounds"
CHECKS = ("answered_follow_up", "covered_phase_asked", "fact_withheld", "interview_as_case", "after_end",
          "repeated_question")
EXTRA = ("fact_invented", "revealed", "reply")
ASKING_KINDS = ("probe", "nudge", "phase_change")
NOT_SPECIFIED = re.compile(r"\b(isn'?t|is not|not) (specified|given|stated|in the brief|part of)", re.IGNORECASE)
NUMBER = re.compile(r"\d[\d,.]*%?")
# a probe may ask in the imperative ("Explain to the ops desk lead what a 70% score means.")
ASKS = re.compile(r"(^|[.!:]\s+)(Explain|Walk me|Talk me|Take me|Tell me|Describe|Sketch|Estimate|Size|Give me|Show me|"
                  r"Say|Name|Justify|Defend|Convince|Pitch)\b")
REPLY_MAX_WORDS = 70
LEAK_WORDS = 8


@dataclass
class RoundResult:
    name: str
    case: str
    violations: dict[str, list[str]] = field(default_factory=dict)
    turns: int = 0
    misses: int = 0  # model turns with no stored reply yet (a pass records them)
    rejected: int = 0  # model replies the interviewer refused (a leaked key point...) and said offline
    error: str = ""

    def add(self, check: str, detail: str) -> None:
        self.violations.setdefault(check, []).append(detail)

    def count(self, check: str) -> int:
        return len(self.violations.get(check, []))

    @property
    def total(self) -> int:
        return sum(self.count(c) for c in CHECKS)


def round_files(pattern: str = "*") -> list[Path]:
    return sorted(p for p in ROUNDS.glob("*.jsonl") if fnmatch.fnmatch(p.stem, pattern))


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def case_of(path: Path) -> str:
    return path.stem.split("--", 1)[0]


# -- running a round -------------------------------------------------------------------------------


def run_round(path: Path, llm_url: str | None = None, stop_at_fallback: bool = False) -> dict[str, Any]:
    """The practice command's JSON for one scripted round (a fresh database each time)."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "interviewer", "practice", "--case", case_of(path),
                   "--answers-file", str(path), "--db", str(Path(folder) / "round.sqlite3"), "--json"]
        env = dict(os.environ)
        if llm_url:
            command += ["--backend", "openai", "--base-url", llm_url, "--model", "capable-model"]
            env.update(INTERVIEWER_PRACTICE_GRADER="offline", INTERVIEWER_LLM_MAX_RETRIES="0",
                       INTERVIEWER_LLM_TIMEOUT="20")
            if stop_at_fallback:
                env["INTERVIEWER_PRACTICE_STOP_AT_FALLBACK"] = "1"
        engine = Path(os.environ.get("LISTENING_ENGINE", ROOT))  # another checkout's engine, to compare
        if engine != ROOT:
            command += ["--cases-dir", str(ROOT / "cases"), "--rubrics-dir", str(ROOT / "rubrics")]
        done = subprocess.run(command, capture_output=True, text=True, cwd=engine, env=env, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"{path.name}: practice exited {done.returncode}: {done.stderr.strip()[-600:]}")
        result: dict[str, Any] = json.loads(done.stdout)
        return result


# -- the checks ------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def questions_in(text: str) -> list[str]:
    return [_norm(s) for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip().endswith("?")]


def _has_quantities(text: str, reply: str) -> tuple[int, int]:
    """How many of the text's quantities the reply states, in digits or in words ("2" / "two"), of all."""
    said = quantities(reply)
    wanted = set(quantities(text))
    return sum(1 for q in wanted if any(same_quantity(q, r) for r in said)), len(wanted)


def _fact_given(fact_answer: str, reply: str) -> bool:
    """The reply passes the fact on: verbatim, or most of its numbers and a share of its words."""
    if fact_answer.strip() in reply:
        return True
    given, numbers = _has_quantities(fact_answer, reply)
    fact_stems, reply_stems = set(content_stems(fact_answer)), set(content_stems(reply))
    words = len(fact_stems & reply_stems) / max(1, len(fact_stems))
    return (not numbers or given >= max(1, numbers // 2)) and words >= 0.25 and \
        not NOT_SPECIFIED.search(reply)


def _visible_runs(case: AnyCase, said: Sequence[str]) -> set[str]:
    visible = " ".join([case.prompt, *(c.answer for c in case.clarifications), *(f.ask for f in case.follow_ups),
                        *said])
    words = _norm(visible).split()
    return {" ".join(words[i : i + LEAK_WORDS]) for i in range(len(words) - LEAK_WORDS + 1)}


def _leaks(case: AnyCase, reply: str, visible: set[str]) -> list[str]:
    spoken = _norm(reply)
    found = []
    for secret in [p for ps in case.key_points.values() for p in ps] + [case.model_answer]:
        words = _norm(secret).split()
        for i in range(len(words) - LEAK_WORDS + 1):
            run = " ".join(words[i : i + LEAK_WORDS])
            if run in spoken and run not in visible:
                found.append(secret[:60])
                break
    return found


def check_round(name: str, case: AnyCase, catalog: Catalog, grader: OfflineGrader, rows: list[dict[str, Any]],
                turns: list[dict[str, Any]], model: bool = False) -> RoundResult:
    from interviewer.models import Turn

    result = RoundResult(name, case.id, turns=len(turns))
    rubric = catalog.rubric_for(case)
    typed = [Turn.model_validate(t) for t in turns]
    candidate_rows = [i for i, t in enumerate(typed) if t.role == "candidate"]
    evidence_cache: dict[int, dict[str, Any]] = {}

    def evidence_before(position: int) -> dict[str, Any]:
        said = [t.text for t in typed[:position] if t.role == "candidate" and not t.text.startswith("/")]
        if len(said) not in evidence_cache:
            evidence_cache[len(said)] = grader.evidence(case, said)
        return evidence_cache[len(said)]

    asked_follow_ups: dict[int, int] = {}
    asked_questions: dict[str, int] = {}
    ended_at: int | None = None
    for position, turn in enumerate(typed):
        if turn.role == "candidate":
            number = candidate_rows.index(position)
            row = rows[number] if number < len(rows) else {}
            expect = str(row.get("expect", "answer"))
            replies = [t for t in typed[position + 1 :] if t.role == "interviewer"][:1]
            following = []
            for t in typed[position + 1 :]:
                if t.role == "candidate":
                    break
                following.append(t)
            reply = following[0] if following else None
            if expect == "end":
                ended_at = position
                extra = [t for t in typed[position + 1 :] if t.role == "interviewer"]
                if not extra or extra[0].kind != "wrap_up" or len(extra) > 1:
                    result.add("after_end", f"turn {position}: after /end: {[t.kind for t in extra]}")
            elif reply is None:
                continue
            elif expect.startswith("fact:"):
                topic = expect.split(":", 1)[1]
                fact = next((c for c in case.clarifications if c.topic == topic), None)
                if fact is None:
                    result.add("fact_withheld", f"turn {position}: the script names no fact {topic!r} of the case")
                elif not _fact_given(fact.answer, reply.text):
                    result.add("fact_withheld", f"turn {position}: {turn.text[:70]!r} -> {reply.text[:90]!r}")
            elif expect.startswith("known:"):  # answered by the prompt: the reply must say it
                known = expect.split(":", 1)[1]
                given, numbers = _has_quantities(known, reply.text)
                if known not in reply.text and not (numbers and given == numbers):
                    result.add("fact_withheld", f"turn {position}: {turn.text[:70]!r} -> {reply.text[:90]!r}")
            elif expect == "interview":
                gave_fact = any(c.answer in reply.text for c in case.clarifications)
                if NOT_SPECIFIED.search(reply.text) or reply.text == NO_FACT or gave_fact:
                    result.add("interview_as_case", f"turn {position}: {turn.text[-70:]!r} -> {reply.text[:90]!r}")
            if expect in ("no_fact", "interview") and reply is not None:
                known = " ".join([case.prompt, turn.text, *(c.answer for c in case.clarifications)])
                invented = [n for n in NUMBER.findall(reply.text) if n not in known and len(n.strip("%.,")) > 0]
                if expect == "no_fact" and invented:
                    result.add("fact_invented", f"turn {position}: {reply.text[:90]!r}")
            _ = replies
            continue
        # an interviewer turn
        if turn.kind == "opening":
            continue
        if ended_at is not None and position > ended_at and turn.kind != "wrap_up":
            continue  # counted under after_end
        if turn.kind in ASKING_KINDS and turn.follow_up is not None and "skipped" not in turn.source:
            follow_up = case.follow_ups[turn.follow_up]
            if turn.follow_up in asked_follow_ups:
                result.add("repeated_question", f"turn {position}: follow-up {turn.follow_up} again")
            asked_follow_ups[turn.follow_up] = position
            points = listened_points(case, follow_up, grader.embedder)
            found = evidence_before(position).get(follow_up.criterion)
            if points and found is not None and all(found.matches[i].credit >= HEARD for i in points
                                                    if i < len(found.matches)):
                result.add("answered_follow_up", f"turn {position}: {follow_up.ask[:80]!r}")
        if turn.kind in ASKING_KINDS:
            for question in questions_in(turn.text):
                if question in asked_questions:
                    result.add("repeated_question", f"turn {position}: {question[:80]!r}")
                asked_questions[question] = position
        if turn.kind == "phase_change" and turn.follow_up is None and turn.criterion is None:
            state = derive_state(case, typed[:position])
            view = next(v for v in phase_views(case, rubric, state) if v.phase.id == turn.phase)
            found = evidence_before(position)
            said = [c for c in (view.own or view.criteria) if found[c].coverage >= PHASE_COVERED]
            if said:
                result.add("covered_phase_asked", f"turn {position}: {turn.text[:90]!r} (covered: {said})")
        if model and turn.source.startswith("openai"):
            _check_model_reply(result, case, typed, position)
        said_so_far = [t.text for t in typed[:position] if t.role == "candidate"]
        for leak in _leaks(case, turn.text, _visible_runs(case, said_so_far)):
            result.add("revealed", f"turn {position}: {leak!r}")
    return result


def _check_model_reply(result: RoundResult, case: AnyCase, typed: list[Any], position: int) -> None:
    turn = typed[position]
    words = len(turn.text.split())
    problems = []
    if words > REPLY_MAX_WORDS:
        problems.append(f"{words} words")
    if turn.text.count("?") > 2:
        problems.append("more than two question marks")
    if turn.kind in ("probe", "nudge") and "?" not in turn.text and not ASKS.search(turn.text):
        problems.append("a probe without a question")
    if turn.kind == "wrap_up" and "?" in turn.text:
        problems.append("a close that asks something")
    if "(alternative" in turn.source or "(skipped" in turn.source:
        latest = next((t.text for t in reversed(typed[:position]) if t.role == "candidate"), "")
        prompt = set(content_stems(case.prompt))
        shared = (set(content_stems(latest)) - prompt) & set(content_stems(turn.text))
        if len(shared) < 2:
            problems.append("adapted without the candidate's words")
    if problems:
        result.add("reply", f"turn {position}: {', '.join(problems)}: {turn.text[:80]!r}")


# -- the command -----------------------------------------------------------------------------------


def measure(paths: Sequence[Path], llm_url: str | None = None, stop_at_fallback: bool = False,
            jobs: int = 1) -> list[RoundResult]:
    catalog = load_catalog()
    grader = OfflineGrader()

    def one(path: Path) -> RoundResult:
        rows = read_rows(path)
        try:
            output = run_round(path, llm_url, stop_at_fallback)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            return RoundResult(path.stem, case_of(path), error=str(error))
        case = catalog.case(case_of(path))
        result = check_round(path.stem, case, catalog, grader, rows, output["turns"], model=llm_url is not None)
        sources = [str(t.get("source", "")) for t in output["turns"]]
        result.misses = sum(1 for s in sources if s.startswith("offline-fallback (InternalServerError"))
        result.rejected = sum(1 for s in sources if s.startswith("offline-fallback (LlmReplyError"))
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, paths))


def report(results: Sequence[RoundResult], as_json: bool) -> None:
    if as_json:
        print(json.dumps([{"round": r.name, "case": r.case, "turns": r.turns, "misses": r.misses,
                           "rejected": r.rejected,
                           "error": r.error, "violations": r.violations,
                           "total": r.total} for r in results], indent=1))
        return
    short = {"answered_follow_up": "answered", "covered_phase_asked": "covered", "fact_withheld": "withheld",
             "interview_as_case": "meta", "after_end": "end", "repeated_question": "repeat",
             "fact_invented": "invent", "revealed": "reveal", "reply": "reply"}
    header = f"{'round':52} " + " ".join(f"{short[c]:>8}" for c in (*CHECKS, *EXTRA)) + "   total"
    print(header)
    for r in results:
        if r.error:
            print(f"{r.name:52} ERROR {r.error[:200]}")
            continue
        print(f"{r.name:52} " + " ".join(f"{r.count(c):>8}" for c in (*CHECKS, *EXTRA)) + f"   {r.total:>5}")
    print(f"{'total':52} " + " ".join(f"{sum(r.count(c) for r in results):>8}" for c in (*CHECKS, *EXTRA))
          + f"   {sum(r.total for r in results):>5}")
    if any(r.rejected for r in results):
        print(f"model replies the interviewer refused and said offline instead: {sum(r.rejected for r in results)} "
              f"({', '.join(r.name for r in results if r.rejected)})")
    for r in results:
        for check, details in r.violations.items():
            for detail in details:
                print(f"  {r.name} {check}: {detail}")


FACT_SETS = {"calibration": ROUNDS / "fact-questions.json", "held out": ROUNDS / "fact-questions-held-out.json"}


def fact_accuracy() -> int:
    """The fact matcher on the stored case questions: the calibration set its weights and thresholds
    were chosen on (interviewer/policy/facts.py) and a held-out set written afterwards for ten other
    cases. A question is answered right when it gets its fact (directly, or offered as the nearest
    the case gives), or, when no fact answers it, a refusal or an offer marked as the nearest."""
    from interviewer.policy.facts import BRIEF, match_fact

    catalog = load_catalog()
    grader = OfflineGrader()
    wrong_total = 0
    for name, path in FACT_SETS.items():
        rows = json.loads(path.read_text(encoding="utf-8"))
        tally = {"exact": 0, "nearest": 0, "refused": 0, "unanswerable offered nearest": 0, "wrong": 0}
        for row in rows:
            found = match_fact(catalog.case(row["case"]), row["question"], grader.embedder)
            got = found.fact.topic if found.fact else None
            if row["topic"] is not None and got == row["topic"]:
                tally["nearest" if found.nearest else "exact"] += 1
            elif row["topic"] is None and got is None:
                tally["refused"] += 1
            elif row["topic"] is None and found.nearest:
                tally["unanswerable offered nearest"] += 1
            else:
                tally["wrong"] += 1
                said = f"{BRIEF}: {found.fact.answer[:50]}" if got == BRIEF and found.fact else got
                print(f"  {name} {found.score:.3f} expected {row['topic']!r}, got {said!r}: {row['question']}")
        answerable = sum(1 for r in rows if r["topic"] is not None)
        print(f"fact questions, {name} ({len(rows)}: {answerable} answerable, {len(rows) - answerable} not): "
              + ", ".join(f"{k} {v}" for k, v in tally.items()))
        wrong_total += tally["wrong"]
    return 0 if wrong_total == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", default="*", help="glob over round names (file stems)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--llm", choices=["pass", "replay"], default=None)
    parser.add_argument("--requests", type=Path, default=None, help="where new requests are stored (pass)")
    parser.add_argument("--responses", type=Path, default=None, help="stored replies (pass, replay)")
    parser.add_argument("--facts", action="store_true", help="only the fact matcher on fact-questions.json")
    args = parser.parse_args(argv)
    if args.facts:
        return fact_accuracy()
    paths = round_files(args.rounds)
    if not paths:
        print(f"no rounds match {args.rounds!r} in {ROUNDS}", file=sys.stderr)
        return 2
    if args.llm is None:
        results = measure(paths, jobs=args.jobs)
        report(results, args.json)
        return 0 if all(r.total == 0 and not r.error for r in results) else 1

    from bench.model_server import ModelServer

    if args.responses is None:
        parser.error("--llm needs --responses (an empty folder for the first pass)")
    args.responses.mkdir(parents=True, exist_ok=True)
    if args.llm == "pass" and args.requests is None:
        parser.error("--llm pass needs --requests")
    with ModelServer("replay", requests_dir=args.requests, responses_dir=args.responses) as server:
        results = measure(paths, server.base_url, stop_at_fallback=args.llm == "pass", jobs=args.jobs)
        misses = list(dict.fromkeys(server.misses))
    if args.llm == "pass":
        pending = [r.name for r in results if r.misses]
        print(f"{len(misses)} new request(s) stored in {args.requests}; {len(pending)} round(s) pending: "
              f"{', '.join(pending) or 'none'}", file=sys.stderr)
        report(results, args.json)
        return 0
    if misses:
        print(f"replay: {len(misses)} request(s) have no stored reply (first: {misses[0]}); run the passes "
              "first", file=sys.stderr)
        report(results, args.json)
        return 1
    report(results, args.json)
    return 0 if all(r.total == 0 and not r.error for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

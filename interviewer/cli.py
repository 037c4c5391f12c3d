"""python -m interviewer ...: validate, list, score, eval, practice, report, transcribe, speak. JSON
to stdout, logs to stderr."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from interviewer.catalog import DEFAULT_CASES_DIR, DEFAULT_RUBRICS_DIR, Catalog, load_catalog
from interviewer.jsonl import JsonlError, read_jsonl
from interviewer.models import LEVELS, ScoreCard
from interviewer.store import Store, StoreError

log = logging.getLogger("interviewer")


class UsageError(Exception):
    """Bad input from the user: printed as one clear line, exit 2."""


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cases-dir", type=Path, default=None,
                        help=f"default: INTERVIEWER_CASES_DIR, else {DEFAULT_CASES_DIR}")
    common.add_argument("--rubrics-dir", type=Path, default=None,
                        help=f"default: INTERVIEWER_RUBRICS_DIR, else {DEFAULT_RUBRICS_DIR}")
    common.add_argument("--db", type=Path, default=None, help="SQLite file (or INTERVIEWER_DB)")
    common.add_argument("--backend", choices=["offline", "openai"], default="offline")
    common.add_argument("--base-url", default=None)
    common.add_argument("--model", default=None)
    common.add_argument("-v", "--verbose", action="store_true")

    parser = argparse.ArgumentParser(prog="python -m interviewer", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("validate", parents=[common], help="check every case and rubric file")

    listing = commands.add_parser("list", parents=[common], help="list cases")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--kind", choices=["ml_case", "business_case", "system_design", "drill"])
    listing.add_argument("--tag")
    listing.add_argument("--level", choices=LEVELS)
    listing.add_argument("--max-minutes", type=float)

    score = commands.add_parser("score", parents=[common], help="score one answer")
    score.add_argument("--case", required=True)
    score.add_argument("--answer-file", type=Path, required=True)
    score.add_argument("--level", choices=LEVELS, default="mid")
    score.add_argument("--json", action="store_true")

    evaluate = commands.add_parser("eval", parents=[common], help="agreement with human grades")
    evaluate.add_argument("--answers", type=Path, required=True)
    evaluate.add_argument("--json", action="store_true")

    practice = commands.add_parser("practice", parents=[common], help="run an interview")
    practice.add_argument("--case")
    practice.add_argument("--resume", metavar="SESSION_ID")
    practice.add_argument("--answers-file", type=Path)
    practice.add_argument("--level", choices=LEVELS, default="mid")
    practice.add_argument("--json", action="store_true")

    report = commands.add_parser("report", parents=[common], help="a session's feedback report")
    report.add_argument("session_id")
    report.add_argument("--format", choices=["md", "json", "html"], default="md")

    transcribe = commands.add_parser("transcribe", parents=[common], help="speech to text + delivery")
    transcribe.add_argument("audio", type=Path, metavar="FILE", help="a recording (WAV or any audio)")
    transcribe.add_argument("--case", help="use this case's jargon as vocabulary")
    transcribe.add_argument("--stt-model", choices=["tiny.en", "base"], help="or INTERVIEWER_STT_MODEL")
    transcribe.add_argument("--json", action="store_true")

    speak = commands.add_parser("speak", parents=[common], help="text to speech, as a WAV file")
    speak.add_argument("text")
    speak.add_argument("-o", "--output", type=Path, required=True)
    speak.add_argument("--engine", choices=["auto", "piper", "espeak-ng", "openai"], default="auto")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(COMMANDS[args.command](args))
    except (UsageError, JsonlError, KeyError, StoreError, FileNotFoundError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return 2


# -- commands ---------------------------------------------------------------------------------------


def _catalog(args: argparse.Namespace, quiet: bool = False) -> Catalog:
    catalog = load_catalog(args.cases_dir, args.rubrics_dir)
    if catalog.problems and not quiet:
        print(
            f"warning: {len(catalog.problems)} problem(s) in the content; the valid cases still load "
            "(`python -m interviewer validate` lists them)",
            file=sys.stderr,
        )
    return catalog


def cmd_validate(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.cases_dir, args.rubrics_dir)
    for problem in catalog.problems:
        print(problem)
    print(
        f"{len(catalog.cases)} cases and {len(catalog.rubrics)} rubrics valid, "
        f"{len(catalog.problems)} problem(s)",
        file=sys.stderr,
    )
    return 1 if catalog.problems else 0


def cmd_list(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    rows: list[dict[str, Any]] = [
        {
            "id": c.id,
            "title": c.title,
            "kind": c.kind,
            "rubric": c.rubric,
            "duration_min": c.duration_min,
            "levels": list(c.levels),
            "tags": list(c.tags),
            "seed_sections": list(c.seed_sections),
        }
        for c in sorted(catalog.cases.values(), key=lambda c: (c.kind, c.id))
        if (args.kind is None or c.kind == args.kind)
        and (args.tag is None or args.tag in c.tags)
        and (args.level is None or args.level in c.levels)
        and (args.max_minutes is None or c.duration_min <= args.max_minutes)
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['id']:40s} {row['kind']:14s} {row['duration_min']:>4g} min  {', '.join(row['tags'])}")
    return 0


def _service(args: argparse.Namespace, catalog: Catalog) -> Any:
    from interviewer.backends.factory import build_service

    return build_service(
        catalog,
        Store(args.db),
        backend=args.backend,
        base_url=args.base_url,
        model=args.model,
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: not UTF-8 text (byte {error.start})") from error
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from error


def cmd_score(args: argparse.Namespace) -> int:
    catalog = _catalog(args)
    case = catalog.case(args.case)
    text = _read_text(args.answer_file)
    from interviewer.backends.factory import build_grader

    grader = build_grader(args.backend, base_url=args.base_url, model=args.model)
    card = grader.grade(case, catalog.rubric_for(case), [text], args.level)
    print(card.model_dump_json(indent=2) if args.json else _card_text(card))
    return 0


def _card_text(card: ScoreCard) -> str:
    lines = [f"{card.case}: {card.verdict} (overall {card.overall})", card.verdict_reason]
    for c in card.criteria:
        lines.append(f"  {c.title:28s} {c.level if c.level is not None else '-'}  {c.rationale}")
    lines += [f"  -> {action}" for action in card.actions]
    return "\n".join(lines)


def cmd_eval(args: argparse.Namespace) -> int:
    from interviewer.evaluation import EvalRow, agreement

    catalog = _catalog(args)
    rows = []
    for number, raw in read_jsonl(args.answers):
        try:
            rows.append(EvalRow.model_validate(raw))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg'].removeprefix('Value error, ')}"
                for e in error.errors()
            )
            raise UsageError(f"{args.answers}:{number}: {problems}") from error
        catalog.case(rows[-1].case)
    from interviewer.backends.factory import build_grader

    grader = build_grader(args.backend, base_url=args.base_url, model=args.model)
    result = agreement(rows, grader, catalog)
    print(json.dumps(result, indent=2) if args.json else _agreement_text(result))
    return 0


def _agreement_text(result: dict[str, Any]) -> str:
    simple = {k: v for k, v in result.items() if k not in ("criteria", "overall")}
    lines = [f"{key}: {value}" for key, value in simple.items()]
    overall = result.get("overall") or {}
    if overall.get("n"):
        lines.append(
            f"overall (1-4): n={overall['n']} spearman={overall['spearman']} mae={overall['mae']} "
            f"bias={overall['bias']}"
        )
    criteria = result.get("criteria")
    if criteria:
        lines.append(
            f"criterion levels: n={criteria['n']} exact={criteria['exact']} within_one={criteria['within_one']} "
            f"qwk={criteria['qwk']}"
        )
        labels = ["null", "1", "2", "3", "4"]
        lines.append("confusion (rows: gold, columns: predicted)   " + " ".join(f"{c:>5s}" for c in labels))
        for gold in labels:
            counts = criteria["confusion_gold_by_predicted"][gold]
            lines.append(f"  gold {gold:>4s}{'':37s}" + " ".join(f"{counts[c]:5d}" for c in labels))
        for cid, stats in criteria["per_criterion"].items():
            lines.append(
                f"  {cid:24s} n={stats['n']:3d} exact={stats['exact']} within_one={stats['within_one']} qwk={stats['qwk']}"
            )
    return "\n".join(lines)


def cmd_practice(args: argparse.Namespace) -> int:
    from interviewer.practice import run_practice

    catalog = _catalog(args, quiet=True)
    if not args.case and not args.resume:
        raise UsageError("give --case ID to start or --resume SESSION_ID to continue")
    service = _service(args, catalog)
    result = run_practice(service, args)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from interviewer.report import report_html, report_json, report_markdown

    catalog = _catalog(args, quiet=True)
    store = Store(args.db)
    render = {"json": report_json, "html": report_html, "md": report_markdown}[args.format]
    print(render(store, catalog, args.session_id))
    return 0


def cmd_transcribe(args: argparse.Namespace) -> int:
    from interviewer.speech import SpeechError, analyse_delivery, case_vocabulary, transcribe

    vocabulary = case_vocabulary(_catalog(args, quiet=True).case(args.case)) if args.case else []
    try:
        if args.backend == "openai":
            from interviewer.backends.factory import llm_config
            from interviewer.backends.llm import transcribe_openai

            transcript = transcribe_openai(llm_config(args.base_url, args.model), args.audio, vocabulary)
        else:
            transcript = transcribe(args.audio, vocabulary, model=args.stt_model)
    except SpeechError as error:
        raise UsageError(str(error)) from error
    delivery = analyse_delivery(transcript)
    result = {
        **transcript.model_dump(),
        **delivery.model_dump(exclude={"duration_s", "words"}),
        "word_count": delivery.words,
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(transcript.text)
        for correction in transcript.corrections:
            print(f"  corrected: {correction.heard!r} -> {correction.corrected!r}", file=sys.stderr)
        for note in delivery.notes:
            print(f"  {note}", file=sys.stderr)
    return 0


def cmd_speak(args: argparse.Namespace) -> int:
    from interviewer.speech import SpeechError, synthesize

    try:
        if args.engine == "openai":
            from interviewer.backends.factory import llm_config
            from interviewer.backends.llm import synthesize_openai

            audio = synthesize_openai(llm_config(args.base_url, args.model), args.text)
        else:
            audio = synthesize(args.text, engine=args.engine)
    except SpeechError as error:
        raise UsageError(str(error)) from error
    try:
        args.output.write_bytes(audio)
    except OSError as error:
        raise UsageError(f"{args.output}: cannot write: {error.strerror}") from error
    print(f"wrote {args.output} ({len(audio)} bytes)", file=sys.stderr)
    return 0


COMMANDS = {
    "validate": cmd_validate,
    "list": cmd_list,
    "score": cmd_score,
    "eval": cmd_eval,
    "practice": cmd_practice,
    "report": cmd_report,
    "transcribe": cmd_transcribe,
    "speak": cmd_speak,
}

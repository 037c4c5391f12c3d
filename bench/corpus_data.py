"""The graded corpus: answers to the project's own cases (bench/corpus/answers/*.yaml), the teacher's
grades of them (bench/corpus/graded.jsonl) and the key-point pairs (bench/corpus/pairs/*.yaml)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from interviewer.models import AnyCase, Level

CORPUS = Path(__file__).resolve().parent / "corpus"
ANSWERS = CORPUS / "answers"
GRADED = CORPUS / "graded.jsonl"
PAIRS = CORPUS / "pairs"
# The library as the teacher saw it: the two versions the grader requests were recorded with.
CONTENTS = (CORPUS / "content-v2a", CORPUS / "content-v2b", CORPUS / "content-v3")
TEACHER = "a capable model answering the project's grader prompt (version {version})"


@dataclass(frozen=True)
class CorpusAnswer:
    id: str
    case: str
    style: str
    turns: list[str]


@dataclass(frozen=True)
class GradedAnswer:
    id: str
    case: str
    style: str
    target: Level
    turns: list[str]
    levels: dict[str, int | None]  # the teacher's level per criterion (null: not enough evidence)
    prompt_version: int


@dataclass(frozen=True)
class Pair:
    case: str
    criterion: str
    point: str
    utterance: str
    label: str  # "paraphrase" | "partial" | "near_miss" | "opposite"


def load_answers(folder: Path = ANSWERS) -> list[CorpusAnswer]:
    found: list[CorpusAnswer] = []
    for path in sorted(folder.glob("*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for row in data["answers"]:
            turns = [str(t) for t in row["turns"] if str(t).strip()]
            found.append(CorpusAnswer(str(row["id"]), str(data["case"]), str(row["style"]), turns))
    return found


def target_level(case: AnyCase) -> Level:
    """The seniority an answer is graded at: mid where the case suits it, else its lowest level."""
    return "mid" if "mid" in case.levels else case.levels[0]


def load_graded(path: Path = GRADED) -> list[GradedAnswer]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append(
                GradedAnswer(
                    row["id"], row["case"], row["style"], row["target"], row["turns"],
                    row["levels"], row["prompt_version"],
                )
            )
    return rows


def load_pairs(folder: Path = PAIRS) -> list[Pair]:
    pairs: list[Pair] = []
    for path in sorted(folder.glob("*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data["points"]:
            for label in ("paraphrase", "partial", "near_miss", "opposite"):
                for utterance in entry.get(label) or []:
                    pairs.append(
                        Pair(str(data["case"]), str(entry["criterion"]), str(entry["point"]), str(utterance), label)
                    )
    return pairs


MISCONCEPTIONS = CORPUS / "misconceptions"


@dataclass(frozen=True)
class MisconceptionStatement:
    case: str
    claim: str
    utterance: str
    stated: bool  # True: the utterance makes the wrong claim; False: it states the correct view


def load_misconception_statements(folder: Path = MISCONCEPTIONS) -> list[MisconceptionStatement]:
    found: list[MisconceptionStatement] = []
    for path in sorted(folder.glob("*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in data.get("misconceptions") or []:
            for key, stated in (("stated", True), ("correct", False)):
                for utterance in entry.get(key) or []:
                    found.append(MisconceptionStatement(str(data["case"]), str(entry["claim"]), str(utterance), stated))
    return found

"""The real entry point, `python -m interviewer ...`, run as a subprocess from the repository root.

Kept few: the commands that grade load the ONNX embedding model (about 2 s each)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from interviewer.catalog import load_catalog

REPO = Path(__file__).resolve().parent.parent
DRILL = "drill-bias-variance"
LINE = re.compile(r"^(?P<path>/.+?\.yaml): (?P<field>[^:]+): (?P<message>.+)$")


def run(*args: str, db: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, INTERVIEWER_DB=str(db), HF_HUB_OFFLINE="1", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "interviewer", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def answers(case_id: str) -> dict[str, str]:
    return yaml.safe_load(
        (REPO / "tests" / "content" / "answers" / f"{case_id}.yaml").read_text(encoding="utf-8")
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.sqlite3"


# -- validate --------------------------------------------------------------------------------------


def test_validate_the_repository_content(db: Path) -> None:
    result = run("validate", db=db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "0 problem(s)" in result.stderr
    assert not db.exists(), "validate must not touch the database"


def test_validate_a_broken_folder_prints_one_line_per_problem(tmp_path: Path, db: Path) -> None:
    cases, rubrics = tmp_path / "cases", tmp_path / "rubrics"
    cases.mkdir()
    rubrics.mkdir()
    shutil.copy(REPO / "rubrics" / "drill.yaml", rubrics)
    shutil.copy(REPO / "cases" / f"{DRILL}.yaml", cases)
    data = yaml.safe_load((REPO / "cases" / f"{DRILL}.yaml").read_text(encoding="utf-8"))
    data["id"] = "typo"
    data["promt"] = data.pop("prompt")
    (cases / "typo.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (cases / "syntax.yaml").write_text("id: syntax\ntitle: [unclosed\nkind: drill\n", encoding="utf-8")
    data = yaml.safe_load((REPO / "cases" / f"{DRILL}.yaml").read_text(encoding="utf-8"))
    data["id"] = "not-the-stem"
    (cases / "mismatch.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")

    result = run("validate", "--cases-dir", str(cases), "--rubrics-dir", str(rubrics), db=db)

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    found = sorted((Path(m["path"]).name, m["field"]) for m in parsed if m)
    assert found == sorted(
        [
            ("typo.yaml", "promt"),  # unknown field
            ("typo.yaml", "prompt"),  # and the required one is missing
            ("syntax.yaml", "(yaml)"),
            ("mismatch.yaml", "id"),
        ]
    )
    assert all(Path(m["path"]).parent == cases for m in parsed if m)
    assert re.search(r"syntax\.yaml: \(yaml\): line \d+: ", result.stdout)
    assert "1 cases and 1 rubrics valid, 4 problem(s)" in result.stderr


# -- list ------------------------------------------------------------------------------------------


def _listed(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list)
    return rows


@pytest.mark.parametrize(
    ("flags", "keep"),
    [
        (("--kind", "system_design"), lambda c: c.kind == "system_design"),
        (("--tag", "llm"), lambda c: "llm" in c.tags),
        (("--level", "junior"), lambda c: "junior" in c.levels),
        (("--max-minutes", "7"), lambda c: c.duration_min <= 7),
    ],
    ids=["kind", "tag", "level", "max-minutes"],
)
def test_list_json_filters(db: Path, flags: tuple[str, ...], keep: Any) -> None:
    catalog = load_catalog()
    expected = sorted((c.kind, c.id) for c in catalog.cases.values() if keep(c))
    assert expected, "pick a filter that matches something"
    assert len(expected) < len(catalog.cases), "pick a filter that removes something"

    rows = _listed(run("list", "--json", *flags, db=db))

    assert [(r["kind"], r["id"]) for r in rows] == expected  # sorted by kind, then id
    for row in rows:
        case = catalog.case(row["id"])
        assert row["title"] == case.title and row["rubric"] == case.rubric
        assert row["duration_min"] == case.duration_min
        assert row["levels"] == list(case.levels) and row["tags"] == list(case.tags)


# -- score -----------------------------------------------------------------------------------------


def test_score_json_quotes_the_answer_verbatim(tmp_path: Path, db: Path) -> None:
    # Curly apostrophes, a non-breaking space and a CRLF-free two-paragraph answer: quotes must be
    # the candidate's exact characters, not a normalised copy.
    text = answers(DRILL)["strong"].replace("can't", "can’t").replace("4 versus 19", "4\u00a0versus 19")
    answer_file = tmp_path / "answer.txt"
    answer_file.write_text(text, encoding="utf-8")

    result = run("score", "--case", DRILL, "--answer-file", str(answer_file), "--json", db=db)

    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)  # stdout is JSON only; logs go to stderr
    assert {"case", "overall", "verdict", "criteria"} <= set(card)
    assert card["case"] == DRILL
    assert card["overall"] is None or 1.0 <= card["overall"] <= 4.0
    assert card["verdict"] in {"ready", "borderline", "not_ready", "incomplete", "unscored"}
    rubric = load_catalog().rubrics["drill"]
    assert [c["id"] for c in card["criteria"]] == rubric.criterion_ids
    quotes = []
    for criterion in card["criteria"]:
        assert {"id", "level", "evidence", "missing", "rationale"} <= set(criterion)
        assert criterion["level"] is None or criterion["level"] in (1, 2, 3, 4)
        assert isinstance(criterion["missing"], list) and isinstance(criterion["rationale"], str)
        if criterion["level"] is not None:
            assert criterion["evidence"], "every level cites evidence"
        quotes += criterion["evidence"]
    assert quotes, "a strong answer must earn some quoted evidence"
    file_text = answer_file.read_text(encoding="utf-8")
    for quote in quotes:
        assert quote in file_text, f"not verbatim: {quote!r}"
    assert card["overall"] is not None and card["overall"] >= 3.0  # the strong reference answer


# -- eval ------------------------------------------------------------------------------------------


def test_eval_json_prints_agreement(tmp_path: Path, db: Path) -> None:
    drill, drift = answers(DRILL), answers("drill-data-drift")
    rows = [
        {"case": DRILL, "answer": drill["strong"], "gold": 9, "gold_max": 10},
        {"case": DRILL, "answer": drill["weak"], "gold": 3, "gold_max": 10},
        {"case": "drill-data-drift", "answer": drift["strong"], "gold": 4},
        {"case": "drill-data-drift", "answer": drift["weak"], "gold": 2},
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n\n", encoding="utf-8")

    result = run("eval", "--answers", str(path), "--json", db=db)

    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert {"spearman", "pearson", "qwk", "mae_levels"} <= set(stats)
    assert stats["n"] == 4
    for key in ("spearman", "pearson", "qwk"):
        assert stats[key] is None or -1.0 <= stats[key] <= 1.0
    assert 0.0 <= stats["mae_levels"] <= 3.0
    assert stats["pearson"] is not None and stats["pearson"] > 0  # strong answers outscore weak ones


def test_eval_bad_jsonl_line_exits_2_naming_file_and_line(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "gold.jsonl"
    good = json.dumps({"case": DRILL, "answer": "Bias is error from a rigid model.", "gold": 2})
    path.write_text(good + "\n" + "{not json\n" + good + "\n", encoding="utf-8")

    result = run("eval", "--answers", str(path), "--json", db=db)

    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{path}:2:" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_invalid_row_after_a_blank_line_names_its_real_line(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "gold.jsonl"
    good = json.dumps({"case": DRILL, "answer": "Bias is error from a rigid model.", "gold": 2})
    out_of_range = json.dumps({"case": DRILL, "answer": "x", "gold": 9})  # no gold_max: 1-4
    path.write_text(good + "\n\n" + out_of_range + "\n", encoding="utf-8")

    result = run("eval", "--answers", str(path), "--json", db=db)

    assert result.returncode == 2
    assert f"{path}:3:" in result.stderr, result.stderr


# -- practice, then report -------------------------------------------------------------------------


def test_practice_with_an_answers_file_then_report_json(tmp_path: Path, db: Path) -> None:
    script = tmp_path / "script.jsonl"
    said = [
        "Bias is error from a model too simple for the signal; variance is sensitivity to the sample.",
        "The boosted model at 4 versus 19 percent is overfitting, so I would cap depth and stop early.",
    ]
    script.write_text(
        "\n".join(json.dumps({"say": text, "at_s": at}) for text, at in zip(said, (30, 150), strict=True))
        + "\n",
        encoding="utf-8",
    )

    practice = run("practice", "--case", DRILL, "--answers-file", str(script), "--json", db=db)

    assert practice.returncode == 0, practice.stderr
    assert db.is_file(), "INTERVIEWER_DB decides where the session is stored"
    outcome = json.loads(practice.stdout)
    session_id = outcome["session_id"]
    assert outcome["case"] == DRILL
    assert [t["text"] for t in outcome["turns"] if t["role"] == "candidate"] == said
    assert [t["index"] for t in outcome["turns"]] == list(range(len(outcome["turns"])))

    report = run("report", session_id, "--format", "json", db=db)

    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["session"]["id"] == session_id
    assert data["session"]["case_id"] == DRILL
    assert data["session"]["status"] == "finished"
    assert data["turns"] == outcome["turns"]
    assert data["scorecard"] == outcome["scorecard"]
    assert data["model_answer"], "a finished session shows the model answer"

    page = run("report", session_id, "--format", "html", db=db)
    assert page.returncode == 0, page.stderr
    assert page.stdout.startswith("<!doctype html>") and session_id in page.stdout

    missing = run("report", "no-such-session", "--format", "json", db=db)
    assert missing.returncode == 2
    assert "no-such-session" in missing.stderr and "Traceback" not in missing.stderr

"""The broken-content corpus (tests/corpus/broken): every file, dropped next to the real content, is
one clear `path: field: message` problem, through the catalog loader, `python -m interviewer
validate` and `list`, and the app's Library page; the 40 valid cases keep working beside it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from interviewer.catalog import DEFAULT_CASES_DIR, DEFAULT_RUBRICS_DIR, MAX_FILE_BYTES, load_catalog

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "broken"
EXPECTED: dict[str, dict[str, str]] = yaml.safe_load((CORPUS / "EXPECTED.yaml").read_text(encoding="utf-8"))
GENERATED_HUGE = "cases/broken-huge.yaml"
REAL_CASES = sorted(p.stem for p in DEFAULT_CASES_DIR.glob("*.yaml"))
REAL_RUBRICS = sorted(p.stem for p in DEFAULT_RUBRICS_DIR.glob("*.yaml"))


def write_huge_case(path: Path) -> None:
    """A well-formed case padded past the size limit (generated: too big to commit)."""
    data: dict[str, Any] = yaml.safe_load((DEFAULT_CASES_DIR / "drill-kv-cache.yaml").read_text("utf-8"))
    data["id"] = path.stem
    data["model_answer"] = "The cache grows with every token. " * (MAX_FILE_BYTES // 30)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert path.stat().st_size > MAX_FILE_BYTES


def all_expected() -> dict[str, dict[str, str]]:
    return {**EXPECTED, GENERATED_HUGE: {"field": "(file)", "message": f"over the {MAX_FILE_BYTES} limit"}}


def real_content_copy(root: Path) -> tuple[Path, Path]:
    cases, rubrics = root / "cases", root / "rubrics"
    shutil.copytree(DEFAULT_CASES_DIR, cases)
    shutil.copytree(DEFAULT_RUBRICS_DIR, rubrics)
    return cases, rubrics


def drop(name: str, root: Path) -> Path:
    """Put corpus file `name` (cases/... or rubrics/...) into the content copy under root."""
    target = root / name
    if name == GENERATED_HUGE:
        write_huge_case(target)
    else:
        shutil.copyfile(CORPUS / name, target)
    return target


def test_the_manifest_lists_every_corpus_file_and_enough_of_them() -> None:
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.yaml")}
    assert on_disk == set(EXPECTED)
    assert len(all_expected()) >= 25
    assert all(entry["field"] and entry["message"] for entry in EXPECTED.values())
    stems = {Path(name).stem for name in EXPECTED}
    assert not stems & (set(REAL_CASES) | set(REAL_RUBRICS)), "a corpus file would replace real content"


@pytest.mark.parametrize("name", sorted(all_expected()))
def test_each_broken_file_is_one_problem_naming_file_and_field(name: str, tmp_path: Path) -> None:
    cases, rubrics = real_content_copy(tmp_path)
    path = drop(name, tmp_path)
    expected = all_expected()[name]
    catalog = load_catalog(cases, rubrics)
    assert [(p.path, p.field) for p in catalog.problems] == [(path, expected["field"])], catalog.problems
    line = str(catalog.problems[0])
    assert line.startswith(f"{path}: {expected['field']}: ")
    assert expected["message"] in catalog.problems[0].message
    assert sorted(catalog.cases) == REAL_CASES
    assert sorted(catalog.rubrics) == REAL_RUBRICS


def test_the_python_tag_runs_nothing(tmp_path: Path) -> None:
    cases, rubrics = real_content_copy(tmp_path)
    sentinel = tmp_path / "executed"
    (cases / "broken-touch.yaml").write_text(
        f"id: broken-touch\ntitle: !!python/object/apply:os.system ['touch {sentinel}']\n", encoding="utf-8"
    )
    catalog = load_catalog(cases, rubrics)
    assert [p.field for p in catalog.problems] == ["(yaml)"]
    assert not sentinel.exists()


# -- the command line, all broken files at once -----------------------------------------------------


@pytest.fixture(scope="module")
def broken_content(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[Path, dict[str, str]]]:
    root = tmp_path_factory.mktemp("broken-content")
    cases, rubrics = real_content_copy(root)
    dropped = {drop(name, root): expected for name, expected in all_expected().items()}
    return cases, rubrics, dropped


def cli(*args: str, cases: Path, rubrics: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "interviewer", *args, "--cases-dir", str(cases), "--rubrics-dir", str(rubrics),
         "--db", str(db)],
        capture_output=True, text=True, timeout=180, cwd=ROOT, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_validate_prints_one_line_per_broken_file_and_exits_1(broken_content, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases, rubrics, dropped = broken_content
    result = cli("validate", cases=cases, rubrics=rubrics, db=tmp_path / "db.sqlite3")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(dropped)
    for path, expected in dropped.items():
        prefix = f"{path}: {expected['field']}: "
        matching = [line for line in lines if line.startswith(prefix)]
        assert len(matching) == 1, (path, lines)
        assert expected["message"] in matching[0]
    assert f"{len(REAL_CASES)} cases and {len(REAL_RUBRICS)} rubrics valid, {len(dropped)} problem(s)" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_and_score_keep_working_with_the_valid_cases(broken_content, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases, rubrics, dropped = broken_content
    db = tmp_path / "db.sqlite3"
    listed = cli("list", "--json", cases=cases, rubrics=rubrics, db=db)
    assert listed.returncode == 0, listed.stderr
    assert sorted(row["id"] for row in json.loads(listed.stdout)) == REAL_CASES
    assert f"warning: {len(dropped)} problem(s)" in listed.stderr

    answer = tmp_path / "answer.txt"
    answer.write_text("The KV cache keeps past keys and values per layer, so each new token "
                      "computes only its own projections; that trades compute for memory.", encoding="utf-8")
    scored = cli("score", "--case", "drill-kv-cache", "--answer-file", str(answer), "--json",
                 cases=cases, rubrics=rubrics, db=db)
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["case"] == "drill-kv-cache"

    missing = cli("score", "--case", "broken-missing-prompt", "--answer-file", str(answer),
                  cases=cases, rubrics=rubrics, db=db)
    assert missing.returncode == 2
    assert "no valid case with id 'broken-missing-prompt'" in missing.stderr
    assert "Traceback" not in missing.stderr


# -- the app ----------------------------------------------------------------------------------------


def test_the_library_page_lists_the_valid_cases_and_shows_every_problem(
    broken_content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    cases, rubrics, dropped = broken_content
    monkeypatch.setenv("INTERVIEWER_DB", str(tmp_path / "app.sqlite3"))
    monkeypatch.setenv("INTERVIEWER_CASES_DIR", str(cases))
    monkeypatch.setenv("INTERVIEWER_RUBRICS_DIR", str(rubrics))
    at = AppTest.from_file(ROOT / "streamlit_app.py", default_timeout=60).run()
    assert not at.exception
    at.switch_page("app_pages/library.py").run()
    assert not at.exception
    titles = {case.id: case.title for case in load_catalog(cases, rubrics).cases.values()}
    assert sorted(at.dataframe[0].value["Case"]) == sorted(titles[case_id] for case_id in REAL_CASES)
    shown = "\n".join(block.value for block in at.code)
    assert f"{len(dropped)} content file(s) failed validation" in at.expander[0].label
    for path, expected in dropped.items():
        assert f"{path}: {expected['field']}: " in shown

"""Catalog loading and validation: every broken file gives one clear `path: field: message` problem
that names the file and the field, and the valid files beside it still load."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from interviewer.catalog import (
    DEFAULT_CASES_DIR,
    DEFAULT_RUBRICS_DIR,
    MAX_ALIASES,
    MAX_FILE_BYTES,
    Catalog,
    Problem,
    load_catalog,
)
from interviewer.models import CASE_KINDS

REPO = Path(__file__).resolve().parent.parent
VALID_RUBRIC = "drill"
VALID_CASE = "drill-bias-variance"
SYSTEM_DESIGN_RUBRIC = "system-design"
SYSTEM_DESIGN_CASE = "feature-store"


class Content:
    """A tmp cases/ + rubrics/ pair seeded with one valid rubric and one valid case from the repo."""

    def __init__(self, root: Path) -> None:
        self.cases = root / "cases"
        self.rubrics = root / "rubrics"
        self.cases.mkdir()
        self.rubrics.mkdir()
        shutil.copy(REPO / "rubrics" / f"{VALID_RUBRIC}.yaml", self.rubrics)
        shutil.copy(REPO / "cases" / f"{VALID_CASE}.yaml", self.cases)

    @staticmethod
    def case_data(case_id: str = VALID_CASE) -> dict[str, Any]:
        return yaml.safe_load((REPO / "cases" / f"{case_id}.yaml").read_text(encoding="utf-8"))

    @staticmethod
    def rubric_data(rubric_id: str = VALID_RUBRIC) -> dict[str, Any]:
        return yaml.safe_load((REPO / "rubrics" / f"{rubric_id}.yaml").read_text(encoding="utf-8"))

    def write_case(self, stem: str, data: dict[str, Any]) -> Path:
        path = self.cases / f"{stem}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    def write_rubric(self, stem: str, data: dict[str, Any]) -> Path:
        path = self.rubrics / f"{stem}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        return path

    def load(self) -> Catalog:
        return load_catalog(self.cases, self.rubrics)


@pytest.fixture
def content(tmp_path: Path) -> Content:
    return Content(tmp_path)


def broken_case(content: Content, **changes: Any) -> Path:
    """The valid case re-saved as cases/bad.yaml (id 'bad') with `changes` applied."""
    data = content.case_data()
    data["id"] = "bad"
    data.update(changes)
    return content.write_case("bad", data)


def only_problem(catalog: Catalog, path: Path, field: str) -> Problem:
    """Exactly one problem, for `path` and `field`, printed as `path: field: message`; the valid
    neighbours still loaded."""
    assert [(p.path, p.field) for p in catalog.problems] == [(path, field)], catalog.problems
    problem = catalog.problems[0]
    assert str(problem).startswith(f"{path}: {field}: ")
    assert problem.message.strip(), "the message must say what is wrong"
    assert VALID_CASE in catalog.cases
    assert VALID_RUBRIC in catalog.rubrics
    return problem


# -- the real content --------------------------------------------------------------------------------


def test_repository_content_loads_with_zero_problems() -> None:
    catalog = load_catalog()
    assert catalog.problems == []
    assert set(catalog.cases) == {p.stem for p in DEFAULT_CASES_DIR.glob("*.yaml")}
    assert set(catalog.rubrics) == {p.stem for p in DEFAULT_RUBRICS_DIR.glob("*.yaml")}
    kinds = {case.kind for case in catalog.cases.values()}
    assert kinds <= set(CASE_KINDS) and {"ml_case", "business_case", "system_design", "drill"} <= kinds


def test_the_seed_copies_load_cleanly(content: Content) -> None:
    catalog = content.load()
    assert catalog.problems == []
    assert set(catalog.cases) == {VALID_CASE}
    assert set(catalog.rubrics) == {VALID_RUBRIC}
    assert catalog.rubric_for(catalog.case(VALID_CASE)).id == VALID_RUBRIC


def test_missing_folders_are_problems_not_crashes(tmp_path: Path) -> None:
    catalog = load_catalog(tmp_path / "no-cases", tmp_path / "no-rubrics")
    assert {(p.path, p.field) for p in catalog.problems} == {
        (tmp_path / "no-cases", "(folder)"),
        (tmp_path / "no-rubrics", "(folder)"),
    }
    assert catalog.cases == {} and catalog.rubrics == {}


def test_unknown_case_by_id_names_the_id_and_suggests_list(content: Content) -> None:
    catalog = content.load()
    with pytest.raises(KeyError) as raised:
        catalog.case("no-such-case")
    assert "no-such-case" in str(raised.value)
    assert VALID_CASE in str(raised.value)


# -- schema problems -----------------------------------------------------------------------------


def test_unknown_key_in_a_case(content: Content) -> None:
    path = broken_case(content, colour="red")
    problem = only_problem(content.load(), path, "colour")
    assert "unknown field" in problem.message


def test_unknown_key_nested_in_a_rubric_criterion(content: Content) -> None:
    data = content.rubric_data()
    data["id"] = "bad"
    data["criteria"][1]["wieght"] = 0.5
    path = content.write_rubric("bad", data)
    problem = only_problem(content.load(), path, "criteria.1.wieght")
    assert "unknown field" in problem.message


@pytest.mark.parametrize(
    "field",
    [
        "id",
        "title",
        "kind",
        "rubric",
        "duration_min",
        "prompt",
        "key_points",
    ],
)
def test_missing_required_case_field(content: Content, field: str) -> None:
    data = content.case_data()
    data["id"] = "bad"
    del data[field]
    path = content.write_case("bad", data)
    problem = only_problem(content.load(), path, field)
    assert problem.message == "required field is missing"


@pytest.mark.parametrize("field", ["id", "title", "criteria"])
def test_missing_required_rubric_field(content: Content, field: str) -> None:
    data = content.rubric_data()
    data["id"] = "bad"
    del data[field]
    path = content.write_rubric("bad", data)
    problem = only_problem(content.load(), path, field)
    assert problem.message == "required field is missing"


def test_unknown_kind_names_the_allowed_kinds(content: Content) -> None:
    path = broken_case(content, kind="essay")
    problem = only_problem(content.load(), path, "kind")
    for kind in ("ml_case", "business_case", "system_design", "drill"):
        assert kind in problem.message


# -- cross-file references ----------------------------------------------------------------------


def test_key_points_key_not_in_the_rubric(content: Content) -> None:
    data = content.case_data()
    key_points = dict(data["key_points"], nonsense=["A point about nothing in the rubric."])
    path = broken_case(content, key_points=key_points)
    problem = only_problem(content.load(), path, "key_points.nonsense")
    assert VALID_RUBRIC in problem.message
    assert "correctness" in problem.message  # lists the criteria that do exist


def test_follow_up_criterion_not_in_the_rubric(content: Content) -> None:
    data = content.case_data()
    follow_ups = data["follow_ups"] + [{"criterion": "nonsense", "ask": "Why?"}]
    index = len(follow_ups) - 1
    path = broken_case(content, follow_ups=follow_ups)
    problem = only_problem(content.load(), path, f"follow_ups.{index}.criterion")
    assert "'nonsense'" in problem.message


def test_phase_criteria_not_in_the_rubric(content: Content) -> None:
    data = content.case_data()
    phases = [
        {"id": "explain", "title": "Explain", "minutes": 3, "criteria": ["correctness"]},
        {"id": "apply", "title": "Apply", "minutes": data["duration_min"] - 3, "criteria": ["nonsense"]},
    ]
    path = broken_case(content, phases=phases)
    problem = only_problem(content.load(), path, "phases.1.criteria")
    assert "'nonsense'" in problem.message


def test_case_referencing_a_missing_rubric(content: Content) -> None:
    path = broken_case(content, rubric="no-such-rubric")
    problem = only_problem(content.load(), path, "rubric")
    assert "no-such-rubric" in problem.message
    assert VALID_RUBRIC in problem.message  # says which rubrics do exist


def test_non_drill_case_without_key_points_for_a_criterion(content: Content) -> None:
    shutil.copy(REPO / "rubrics" / f"{SYSTEM_DESIGN_RUBRIC}.yaml", content.rubrics)
    data = content.case_data(SYSTEM_DESIGN_CASE)
    data["id"] = "bad"
    dropped = next(iter(data["key_points"]))
    del data["key_points"][dropped]
    for follow_up in data["follow_ups"]:  # their listens_for would point at the dropped key points
        follow_up.pop("listens_for", None)
    path = content.write_case("bad", data)
    problem = only_problem(content.load(), path, "key_points")
    assert repr(dropped) in problem.message


# -- system design phases --------------------------------------------------------------------------


def _system_design_with_extra_minutes(content: Content, extra: float) -> tuple[Path, dict[str, Any]]:
    shutil.copy(REPO / "rubrics" / f"{SYSTEM_DESIGN_RUBRIC}.yaml", content.rubrics)
    data = content.case_data(SYSTEM_DESIGN_CASE)
    assert sum(p["minutes"] for p in data["phases"]) == data["duration_min"]
    data["id"] = "bad"
    data["phases"][0]["minutes"] += extra
    return content.write_case("bad", data), data


def test_the_valid_system_design_case_loads_with_its_phases(content: Content) -> None:
    shutil.copy(REPO / "rubrics" / f"{SYSTEM_DESIGN_RUBRIC}.yaml", content.rubrics)
    shutil.copy(REPO / "cases" / f"{SYSTEM_DESIGN_CASE}.yaml", content.cases)
    catalog = content.load()
    assert catalog.problems == []
    case = catalog.case(SYSTEM_DESIGN_CASE)
    assert sum(p.minutes for p in case.plan()) == case.duration_min


def test_system_design_phases_not_summing_to_duration_is_one_problem(content: Content) -> None:
    path, data = _system_design_with_extra_minutes(content, 5)
    catalog = content.load()
    assert [p.path for p in catalog.problems] == [path]
    message = catalog.problems[0].message
    total = sum(p["minutes"] for p in data["phases"])
    assert f"sum to {total:g}" in message
    assert f"duration_min is {data['duration_min']:g}" in message
    assert "bad" not in catalog.cases
    assert VALID_CASE in catalog.cases


def test_system_design_phases_not_summing_names_the_phases_field(content: Content) -> None:
    path, _ = _system_design_with_extra_minutes(content, 5)
    catalog = content.load()
    assert [(p.path, p.field) for p in catalog.problems] in ([(path, "phases")], [(path, "duration_min")])


def test_system_design_needs_at_least_two_phases(content: Content) -> None:
    shutil.copy(REPO / "rubrics" / f"{SYSTEM_DESIGN_RUBRIC}.yaml", content.rubrics)
    data = content.case_data(SYSTEM_DESIGN_CASE)
    data["id"] = "bad"
    data["phases"] = [{"id": "all", "title": "All", "minutes": data["duration_min"]}]
    path = content.write_case("bad", data)
    only_problem(content.load(), path, "phases")


# -- ids -------------------------------------------------------------------------------------------


def test_case_id_not_equal_to_file_stem(content: Content) -> None:
    data = content.case_data()
    data["id"] = "another-id"
    path = content.write_case("bad", data)
    problem = only_problem(content.load(), path, "id")
    assert "'another-id'" in problem.message and "'bad'" in problem.message
    assert "another-id" not in content.load().cases


def test_rubric_id_not_equal_to_file_stem(content: Content) -> None:
    data = content.rubric_data()
    data["id"] = "another-id"
    path = content.write_rubric("bad", data)
    problem = only_problem(content.load(), path, "id")
    assert "'another-id'" in problem.message and "'bad'" in problem.message


def test_duplicate_rubric_id_keeps_the_first_and_reports_the_copy(content: Content) -> None:
    data = content.rubric_data()
    data["title"] = "An impostor"
    path = content.write_rubric("zz-copy", data)
    catalog = content.load()
    problem = only_problem(catalog, path, "id")
    assert repr(VALID_RUBRIC) in problem.message
    assert catalog.rubrics[VALID_RUBRIC].title != "An impostor"


def test_duplicate_case_id_rejects_the_copy(content: Content) -> None:
    data = content.case_data()
    data["title"] = "An impostor"
    path = content.write_case("zz-copy", data)
    catalog = content.load()
    assert catalog.problems, "a second file with the same case id must be a problem"
    assert {(p.path, p.field) for p in catalog.problems} == {(path, "id")}
    assert catalog.case(VALID_CASE).title != "An impostor"
    assert "zz-copy" not in catalog.cases


def test_duplicate_case_id_is_exactly_one_problem(content: Content) -> None:
    path = content.write_case("zz-copy", content.case_data())
    only_problem(content.load(), path, "id")


# -- rubric levels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "levels",
    [
        {0: "a", 1: "b", 2: "c", 3: "d"},
        {1: "a", 2: "b", 3: "c"},
        {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"},
        {1: "a", 2: "b", 3: "c", 5: "e"},
    ],
    ids=["0-3", "1-3", "1-5", "1-2-3-5"],
)
def test_rubric_level_keys_other_than_1_to_4(content: Content, levels: dict[int, str]) -> None:
    data = content.rubric_data()
    data["id"] = "bad"
    data["criteria"][0]["levels"] = levels
    path = content.write_rubric("bad", data)
    problem = only_problem(content.load(), path, "criteria.0.levels")
    assert "1, 2, 3 and 4" in problem.message
    assert str(sorted(levels)) in problem.message


def test_a_case_on_a_broken_rubric_is_reported_too(content: Content) -> None:
    """The rubric the case needs is invalid: the rubric's own problem plus the case's `rubric`."""
    data = content.rubric_data()
    data["criteria"][0]["levels"] = {1: "a", 2: "b", 3: "c"}
    rubric_path = content.write_rubric(VALID_RUBRIC, data)
    catalog = content.load()
    assert [(p.path.name, p.field) for p in catalog.problems] == [
        (rubric_path.name, "criteria.0.levels"),
        (f"{VALID_CASE}.yaml", "rubric"),
    ]
    assert catalog.cases == {} and catalog.rubrics == {}


# -- unreadable and hostile files ------------------------------------------------------------------


def test_yaml_syntax_error_names_its_line(content: Content) -> None:
    path = content.cases / "bad.yaml"
    path.write_text("id: bad\ntitle: A title\nkind: drill\nprompt: fine\n  nested: not allowed\n")
    problem = only_problem(content.load(), path, "(yaml)")
    assert problem.message.startswith("line 5: ")


def test_tab_indentation_names_its_line(content: Content) -> None:
    path = content.cases / "bad.yaml"
    path.write_text("id: bad\ntitle: A title\n\tkind: drill\n")
    problem = only_problem(content.load(), path, "(yaml)")
    assert problem.message.startswith("line 3: ")


def test_non_utf8_bytes(content: Content) -> None:
    path = content.cases / "bad.yaml"
    raw = b"id: bad\ntitle: Caf\xe9 latency\n"
    path.write_bytes(raw)
    problem = only_problem(content.load(), path, "(file)")
    assert "UTF-8" in problem.message
    assert f"byte {raw.index(0xE9)}" in problem.message


def test_a_file_over_the_size_limit_is_refused_unread(content: Content) -> None:
    path = content.cases / "bad.yaml"
    path.write_text("id: bad\nmodel_answer: " + "x" * MAX_FILE_BYTES + "\n")
    problem = only_problem(content.load(), path, "(file)")
    assert str(path.stat().st_size) in problem.message
    assert str(MAX_FILE_BYTES) in problem.message


def test_a_valid_case_exactly_at_the_size_limit_loads(content: Content) -> None:
    data = content.case_data()
    data["id"] = "at-limit"
    data["model_answer"] = ""
    path = content.write_case("at-limit", data)
    base = path.read_text(encoding="utf-8")
    padding = MAX_FILE_BYTES - len(base.encode("utf-8")) - len("# \n")
    path.write_text(base + "#" + " " + "x" * padding + "\n", encoding="utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    catalog = content.load()
    assert catalog.problems == []
    assert "at-limit" in catalog.cases


def _laughs(levels: int, width: int, tail: str) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n" + tail.replace("LAST", f"*l{levels - 1}") + "\n"


def test_alias_bomb_over_the_alias_limit_is_refused_fast(content: Content) -> None:
    path = content.cases / "bad.yaml"
    path.write_text(_laughs(levels=10, width=12, tail="kind: LAST"))
    assert path.read_text().count("*") > MAX_ALIASES
    started = time.perf_counter()
    catalog = content.load()
    assert time.perf_counter() - started < 5
    problem = only_problem(catalog, path, "(yaml)")
    assert "aliases" in problem.message


def test_billion_laughs_under_the_alias_count_is_refused(content: Content) -> None:
    path = content.cases / "bad.yaml"
    path.write_text(_laughs(levels=7, width=9, tail="kind: LAST"))
    assert path.read_text().count("*") <= MAX_ALIASES
    started = time.perf_counter()
    catalog = content.load()
    elapsed = time.perf_counter() - started
    problem = only_problem(catalog, path, "(yaml)")
    assert "alias" in problem.message
    assert elapsed < 2


def test_python_object_tag_is_refused_and_nothing_runs(content: Content, tmp_path: Path) -> None:
    sentinel = tmp_path / "executed"
    path = content.cases / "bad.yaml"
    path.write_text(f"id: bad\ntitle: !!python/object/apply:os.system ['touch {sentinel}']\nkind: drill\n")
    problem = only_problem(content.load(), path, "(yaml)")
    assert problem.message.startswith("line 2: ")
    assert "python/object/apply:os.system" in problem.message
    assert not sentinel.exists()


@pytest.mark.parametrize("text", ["", "- a list\n- not a mapping\n", "just a string\n"])
def test_a_document_that_is_not_a_mapping(content: Content, text: str) -> None:
    path = content.cases / "bad.yaml"
    path.write_text(text)
    problem = only_problem(content.load(), path, "(file)")
    assert "mapping" in problem.message


def test_every_broken_file_reported_once_with_valid_neighbours_loading(content: Content) -> None:
    """All at once: problems do not leak between files and the valid files still load."""
    broken: dict[str, str] = {}
    data = content.case_data()
    data["id"] = "unknown-key"
    data["colour"] = "red"
    broken[content.write_case("unknown-key", data).name] = "colour"
    data = content.case_data()
    data["id"] = "wrong-rubric"
    data["rubric"] = "nope"
    broken[content.write_case("wrong-rubric", data).name] = "rubric"
    (content.cases / "syntax.yaml").write_text("id: [unclosed\n")
    broken["syntax.yaml"] = "(yaml)"
    (content.cases / "latin1.yaml").write_bytes(b"id: caf\xe9\n")
    broken["latin1.yaml"] = "(file)"
    data = content.rubric_data()
    data["id"] = "bad-levels"
    data["criteria"][0]["levels"] = {1: "a"}
    broken[content.write_rubric("bad-levels", data).name] = "criteria.0.levels"
    good = content.case_data()
    good["id"] = "second-good"
    content.write_case("second-good", good)

    catalog = content.load()
    assert sorted((p.path.name, p.field) for p in catalog.problems) == sorted(broken.items())
    assert set(catalog.cases) == {VALID_CASE, "second-good"}
    assert set(catalog.rubrics) == {VALID_RUBRIC}


# -- misconceptions, estimates, listens_for -------------------------------------------------------


def test_an_estimate_whose_arithmetic_disagrees_with_its_value_names_both(content: Content) -> None:
    shutil.copy(REPO / "rubrics" / f"{SYSTEM_DESIGN_RUBRIC}.yaml", content.rubrics)
    data = content.case_data(SYSTEM_DESIGN_CASE)
    data["id"] = "bad"
    data["estimates"] = [{"claim": "yearly pick labour", "expression": "52000 / 95 * 24 * 365", "value": 14000000}]
    path = content.write_case("bad", data)
    problem = only_problem(content.load(), path, "estimates.0.value")
    assert "4,794,947" in problem.message and "14,000,000" in problem.message


def test_an_estimate_that_is_not_plain_arithmetic_is_refused(content: Content) -> None:
    shutil.copy(REPO / "rubrics" / f"{SYSTEM_DESIGN_RUBRIC}.yaml", content.rubrics)
    data = content.case_data(SYSTEM_DESIGN_CASE)
    data["id"] = "bad"
    data["estimates"] = [{"claim": "x", "expression": "__import__('os').getcwd()", "value": 1}]
    path = content.write_case("bad", data)
    assert "not allowed" in only_problem(content.load(), path, "estimates.0.expression").message


def test_misconceptions_and_listens_for_must_resolve_in_the_rubric_and_key_points(content: Content) -> None:
    shutil.copy(REPO / "rubrics" / f"{SYSTEM_DESIGN_RUBRIC}.yaml", content.rubrics)
    data = content.case_data(SYSTEM_DESIGN_CASE)
    data["id"] = "bad"
    data["misconceptions"] = [{"claim": "c", "correction": "d", "criterion": "no_such_criterion"}]
    criterion = data["follow_ups"][0]["criterion"]
    data["follow_ups"][0]["listens_for"] = [len(data["key_points"][criterion])]
    path = content.write_case("bad", data)
    fields = {p.field for p in content.load().problems if p.path == path}
    assert fields == {"misconceptions.0.criterion", "follow_ups.0.listens_for"}

"""Loads and validates cases/ and rubrics/. Every problem names its file and field; the valid files
load regardless of broken neighbours."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from interviewer.arithmetic import ExpressionError, evaluate
from interviewer.models import CASE_KINDS, AnyCase, Case, Rubric

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES_DIR = PROJECT_ROOT / "cases"
DEFAULT_RUBRICS_DIR = PROJECT_ROOT / "rubrics"
MAX_FILE_BYTES = 256 * 1024
MAX_ALIASES = 100
MAX_EXPANDED_VALUES = 100_000

_case_adapter: TypeAdapter[AnyCase] = TypeAdapter(Case)
T = TypeVar("T")
_KIND_TAGS = set(CASE_KINDS)


@dataclass(frozen=True)
class Problem:
    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


@dataclass
class Catalog:
    rubrics: dict[str, Rubric] = field(default_factory=dict)
    cases: dict[str, AnyCase] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def case(self, case_id: str) -> AnyCase:
        try:
            return self.cases[case_id]
        except KeyError:
            known = ", ".join(sorted(self.cases)[:8])
            raise KeyError(
                f"no valid case with id {case_id!r}; `python -m interviewer list` shows them (e.g. {known})"
            ) from None

    def rubric_for(self, case: AnyCase) -> Rubric:
        """The case's rubric, with the criteria the case makes core (e.g. data and analysis in a
        diagnosis) marked core."""
        rubric = self.rubrics[case.rubric]
        extra = set(case.core_criteria) - {c.id for c in rubric.criteria if c.core}
        if not extra:
            return rubric
        criteria = [c.model_copy(update={"core": True}) if c.id in extra else c for c in rubric.criteria]
        return rubric.model_copy(update={"criteria": criteria})


class _CountingLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents with many aliases (the 'billion laughs' shape)."""

    aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases; write the values out")
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:  # type: ignore[override]
        """Refuse a key written twice in one mapping: YAML would silently keep only the last."""
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}; keep one", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> tuple[dict[str, Any] | None, Problem | None]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, Problem(path, "(file)", f"{size} bytes is over the {MAX_FILE_BYTES} limit")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return None, Problem(path, "(file)", f"not UTF-8 (byte {error.start}); save it as UTF-8")
    except OSError as error:
        return None, Problem(path, "(file)", f"cannot read: {error.strerror}")
    try:
        loader = _CountingLoader(text)  # a SafeLoader: plain data only, never Python objects
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f"line {where.line + 1}: " if where is not None else ""
        detail = getattr(error, "problem", None) or str(error)
        return None, Problem(path, "(yaml)", f"{line}{detail}")
    if not isinstance(data, dict):
        return None, Problem(path, "(file)", "must be a mapping of fields, e.g. `id: ...`")
    if _expanded_size(data, MAX_EXPANDED_VALUES) > MAX_EXPANDED_VALUES:
        return None, Problem(
            path, "(yaml)", f"aliases expand to more than {MAX_EXPANDED_VALUES} values; write them out"
        )
    return data, None


def _expanded_size(value: Any, budget: int) -> int:
    """How many values the document holds once aliases are expanded, counting up to budget + 1."""
    count, stack = 0, [value]
    while stack and count <= budget:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _validation_problems(path: Path, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"] if str(part) not in _KIND_TAGS]
        where = ".".join(loc) or "(file)"
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = "unknown field; check the spelling against the schema in DESIGN.md"
        elif item["type"] == "missing":
            message = "required field is missing"
        elif item["type"] == "union_tag_invalid":
            where, message = "kind", f"must be one of {sorted(_KIND_TAGS)}"
        elif item["type"] == "union_tag_not_found":
            where, message = "kind", "required field is missing"
        elif item["type"] == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append(Problem(path, where, message))
    return problems


def _stem_problem(path: Path, data: dict[str, Any]) -> Problem | None:
    if data.get("id") != path.stem:
        return Problem(path, "id", f"{data.get('id')!r} must equal the file name stem {path.stem!r}")
    return None


def _parse(
    path: Path, validate: Callable[[dict[str, Any]], T], catalog: Catalog
) -> tuple[T, dict[str, Any]] | None:
    """The file as a validated model with its raw data, or None with its problems recorded."""
    data, problem = read_yaml(path)
    if problem or data is None:
        catalog.problems.append(problem or Problem(path, "(file)", "empty"))
        return None
    try:
        return validate(data), data
    except ValidationError as error:
        catalog.problems.extend(_validation_problems(path, error))
        return None


def _load_rubrics(paths: Iterable[Path], catalog: Catalog) -> None:
    for path in paths:
        parsed = _parse(path, Rubric.model_validate, catalog)
        if parsed is None:
            continue
        rubric, data = parsed
        if stem_problem := _stem_problem(path, data):
            catalog.problems.append(stem_problem)
        elif rubric.id in catalog.rubrics:
            catalog.problems.append(Problem(path, "id", f"duplicate rubric id {rubric.id!r}"))
        else:
            catalog.rubrics[rubric.id] = rubric


def cross_check(case: AnyCase, rubrics: dict[str, Rubric]) -> list[tuple[str, str]]:
    """(field, message) for every reference from the case to its rubric that does not resolve."""
    rubric = rubrics.get(case.rubric)
    if rubric is None:
        return [("rubric", f"no rubric {case.rubric!r}; known: {', '.join(sorted(rubrics))}")]
    ids = set(rubric.criterion_ids)
    problems = [
        (f"key_points.{key}", f"not a criterion of rubric {rubric.id!r} ({', '.join(rubric.criterion_ids)})")
        for key in case.key_points
        if key not in ids
    ]
    problems += [
        (f"follow_ups.{i}.criterion", f"{f.criterion!r} is not a criterion of rubric {rubric.id!r}")
        for i, f in enumerate(case.follow_ups)
        if f.criterion not in ids
    ]
    problems += [
        (f"phases.{i}.criteria", f"{c!r} is not a criterion of rubric {rubric.id!r}")
        for i, p in enumerate(case.phases)
        for c in p.criteria
        if c not in ids
    ]
    problems += [
        (f"misconceptions.{i}.criterion", f"{m.criterion!r} is not a criterion of rubric {rubric.id!r}")
        for i, m in enumerate(case.misconceptions)
        if m.criterion not in ids
    ]
    problems += [
        (f"core_criteria.{i}", f"{cid!r} is not a criterion of rubric {rubric.id!r}")
        for i, cid in enumerate(case.core_criteria)
        if cid not in ids
    ]
    problems += [
        (f"criterion_examples.{key}", f"not a criterion of rubric {rubric.id!r}")
        for key in case.criterion_examples
        if key not in ids
    ]
    for i, follow_up in enumerate(case.follow_ups):
        count = len(case.key_points.get(follow_up.criterion, []))
        problems += [
            (f"follow_ups.{i}.listens_for", f"no key point {index} under {follow_up.criterion!r} "
             f"(it has {count}, numbered from 0)")
            for index in follow_up.listens_for
            if index >= count
        ]
    problems += estimate_problems(case)
    if case.kind not in ("drill", "behavioural"):
        problems += [
            ("key_points", f"no key points for criterion {cid!r}; add 3-6 that a strong answer states")
            for cid in rubric.criterion_ids
            if cid not in case.key_points
        ]
    elif not case.key_points:
        problems.append(("key_points", f"a {case.kind} case needs key points for at least one criterion"))
    return problems


def _readable(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10_000 else f"{value:.6g}"


def estimate_problems(case: AnyCase) -> list[tuple[str, str]]:
    """Each declared estimate recomputed: its expression must be safe arithmetic whose value is the
    stated one within the stated relative tolerance."""
    problems: list[tuple[str, str]] = []
    for i, estimate in enumerate(case.estimates):
        try:
            computed = evaluate(estimate.expression)
        except ExpressionError as error:
            problems.append((f"estimates.{i}.expression", f"{error}; write plain arithmetic"))
            continue
        scale = max(abs(estimate.value), 1e-9)
        if abs(computed - estimate.value) / scale > estimate.tolerance:
            problems.append((
                f"estimates.{i}.value",
                f"{estimate.claim!r}: {estimate.expression} = {_readable(computed)}, not {_readable(estimate.value)} "
                f"(tolerance {estimate.tolerance:.0%}); fix the number in the case or the arithmetic",
            ))
    return problems


def _load_cases(paths: Iterable[Path], catalog: Catalog) -> None:
    for path in paths:
        parsed = _parse(path, _case_adapter.validate_python, catalog)
        if parsed is None:
            continue
        case, data = parsed
        found = [Problem(path, f, m) for f, m in cross_check(case, catalog.rubrics)]
        if stem_problem := _stem_problem(path, data):
            found.append(stem_problem)
        elif case.id in catalog.cases:
            found.append(Problem(path, "id", f"duplicate case id {case.id!r}"))
        if found:
            catalog.problems.extend(found)
        else:
            catalog.cases[case.id] = case


def load_catalog(cases_dir: Path | None = None, rubrics_dir: Path | None = None) -> Catalog:
    """The content of the given folders, else of INTERVIEWER_CASES_DIR / INTERVIEWER_RUBRICS_DIR,
    else of the repository's cases/ and rubrics/."""
    cases_dir = cases_dir or Path(os.environ.get("INTERVIEWER_CASES_DIR") or DEFAULT_CASES_DIR)
    rubrics_dir = rubrics_dir or Path(os.environ.get("INTERVIEWER_RUBRICS_DIR") or DEFAULT_RUBRICS_DIR)
    catalog = Catalog()
    for folder, label in ((rubrics_dir, "rubrics"), (cases_dir, "cases")):
        if not folder.is_dir():
            catalog.problems.append(Problem(folder, "(folder)", f"the {label} folder does not exist"))
    _load_rubrics(sorted(rubrics_dir.glob("*.yaml")) if rubrics_dir.is_dir() else [], catalog)
    _load_cases(sorted(cases_dir.glob("*.yaml")) if cases_dir.is_dir() else [], catalog)
    return catalog

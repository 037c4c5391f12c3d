"""Every case in the library: a strong scripted answer reaches the bar, a weak one and a list of the
right terms do not. The scripted answers were written independently of the key points' wording."""

from __future__ import annotations

import pytest
import yaml
from conftest import ROOT

from interviewer.catalog import load_catalog

ANSWERS = ROOT / "tests" / "content" / "answers"
# Known misses of the offline scorer, kept visible: strict, so a fix shows up as an unexpected pass.
KNOWN_MISSES = {
    "drill-pinball-loss-quantiles": "the strong answer states the points in its own numbers (0.9 and 0.1 "
    "for tau and one minus tau, 'Gaussian ... one width' for 'normal ... one spread'); the point model "
    "hears most of them only partly, so correctness is 2 (P(2) 0.42 against P(3) 0.33) and overall 2.6",
}
CASE_IDS = [
    pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_MISSES[c], strict=True)) if c in KNOWN_MISSES else c
    for c in sorted(load_catalog().cases)
]


def test_the_library_has_the_promised_mix(catalog):
    kinds = [c.kind for c in catalog.cases.values()]
    assert len(kinds) >= 40
    assert kinds.count("ml_case") >= 10 and kinds.count("business_case") >= 8
    assert kinds.count("system_design") >= 10 and kinds.count("drill") >= 12
    for case in catalog.cases.values():
        rubric = catalog.rubric_for(case)
        follow_ups = 1 if case.kind == "drill" else 6
        assert len(case.follow_ups) >= follow_ups, case.id
        assert 150 <= len(case.model_answer.split()) <= 400, case.id
        assert case.pitfalls and case.clarifications and case.tags and case.seed_sections, case.id
        for criterion_id, points in case.key_points.items():
            assert 3 <= len(points) <= 6, (case.id, criterion_id)
        if case.kind != "drill":
            assert set(case.key_points) == set(rubric.criterion_ids), case.id
    for rubric in catalog.rubrics.values():
        for criterion in rubric.criteria:
            assert set(criterion.level_expectations) == {"junior", "mid", "senior", "staff"}


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_strong_reaches_the_bar_weak_and_keyword_lists_do_not(catalog, grader, case_id):
    case = catalog.case(case_id)
    rubric = catalog.rubric_for(case)
    scripted = yaml.safe_load((ANSWERS / f"{case_id}.yaml").read_text())
    strong = grader.grade(case, rubric, [scripted["strong"]])
    weak = grader.grade(case, rubric, [scripted["weak"]])
    terms = [w.strip(".,;:()") for ps in case.key_points.values() for p in ps for w in p.split()]
    keywords = grader.grade(case, rubric, [", ".join(dict.fromkeys(t for t in terms if len(t) > 4))])
    assert strong.overall is not None and strong.overall >= 3, [(c.id, c.level) for c in strong.criteria]
    assert weak.overall is None or weak.overall <= 2, [(c.id, c.level) for c in weak.criteria]
    assert keywords.overall is None or keywords.overall <= 2

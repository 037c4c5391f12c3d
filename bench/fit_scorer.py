"""Fit the offline scorer (the student) to labelled key-point pairs and the teacher-graded corpus, and
measure it only on cases held out from fitting.

1. Point model (interviewer/evidence/point_model.json): a logistic regression over the pair features
   of bench/corpus/pairs (paraphrase = 1, partial = 0.5, near miss / opposite = 0).
2. Level model (interviewer/level_model.json): a multinomial logistic regression over the criterion
   features (interviewer/levels.py) of bench/corpus/graded.jsonl, the teacher's levels as targets.

Cross-validation is by case (GroupKFold): in each fold both models are fitted on the other cases and
the held-out cases are scored end to end. The shipped files are then fitted on everything.
scikit-learn is needed here only (`pip install -r requirements-train.txt`); the app reads the JSON.

    .venv/bin/python bench/fit_scorer.py [--folds 5] [--write [--levels-only]]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus_data import (  # noqa: E402
    CONTENTS,
    GRADED,
    PAIRS,
    GradedAnswer,
    MisconceptionStatement,
    Pair,
    load_graded,
    load_misconception_statements,
    load_pairs,
)
from interviewer.backends.llm import GRADER_PROMPT_VERSION  # noqa: E402
from interviewer.catalog import Catalog, load_catalog  # noqa: E402
from interviewer.embeddings import shared_embedder  # noqa: E402
from interviewer.evaluation import criterion_agreement, overall_agreement  # noqa: E402
from interviewer.evidence.features import FEATURES, SAME_WORD  # noqa: E402
from interviewer.evidence.matching import (  # noqa: E402
    CriterionEvidence,
    MisconceptionMatch,
    by_criterion,
    is_stated,
    matches_from,
    point_features,
    stated_among,
)
from interviewer.evidence.point_model import POINT_MODEL_FILE, PointModel, shipped_point_model  # noqa: E402
from interviewer.levels import DECISION_RULES, LEVEL_FEATURES, LEVEL_MODEL_FILE, DecisionRule, LevelModel  # noqa: E402
from interviewer.models import AnyCase, CriterionScore, Rubric  # noqa: E402
from interviewer.scoring import case_addressed, decide_level, overall_score, verdict  # noqa: E402

PAIR_TARGET = {"paraphrase": 1.0, "partial": 0.5, "near_miss": 0.0, "opposite": 0.0}
POINT_C = 1.0
LEVEL_C = 1.0
# The most probable level. "median" (the highest level reached with even odds) was measured against it
# on the first library's cases alone (`--first-library`) and lost MAE and confidently wrong answers;
# every run prints both.
LEVEL_DECISION: DecisionRule = "mode"


# -- pairs ------------------------------------------------------------------------------------------


CACHE = Path(__file__).resolve().parent / "corpus" / ".feature-cache"


def _cache_key(*parts: str) -> str:
    import hashlib

    rule = f"same_word={SAME_WORD}"  # a change to how windows are read makes the cached rows stale
    return hashlib.sha256("\x1f".join((*parts, *FEATURES, rule)).encode()).hexdigest()[:24]


def pair_rows(pairs: Sequence[Pair], catalog: Catalog) -> np.ndarray:
    """One feature row per pair: the utterance's best window by sentence cosine plus recall (the
    utterances are one or two sentences, so this is nearly always the whole utterance). Rows are
    cached on disk by content (bench/corpus/.feature-cache) to make refits quick."""
    CACHE.mkdir(exist_ok=True)
    cache_file = CACHE / "pairs.json"
    cache: dict[str, list[float]] = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    rows = []
    for pair in pairs:
        case = catalog.cases.get(pair.case)
        key = _cache_key(pair.point, pair.utterance, case.prompt if case else "")
        if key not in cache:
            cache[key] = [float(v) for v in _pair_row(pair, case)]
        rows.append(cache[key])
    cache_file.write_text(json.dumps(cache))
    return np.array(rows, np.float32)


def _pair_row(pair: Pair, case: AnyCase | None) -> np.ndarray:
    features = point_features([pair.point], [pair.utterance], shared_embedder(), case.prompt if case else "")
    values = features.values[0]
    best = int(np.argmax(values[:, FEATURES.index('sentence_cosine')] + values[:, FEATURES.index('soft_recall')])) if len(values) else 0
    return values[best] if len(values) else np.zeros(len(FEATURES), np.float32)


def misconception_rows(
    statements: Sequence[MisconceptionStatement], catalog: Catalog
) -> tuple[np.ndarray, np.ndarray]:
    """Pair features of each statement against its misconception's wrong claim and its correction."""
    corrections = {(case.id, m.claim): m.correction for case in catalog.cases.values() for m in case.misconceptions}
    claims = [Pair(m.case, "", m.claim, m.utterance, "paraphrase") for m in statements]
    fixed = [Pair(m.case, "", corrections[(m.case, m.claim)], m.utterance, "paraphrase") for m in statements]
    return pair_rows(claims, catalog), pair_rows(fixed, catalog)


# Signs the fitted weights may take: evidence of the point can only raise its credit, and signs that
# the words say something else (other numbers, negation, opposite words) can only lower it, so no
# padding or junk around the candidate's words can buy credit. None: either sign.
POINT_SIGNS: dict[str, int | None] = {
    "soft_recall": 1, "soft_recall_weakest": 1, "soft_precision": 1, "sentence_cosine": 1,
    "lexical_recall": 1, "lexical_recall_plain": 1, "has_numbers": None, "numbers_matched": 1,
    "numbers_conflict": -1, "negation_mismatch": -1, "contrast": -1, "prompt_echo": None,
}
LEVEL_SIGNS: dict[str, int | None] = {
    "mean_credit": 1, "max_credit": 1, "top2_credit": 1, "share_heard": 1, "share_partly": 1,
    "prose_partly": 1, "specific": 1, "misconception": -1,
}


def _bounds(names: Sequence[str], signs: dict[str, int | None]) -> list[tuple[float | None, float | None]]:
    return [(0.0, None) if signs[n] == 1 else (None, 0.0) if signs[n] == -1 else (None, None) for n in names]


def fit_point_model(x: np.ndarray, labels: Sequence[str]) -> PointModel:
    """Logistic regression (L2, weights sign-constrained by POINT_SIGNS) on the pairs; a partial
    statement counts as half a positive and half a negative."""
    from scipy.optimize import minimize

    targets = np.array([PAIR_TARGET[label] for label in labels])
    n_features = x.shape[1]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:n_features], params[n_features]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        eps = 1e-9
        value = -np.mean(targets * np.log(p + eps) + (1 - targets) * np.log(1 - p + eps)) + 0.5 * w @ w / (POINT_C * len(x))
        gradient_z = (p - targets) / len(x)
        gradient = np.concatenate([x.T @ gradient_z + w / (POINT_C * len(x)), [gradient_z.sum()]])
        return float(value), gradient

    bounds = [*_bounds(FEATURES, POINT_SIGNS), (None, None)]
    result = minimize(loss, np.zeros(n_features + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return PointModel(result.x[:n_features].astype(np.float32), float(result.x[n_features]))


def pair_report(credit: np.ndarray, labels: Sequence[str], heard: float = 0.5) -> dict[str, float]:
    labels_array = np.array(labels)
    report = {}
    for label in ("paraphrase", "partial", "near_miss", "opposite"):
        mask = labels_array == label
        if mask.any():
            report[f"{label}_heard"] = round(float((credit[mask] >= heard).mean()), 3)
            report[f"{label}_mean_credit"] = round(float(credit[mask].mean()), 3)
            report[f"{label}_n"] = int(mask.sum())
    return report


def overlap_baseline_credit(x: np.ndarray) -> np.ndarray:
    """Plain word overlap: the share of the point's content stems the utterance uses."""
    return x[:, FEATURES.index("lexical_recall_plain")]


# -- corpus -----------------------------------------------------------------------------------------


@dataclass
class AnswerFeatures:
    """The expensive, model-independent part of scoring one corpus answer."""

    answer: GradedAnswer
    case: AnyCase
    rubric: Rubric
    points: list[tuple[str, str]]  # (criterion, point)
    point_values: object  # PairFeatures of the key points
    claim_values: object  # PairFeatures of the misconception claims
    correction_values: object  # ... and of their corrections
    words: int


def corpus_features(graded: Sequence[GradedAnswer], catalog: Catalog) -> list[AnswerFeatures]:
    embedder = shared_embedder()
    found = []
    for answer in graded:
        if answer.case not in catalog.cases:
            continue
        case = catalog.case(answer.case)
        points = [(c, p) for c, ps in case.key_points.items() for p in ps]
        found.append(
            AnswerFeatures(
                answer,
                case,
                catalog.rubric_for(case),
                points,
                point_features([p for _, p in points], answer.turns, embedder, case.prompt),
                point_features([m.claim for m in case.misconceptions], answer.turns, embedder, case.prompt),
                point_features([m.correction for m in case.misconceptions], answer.turns, embedder, case.prompt),
                sum(len(t.split()) for t in answer.turns),
            )
        )
    return found


def evidence_of(
    item: AnswerFeatures, model: PointModel
) -> tuple[dict[str, CriterionEvidence], list[MisconceptionMatch]]:
    """The engine's evidence and stated misconceptions from the cached features, under `model`."""
    matches = matches_from([p for _, p in item.points], item.point_values, model)  # type: ignore[arg-type]
    misconceptions = item.case.misconceptions
    claims = matches_from([m.claim for m in misconceptions], item.claim_values, model, single_sentences=True)  # type: ignore[arg-type]
    corrections = matches_from([m.correction for m in misconceptions], item.correction_values, model)  # type: ignore[arg-type]
    return by_criterion(item.case.key_points, matches), stated_among(misconceptions, claims, corrections)


def level_rows(
    items: Sequence[AnswerFeatures], model: PointModel
) -> tuple[np.ndarray, list[int | None], list[tuple[int, str]]]:
    """Criterion feature rows, the teacher's levels, and (item index, criterion) of each row."""
    from interviewer.levels import level_features

    xs, ys, where = [], [], []
    for index, item in enumerate(items):
        evidence, stated = evidence_of(item, model)
        for criterion in item.rubric.criteria:
            found = evidence.get(criterion.id)
            if found is None or criterion.id not in item.answer.levels:
                continue
            misconception = max((m.credit for m in stated if m.misconception.criterion == criterion.id), default=0.0)
            xs.append(level_features(found, misconception, item.answer.target))
            ys.append(item.answer.levels[criterion.id])
            where.append((index, criterion.id))
    return np.array(xs, np.float32), ys, where


def fit_level_model(x: np.ndarray, y: Sequence[int | None]) -> LevelModel:
    """Ordinal logistic regression (cumulative link, L2) on the teacher's levels, weights
    sign-constrained by LEVEL_SIGNS; rows the teacher left null are not fitted."""
    from scipy.optimize import minimize

    keep = [i for i, level in enumerate(y) if level is not None]
    features = x[keep].astype(np.float64)
    levels = np.array([y[i] for i in keep], int)
    n_features = features.shape[1]

    def loss(params: np.ndarray) -> float:
        w = params[:n_features]
        thresholds = np.cumsum(np.concatenate([[params[n_features]], np.exp(params[n_features + 1 :])]))
        score = features @ w
        at_least = 1.0 / (1.0 + np.exp(-(score[:, None] - thresholds[None, :])))
        bounds = np.hstack([np.ones((len(score), 1)), at_least, np.zeros((len(score), 1))])
        p = bounds[np.arange(len(score)), levels - 1] - bounds[np.arange(len(score)), levels]
        return float(-np.mean(np.log(np.maximum(p, 1e-9))) + 0.5 * w @ w / (LEVEL_C * len(score)))

    start = np.concatenate([np.ones(n_features), [1.0], np.zeros(2)])
    bounds = [*_bounds(LEVEL_FEATURES, LEVEL_SIGNS), (None, None), (None, None), (None, None)]
    result = minimize(loss, start, method="L-BFGS-B", bounds=bounds)
    w = result.x[:n_features]
    thresholds = np.cumsum(np.concatenate([[result.x[n_features]], np.exp(result.x[n_features + 1 :])]))
    return LevelModel(w.astype(np.float32), thresholds.astype(np.float32), LEVEL_DECISION)


def score_items(
    items: Sequence[AnswerFeatures],
    point_model: PointModel,
    level_model: LevelModel,
) -> list[dict[str, object]]:
    """End-to-end offline scoring of each answer with the given models: levels and overall."""
    results = []
    for item in items:
        evidence, stated = evidence_of(item, point_model)
        addressed = case_addressed(evidence)
        scores = []
        levels: dict[str, int | None] = {}
        for criterion in item.rubric.criteria:
            found = evidence.get(criterion.id, CriterionEvidence(criterion.id, []))
            misconception = next((m for m in stated if m.misconception.criterion == criterion.id), None)
            decision = decide_level(found, item.answer.target, None, misconception, level_model, addressed)
            levels[criterion.id] = decision.level
            scores.append(
                CriterionScore(
                    id=criterion.id, title=criterion.title, weight=criterion.weight, core=criterion.core,
                    level=decision.level,
                )
            )
        results.append({"levels": levels, "overall": overall_score(scores), "verdict_scores": scores})
    return results


def teacher_overall(item: AnswerFeatures) -> float | None:
    scores = [
        CriterionScore(id=c.id, title=c.title, weight=c.weight, core=c.core, level=item.answer.levels[c.id])
        for c in item.rubric.criteria
        if c.id in item.answer.levels
    ]
    return overall_score(scores)


def corpus_agreement(items: Sequence[AnswerFeatures], predicted: Sequence[dict[str, object]]) -> dict[str, object]:
    """Held-out agreement with the teacher: criterion levels, overall, and the checks that matter to
    a candidate (a teacher-ready answer called not ready; confidently wrong answers)."""
    pairs: list[tuple[int | None, int | None]] = []
    wrong_lost = wrong_total = 0
    not_ready_at_3 = at_3 = 0
    by_style: dict[str, list[tuple[float, float]]] = {}
    for item, result in zip(items, predicted, strict=True):
        levels = result["levels"]
        assert isinstance(levels, dict)
        for cid, gold in item.answer.levels.items():
            if cid in levels:
                pairs.append((gold, levels[cid]))
                if item.answer.style == "wrong" and gold is not None and gold <= 2:
                    wrong_total += 1
                    wrong_lost += int(levels[cid] is not None and levels[cid] <= 2)
        gold_overall = teacher_overall(item)
        # over the criteria the teacher graded (a few requests of the corpus were never answered)
        same = [c for c in result["verdict_scores"] if c.id in item.answer.levels]  # type: ignore[attr-defined]
        mine = overall_score(same)
        outcome, _ = verdict(same, mine)
        if gold_overall is not None and gold_overall >= 3.0:
            at_3 += 1
            not_ready_at_3 += int(outcome == "not_ready")
        if gold_overall is not None and mine is not None:
            by_style.setdefault(item.answer.style, []).append((float(mine), gold_overall))  # type: ignore[arg-type]
    return {
        "answers": len(items),
        "criteria": criterion_agreement(pairs),
        "overall": overall_agreement(
            [overall_score([c for c in r["verdict_scores"] if c.id in i.answer.levels]) for i, r in zip(items, predicted, strict=True)],  # type: ignore[attr-defined]
            [teacher_overall(i) for i in items],
        ),
        "teacher_3_plus_called_not_ready": f"{not_ready_at_3} of {at_3}",
        "wrong_answers_criteria_teacher_at_most_2_also_at_most_2": f"{wrong_lost} of {wrong_total}",
        "mean_by_style_student_vs_teacher": {
            style: [round(float(np.mean([m for m, _ in v])), 2), round(float(np.mean([g for _, g in v])), 2)]
            for style, v in sorted(by_style.items())
        },
    }


def _headline(agreement: dict[str, object]) -> dict[str, object]:
    """The figures that compare two scorers at a glance."""
    criteria, overall = agreement["criteria"], agreement["overall"]
    assert isinstance(criteria, dict) and isinstance(overall, dict)
    return {
        **{k: overall.get(k) for k in ("spearman", "mae", "bias")},
        **{k: criteria.get(k) for k in ("exact", "within_one", "qwk")},
        "teacher_3_plus_called_not_ready": agreement["teacher_3_plus_called_not_ready"],
        "wrong_kept_at_most_2": agreement["wrong_answers_criteria_teacher_at_most_2_also_at_most_2"],
    }


# -- cross-validation -------------------------------------------------------------------------------


def folds_by_case(cases: Sequence[str], folds: int) -> list[set[str]]:
    ordered = sorted(set(cases))
    return [set(ordered[i::folds]) for i in range(folds)]


def _overlap_threshold(x: np.ndarray, labels: Sequence[str]) -> float:
    """The word-overlap share that best separates statements from near misses and opposites."""
    overlap = overlap_baseline_credit(x)
    positive = np.array([label == "paraphrase" for label in labels])
    negative = np.array([label in ("near_miss", "opposite") for label in labels])
    best, best_accuracy = 0.5, -1.0
    for threshold in np.linspace(0.05, 0.95, 91):
        accuracy = (overlap[positive] >= threshold).mean() + (overlap[negative] < threshold).mean()
        if accuracy > best_accuracy:
            best, best_accuracy = float(threshold), float(accuracy)
    return best


def _overlap_levels(items: Sequence[AnswerFeatures]) -> tuple[np.ndarray, list[int | None], list[tuple[int, str]]]:
    """The baseline's one feature per criterion: mean over its key points of the best plain word
    overlap with any window."""
    column = FEATURES.index("lexical_recall_plain")
    xs, ys, where = [], [], []
    for index, item in enumerate(items):
        values = item.point_values.values  # type: ignore[attr-defined]
        best = values[:, :, column].max(axis=1) if values.shape[1] else np.zeros(len(item.points))
        for criterion in item.rubric.criteria:
            rows = [i for i, (c, _) in enumerate(item.points) if c == criterion.id]
            if not rows or criterion.id not in item.answer.levels:
                continue
            xs.append([float(np.mean(best[rows]))])
            ys.append(item.answer.levels[criterion.id])
            where.append((index, criterion.id))
    return np.array(xs, np.float32), ys, where


def _overlap_predictions(
    train: Sequence[AnswerFeatures], test: Sequence[AnswerFeatures]
) -> list[dict[str, object]]:
    from sklearn.linear_model import LogisticRegression

    x, y, _ = _overlap_levels(train)
    keep = [i for i, v in enumerate(y) if v is not None]
    model = LogisticRegression(max_iter=2000).fit(x[keep], np.array([y[i] for i in keep]))
    xt, _, where = _overlap_levels(test)
    predicted = model.predict(xt) if len(xt) else []
    results: list[dict[str, object]] = [{"levels": {}, "overall": None, "verdict_scores": []} for _ in test]
    for (index, criterion), value, row in zip(where, predicted, xt, strict=True):
        results[index]["levels"][criterion] = None if row[0] == 0 else int(value)  # type: ignore[index]
    for item, result in zip(test, results, strict=True):
        scores = [
            CriterionScore(id=c.id, title=c.title, weight=c.weight, core=c.core,
                           level=result["levels"].get(c.id))  # type: ignore[union-attr]
            for c in item.rubric.criteria
        ]
        result["overall"], result["verdict_scores"] = overall_score(scores), scores
    return results


def cross_validate(
    pairs: Sequence[Pair],
    items: Sequence[AnswerFeatures],
    catalog: Catalog,
    folds: int,
    statements: Sequence[MisconceptionStatement] = (),
) -> dict[str, object]:
    """Held-out figures for the offline scorer and the word-overlap baseline, folds by case."""
    started = time.perf_counter()
    empty = np.zeros((0, len(FEATURES)))
    x_claims, x_corrections = misconception_rows(statements, catalog) if statements else (empty, empty)
    statement_cases = [m.case for m in statements]
    stated = [m.stated for m in statements]
    caught = np.zeros(len(statements), bool)
    x_pairs = pair_rows(pairs, catalog)
    labels = [p.label for p in pairs]
    pair_cases = [p.case for p in pairs]
    all_cases = sorted(set(pair_cases) | {i.answer.case for i in items} | set(statement_cases))
    held_credit = np.zeros(len(pairs), np.float32)
    held_overlap = np.zeros(len(pairs), np.float32)
    held_out: dict[DecisionRule, dict[int, dict[str, object]]] = {rule: {} for rule in DECISION_RULES}
    baseline: dict[int, dict[str, object]] = {}
    for test_cases in folds_by_case(all_cases, folds):
        train_pairs = [i for i, c in enumerate(pair_cases) if c not in test_cases]
        test_pairs = [i for i, c in enumerate(pair_cases) if c in test_cases]
        point_model = fit_point_model(x_pairs[train_pairs], [labels[i] for i in train_pairs])
        test_statements = [i for i, c in enumerate(statement_cases) if c in test_cases]
        if test_statements:
            caught[test_statements] = [
                is_stated(float(a), float(b)) for a, b in zip(
                    point_model.credit(x_claims[test_statements]), point_model.credit(x_corrections[test_statements]),
                    strict=True)
            ]
        if test_pairs:
            held_credit[test_pairs] = point_model.credit(x_pairs[test_pairs])
            threshold = _overlap_threshold(x_pairs[train_pairs], [labels[i] for i in train_pairs])
            # as a 0/1 credit: heard when the overlap reaches the fitted threshold
            held_overlap[test_pairs] = overlap_baseline_credit(x_pairs[test_pairs]) >= threshold
        train_items = [i for i in items if i.answer.case not in test_cases]
        test_index = [n for n, i in enumerate(items) if i.answer.case in test_cases]
        if train_items and test_index:
            x_levels, y_levels, _ = level_rows(train_items, point_model)
            level_model = fit_level_model(x_levels, y_levels)
            test_items = [items[n] for n in test_index]
            for rule in DECISION_RULES:
                scored = score_items(test_items, point_model, level_model.with_decision(rule))
                for n, result in zip(test_index, scored, strict=True):
                    held_out[rule][n] = result
            for n, result in zip(test_index, _overlap_predictions(train_items, test_items), strict=True):
                baseline[n] = result
    report: dict[str, object] = {
        "pairs": {
            "cases": len(set(pair_cases)),
            "offline_held_out": pair_report(held_credit, labels),
            "word_overlap_held_out": pair_report(held_overlap, labels),
        }
    }
    if statements:
        flags = np.array(stated)
        report["misconceptions_held_out"] = {
            "stated_caught": f"{int(caught[flags].sum())} of {int(flags.sum())}",
            "correct_statements_flagged": f"{int(caught[~flags].sum())} of {int((~flags).sum())}",
        }
    if baseline:
        order = sorted(baseline)
        held = [items[n] for n in order]
        report["corpus"] = {
            "cases": len({items[n].answer.case for n in order}),
            "offline_held_out": corpus_agreement(held, [held_out[LEVEL_DECISION][n] for n in order]),
            "word_overlap_held_out": corpus_agreement(held, [baseline[n] for n in order]),
            "decision_rules": {
                rule: _headline(corpus_agreement(held, [held_out[rule][n] for n in order])) for rule in DECISION_RULES
            },
        }
    report["seconds"] = round(time.perf_counter() - started)
    return report


def first_library_cases() -> set[str]:
    return {path.stem for path in (CONTENTS[0] / "cases").glob("*.yaml")}


def first_library_on_later_cases(
    pairs: Sequence[Pair], items: Sequence[AnswerFeatures], catalog: Catalog
) -> dict[str, object]:
    """Both models fitted on the first library's cases only (bench/corpus/content-v2a), scored on the
    cases added after it, beside word overlap fitted on the same first cases: a second held-out
    figure, on cases written later by other hands."""
    first = first_library_cases()
    seen = [i for i in items if i.answer.case in first]
    later = [i for i in items if i.answer.case not in first]
    first_pairs = [p for p in pairs if p.case in first]
    if not seen or not later or not first_pairs:
        return {}
    point_model = fit_point_model(pair_rows(first_pairs, catalog), [p.label for p in first_pairs])
    x_levels, y_levels, _ = level_rows(seen, point_model)
    level_model = fit_level_model(x_levels, y_levels)
    return {
        "cases": len({i.answer.case for i in later}),
        "offline": corpus_agreement(later, score_items(later, point_model, level_model)),
        "word_overlap": corpus_agreement(later, _overlap_predictions(seen, later)),
        "decision_rules": {
            rule: _headline(corpus_agreement(later, score_items(later, point_model, level_model.with_decision(rule))))
            for rule in DECISION_RULES
        },
    }


def write_point_model(pairs: Sequence[Pair], catalog: Catalog, report: dict[str, object]) -> PointModel:
    """Fit the point model on all pairs and write point_model.json."""
    point_model = fit_point_model(pair_rows(pairs, catalog), [p.label for p in pairs])
    POINT_MODEL_FILE.write_text(json.dumps({
        "note": "fitted by bench/fit_scorer.py on bench/corpus/pairs (paraphrase 1, partial 0.5, near miss and opposite 0)",
        "features": list(FEATURES),
        "weights": [round(float(w), 5) for w in point_model.weights],
        "bias": round(point_model.bias, 5),
        "heard": 0.5,
        "fitted_on": {"pairs": len(pairs), "cases": len({p.case for p in pairs}), "C": POINT_C,
                      "signs": POINT_SIGNS},
        "held_out_by_case": report["pairs"]["offline_held_out"],  # type: ignore[index]
    }, indent=1) + "\n", encoding="utf-8")
    return point_model


def write_level_model(
    items: Sequence[AnswerFeatures], point_model: PointModel, report: dict[str, object], levels_only: bool
) -> None:
    """Fit the level model on all graded answers under `point_model` and write level_model.json."""
    x_levels, y_levels, _ = level_rows(items, point_model)
    level_model = fit_level_model(x_levels, y_levels)
    LEVEL_MODEL_FILE.write_text(json.dumps({
        "note": "fitted by bench/fit_scorer.py on bench/corpus/graded.jsonl; teacher: a capable model "
                f"answering the project's grader prompt (version {GRADER_PROMPT_VERSION})",
        "features": list(LEVEL_FEATURES),
        "weights": [round(float(v), 5) for v in level_model.weights],
        "thresholds": [round(float(v), 5) for v in level_model.thresholds],
        "decision": level_model.decision,
        "fitted_on": {"answers": len(items), "criteria_rows": len(y_levels),
                      "cases": len({i.answer.case for i in items}), "C": LEVEL_C,
                      "grader_prompt_version": GRADER_PROMPT_VERSION,
                      "point_model": "shipped" if levels_only else "refitted with it"},
        "held_out_by_case": (report.get("corpus") or {}).get("offline_held_out", {}),  # type: ignore[union-attr]
    }, indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--first-library", action="store_true",
        help="cross-validate on the first library's cases only (where rules such as LEVEL_DECISION are "
             "chosen), leaving the later cases unseen",
    )
    parser.add_argument("--write", action="store_true", help="write the fitted JSON files")
    parser.add_argument(
        "--levels-only", action="store_true",
        help="with --write: refit only the level model, on the shipped point model (the interviewer's "
             "moves read point credits, so keeping the point model keeps recorded rounds valid)",
    )
    args = parser.parse_args()
    if args.first_library and args.write:
        parser.error("--first-library measures a choice; the shipped files are fitted with all cases (drop --write)")
    started = time.perf_counter()
    catalog = load_catalog()
    pairs = [p for p in load_pairs(PAIRS) if p.case in catalog.cases]
    graded = [g for g in load_graded(GRADED) if g.case in catalog.cases]
    print(f"pairs: {len(pairs)} over {len({p.case for p in pairs})} cases; graded answers: {len(graded)} "
          f"over {len({g.case for g in graded})} cases", flush=True)
    statements = [m for m in load_misconception_statements() if m.case in catalog.cases]
    if args.first_library:
        first = first_library_cases()
        pairs, graded = [p for p in pairs if p.case in first], [g for g in graded if g.case in first]
        statements = [m for m in statements if m.case in first]
        print(f"first library only: {len(pairs)} pairs, {len(graded)} graded answers", flush=True)
    items = corpus_features(graded, catalog)
    report = cross_validate(pairs, items, catalog, args.folds, statements)
    print(json.dumps(report, indent=1), flush=True)
    print(json.dumps({"fitted_on_the_first_library_scored_on_the_later_cases":
                      first_library_on_later_cases(pairs, items, catalog)}, indent=1), flush=True)
    if args.write:
        point_model = shipped_point_model() if args.levels_only else write_point_model(pairs, catalog, report)
        if items:
            write_level_model(items, point_model, report, args.levels_only)
        print(f"wrote {LEVEL_MODEL_FILE}" + ("" if args.levels_only else f" and {POINT_MODEL_FILE}"))
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The engine pieces behind the app pages: pause / resume, the notes pad, progress and suggestions,
evidence located in the transcript, phase tables, attempt comparison, diagrams, learning plans."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from interviewer.catalog import Catalog
from interviewer.diagram import mermaid_to_dot, read_pad
from interviewer.models import CriterionScore, ScoreCard, SessionInfo, Turn
from interviewer.plans import DEFAULT_PLANS_PATH, PlansError, load_plans
from interviewer.progress import (
    Attempt,
    attempted_case_ids,
    attempts,
    criterion_rows,
    suggest_case,
    weakest_criterion,
)
from interviewer.review import compare_cards, evidence_by_turn, phase_rows
from interviewer.store import MIGRATIONS, Store

DRILL = "drill-bias-variance"
DESIGN = "realtime-eta-service"


# -- pause / resume ---------------------------------------------------------------------------------


def test_paused_time_does_not_count_toward_the_phase_or_round(make_service, clock):
    svc = make_service()
    sid = svc.start(DESIGN).id
    clock.advance(60)
    before = svc.view(sid)
    svc.pause(sid)
    assert svc.is_paused(sid)
    clock.advance(600)  # ten minutes away from the desk
    paused = svc.view(sid)
    assert paused.now_s == pytest.approx(60)
    assert paused.round_remaining_s == pytest.approx(before.round_remaining_s)
    svc.resume(sid)
    clock.advance(30)
    after = svc.view(sid)
    assert not svc.is_paused(sid)
    assert after.now_s == pytest.approx(90)
    assert after.phase_remaining_s == pytest.approx(before.phase_remaining_s - 30)


def test_a_silent_overrun_gets_one_reminder_naming_the_next_phase(make_service, clock, catalog):
    svc = make_service()
    sid = svc.start(DESIGN).id
    first, second = catalog.case(DESIGN).plan()[:2]
    clock.advance(first.minutes * 60 - 5)
    assert svc.tick(sid) is None  # still inside the budget
    clock.advance(10)
    svc.pause(sid)
    assert svc.tick(sid) is None  # paused: the clock stands still, nobody speaks
    svc.resume(sid)
    reminder = svc.tick(sid)
    assert reminder is not None and reminder.kind == "nudge" and reminder.phase == first.id
    assert second.title.lower() in reminder.text
    clock.advance(30)
    assert svc.tick(sid) is None  # once per phase
    replies = svc.submit(sid, "I would cache the road graph and recompute every minute.")
    assert replies[-1].kind == "phase_change" and replies[-1].phase == second.id
    assert [t.kind for t in svc.view(sid).turns].count("nudge") == 1


def test_no_reminder_in_the_last_phase(make_service, clock):
    svc = make_service()
    sid = svc.start("drill-bias-variance").id  # one phase: the round clock ends it, not a reminder
    clock.advance(3600)
    assert svc.tick(sid) is None


def test_a_pause_survives_a_restart_and_answering_resumes_the_clock(make_service, clock):
    svc = make_service()
    sid = svc.start(DRILL).id
    clock.advance(100)
    svc.pause(sid)
    clock.advance(1000)
    restarted = make_service()  # a new process: nothing in memory
    assert restarted.is_paused(sid)
    assert restarted.view(sid).now_s == pytest.approx(100)
    restarted.submit(sid, "Bias is error from a model too simple for the signal.")
    assert not restarted.is_paused(sid)
    assert restarted.store.turns(sid)[1].at_s == pytest.approx(100)
    clock.advance(5)
    assert restarted.view(sid).now_s == pytest.approx(105)


def test_pause_is_a_no_op_on_a_finished_session_and_finishing_clears_it(make_service, clock):
    svc = make_service()
    sid = svc.start(DRILL).id
    svc.pause(sid)
    svc.finish(sid)
    assert not svc.is_paused(sid)
    svc.pause(sid)
    assert not svc.is_paused(sid)


# -- the notes pad ----------------------------------------------------------------------------------


def test_notes_are_stored_as_versions_and_read_back_after_a_restart(make_service, tmp_path):
    svc = make_service()
    sid = svc.start(DESIGN).id
    assert svc.notes(sid) == ""
    assert svc.save_notes(sid, "digraph { a -> b }")
    assert not svc.save_notes(sid, "digraph { a -> b }")  # unchanged: nothing written
    assert svc.save_notes(sid, "digraph { a -> b -> c }")
    assert make_service().notes(sid) == "digraph { a -> b -> c }"
    with sqlite3.connect(tmp_path / "interviews.sqlite3") as connection:
        versions = connection.execute("SELECT text FROM notes WHERE session_id = ?", (sid,)).fetchall()
    assert [v[0] for v in versions] == ["digraph { a -> b }", "digraph { a -> b -> c }"]
    with pytest.raises(KeyError):
        svc.save_notes("nope", "text")


def test_the_pause_and_notes_migration_upgrades_a_version_2_database(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as connection:
        for script in MIGRATIONS[:2]:
            connection.executescript(script)
        connection.execute("PRAGMA user_version = 2")
        connection.execute(
            "INSERT INTO sessions (id, case_id, level, backend, created_at) "
            "VALUES ('abc', 'x', 'mid', 'offline', '2026-01-01T00:00:00+00:00')"
        )
    store = Store(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.paused_at_s("abc") is None
    assert store.notes("abc") == ""


# -- progress and suggestions -----------------------------------------------------------------------


def score(cid: str, title: str, level: int | None) -> CriterionScore:
    return CriterionScore(id=cid, title=title, weight=1.0, core=False, level=level)


def attempt(sid: str, case: str, levels: dict[str, int | None], when: str = "2026-01-01") -> Attempt:
    card = ScoreCard(
        case=case, rubric="r", overall=None, verdict="unscored", verdict_reason="",
        criteria=[score(c, c.replace("_", " ").title(), lv) for c, lv in levels.items()],
    )
    session = SessionInfo(id=sid, case_id=case, level="mid", backend="offline", status="finished",
                          created_at=when)
    return Attempt(session, card)


def test_the_weakest_criterion_is_the_lowest_mean_and_unobserved_counts_as_weak():
    found = [
        attempt("a", "x", {"evaluation": 3, "communication": 2, "deployment": None}),
        attempt("b", "y", {"evaluation": 1, "communication": 2}),
    ]  # means: evaluation 2.0, communication 2.0, deployment 1.0 (not observed)
    weakest = weakest_criterion(found)
    assert weakest is not None and weakest.criterion == "deployment"
    found.append(attempt("c", "z", {"deployment": 4}))
    # deployment now 2.5; evaluation and communication tie at 2.0 over two attempts: the id decides
    assert weakest_criterion(found).criterion == "communication"
    found.append(attempt("d", "z", {"evaluation": 1}))
    assert weakest_criterion(found).criterion == "evaluation"  # 5/3 < 2
    assert weakest_criterion([]) is None


def test_a_suggestion_targets_the_weakest_criterion_and_prefers_unattempted_cases(catalog: Catalog):
    weakest = weakest_criterion([attempt("a", DRILL, {"correctness": 1})])
    assert weakest is not None
    suggestion = suggest_case(catalog, weakest, attempted={DRILL}, level="mid")
    assert suggestion is not None
    assert weakest.criterion in suggestion.case.key_points
    assert suggestion.case.id != DRILL
    assert weakest.title in suggestion.reason
    first = suggest_case(catalog, None, attempted=set())
    assert first is not None and first.case.kind == "drill" and first.weakest is None


def test_history_rows_and_attempted_cases_come_from_the_store(make_service):
    svc = make_service()
    sid = svc.start(DRILL).id
    svc.submit(sid, "Bias is error from a model too simple; variance is sensitivity to the sample.")
    assert attempted_case_ids(svc.store) == set()
    svc.finish(sid)
    assert attempted_case_ids(svc.store) == {DRILL}
    found = attempts(svc.store)
    assert [a.session.id for a in found] == [sid]
    rows = criterion_rows(found)
    assert {r["criterion_id"] for r in rows} == {c.id for c in found[0].card.criteria}
    assert all(r["attempt"] == 1 for r in rows)


# -- review -----------------------------------------------------------------------------------------


def test_evidence_quotes_are_placed_under_the_answer_that_said_them():
    turns = [
        Turn(index=0, role="interviewer", kind="opening", text="Go.", at_s=0, phase="p"),
        Turn(index=1, role="candidate", kind="answer", text="First point.  Second   point here.",
             at_s=1, phase="p"),
        Turn(index=2, role="candidate", kind="answer", text="Another answer entirely.", at_s=2, phase="p"),
    ]
    card = ScoreCard(
        case="c", rubric="r", overall=None, verdict="unscored", verdict_reason="",
        criteria=[
            CriterionScore(id="a", title="A", weight=1, core=False, level=3,
                           evidence=["Second point here.", "another answer entirely."]),
            CriterionScore(id="b", title="B", weight=1, core=False, level=None,
                           evidence=["never said this"]),
        ],
    )
    found = evidence_by_turn(turns, card)
    assert [h.quote for h in found[1]] == ["Second point here."]
    assert [h.quote for h in found[2]] == ["another answer entirely."]
    assert 0 not in found
    assert evidence_by_turn(turns, None) == {}


def test_phase_rows_show_budgets_time_used_and_the_extension_on_the_last_phase(catalog: Catalog):
    case = catalog.case(DESIGN)
    plan = case.plan()
    turns = [
        Turn(index=0, role="interviewer", kind="opening", text="Go.", at_s=0, phase=plan[0].id),
        Turn(index=1, role="interviewer", kind="phase_change", text="Next.", at_s=240,
             phase=plan[1].id),
    ]
    rows = phase_rows(case, turns, end_s=300, time_extension_s=300, current=plan[1].id)
    assert [r["Phase"] for r in rows] == [p.title for p in plan]
    assert rows[0]["Used (min)"] == 4.0 and rows[0]["Status"] == "done"
    assert rows[1]["Used (min)"] == 1.0 and rows[1]["Status"] == "now"
    assert rows[-1]["Budget (min)"] == plan[-1].minutes + 5
    assert rows[2]["Status"] == "next"


def test_two_attempts_compare_criterion_by_criterion():
    a = attempt("a", "x", {"framing": 2, "metrics": None}).card
    b = attempt("b", "x", {"framing": 3, "metrics": 2, "extra": 1}).card
    rows = compare_cards(a, b)
    assert rows[0] == {"Criterion": "Framing", "A": 2, "B": 3, "Change": 1}
    assert rows[1]["Change"] is None
    assert rows[2] == {"Criterion": "Extra", "A": None, "B": 1, "Change": None}


# -- diagrams ---------------------------------------------------------------------------------------


def test_the_pad_draws_dot_and_simple_mermaid_and_keeps_other_text_as_notes():
    assert read_pad("digraph G {\n a -> b\n}").kind == "dot"
    assert read_pad("graph { a -- b }").kind == "dot"
    mermaid = read_pad("flowchart LR\n  A[Client] -->|HTTP| B(API)\n  B --> C{Cache?} --> D")
    assert mermaid.kind == "mermaid" and mermaid.dot is not None
    assert '"A" -> "B" [label="HTTP"]' in mermaid.dot and '"C" -> "D"' in mermaid.dot
    assert 'label="Client"' in mermaid.dot and "rankdir=LR" in mermaid.dot
    assert read_pad("Requirements: 2M parcels a day").kind == "text"
    assert read_pad("graph TD\n  this is not mermaid!").kind == "text"
    assert mermaid_to_dot("notes") is None


def test_diagram_links_and_files_are_never_drawn_and_labels_cannot_inject_attributes():
    unsafe = read_pad('digraph { a [URL="javascript:alert(1)"] }')
    assert unsafe.kind == "text" and unsafe.dot is None and unsafe.note
    assert read_pad('digraph { a [image="/etc/passwd"] }').kind == "text"
    injected = read_pad('graph LR\n A["x", URL="javascript:alert(1)"] --> B')
    assert injected.kind == "text" or 'URL="' not in (injected.dot or "")


# -- plans ------------------------------------------------------------------------------------------


def test_the_seed_learning_paths_load_and_name_real_cases(catalog: Catalog):
    plans = load_plans(catalog=catalog)
    assert [p.id for p in plans] == ["full-preparation", "llm-fast-track", "classical-ml-mlops",
                                     "last-24-hours"]
    for plan in plans:
        assert all(step.case in catalog.cases for step in plan.steps)
    fast = plans[1]
    assert fast.progress(set()) == (0, len(fast.steps))
    first = fast.steps[0].case
    assert fast.progress({first}) == (1, len(fast.steps))
    assert fast.next_step({first}) == fast.steps[1]
    assert fast.next_step({s.case for s in fast.steps}) is None


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("plans: []", "plans"),
        ("plans:\n  - {id: a, title: A, steps: [{case: no-such-case, stage: s}]}", "steps.0.case"),
        ("plans:\n  - {id: a, title: A, steps: [{case: x, stage: s}], colour: red}", "colour"),
        ("plans: [", "(file)"),
    ],
)
def test_a_broken_plans_file_names_the_file_and_field(tmp_path: Path, catalog: Catalog, text: str, where: str):
    path = tmp_path / "plans.yaml"
    path.write_text(text)
    with pytest.raises(PlansError) as error:
        load_plans(path, catalog)
    assert str(path) in str(error.value) and where in str(error.value)


def test_the_default_plans_file_is_at_the_repository_root():
    assert DEFAULT_PLANS_PATH.name == "plans.yaml" and DEFAULT_PLANS_PATH.exists()


def test_extra_time_goes_to_the_phase_being_worked_on(make_service, clock, catalog: Catalog):
    case = next(c for c in catalog.cases.values() if c.kind == "system_design")
    service = make_service()
    session = service.start(case.id, "senior")
    first, last = case.plan()[0], case.plan()[-1]
    before = service.view(session.id)
    assert service.extend_time(session.id, 5) == first.title
    after = service.view(session.id)
    assert after.phase_remaining_s == before.phase_remaining_s + 300
    assert after.round_remaining_s == before.round_remaining_s + 300
    assert after.case.plan()[0].minutes == first.minutes + 5
    assert after.case.plan()[-1].minutes == last.minutes  # not the wrap-up
    rows = phase_rows(after.case, after.turns, after.now_s, after.state.time_extension_s, first.id)
    assert rows[0]["Budget (min)"] == first.minutes + 5 and rows[-1]["Budget (min)"] == last.minutes


def test_extra_time_on_a_one_phase_drill_lengthens_the_round(make_service):
    service = make_service()
    session = service.start("drill-bias-variance")
    before = service.view(session.id).round_remaining_s
    service.extend_time(session.id, 5)
    assert service.view(session.id).round_remaining_s == before + 300


def test_a_plan_schedule_spreads_its_cases_from_the_first_day_to_the_last(catalog: Catalog):
    from datetime import date

    from interviewer.plans import pace

    plan = next(p for p in load_plans(catalog=catalog) if p.days and p.days > 1)
    start = date(2026, 3, 2)
    dates = plan.schedule(start)
    assert dates[0] == start and (dates[-1] - start).days == plan.days - 1
    assert dates == sorted(dates)
    assert plan.schedule(start, days=1) == [start] * len(plan.steps)  # the night before
    second = plan.steps[1].case
    on_day_one = pace(plan, dates, set(), start)
    assert on_day_one.overdue == 0 and on_day_one.today >= 1 and on_day_one.text().startswith("On track")
    late = pace(plan, dates, {second}, dates[-1])
    assert late.overdue == sum(d < dates[-1] for d in dates) - 1 and late.done == 1
    assert "Behind by" in late.text()

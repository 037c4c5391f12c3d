"""An interviewer that listens (issue 14): it follows the candidate through the round, never asks for
what was just said, answers what is asked. Small cases of the test's own (tests/listening_content)
keep these independent of the repository's case wording; the scripted rounds of tests/rounds are
checked by bench/listening.py, and a few behaviours that hold for any case are checked here too."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.listening import ROUNDS, check_round, read_rows
from interviewer.backends.llm import LlmConfig, LlmInterviewer
from interviewer.backends.offline import NO_FACT, OfflineGrader, OfflineInterviewer, phrase_offline
from interviewer.catalog import Catalog, load_catalog
from interviewer.evidence import MisconceptionMatch
from interviewer.models import Turn
from interviewer.policy import listened_points, understand
from interviewer.policy.facts import match_fact
from interviewer.policy.moves import Move
from interviewer.service import InterviewService
from interviewer.session import time_per_phase
from interviewer.store import Store
from tests.openai_stub import Reply, StubServer

CONTENT = Path(__file__).resolve().parent / "listening_content"
DESIGN = "reefer-excursions"
DRILL = "drill-reefer-gaps"

FRAMING = (
    "I predict the probability that a load will spend more than 30 minutes above 5 degrees before "
    "delivery. The decision is whether a dispatcher calls the driver to check the reefer unit, so the "
    "alert threshold follows dispatcher capacity: with 40 calls a shift, I alert on the 40 riskiest loads. "
    "I judge alerts by precision and recall at least one hour before the excursion starts."
)
DATA = (
    "Labels come from the temperature trace itself: an excursion is more than 30 minutes above 5 degrees. "
    "Features are the recent temperature slope, door-open events, ambient temperature and the unit's "
    "defrost cycle. Gaps in the five-minute readings are marked as missing, never filled with the last value."
)


@pytest.fixture(scope="module")
def small() -> Catalog:
    catalog = load_catalog(CONTENT / "cases", CONTENT / "rubrics")
    assert not catalog.problems, catalog.problems
    return catalog


@pytest.fixture
def service(tmp_path: Path, small: Catalog, grader: OfflineGrader, clock: Any) -> InterviewService:
    return InterviewService(small, Store(tmp_path / "listen.sqlite3"), OfflineInterviewer(), grader, clock, grader)


def say(service: InterviewService, session_id: str, text: str, at_s: float) -> Turn:
    (turn,) = service.submit(session_id, text, at_s)
    return turn


def asked_texts(service: InterviewService, session_id: str) -> list[str]:
    return [t.text for t in service.store.turns(session_id) if t.role == "interviewer"]


# -- turns understood ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "ask"),
    [
        ("How many calls can dispatch make in a shift?", "case_question", None),
        ("Sorry, how much time do we have left for this part?", "interview_question", "time"),
        ("Can you repeat the question?", "interview_question", "repeat"),
        ("Can I take a minute to think?", "interview_question", "pause"),
        ("Should I start with the data or the metric?", "interview_question", "approach"),
        ("Labels come from the trace. Is there any part of that you'd like me to go deeper on, or shall I "
         "carry on to the model?", "interview_question", "depth"),
        ("Shall I move on to the model?", "interview_question", "go_on"),
        ("I don't know.", "dont_know", None),
        ("I'm not sure, but I'd assume the unit defrosts every six hours.", "answer", None),
        ("/end", "end", None),
        ("The model is gradient boosting on the slope and door events.", "answer", None),
    ],
)
def test_each_kind_of_turn_is_told_apart(text: str, kind: str, ask: str | None) -> None:
    found = understand(text)
    assert (found.kind, found.ask) == (kind, ask)


def test_case_questions_get_the_fact_that_answers_them_by_meaning_or_a_refusal(
    small: Catalog, grader: OfflineGrader
) -> None:
    case = small.case(DESIGN)
    topic = {c.topic: c for c in case.clarifications}
    asked = {
        "How many calls can the dispatchers handle per shift?": "dispatch capacity",
        "How long a history of traces do we keep?": "history",
        "What share of loads gets rejected today?": "rejections",
        "How many hours a day is a trailer on the road?": "fleet",
        "Which cloud provider do we run on?": None,
        "What is the CEO's favourite colour?": None,
    }
    for question, expected in asked.items():
        found = match_fact(case, question, grader.embedder).fact
        assert (found.topic if found else None) == expected, question
        if expected:
            assert found == topic[expected]


def test_a_question_the_case_answers_only_loosely_gets_the_nearest_fact_said_as_such(
    catalog: Catalog, grader: OfflineGrader
) -> None:
    """Below the answering threshold but above NEAREST_MIN, withholding the fact would leave the
    candidate guessing: the nearest fact is given, and the reply says it is the nearest."""
    case = catalog.case("last-mile-eta")
    question = "Do drivers actually stick to the order the routing engine gives them, or do they kind of freestyle it?"
    found = match_fact(case, question, grader.embedder)
    assert found.nearest and found.fact is not None and found.fact.topic == "stop sequence"
    reply = phrase_offline(Move("clarification", "data", clarification=found.fact, nearest=True), None)  # type: ignore[arg-type]
    assert reply.startswith("The case doesn't say exactly that.") and found.fact.answer in reply
    assert not match_fact(case, "What is the CEO's favourite colour?", grader.embedder).nearest


def test_a_refused_question_invents_nothing_and_a_known_one_is_answered_in_the_round(
    service: InterviewService, small: Catalog
) -> None:
    case = small.case(DESIGN)
    session = service.start(DESIGN)
    known = say(service, session.id, "How many calls can the dispatchers make in a shift?", 20)
    assert known.kind == "clarification" and known.text == "Dispatchers can make about 40 calls a shift."
    unknown = say(service, session.id, "Which cloud provider do we run on?", 40)
    assert unknown.kind == "clarification" and unknown.text == NO_FACT
    facts = " ".join(c.answer for c in case.clarifications)
    assert not any(number in unknown.text for number in re.findall(r"\d[\d,.]*", facts))


def test_questions_about_the_interview_are_answered_about_the_interview(service: InterviewService) -> None:
    session = service.start(DESIGN)
    probe = say(service, session.id, "We need to warn dispatchers before loads get rejected.", 60)
    time_left = say(service, session.id, "Sorry, how much time do I have left for this part?", 90)
    assert time_left.kind == "clarification" and "minute" in time_left.text and time_left.text != NO_FACT
    repeat = say(service, session.id, "Can you repeat the question?", 100)
    assert probe.text.split(". ")[-1] in repeat.text
    pause = say(service, session.id, "Can I take a minute to think?", 110)
    assert "moment" in pause.text and "?" not in pause.text
    approach = say(service, session.id, "Should I start with the data or with the metric?", 120)
    assert "Your call" in approach.text
    go_on = say(service, session.id, FRAMING + " Shall I move on to the data?", 300)
    assert go_on.kind in ("probe", "phase_change") and "specified" not in go_on.text


# -- probes aimed at what is missing ---------------------------------------------------------------


def test_a_follow_up_whose_key_points_were_said_is_never_asked(service: InterviewService, small: Catalog) -> None:
    case = small.case(DESIGN)
    session = service.start(DESIGN)
    say(service, session.id, FRAMING, 120)
    say(service, session.id, DATA, 300)
    say(service, session.id, "The baseline is a rule on two warm readings in a row.", 420)
    turns = service.store.turns(session.id)
    asked = {t.follow_up for t in turns if t.follow_up is not None}
    capacity = next(i for i, f in enumerate(case.follow_ups) if "40 calls" in f.ask)
    assert capacity not in asked, "the dispatcher-capacity follow-up was answered in the first answer"
    result = check_round("said", case, service.catalog, service.offline, [], [t.model_dump() for t in turns])
    assert result.count("answered_follow_up") == 0, result.violations


def test_listens_for_is_derived_from_the_wording_when_not_authored(small: Catalog, grader: OfflineGrader) -> None:
    case = small.case(DESIGN)
    agree = 0
    for follow_up in case.follow_ups:
        derived = listened_points(case, follow_up.model_copy(update={"listens_for": []}), grader.embedder)
        assert derived and len(derived) <= 2, follow_up.ask  # the closest one or two, never all of them
        agree += set(follow_up.listens_for) <= set(derived)
    assert agree >= len(case.follow_ups) - 1, "derived from the wording, they mostly agree with the authored ones"


class HearsMisconception(OfflineGrader):
    """The offline grader, with the misconception matcher replaced by an exact one: this test is about
    what the policy does with a stated misconception, not about the matcher's numbers."""

    def misconceptions(self, case: Any, answers: Any) -> list[MisconceptionMatch]:
        said = " ".join(answers)
        return [MisconceptionMatch(m, 1.0, WRONG) for m in case.misconceptions if WRONG in said]


WRONG = "I'd fill the gaps in the readings with the last value, because the temperature barely changes in an hour."


def test_a_stated_misconception_gets_one_pushback_quoting_the_candidate(
    tmp_path: Path, small: Catalog, embedder: Any, clock: Any
) -> None:
    grader = HearsMisconception(embedder)
    service = InterviewService(small, Store(tmp_path / "m.sqlite3"), OfflineInterviewer(), grader, clock, grader)
    session = service.start(DESIGN)
    say(service, session.id, FRAMING, 200)
    wrong = WRONG
    pushback = say(service, session.id, wrong, 420)
    assert pushback.kind == "probe" and pushback.criterion == "data"
    assert pushback.text.startswith("You said \u201c") and "push back" in pushback.text
    again = say(service, session.id, wrong, 460)
    assert "push back" not in again.text and again.text != pushback.text


def test_i_dont_know_gets_another_angle_not_the_same_question(service: InterviewService) -> None:
    session = service.start(DESIGN)
    first = say(service, session.id, "We want fewer rejected loads.", 60)
    second = say(service, session.id, "I don't know.", 90)
    assert second.kind in ("probe", "phase_change", "nudge") and "fine" in second.text
    assert first.text not in second.text


# -- phases follow the conversation -----------------------------------------------------------------


def test_a_candidate_who_runs_ahead_is_followed_and_never_asked_for_what_they_said(
    service: InterviewService,
) -> None:
    session = service.start(DESIGN)
    say(service, session.id, FRAMING, 150)
    ahead = say(service, session.id, DATA, 240)  # the data phase, said during framing
    assert ahead.kind == "phase_change" and ahead.phase in ("data", "model")
    assert "Take me through it" not in ahead.text or ahead.phase == "model"
    turns = service.store.turns(session.id)
    result = check_round("ahead", service.catalog.case(DESIGN), service.catalog, service.offline,
                         [], [t.model_dump() for t in turns])
    assert result.total == 0, result.violations


def test_the_time_of_an_answer_that_ran_ahead_counts_where_it_went(service: InterviewService) -> None:
    session = service.start(DESIGN)
    say(service, session.id, "Framing, briefly. " + DATA, 200)  # framing time, data content
    moved = service.store.turns(session.id)[-1]
    assert moved.kind == "phase_change" and "answer spoke to data" in moved.source
    spent = time_per_phase(service.catalog.case(DESIGN), service.store.turns(session.id), end_s=260)
    assert spent["data"] == 200 and spent["frame"] == 0 and sum(spent.values()) == 260


def test_after_end_only_the_close(service: InterviewService) -> None:
    session = service.start(DESIGN)
    say(service, session.id, FRAMING, 470)  # a phase about to run out
    close = say(service, session.id, "/end", 500)
    assert close.kind == "wrap_up" and "?" not in close.text
    assert service.store.session(session.id).status == "finished"
    service.finish(session.id, at_s=510)
    after = service.store.turns(session.id)[-1]
    assert after.index == close.index, "finishing adds nothing after the close"


def test_a_short_drill_uses_its_time_before_saying_everything_was_asked(service: InterviewService) -> None:
    session = service.start(DRILL)
    strong = ("Missing readings are informative, because a unit that stops reporting is often the one failing. "
              "Carrying the last value forward hides a rising temperature during the gap. I add the length "
              "of the current gap and the share of missing readings in the last hour as features, and check "
              "the model on loads with long gaps separately, because that's where it is most likely wrong.")
    first = say(service, session.id, strong, 60)
    assert first.kind != "wrap_up", "a 7-minute drill does not end after one answer at minute 1"
    second = say(service, session.id, "Gap length is the strongest of those features in my experience.", 150)
    texts = asked_texts(service, session.id)
    assert len(set(texts)) == len(texts)
    assert second.kind != "wrap_up" or second.at_s >= 0.5 * 7 * 60


# -- the model interviewer -----------------------------------------------------------------------


def _marker_responder(marker: str) -> Callable[[dict[str, Any]], Reply]:
    def respond(body: dict[str, Any]) -> Reply:
        brief = body["messages"][-1]["content"]
        if "[ALT 1]" in brief:
            return Reply(content=f"{marker} You mentioned dispatchers: what would you compare your model against first?",
                         chunk_chars=3)
        return Reply(content="What would you compare it against first?")

    return respond


@pytest.fixture
def llm_service(tmp_path: Path, small: Catalog, grader: OfflineGrader, clock: Any) -> Iterator[Callable[..., Any]]:
    servers: list[StubServer] = []

    def build(responder: Callable[[dict[str, Any]], Reply] | None = None, base_url: str | None = None) -> Any:
        if base_url is None:
            server = StubServer(responder=responder)
            server.start()
            servers.append(server)
            base_url = server.base_url
        config = LlmConfig(api_key="sk-test", base_url=base_url, model="stub", timeout=2.0, max_retries=0)
        service = InterviewService(small, Store(tmp_path / f"llm{len(servers)}.sqlite3"), LlmInterviewer(config),
                                   grader, clock, grader)
        return service, (servers[-1] if servers else None)

    yield build
    for server in servers:
        server.stop()


def test_the_model_sees_the_answer_the_move_and_the_alternatives_and_may_take_one(llm_service: Any) -> None:
    service, stub = llm_service(_marker_responder("[ALT 1]"))
    session = service.start(DESIGN)
    turn = say(service, session.id, "We want fewer rejected loads, so we warn dispatchers.", 60)
    brief = stub.chat_requests[-1]["messages"][-1]["content"]
    assert "We want fewer rejected loads" in brief and "[ALT 1]" in brief and "Listen first" in brief
    assert turn.source == "openai (alternative 1)" and not turn.text.startswith("[")
    offered = brief.split("[ALT 1]", 1)[1].split("\n", 1)[0]  # "(criterion title) the alternative's words"
    case = service.catalog.case(DESIGN)
    rubric = service.catalog.rubric_for(case)
    assert turn.criterion is not None and f"({rubric.criterion(turn.criterion).title})" in offered
    if turn.follow_up is not None:  # the stored turn records the alternative, not the first move
        assert case.follow_ups[turn.follow_up].ask in offered


def test_a_skipped_follow_up_is_recorded_and_never_asked_later(llm_service: Any) -> None:
    service, _ = llm_service(_marker_responder("[SKIP]"))
    session = service.start(DESIGN)
    turn = say(service, session.id, "We want fewer rejected loads, so we warn dispatchers.", 60)
    assert turn.source == "openai (skipped follow-up)" and "[SKIP]" not in turn.text
    assert turn.follow_up is not None
    later = [say(service, session.id, f"More on that, part {n}.", 60 + 40 * n) for n in range(1, 4)]
    assert turn.follow_up not in [t.follow_up for t in later]


def test_an_unreachable_endpoint_falls_back_without_repeating_a_question(llm_service: Any) -> None:
    from conftest import free_port

    service, _ = llm_service(base_url=f"http://127.0.0.1:{free_port()}/v1")
    session = service.start(DESIGN)
    replies = [say(service, session.id, text, at) for text, at in
               [("We want fewer rejections.", 60), ("Use the data.", 120), ("A model.", 180),
                ("Alerts.", 240), ("Dispatchers.", 300), ("Thresholds.", 360)]]
    assert all(t.source.startswith("offline-fallback") for t in replies)
    questions = [t.text for t in replies if t.kind in ("probe", "nudge", "phase_change")]
    assert len(questions) == len(set(questions)), questions


# -- the checker itself, and the kept rounds --------------------------------------------------------


def _turn(index: int, role: str, kind: str, text: str, phase: str = "frame", **extra: Any) -> dict[str, Any]:
    return Turn(index=index, role=role, kind=kind, text=text, at_s=10.0 * index, phase=phase, **extra).model_dump()


def test_the_checker_counts_each_kind_of_violation(small: Catalog, grader: OfflineGrader) -> None:
    case = small.case(DESIGN)
    capacity = next(i for i, f in enumerate(case.follow_ups) if "40 calls" in f.ask)
    rows = [{"say": FRAMING, "expect": "answer"}, {"say": "How much time is left?", "expect": "interview"},
            {"say": "How long a history of traces do we keep?", "expect": "fact:history"},
            {"say": DATA, "expect": "answer"}, {"say": "/end", "expect": "end"}]
    turns = [
        _turn(0, "interviewer", "opening", "Opening."),
        _turn(1, "candidate", "answer", FRAMING),
        _turn(2, "interviewer", "probe", case.follow_ups[capacity].ask, criterion="framing", follow_up=capacity),
        _turn(3, "candidate", "answer", rows[1]["say"]),
        _turn(4, "interviewer", "clarification", NO_FACT),
        _turn(5, "candidate", "answer", rows[2]["say"]),
        _turn(6, "interviewer", "clarification", NO_FACT),
        _turn(7, "candidate", "answer", DATA),
        _turn(8, "interviewer", "phase_change", "Next: data, about 8 minutes. Take me through it.", phase="data"),
        _turn(9, "candidate", "answer", "/end", phase="data"),
        _turn(10, "interviewer", "phase_change", "Next: model. " + case.follow_ups[capacity].ask, phase="model",
              follow_up=capacity),
        _turn(11, "interviewer", "wrap_up", "Thank you.", phase="model"),
    ]
    result = check_round("synthetic", case, small, grader, rows, turns)
    assert {check: result.count(check) for check in result.violations} == {
        "answered_follow_up": 1, "interview_as_case": 1, "fact_withheld": 1, "covered_phase_asked": 1,
        "after_end": 1,
    }


def _run_in_process(service: InterviewService, case_id: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    session = service.start(case_id)
    last = None
    for row in rows:
        if service.store.session(session.id).status == "finished":
            break
        service.submit(session.id, row["say"], row.get("at_s"))
        last = row.get("at_s")
    service.finish(session.id, at_s=last)
    return [t.model_dump() for t in service.store.turns(session.id)]


@pytest.mark.parametrize("path", sorted(ROUNDS.glob("*--end-mid-phase.jsonl")) +
                         sorted(ROUNDS.glob("*--interview-questions.jsonl"))[:2], ids=lambda p: p.stem)
def test_kept_rounds_close_at_end_and_answer_interview_questions_as_such(
    path: Path, make_service: Callable[[], InterviewService], catalog: Catalog, grader: OfflineGrader
) -> None:
    rows = read_rows(path)
    assert all(json.dumps(r) and "say" in r for r in rows)
    case = catalog.case(path.stem.split("--")[0])
    turns = _run_in_process(make_service(), case.id, rows)
    result = check_round(path.stem, case, catalog, grader, rows, turns)
    for check in ("after_end", "interview_as_case", "repeated_question", "covered_phase_asked"):
        assert result.count(check) == 0, result.violations


def test_a_model_reply_that_quotes_the_candidates_own_key_point_is_no_leak(llm_service: Any) -> None:
    said = FRAMING.split(". ")[0]  # the candidate says a key point in its own words, verbatim
    service, _ = llm_service(lambda body: Reply(content=f"You said {said.lower()}. What changes at 20 calls a shift?"))
    session = service.start(DESIGN)
    turn = say(service, session.id, FRAMING, 60)
    assert turn.source.startswith("openai") and said.lower() in turn.text

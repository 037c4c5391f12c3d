"""Feedback reports built from a stored session: the candidate's words stay inert text in Markdown,
and the JSON report round-trips to the stored models."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from interviewer.catalog import Catalog, load_catalog
from interviewer.models import CriterionScore, ScoreCard, SessionInfo, Turn
from interviewer.prompts import quote_markdown
from interviewer.report import report_html, report_json, report_markdown
from interviewer.session import ANSWER_SPOKE_TO, time_per_phase, with_note
from interviewer.store import Store

CASE = "drill-bias-variance"
SYSTEM_DESIGN_CASE = "feature-store"

HOSTILE_LINES = [
    "I would compute {{ 7*7 }} features and {% if %} nothing {% endif %} breaks.",
    "<script>alert(1)</script> and <img src=x onerror=alert(2)> and <http://autolink.example>",
    "# heading",
    "## another heading",
    "See [link](http://x) and ![img](http://x/i.png) and \\[sneaky](http://y).",
    "[ref]: http://evil.example",
]
HOSTILE = "\n".join(HOSTILE_LINES)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    loaded = load_catalog()
    assert loaded.problems == []
    return loaded


def t(
    index: int, role: str, kind: str, text: str, at_s: float, phase: str = "interview", **extra: object
) -> Turn:
    return Turn(index=index, role=role, kind=kind, text=text, at_s=at_s, phase=phase, **extra)  # type: ignore[arg-type]


def hostile_card() -> ScoreCard:
    return ScoreCard(
        case=CASE,
        rubric="drill",
        level="mid",
        overall=3.3,
        verdict="ready",
        verdict_reason="Overall 3.30 with every core criterion at the bar or above.",
        criteria=[
            CriterionScore(
                id="correctness",
                title="Correctness",
                weight=0.7,
                core=True,
                level=4,
                evidence=HOSTILE_LINES[:3],
                covered=["a"],
                missing=[],
                rationale="Covered 4 of 5 key points.",
                descriptor="Also covers edge cases.",
            ),
            CriterionScore(
                id="application",
                title="Application",
                weight=0.3,
                core=False,
                level=None,
                evidence=[],
                covered=[],
                missing=["Apply it to the depot forecast."],
                rationale="Not enough evidence.",
            ),
        ],
        actions=["Application: apply the concept to the depot numbers."],
        flags=["grader-directed text ignored"],
    )


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Store, SessionInfo, ScoreCard]:
    store = Store(tmp_path / "report.sqlite3")
    session = store.create_session(CASE, "mid", "offline")
    for turn in [
        t(0, "interviewer", "opening", "Quick fundamentals question.", 0.0),
        t(0, "candidate", "answer", HOSTILE, 30.0),
        t(
            0,
            "interviewer",
            "probe",
            "Does double descent break the trade-off?",
            31.0,
            criterion="correctness",
            follow_up=0,
            source="openai",
        ),
        t(0, "candidate", "answer", "No: the test error still decomposes the same way.", 90.0),
        t(0, "interviewer", "wrap_up", "Let's stop here.", 120.0),
    ]:
        store.append_turn(session.id, turn)
    store.finish_session(session.id, 150.0)
    card = hostile_card()
    store.save_scorecard(session.id, card)
    return store, store.session(session.id), card


def unescaped(line: str, char: str) -> list[int]:
    """Positions of `char` not neutralised by a Markdown backslash (an odd run of backslashes)."""
    found = []
    for match in re.finditer(re.escape(char), line):
        backslashes = len(line[: match.start()]) - len(line[: match.start()].rstrip("\\"))
        if backslashes % 2 == 0:
            found.append(match.start())
    return found


def variable_parts(md: str, session: SessionInfo, catalog: Catalog) -> str:
    """The report without the parts that vary by run (session id, timestamp, model answer)."""
    return (
        md.replace(session.id, "")
        .replace(session.created_at, "")
        .replace(catalog.case(CASE).model_answer, "")
    )


# -- Markdown --------------------------------------------------------------------------------------


def test_markdown_report_structure(stored: tuple[Store, SessionInfo, ScoreCard], catalog: Catalog) -> None:
    store, session, card = stored
    md = report_markdown(store, catalog, session.id)
    assert md.startswith(f"# {catalog.case(CASE).title}\n")
    assert f"`{session.id}`" in md
    assert "status finished" in md and "duration 2.5 min" in md
    assert "## Result: ready · overall 3.30 / 4" in md
    assert "| Correctness | yes | 0.70 | 4 |" in md
    assert "| Application |  | 0.30 | not observed |" in md
    assert "### Application: not observed" in md
    assert "- Apply it to the depot forecast." in md
    assert "1. Application: apply the concept to the depot numbers." in md
    assert "- Interview: 2.5 min" in md  # a drill has one phase, named by its title; finished at 150 s
    assert md.count("**You** (") == 2
    assert md.count("**Interviewer** (") == 3
    assert "**Interviewer** (0.5 min, Interview, openai):" in md  # a non-offline source is named
    assert "## What a strong answer covers" in md


def test_candidate_text_is_inert_in_markdown(
    stored: tuple[Store, SessionInfo, ScoreCard], catalog: Catalog
) -> None:
    store, session, _ = stored
    md = report_markdown(store, catalog, session.id)

    # Template syntax typed by the candidate is text, never evaluated.
    assert "{{ 7\\*7 }}" in md and "{% if %}" in md and "{% endif %}" in md  # * escaped, shown as typed
    assert "49" not in variable_parts(md, session, catalog)
    # No raw HTML.
    assert "<script>" not in md and "<img" not in md and "<http" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "[link](http://x)" not in md
    assert "\\[link\\](http://x)" in md

    lines = md.splitlines()
    for line in lines:
        # No heading from the candidate: headings in the report are only the template's own.
        if "heading" in line:
            assert line.startswith("> "), line
            assert not unescaped(line, "#"), line
    quoted = [line for line in lines if line.startswith(">")]
    assert quoted, "candidate text must be quoted"
    for line in quoted:
        assert not unescaped(line, "["), f"live link syntax: {line!r}"
        assert "<" not in line, line
    # Every hostile line shows up inside a block quote (transcript and evidence), verbatim modulo escapes.
    for original in HOSTILE_LINES:
        assert f"{quote_markdown(original)}" in md
        assert md.count(quote_markdown(original)) >= 1


def test_quote_markdown_keeps_every_line_inside_the_quote() -> None:
    quoted = quote_markdown("first\n\n# second\n<b>third</b>")
    assert quoted == "> first\n>\n> \\# second\n> &lt;b&gt;third&lt;/b&gt;"
    assert quote_markdown("") == ">"
    assert quote_markdown("a \\ b `code`") == "> a \\\\ b \\`code\\`"


def test_setext_headings_from_the_candidate_are_inert() -> None:
    lines = quote_markdown("My plan\n===\nStep two\n---").splitlines()
    for previous, line in zip(lines, lines[1:], strict=False):
        body = line[1:].strip()
        is_underline = bool(re.fullmatch(r"=+|-+", body))
        assert not (is_underline and previous[1:].strip()), f"setext heading: {previous!r} / {line!r}"


def test_model_answer_only_after_the_session_finished(tmp_path: Path, catalog: Catalog) -> None:
    store = Store(tmp_path / "active.sqlite3")
    session = store.create_session(CASE, "junior", "offline")
    store.append_turn(session.id, t(0, "interviewer", "opening", "Quick fundamentals question.", 0.0))
    md = report_markdown(store, catalog, session.id)
    assert "## Not scored yet" in md
    assert "What a strong answer covers" not in md
    assert catalog.case(CASE).model_answer.strip()[:40] not in md
    data = json.loads(report_json(store, catalog, session.id))
    assert data["model_answer"] == "" and data["scorecard"] is None

    store.finish_session(session.id, 60.0)
    data = json.loads(report_json(store, catalog, session.id))
    assert data["model_answer"] == catalog.case(CASE).model_answer


def test_time_per_phase_from_phase_changes(tmp_path: Path, catalog: Catalog) -> None:
    case = catalog.case(SYSTEM_DESIGN_CASE)
    first, second, third = (p.id for p in case.plan()[:3])
    store = Store(tmp_path / "phases.sqlite3")
    session = store.create_session(SYSTEM_DESIGN_CASE, "senior", "offline")
    for turn in [
        t(0, "interviewer", "opening", "Design a feature store.", 0.0, phase=first),
        t(0, "candidate", "answer", "Requirements first.", 200.0, phase=first),
        t(0, "interviewer", "phase_change", "Let's estimate.", 240.0, phase=second),
        t(0, "candidate", "answer", "About 2M rows a day.", 500.0, phase=second),
        t(0, "interviewer", "phase_change", "Now the design.", 600.0, phase=third),
        t(0, "candidate", "answer", "An offline store and an online store.", 900.0, phase=third),
    ]:
        store.append_turn(session.id, turn)
    store.finish_session(session.id, 1000.0)

    data = json.loads(report_json(store, catalog, session.id))
    phases = data["time_per_phase_s"]
    assert list(phases) == [p.id for p in case.plan()]
    assert (phases[first], phases[second], phases[third]) == (240.0, 360.0, 400.0)
    assert all(phases[p.id] == 0.0 for p in case.plan()[3:])
    md = report_markdown(store, catalog, session.id)
    names = [p.title for p in case.plan()[:3]]
    assert f"- {names[0]}: 4.0 min" in md and f"- {names[1]}: 6.0 min" in md and f"- {names[2]}: 6.7 min" in md


def test_an_answer_that_ran_ahead_counts_in_the_phase_it_ran_to(catalog: Catalog) -> None:
    """The candidate answered the estimation questions while the plan still said requirements: the
    interviewer followed them, and that answer's four minutes are estimation time, not requirements."""
    case = catalog.case(SYSTEM_DESIGN_CASE)
    first, second, third = (p.id for p in case.plan()[:3])
    turns = [
        t(0, "interviewer", "opening", "Design a feature store.", 0.0, phase=first),
        t(1, "candidate", "answer", "Requirements first.", 120.0, phase=first),
        t(2, "interviewer", "probe", "Who reads the features?", 150.0, phase=first),
        t(3, "candidate", "answer", "Risk scoring reads them; and sizing it, about 2M rows a day...", 390.0, phase=first),
        t(4, "interviewer", "phase_change", "You've sized it; what's the peak read rate?", 400.0, phase=second,
          source=with_note("offline", f"{ANSWER_SPOKE_TO} {second}")),
        t(5, "candidate", "answer", "About 3k reads a second.", 500.0, phase=second),
        t(6, "interviewer", "phase_change", "Now the design.", 520.0, phase=third),
    ]
    spent = time_per_phase(case, turns, end_s=600.0)
    assert (spent[first], spent[second], spent[third]) == (150.0, 370.0, 80.0)
    assert sum(spent.values()) == 600.0
    assert with_note("openai (alternative 1)", "answer spoke to data") == "openai (alternative 1; answer spoke to data)"


# -- JSON ------------------------------------------------------------------------------------------


def test_json_report_round_trips(stored: tuple[Store, SessionInfo, ScoreCard], catalog: Catalog) -> None:
    store, session, card = stored
    text = report_json(store, catalog, session.id)
    data = json.loads(text)
    assert set(data) >= {"session", "case_title", "scorecard", "time_per_phase_s", "turns", "model_answer",
                         "notes", "phase_titles"}
    assert SessionInfo.model_validate(data["session"]) == session
    assert ScoreCard.model_validate(data["scorecard"]) == card
    assert [Turn.model_validate(turn) for turn in data["turns"]] == store.turns(session.id)
    assert data["turns"][1]["text"] == HOSTILE  # data stays data: nothing escaped or evaluated
    assert data["case_title"] == catalog.case(CASE).title
    assert data["time_per_phase_s"] == {"interview": 150.0}
    assert json.loads(json.dumps(data)) == data


def test_report_for_an_unknown_session_names_it(tmp_path: Path, catalog: Catalog) -> None:
    store = Store(tmp_path / "empty.sqlite3")
    with pytest.raises(KeyError, match="no-such-session"):
        report_markdown(store, catalog, "no-such-session")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_escapes_the_candidate_and_runs_nothing(
    stored: tuple[Store, SessionInfo, ScoreCard], catalog: Catalog
) -> None:
    store, session, _ = stored
    page = report_html(store, catalog, session.id)
    parsed = _Elements()
    parsed.feed(page)
    # Only the template's own elements: the candidate's <script> and <img> never become elements.
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p",
                                "br", "table", "tr", "th", "td", "ol", "ul", "li", "blockquote", "div", "span"}
    shown = "".join(parsed.text)
    for line in HOSTILE_LINES:  # every hostile line reads back exactly as typed
        assert line in shown, line
    assert "{{ 7*7 }}" in page and "49" not in variable_parts(html.unescape(page), session, catalog)
    assert "Content-Security-Policy" in page  # and a browser would refuse scripts even so
    assert "Ready · overall 3.30 / 4" in shown


def test_every_export_carries_the_notes_pad_and_names_phases_by_title(tmp_path: Path, catalog: Catalog) -> None:
    case = next(c for c in catalog.cases.values() if len(c.plan()) > 2)
    store = Store(tmp_path / "notes.sqlite3")
    session = store.create_session(case.id, "senior", "offline")
    first = case.plan()[0]
    store.append_turn(session.id, t(0, "interviewer", "opening", "Go.", 0.0, phase=first.id))
    store.append_turn(session.id, t(0, "candidate", "answer", "Scope first.", 30.0, phase=first.id))
    notes = "digraph { api -> store }\n``` a fence typed by the candidate\n<b>not bold</b>"
    store.save_notes(session.id, notes)
    store.finish_session(session.id, 60.0)

    md = report_markdown(store, catalog, session.id)
    assert "## Your notes and diagram" in md
    assert "````text\n" + notes + "\n````" in md  # a fence longer than the candidate's
    assert f"- {first.title}: " in md and f"- {first.id}: " not in md
    assert f"0.5 min, {first.title})" in md
    assert json.loads(report_json(store, catalog, session.id))["notes"] == notes
    page = report_html(store, catalog, session.id)
    assert "Your notes and diagram" in page
    assert "digraph { api -&gt; store }" in page and "&lt;b&gt;not bold&lt;/b&gt;" in page

"""The Streamlit app, driven through its real entry point with AppTest against a blank database."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.ui import NBSP, VERDICT_LABELS, WORD_JOINER, plain

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
HOSTILE = "<script>alert(1)</script> **bold** [link](javascript:alert(1)) $x^2$ :smile:"


@pytest.fixture(autouse=True)
def blank_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "app.sqlite3"
    monkeypatch.setenv("INTERVIEWER_DB", str(db))
    return db


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def started_drill() -> AppTest:
    at = new_app().run()
    assert not at.exception
    at.selectbox(key="practice_kind").set_value("drill").run()
    case_id = at.selectbox(key="practice_case").value
    assert case_id.startswith("drill-")
    at.button(key="practice_start").click().run()
    assert not at.exception
    return at


def transcript(at: AppTest) -> list[tuple[str, str]]:
    return [(m.name, "".join(md.value for md in m.markdown)) for m in at.chat_message]


def answer(at: AppTest, text: str) -> AppTest:
    at.chat_input(key="practice_answer").set_value(text).run()
    assert not at.exception
    return at


def unescape(markdown: str) -> str:
    """What a CommonMark renderer shows for plain()'s output, as text."""
    shown = re.sub(r"\\([" + re.escape(string.punctuation) + "])", r"\1", markdown)
    shown = re.sub(r"  $", "", shown, flags=re.MULTILINE)
    return shown.replace(WORD_JOINER, "").replace(NBSP, " ")


def test_a_drill_runs_answers_and_scores() -> None:
    at = started_drill()
    session_id = at.query_params["session"]
    assert re.fullmatch(r"[0-9a-f]{12}", session_id)
    assert at.session_state["session_id"] == session_id
    assert [name for name, _ in transcript(at)] == ["interviewer"]
    assert [m.label for m in at.metric] == ["Phase", "Phase time left", "Round time left"]

    answer(
        at,
        "Bias is error from a model too simple for the signal; variance is sensitivity "
        "to the particular training sample, a low training error with a large gap.",
    )
    names = [name for name, _ in transcript(at)]
    assert names[:3] == ["interviewer", "user", "interviewer"]
    assert transcript(at)[2][1].strip()

    at.button(key="practice_end").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Verdict"] in VERDICT_LABELS.values()
    assert "Overall" in metrics
    assert at.dataframe  # the criteria table
    assert any(": " in e.label for e in at.expander)  # one expander per criterion
    assert not at.chat_input  # the round is over: no more answers


def test_a_refresh_resumes_the_same_interview_from_the_store() -> None:
    at = started_drill()
    answer(at, "I would compare training and validation error first.")
    before = transcript(at)

    refreshed = new_app()  # a new browser session: no session_state, only the URL
    refreshed.query_params["session"] = at.query_params["session"]
    refreshed.run()
    assert not refreshed.exception
    assert transcript(refreshed) == before
    assert refreshed.chat_input(key="practice_answer")


def test_an_unknown_session_in_the_url_falls_back_to_the_picker() -> None:
    at = new_app()
    at.query_params["session"] = "[click](https://example.com)"  # the URL is untrusted text too
    at.run()
    assert not at.exception
    assert at.warning and plain("[click](https://example.com)") in at.warning[0].value
    assert at.button(key="practice_start")
    assert "session" not in at.query_params


def test_candidate_text_shows_literally_never_as_markup() -> None:
    at = started_drill()
    answer(at, HOSTILE)
    shown = transcript(at)[1]
    assert shown[0] == "user"
    assert shown[1] == plain(HOSTILE)
    assert unescape(shown[1]) == HOSTILE
    assert "<script>" not in shown[1] and "**" not in shown[1]
    assert not at.html


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        "# heading\n- item\n1. first\n> quote\n    indented code\n\ttab",
        "`code` and ```fence``` ~~strike~~ | a | b |\n---",
        "a\\b & &amp; <b>bold</b> _em_ :red[red] :material/home: https://example.com",
        "line one\nline two\n\nnew paragraph",
    ],
)
def test_plain_escapes_every_markdown_construct(text: str) -> None:
    out = plain(text)
    indents_as_spaces = re.sub(r"^[ \t]+", lambda m: m.group(0).expandtabs(4), text, flags=re.M)
    assert unescape(out) == indents_as_spaces
    # Every ASCII punctuation character is escaped, so none can open a construct.
    assert not re.search(r"(?<!\\)(\\\\)*[" + re.escape(string.punctuation.replace("\\", "")) + "]", out)
    assert not re.search(r":\w", out.replace("\\", ""))  # no emoji/icon shortcode survives
    assert not re.search(r"^[ \t]", out, flags=re.MULTILINE)  # no indented code block


def test_history_lists_past_sessions_with_their_verdict() -> None:
    at = started_drill()
    session_id = at.query_params["session"]
    at.button(key="practice_end").click().run()
    verdict = {m.label: m.value for m in at.metric}["Verdict"]

    at.switch_page("app_pages/history.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Session"]) == [session_id]
    assert list(table["Verdict"]) == [verdict]
    assert at.get("download_button")

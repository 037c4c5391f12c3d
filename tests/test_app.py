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


def end_and_score(at: AppTest) -> AppTest:
    """End and score asks first: confirm in the dialog."""
    at.button(key="practice_end").click().run()
    assert not at.exception
    at.button(key="practice_end_confirm").click().run()
    assert not at.exception
    return at


def round_header(at: AppTest) -> str:
    found = [h.proto.body for h in at.get("html") if 'class="round-bar"' in h.proto.body]
    assert found, "no round header"
    return found[0]


def header_seconds(at: AppTest, which: str) -> int:
    """Seconds on the pinned header's clock: which is "round-left" or "phase-left"."""
    part = round_header(at).split(f'id="{which}"', 1)[1]
    minutes, secs = re.search(r"<b>(\d+):(\d\d)</b>", part).groups()  # type: ignore[union-attr]
    return int(minutes) * 60 + int(secs)


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
    header = round_header(at)
    assert 'id="round-left"' in header and 'id="phase-left"' in header

    answer(
        at,
        "Bias is error from a model too simple for the signal; variance is sensitivity "
        "to the particular training sample, a low training error with a large gap.",
    )
    names = [name for name, _ in transcript(at)]
    assert names[:3] == ["interviewer", "user", "interviewer"]
    assert transcript(at)[2][1].strip()

    end_and_score(at)
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
    assert all("alert(1)" not in str(h.proto) for h in at.html)  # the one html block is the page style


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


def finished_drill() -> tuple[AppTest, str]:
    at = new_app().run()
    at.selectbox(key="practice_kind").set_value("drill").run()
    at.selectbox(key="practice_case").set_value("drill-bias-variance").run()
    at.button(key="practice_start").click().run()
    session_id = at.query_params["session"]
    answer(at, "Bias is error from a model too simple for the signal; variance is sensitivity to the "
               "training sample, so I compare training and validation error.")
    end_and_score(at)
    return at, session_id


def test_review_lists_history_and_shows_feedback_evidence_phases_model_answer_and_exports() -> None:
    at, session_id = finished_drill()
    verdict = {m.label: m.value for m in at.metric}["Verdict"]
    at.button(key="practice_review").click().run()
    assert not at.exception
    assert at.title[0].value == "Review"
    table = at.dataframe[0].value
    assert list(table["Verdict"]) == [verdict]
    assert list(table["Status"]) == ["finished"]
    assert {"Case", "Date (UTC)", "Duration", "Overall", "Verdict", "Status"} <= set(table.columns)
    assert at.selectbox(key="review_session").value == session_id
    shown = " ".join(m.value for m in at.markdown)
    assert "Per criterion, against the bar at mid" in [h.value for h in at.subheader]
    assert "**What this level means:**" in shown and "**The bar at mid:**" in shown  # readable blocks
    assert shown.index("Next time") < shown.index("What this level means")  # the actions come first
    assert any("Model answer" in e.label for e in at.expander)  # the attempt has ended
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Export Markdown", "Export JSON", "Export HTML (print to PDF)"]
    assert any("Transcript" in e.label for e in at.expander)


def test_review_highlights_the_evidence_under_the_answer_that_said_it() -> None:
    at, _ = finished_drill()
    at.switch_page("app_pages/review.py").run()
    highlighted = [md.value for m in at.chat_message if m.name == "user" for md in m.markdown[1:]]
    card_quotes = [q for c in service_card(at).criteria for q in c.evidence]
    # Every quote on the card shows once, under the answer it came from (the mapping itself is
    # unit-tested with fixed quotes in test_app_engine.py).
    assert card_quotes  # this answer earns evidence offline
    assert len(highlighted) == len(card_quotes)
    assert all("green-background" in h for h in highlighted)


def service_card(at: AppTest):  # type: ignore[no-untyped-def]
    from interviewer.store import Store, default_db_path

    session_id = at.session_state["review_session"]
    return Store(default_db_path()).scorecard(session_id)


def test_review_retry_starts_the_same_case_on_practice() -> None:
    at, session_id = finished_drill()
    at.switch_page("app_pages/review.py").run()
    at.button(key="review_retry").click().run()
    assert not at.exception
    from interviewer.store import Store, default_db_path

    case_id = Store(default_db_path()).session(session_id).case_id
    assert at.selectbox(key="practice_case").value == case_id
    assert "session" not in at.query_params


def test_review_compares_two_attempts_and_charts_progress() -> None:
    at, first = finished_drill()
    at.button(key="practice_new").click().run()
    at.selectbox(key="practice_kind").set_value("drill").run()
    at.selectbox(key="practice_case").set_value("drill-bias-variance").run()
    at.button(key="practice_start").click().run()
    answer(at, "Variance is sensitivity to the sample.")
    end_and_score(at)
    at.switch_page("app_pages/review.py").run()
    assert not at.exception
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # the progress chart
    assert at.selectbox(key="review_compare_case").value == "drill-bias-variance"  # the same case
    a, b = at.selectbox(key="review_compare_a"), at.selectbox(key="review_compare_b")
    assert a.value == first and b.value != first
    compare = at.dataframe[-1].value
    assert list(compare.columns) == ["Criterion", "A", "B", "Change"]
    assert not compare["A"].isna().any() and not compare["B"].isna().any()  # never a table of None


def test_practice_filters_random_pick_and_a_suggestion() -> None:
    at = new_app().run()
    assert not at.exception
    assert "offline" in at.caption[0].value  # which backend runs
    assert at.button(key="practice_suggested")
    at.selectbox(key="practice_kind").set_value("system_design").run()
    at.slider(key="practice_max_min").set_value(45).run()
    options = at.selectbox(key="practice_case").options
    assert options and all("45 min" in o for o in options)
    at.selectbox(key="practice_tag").set_value("streaming").run()
    assert all(o in options for o in at.selectbox(key="practice_case").options)
    at.selectbox(key="practice_level").set_value("staff").run()
    at.checkbox(key="practice_fit_level").check().run()
    for _ in range(3):
        at.button(key="practice_random").click().run()
        assert not at.exception
    at.selectbox(key="practice_kind").set_value("all").run()
    at.selectbox(key="practice_tag").set_value("any tag").run()
    at.slider(key="practice_max_min").set_value(3).run()
    assert not at.exception and at.info  # nothing is that short
    at.slider(key="practice_max_min").set_value(60).run()
    at.button(key="practice_suggested").click().run()
    assert not at.exception and at.query_params["session"]
    assert "level staff" in at.caption[0].value  # the target level


def test_a_timed_round_pauses_resumes_extends_and_ends_when_time_is_up() -> None:
    at = new_app().run()
    at.selectbox(key="practice_kind").set_value("system_design").run()
    at.button(key="practice_start").click().run()
    assert not at.exception
    plan = " ".join(m.value for m in at.sidebar.markdown)
    assert "Round plan" in plan and ":material/play_circle:" in plan  # the phase being worked on
    at.button(key="practice_pause").click().run()
    assert "Paused" in round_header(at)
    assert at.button(key="practice_resume")
    at.button(key="practice_resume").click().run()
    assert at.button(key="practice_pause")
    phase_before, round_before = header_seconds(at, "phase-left"), header_seconds(at, "round-left")
    at.button(key="practice_extend").click().run()
    assert 290 <= header_seconds(at, "phase-left") - phase_before <= 300  # the current phase grows
    assert 290 <= header_seconds(at, "round-left") - round_before <= 300
    from interviewer.store import Store, default_db_path

    Store(default_db_path()).extend_time(at.query_params["session"], -10_000)  # the clock runs out
    at.run()
    assert not at.exception
    assert "Verdict" in [m.label for m in at.metric]  # ended and scored automatically
    assert not at.chat_input


def test_time_up_does_not_end_the_round_when_auto_end_is_off() -> None:
    at = new_app().run()
    at.selectbox(key="practice_kind").set_value("drill").run()
    at.button(key="practice_start").click().run()
    at.toggle(key="practice_auto_end").set_value(False).run()
    from interviewer.store import Store, default_db_path

    Store(default_db_path()).extend_time(at.query_params["session"], -10_000)
    at.run()
    assert at.chat_input(key="practice_answer")
    assert any("Time is up" in w.value for w in at.warning)


def test_the_pad_is_stored_with_the_session_and_drawn_as_a_diagram() -> None:
    at = started_drill()
    session_id = at.query_params["session"]
    key = f"pad_{session_id}"
    at.text_area(key=key).input("graph LR\n  A[Client] --> B[API]").run()
    assert not at.exception
    assert at.get("graphviz_chart")
    from interviewer.store import Store, default_db_path

    assert Store(default_db_path()).notes(session_id) == "graph LR\n  A[Client] --> B[API]"
    at.text_area(key=key).input("2M parcels a day; p99 200 ms").run()
    assert not at.get("graphviz_chart") and "2M parcels" in at.code[0].value

    refreshed = new_app()
    refreshed.query_params["session"] = session_id
    refreshed.run()
    assert refreshed.text_area(key=key).value == "2M parcels a day; p99 200 ms"


def test_library_filters_cases_and_hides_the_model_answer_until_revealed() -> None:
    at = new_app().run()
    at.switch_page("app_pages/library.py").run()
    assert not at.exception
    at.selectbox(key="library_kind").set_value("drill").run()
    table = at.dataframe[0].value
    assert set(table["Kind"]) == {"Drill"}
    case_id = at.selectbox(key="library_case").value
    assert not any(m.value == "**Model answer**" for m in at.markdown)
    at.toggle(key=f"library_reveal_{case_id}").set_value(True).run()
    assert any(m.value == "**Model answer**" for m in at.markdown)
    at.text_input(key="library_search").input("zzzz-no-such-thing").run()
    assert at.info


def test_settings_keep_the_key_in_the_browser_session_only_and_masked() -> None:
    at = new_app().run()
    at.switch_page("app_pages/settings.py").run()
    assert not at.exception
    assert at.text_input(key="settings_db").value.endswith("app.sqlite3")
    at.selectbox(key="settings_level").set_value("senior").run()
    at.radio(key="settings_backend").set_value("openai").run()
    assert at.text_input(key="settings_base_url") and at.text_input(key="settings_model")
    secret = "sk-test-" + "x" * 20
    at.text_input(key="settings_api_key").input(secret).run()
    at.button(key="settings_use_key").click().run()
    assert at.session_state["llm_api_key"] == secret
    shown = [w.value for w in at.text_input] + [m.value for m in at.markdown]
    assert not any(secret in str(v) for v in shown)
    at.button(key="settings_forget_key").click().run()
    assert "llm_api_key" not in at.session_state
    at.radio(key="settings_backend").set_value("offline").run()
    at.switch_page("app_pages/practice.py").run()
    assert at.selectbox(key="practice_level").value == "senior"  # the default level carries over


def test_level_and_filters_survive_new_interview_and_the_default_level_follows_the_user() -> None:
    at = new_app().run()
    at.selectbox(key="practice_level").set_value("staff").run()
    at.selectbox(key="practice_kind").set_value("system_design").run()
    at.selectbox(key="practice_tag").set_value("streaming").run()
    at.button(key="practice_start").click().run()
    assert not at.exception
    at.button(key="practice_new").click().run()  # leaves the round (paused) for the picker
    assert at.selectbox(key="practice_level").value == "staff"
    assert at.selectbox(key="practice_kind").value == "system_design"
    assert at.selectbox(key="practice_tag").value == "streaming"

    later = new_app().run()  # a new browser session: the level of the user's latest interview
    assert later.selectbox(key="practice_level").value == "staff"


def test_every_case_kind_has_a_label_and_a_place_in_the_order() -> None:
    from app_pages.ui import KIND_LABELS, KIND_ORDER
    from interviewer.models import CASE_KINDS

    assert set(CASE_KINDS) <= set(KIND_LABELS) and set(CASE_KINDS) == set(KIND_ORDER)


def test_an_abandoned_round_shows_as_such_and_resumes_or_is_discarded() -> None:
    at = started_drill()
    session_id = at.query_params["session"]
    answer(at, "Bias is underfitting, variance is overfitting.")
    at.button(key="practice_new").click().run()
    at.switch_page("app_pages/review.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Status"]) == ["abandoned"]
    assert any("left unfinished" in w.value for w in at.warning)
    at.button(key="review_resume").click().run()
    assert not at.exception
    assert at.query_params["session"] == session_id
    assert any("underfitting" in text for _, text in transcript(at))
    assert at.chat_input(key="practice_answer")

    at.button(key="practice_new").click().run()
    at.switch_page("app_pages/review.py").run()
    at.button(key="review_discard").click().run()
    at.button(key="review_discard_confirm").click().run()
    assert not at.exception
    assert any("No interviews yet" in i.value for i in at.info)


def test_the_suggestion_never_calls_a_criterion_at_the_bar_weak() -> None:
    from interviewer.progress import Weakest, suggestion_reason

    strong = suggestion_reason(Weakest("application", "Application", 4.0, 2))
    assert "weak" not in strong.casefold() and "meets the bar" in strong
    low = suggestion_reason(Weakest("trade_offs", "Trade-offs", 1.5, 3))
    assert "lowest-scoring" in low and "1.5 of 4" in low and "in 3 attempts" in low


def test_library_search_matches_whole_words_and_ranks_titles_first() -> None:
    at = new_app().run()
    at.switch_page("app_pages/library.py").run()
    at.text_input(key="library_search").input("ETA").run()
    assert not at.exception
    titles = list(at.dataframe[0].value["Case"])
    assert titles and all("ETA" in t for t in titles[:2])
    assert not any("goods-to-person" in t.casefold() for t in titles)
    assert "ETA" in at.selectbox(key="library_case").value.upper().replace("-", " ").split() or \
        "eta" in at.selectbox(key="library_case").value


def test_settings_test_connection_reports_a_closed_port_in_plain_words() -> None:
    from tests.conftest import free_port

    at = new_app().run()
    at.switch_page("app_pages/settings.py").run()
    at.radio(key="settings_backend").set_value("openai").run()
    at.text_input(key="settings_base_url").input(f"http://127.0.0.1:{free_port()}/v1").run()
    at.button(key="settings_test").click().run()
    assert not at.exception
    assert any("Cannot reach http://127.0.0.1:" in unescape(e.value) for e in at.error)


def test_plans_show_the_seed_paths_with_progress() -> None:
    at, _ = finished_drill()
    at.switch_page("app_pages/plans.py").run()
    assert not at.exception
    plans = at.radio(key="plans_plan")
    assert len(plans.options) == 4
    for option in plans.options:
        plans.set_value(option).run()
        assert not at.exception
        table = at.dataframe[0].value
        assert table["Case"].size > 0
        assert list(table["Due"]) == sorted(table["Due"])  # a schedule, in order
    at.radio(key="plans_plan").set_value(at.radio(key="plans_plan").options[0]).run()
    at.button(key="plans_next").click().run()
    assert not at.exception and at.button(key="practice_start")


def test_an_answer_the_database_refuses_is_shown_with_where_it_was_rescued(
    blank_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    rescue = tmp_path / "rescued"
    monkeypatch.setenv("INTERVIEWER_RESCUE_DIR", str(rescue))
    at = started_drill()
    session_id = at.query_params["session"]
    with sqlite3.connect(blank_db) as db:  # the disk fills up between two answers
        db.execute("CREATE TRIGGER full_disk BEFORE INSERT ON turns "
                   "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    words = "Regularisation trades a little bias for a large cut in variance."
    answer(at, words)
    assert any("could not be stored" in e.value and str(rescue) in e.value.replace("\\", "") for e in at.error)
    assert any(words in c.value for c in at.code)  # still on screen to copy
    rescued = (rescue / f"{session_id}.jsonl").read_text()
    assert words in rescued

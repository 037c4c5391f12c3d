"""End to end in a real headless Chromium: the app served by `streamlit run` on a free port with a
blank database; an offline drill answered by typing, its score card, Review and an export; a timed
system-design round whose countdown visibly goes down; a screenshot of every page in artifacts/.

Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package (no browser download);
skipped cleanly when either is missing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.load import serving

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)



@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    with serving(db, tmp_path_factory.getbasetemp() / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    with sync_api.sync_playwright() as driver:  # one driver per module: a second one cannot start
        yield driver


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[object]:  # type: ignore[no-untyped-def]
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser, app_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def shot(page, name: str, whole: bool = False, top: bool = False) -> None:  # type: ignore[no-untyped-def]
    """The first screen of the page, as a visitor sees it (the README's pictures); whole=True: the
    whole page (Streamlit scrolls inside its own container, so the viewport grows to the content's
    height for the picture and then returns to its size)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(800)
    if not whole:
        if top:
            page.evaluate("""() => document.querySelectorAll('[data-testid="stMain"], '
                          + '[data-testid="stAppScrollToBottomContainer"]').forEach(e => e.scrollTo(0, 0))""")
            page.wait_for_timeout(200)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        return
    size = page.viewport_size
    tall = page.evaluate(
        """() => Math.max(document.documentElement.scrollHeight, ...[...document.querySelectorAll(
                   '[data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"]')]
                   .map(e => e.scrollHeight))""")
    page.evaluate("""() => { document.querySelectorAll('[data-testid="stMain"], '
                  + '[data-testid="stAppScrollToBottomContainer"]').forEach(e => e.scrollTo(0, 0));
                  document.querySelectorAll('.st-key-transcript').forEach(e => e.scrollTo(0, e.scrollHeight)); }""")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall), 5000))})
    page.wait_for_timeout(1500)  # tables and charts draw once they are in view
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)
    page.wait_for_timeout(200)


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run is over (Streamlit shows a status widget while running)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )


def header_clock(page, which: str) -> str:  # type: ignore[no-untyped-def]
    """The pinned round header's text: which is "round-left", "phase-left" or "round-phase"."""
    return page.locator(f"#{which}").inner_text().strip()


def metric(page, label: str) -> str:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue").inner_text().strip()


def seconds(text: str) -> int:
    minutes, secs = re.search(r"(\d+):(\d\d)", text).groups()  # type: ignore[union-attr]
    return int(minutes) * 60 + int(secs)


def type_answer(page, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(text)
    box.press("Enter")
    settle(page)


def choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def selected(page, label: str) -> str:  # type: ignore[no-untyped-def]
    """What a selectbox shows: its text, or its input's value (a searchable selectbox)."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    box.wait_for()
    shown = ""
    for _ in range(20):  # a rerun may still be drawing the box
        inputs = box.locator("input")
        value = inputs.first.input_value() if inputs.count() else ""
        shown = f"{box.inner_text()} {value}".strip()
        if shown != label:
            break
        page.wait_for_timeout(250)
    return shown


def in_view(page, locator) -> bool:  # type: ignore[no-untyped-def]
    """Wholly inside the viewport (asked a few times: the ticking clock redraws its element)."""
    height = page.viewport_size["height"]
    for _ in range(8):
        box = locator.bounding_box()
        if box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height:
            return True
        page.wait_for_timeout(250)
    return False


def scroll_main(page, dy: int) -> int:  # type: ignore[no-untyped-def]
    """Scroll the page (not the transcript inside it); returns how far down it now is."""
    where = page.evaluate(
        """dy => { const main = document.querySelector('[data-testid="stAppScrollToBottomContainer"]')
                   || document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
                   main.scrollBy(0, dy); return main.scrollTop; }""", dy)
    page.wait_for_timeout(400)
    return int(where)


def end_round(page) -> None:  # type: ignore[no-untyped-def]
    """End and score asks first; confirm in the dialog."""
    page.get_by_role("button", name="End and score").first.click()
    page.get_by_role("dialog").get_by_role("button", name="End and score").click()
    settle(page)


def test_an_offline_drill_typed_scored_reviewed_and_exported(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    page.get_by_role("button", name="Start the suggestion").click()  # a short drill, no history yet
    settle(page)
    page.get_by_test_id("stChatInputTextArea").wait_for()
    type_answer(page, "Bias is error from a model too simple for the signal; variance is sensitivity "
                      "to the particular training sample.")
    type_answer(page, "I would compare training and validation error: a large gap means variance, "
                      "both high means bias. More data or regularisation cuts variance.")
    # opening + two answers + two replies; a loaded machine may take a while to render the last one
    page.get_by_test_id("stChatMessage").nth(4).wait_for(timeout=60_000)
    end_round(page)
    page.get_by_text("Feedback").first.wait_for()
    assert metric(page, "Verdict")

    page.get_by_role("button", name="Open in Review").click()
    settle(page)
    page.get_by_role("heading", name="Review").wait_for()
    page.get_by_text("Progress per criterion").wait_for()
    page.get_by_text("The chart appears once two interviews are scored").wait_for()  # no empty chart
    page.get_by_role("heading", name="Bias-variance").first.scroll_into_view_if_needed()
    page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
                             if (m) m.scrollBy(0, -10); }""")
    shot(page, "review")
    shot(page, "review-whole", whole=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export HTML (print to PDF)").click()
    saved = ARTIFACTS / "report.html"
    ARTIFACTS.mkdir(exist_ok=True)
    download.value.save_as(saved)
    assert "Bias is error from a model too simple" in saved.read_text()


def test_a_timed_round_counts_down_in_the_page(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    settle(page)
    choose(page, "Kind", "System design")
    page.get_by_role("button", name="Start", exact=True).click()
    settle(page)
    page.locator("#round-left").wait_for()
    first = seconds(header_clock(page, "round-left"))
    page.wait_for_timeout(3500)  # no interaction: only the fragment ticks
    second = seconds(header_clock(page, "round-left"))
    assert first - 6 <= second < first, (first, second)
    assert header_clock(page, "round-phase").startswith("Phase 1 of ")
    page.get_by_role("button", name="Pause").click()
    settle(page)
    paused = seconds(header_clock(page, "round-left"))
    page.wait_for_timeout(2500)
    assert seconds(header_clock(page, "round-left")) == paused
    page.get_by_role("button", name="Resume").click()
    settle(page)

    # Terse answers use up the first phase's probes; the interviewer then moves the round on.
    for attempt in range(8):
        if header_clock(page, "round-phase").startswith("Phase 2 of "):
            break
        type_answer(page, f"I would keep it simple and make it work for the users ({attempt}).")
    assert header_clock(page, "round-phase").startswith("Phase 2 of "), header_clock(page, "round-phase")
    assert page.get_by_test_id("stChatMessage").filter(has_text="Next:").count() >= 1


def session_in_url(page) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r"[?&]session=([^&]+)", page.url)
    assert found, page.url
    return found.group(1)


def test_two_tabs_run_two_independent_interviews(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        first, second = context.new_page(), context.new_page()
        for tab in (first, second):
            tab.set_default_timeout(60_000)
            tab.goto(app_url)
            settle(tab)
        second.get_by_test_id("stSelectbox").filter(has_text="Kind").click()
        second.get_by_role("option", name="ML case study").click()
        settle(second)
        for tab in (first, second):
            tab.get_by_role("button", name="Start", exact=True).click()
            settle(tab)
            tab.get_by_test_id("stChatInputTextArea").wait_for()
        one, two = session_in_url(first), session_in_url(second)
        assert one != two
        type_answer(first, "Only the first tab hears this answer about regularisation.")
        first.get_by_test_id("stChatMessage").nth(2).wait_for()
        second.reload()  # a refresh resumes this tab's own interview, untouched by the other tab
        settle(second)
        second.get_by_test_id("stChatMessage").first.wait_for()
        assert session_in_url(second) == two
        assert second.get_by_test_id("stChatMessage").count() == 1
        assert second.get_by_text("Only the first tab hears").count() == 0
        first.reload()
        settle(first)
        first.get_by_text("Only the first tab hears").first.wait_for()
    finally:
        context.close()


SPOKEN = ("The KV cache keeps the keys and values of every earlier token in each layer, so each new "
          "token needs attention only for itself instead of recomputing the whole prompt.")


def test_an_answer_spoken_into_the_microphone_is_transcribed_sent_and_analysed(  # type: ignore[no-untyped-def]
    playwright, app_url: str, tmp_path: Path
) -> None:
    """Chromium's fake microphone plays a WAV made by espeak-ng; the page records it, shows the
    transcript for correction, sends it, and Review shows delivery figures for it."""
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed")
    wav = tmp_path / "answer.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), SPOKEN], check=True)
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}%noloop"]
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, permissions=["microphone"])
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(app_url)
        settle(page)
        page.get_by_role("button", name="Start", exact=True).click()
        settle(page)
        page.get_by_role("button", name="Record").click()
        page.wait_for_timeout(11_000)  # the spoken answer lasts about 8 s
        page.get_by_role("button", name="Stop recording").click()
        settle(page)
        transcript = page.get_by_label("Transcript (edit before sending)")
        transcript.wait_for()
        heard = transcript.input_value().lower()
        assert "cache" in heard and "token" in heard and "prompt" in heard, heard
        shot(page, "practice-spoken-answer")
        page.get_by_role("button", name="Send spoken answer").click()
        settle(page)
        page.get_by_test_id("stChatMessage").nth(2).wait_for()  # opening, answer, reply
        assert "recomputing" in page.get_by_test_id("stChatMessage").nth(1).inner_text().lower()
        end_round(page)
        page.get_by_role("button", name="Open in Review").click()
        settle(page)
        page.get_by_text("Delivery (spoken answers)").scroll_into_view_if_needed()
        assert page.get_by_test_id("stMetric").filter(has_text="Pace").count() == 1
        shot(page, "review-delivery")
    finally:
        context.close()
        chromium.close()


# -- issue 15: the new user's path, every fix asserted -------------------------------------------

NOTES = "digraph { gps -> eta_model -> promise }"


def test_a_new_users_path_through_every_page(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    """Level and filters kept across New interview; the clock pinned while scrolling; +5 min to the
    phase being worked on; an abandoned round shown as such and resumed; notes in all three
    exports; Library search by whole words; no Deploy button and no request to any other host."""
    context = browser.new_context(viewport={"width": 1400, "height": 760}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    app_host = urlsplit(app_url).netloc
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc or request.url[:20]))
    try:
        page.goto(app_url)
        settle(page)
        assert page.get_by_test_id("stAppDeployButton").count() == 0
        assert page.get_by_role("button", name="Deploy").count() == 0

        choose(page, "Target level", "senior")
        choose(page, "Kind", "System design")
        shot(page, "practice")
        page.get_by_role("button", name="Start", exact=True).click()
        settle(page)
        header = page.locator("#round-left")
        header.wait_for()
        page.get_by_test_id("stSidebar").get_by_text("Round plan").wait_for()
        type_answer(page, "Requirements first: ETAs for two million parcels a day, p99 under 200 ms.")
        type_answer(page, "Reads dominate: one ETA per tracking view, about 3,000 reads a second at peak.")
        page.get_by_test_id("stChatMessage").nth(4).wait_for()  # opening, two answers, two replies
        newest = page.get_by_test_id("stChatMessage").last
        page.wait_for_timeout(800)  # the transcript scrolls to its end once the reply is drawn
        assert in_view(page, newest), (newest.bounding_box(), newest.inner_text()[:80])
        assert scroll_main(page, 3000) > 100  # the page scrolls (the pad, the diagram, the voice box)
        assert in_view(page, header), "the round clock scrolled away"
        scroll_main(page, -3000)
        assert in_view(page, header)
        shot(page, "practice-timed-round")

        phase = header_clock(page, "round-phase")
        assert phase.startswith("Phase 1 of "), phase
        before = seconds(header_clock(page, "phase-left"))
        round_before = seconds(header_clock(page, "round-left"))
        page.get_by_role("button", name="+5 min").click()
        settle(page)
        page.get_by_test_id("stToast").filter(has_text="+5 min added to").wait_for()
        toast = page.get_by_test_id("stToast").first.inner_text()
        assert phase.split(" · ", 1)[1] in toast, (toast, phase)  # the phase being worked on, not Wrap-up
        after = seconds(header_clock(page, "phase-left"))
        assert 290 <= after - before <= 300, (before, after)
        assert 290 <= seconds(header_clock(page, "round-left")) - round_before <= 300

        page.get_by_role("button", name="New interview").click()
        settle(page)
        page.get_by_role("button", name="Start", exact=True).wait_for()
        assert "senior" in selected(page, "Target level")
        assert "System design" in selected(page, "Kind")

        page.goto(f"{app_url}/review")
        settle(page)
        page.get_by_role("heading", name="Review").wait_for()
        assert "abandoned" in selected(page, "Session")
        page.get_by_text("This round was left unfinished").wait_for()
        shot(page, "review-abandoned")
        page.get_by_role("button", name="Resume", exact=True).click()
        settle(page)
        page.locator("#round-left").wait_for()
        page.get_by_text("about 3,000 reads a second").first.wait_for()  # the same round, resumed

        pad = page.get_by_role("textbox", name="Notes and diagram pad")
        pad.fill(NOTES)
        pad.press("Control+Enter")
        settle(page)
        page.get_by_test_id("stChatInputTextArea").click()
        page.keyboard.press("Control+Shift+E")  # the shortcut asks before ending
        page.get_by_role("dialog").wait_for()
        page.get_by_role("dialog").get_by_role("button", name="End and score").click()
        settle(page)
        page.get_by_text("Feedback").first.wait_for()
        page.get_by_role("button", name="Open in Review").click()
        settle(page)
        page.get_by_text("Per criterion, against the bar at senior").wait_for()
        shot(page, "review-system-design", whole=True)
        for label, name in (("Export Markdown", "report.md"), ("Export JSON", "report.json"),
                            ("Export HTML (print to PDF)", "report.html")):
            with page.expect_download() as download:
                page.get_by_role("button", name=label).click()
            saved = ARTIFACTS / name
            download.value.save_as(saved)
            text = saved.read_text()
            assert "gps" in text and "eta_model" in text, name
            if name == "report.md":
                assert NOTES in text
            if name == "report.json":
                assert json.loads(text)["notes"] == NOTES

        page.goto(f"{app_url}/library")
        settle(page)
        page.get_by_role("textbox", name="Search").fill("ETA")
        page.get_by_role("textbox", name="Search").press("Enter")
        settle(page)
        page.get_by_text("match “ETA”").wait_for()
        for _ in range(20):  # the box shows the best match once the rerun has drawn it
            first = selected(page, "Case")
            if "ETA" in first:
                break
            page.wait_for_timeout(250)
        assert "ETA" in first, first
        shot(page, "library")

        for name in ("plans", "settings"):
            page.goto(f"{app_url}/{name}")
            settle(page)
            page.get_by_role("heading", name=name.title()).wait_for()
            shot(page, name)
        assert page.get_by_test_id("stAppDeployButton").count() == 0
        assert hosts == {app_host}, hosts  # fonts, icons and telemetry all stay on the machine
    finally:
        context.close()


def test_every_page_reads_at_phone_width(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    """A 390 px wide phone: every page renders, the round clock stays pinned; screenshots."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app_url)
        settle(page)
        shot(page, "phone-practice")
        page.get_by_role("button", name="Start", exact=True).click()
        settle(page)
        page.locator("#round-left").wait_for()
        type_answer(page, "I would start from the decision the ETA feeds and the error it can afford.")
        header = page.locator("#round-left")
        assert in_view(page, header)
        shot(page, "phone-practice-round")
        end_round(page)
        page.get_by_text("Feedback").first.wait_for()
        for name in ("review", "plans", "library", "settings"):
            page.goto(f"{app_url}/{name}")
            settle(page)
            page.get_by_role("heading", name=name.title()).wait_for()
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, (name, width)  # nothing wider than the phone
            shot(page, f"phone-{name}")
    finally:
        context.close()


def test_settings_test_connection_and_the_fallback_banner(browser, app_url: str) -> None:  # type: ignore[no-untyped-def]
    """Test connection against a working local server and a closed port; a turn whose model call
    fails shows one banner on the practice page (the offline interviewer answered)."""
    from tests.conftest import free_port
    from tests.openai_stub import Reply, StubServer

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        with StubServer() as stub:
            page.goto(f"{app_url}/settings")
            settle(page)
            page.get_by_text("OpenAI-compatible endpoint").click()
            settle(page)
            url = page.get_by_role("textbox", name="Base URL")
            url.fill(stub.base_url)
            url.press("Enter")
            settle(page)
            model = page.get_by_role("textbox", name="Model")
            model.fill("stub-model")
            model.press("Enter")
            settle(page)
            page.get_by_role("button", name="Test connection").click()
            settle(page)
            page.get_by_text("Connected: model 'stub-model' answered a one-token request").wait_for()
            shot(page, "settings-test-connection")

            closed = f"http://127.0.0.1:{free_port()}/v1"
            url.fill(closed)
            url.press("Enter")
            settle(page)
            page.get_by_role("button", name="Test connection").click()
            settle(page)
            page.get_by_text("Cannot reach http://127.0.0.1:").wait_for()

            url.fill(stub.base_url)
            url.press("Enter")
            settle(page)
            # the sidebar link keeps this browser session (and its settings); a new page load would not
            page.get_by_test_id("stSidebarNav").get_by_text("Practice").click()
            settle(page)
            page.get_by_role("button", name="Start", exact=True).click()
            settle(page)
            stub.enqueue(Reply(content="What would you measure first?", delay_s=4.0))  # a slow model
            box = page.get_by_test_id("stChatInputTextArea")
            box.fill("First I would ask what decision the model serves.")
            box.press("Enter")
            page.get_by_text("The interviewer is thinking…").wait_for(timeout=20_000)  # while it waits
            page.get_by_text("What would you measure first?").wait_for(timeout=30_000)
            settle(page)
            stub.default = Reply(status=500, error_message="the model fell over")
            type_answer(page, "I would begin with a baseline and the decision it serves.")
            page.get_by_text("The model endpoint failed").wait_for(timeout=90_000)
            assert page.get_by_text("The model endpoint failed").count() == 1
            shot(page, "practice-fallback-banner", top=True)
    finally:
        context.close()

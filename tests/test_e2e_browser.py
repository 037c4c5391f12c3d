"""End to end in a real headless Chromium: the app served by `streamlit run` on a free port with a
blank database; an offline drill answered by typing, its score card, Review and an export; a timed
system-design round whose countdown visibly goes down; a screenshot of every page in artifacts/.

Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package (no browser download);
skipped cleanly when either is missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

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


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run is over (Streamlit shows a status widget while running)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )


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


def test_an_offline_drill_typed_scored_reviewed_and_exported(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    page.get_by_role("button", name="Start the suggestion").click()  # a short drill, no history yet
    settle(page)
    page.get_by_test_id("stChatInputTextArea").wait_for()
    shot(page, "practice-drill")
    type_answer(page, "Bias is error from a model too simple for the signal; variance is sensitivity "
                      "to the particular training sample.")
    type_answer(page, "I would compare training and validation error: a large gap means variance, "
                      "both high means bias. More data or regularisation cuts variance.")
    # opening + two answers + two replies; a loaded machine may take a while to render the last one
    page.get_by_test_id("stChatMessage").nth(4).wait_for(timeout=60_000)
    page.get_by_role("button", name="End and score").click()
    settle(page)
    page.get_by_text("Feedback").first.wait_for()
    assert metric(page, "Verdict")
    shot(page, "practice-scorecard")

    page.get_by_role("button", name="Open in Review").click()
    settle(page)
    page.get_by_role("heading", name="Review").wait_for()
    page.get_by_text("Progress per criterion").wait_for()
    shot(page, "review")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export Markdown").click()
    saved = ARTIFACTS / "report.md"
    download.value.save_as(saved)
    assert saved.read_text().strip()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export HTML (print to PDF)").click()
    saved = ARTIFACTS / "report.html"
    download.value.save_as(saved)
    assert "Bias is error from a model too simple" in saved.read_text()

    for name in ("plans", "library", "settings"):
        page.goto(f"{app_url}/{name}")
        settle(page)
        page.get_by_role("heading", name=name.title()).wait_for()
        shot(page, name)


def test_a_timed_round_counts_down_in_the_page(page, app_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(app_url)
    settle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Kind").click()
    page.get_by_role("option", name="System design").click()
    settle(page)
    page.get_by_role("button", name="Start", exact=True).click()
    settle(page)
    page.get_by_text("Round time left").wait_for()
    first = seconds(metric(page, "Round time left"))
    page.wait_for_timeout(3500)  # no interaction: only the fragment ticks
    second = seconds(metric(page, "Round time left"))
    assert first - 6 <= second < first, (first, second)
    assert "1/" in metric(page, "Phase")
    page.get_by_test_id("stMetric").first.scroll_into_view_if_needed()  # the clocks, not the chat box
    shot(page, "practice-timed-round")
    page.get_by_role("button", name="Pause").click()
    settle(page)
    paused = seconds(metric(page, "Round time left"))
    page.wait_for_timeout(2500)
    assert seconds(metric(page, "Round time left")) == paused
    page.get_by_role("button", name="Resume").click()
    settle(page)

    # Terse answers use up the first phase's probes; the interviewer then moves the round on.
    for attempt in range(8):
        if metric(page, "Phase").startswith("2/"):
            break
        type_answer(page, f"I would keep it simple and make it work for the users ({attempt}).")
    assert metric(page, "Phase").startswith("2/"), metric(page, "Phase")
    assert page.get_by_test_id("stChatMessage").filter(has_text="Next:").count() >= 1
    shot(page, "practice-phase-two")


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
        page.get_by_role("button", name="End and score").click()
        settle(page)
        page.get_by_role("button", name="Open in Review").click()
        settle(page)
        page.get_by_text("Delivery (spoken answers)").scroll_into_view_if_needed()
        assert page.get_by_test_id("stMetric").filter(has_text="Pace").count() == 1
        shot(page, "review-delivery")
    finally:
        context.close()
        chromium.close()

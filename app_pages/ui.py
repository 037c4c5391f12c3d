"""Small UI helpers shared by the pages: the cached service, the session id, safe text, score cards.

Only ids live in st.session_state (and the URL); everything else is read back from the store.
"""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime

import streamlit as st

from interviewer.backends.factory import BackendUnavailable, build_service
from interviewer.catalog import load_catalog
from interviewer.diagram import read_pad
from interviewer.models import LEVELS, Level, ScoreCard, SessionInfo, Turn
from interviewer.review import Highlight
from interviewer.service import InterviewService
from interviewer.store import LOCAL_USER, Store, configured_location

SESSION_KEY = "session_id"  # st.session_state key
QUERY_KEY = "session"  # URL query parameter, so a browser refresh resumes the interview

KIND_LABELS = {
    "all": "All kinds",
    "drill": "Drill",
    "ml_case": "ML case study",
    "business_case": "Business case",
    "system_design": "System design",
    "behavioural": "Behavioural",
}
KIND_ORDER = ("drill", "behavioural", "ml_case", "business_case", "system_design")
VERDICT_LABELS = {
    "ready": "Ready",
    "borderline": "Borderline",
    "not_ready": "Not ready yet",
    "incomplete": "Incomplete",
    "unscored": "Unscored",
}
LEVEL_NAMES = {1: "weak", 2: "mixed", 3: "meets the bar", 4: "strong"}

# -- the service --------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the case library...")
def _build_service(db_path: str) -> InterviewService:
    return build_service(load_catalog(), Store(db_path))


def offline_service() -> InterviewService:
    """The one offline service for this process, per database (DATABASE_URL, else INTERVIEWER_DB,
    else the user data dir)."""
    return _build_service(configured_location())


# Preferences from the Settings page. They live under their own keys (not widget keys, which
# Streamlit drops when their page is not shown) and only for this browser session.
PREF_BACKEND = "pref_backend"
PREF_BASE_URL = "pref_base_url"
PREF_MODEL = "pref_model"
PREF_LEVEL = "pref_level"
API_KEY = "llm_api_key"  # the API key: st.session_state only, never the database, logs or page


KEPT = "kept_"  # prefix of the non-widget copies that remember a page's choices in this browser


def default_level(user: str | None = None) -> Level:
    """The level to offer: the Settings default, else the level of this user's latest interview,
    else mid."""
    level = st.session_state.get(PREF_LEVEL)
    if level in LEVELS:
        return level  # type: ignore[no-any-return]
    if user is not None:
        latest = offline_service().store.sessions(1, user_id=user)
        if latest:
            return latest[0].level
    return "mid"


def restore(key: str, options: object, default: object) -> None:
    """Seed a widget from the value it last had in this browser session (Streamlit drops a
    widget's state on runs where it is not drawn, e.g. while an interview runs)."""
    if key in st.session_state:
        return
    kept = st.session_state.get(KEPT + key, default)
    valid = options is None or kept in options  # type: ignore[operator]
    st.session_state[key] = kept if valid else default


def keep(key: str) -> None:
    """Remember a widget's value under a key Streamlit does not drop."""
    if key in st.session_state:
        st.session_state[KEPT + key] = st.session_state[key]


def page_style() -> None:
    """The app's few style rules: a pinned round header, tables that wrap instead of scrolling."""
    st.html(
        """<style>
        [data-testid="stLayoutWrapper"]:has(> .st-key-round_header) { position: sticky; top: 3.75rem;
            z-index: 990; }
        .st-key-round_header { background-color: white; border-bottom: 1px solid rgba(49, 51, 63, 0.15);
            padding: 0.35rem 0 0.1rem; }
        .round-bar { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.2rem 1.2rem; }
        .round-bar .round-case { font-weight: 600; font-size: 1.05rem; flex: 1 1 16rem; }
        .round-bar .round-phase { font-size: 0.95rem; }
        .round-bar .round-clock { font-variant-numeric: tabular-nums; font-size: 1.05rem; white-space: nowrap; }
        .round-bar .round-clock b { font-size: 1.25rem; }
        .round-bar .round-over { color: #b3261e; }
        .round-bar .round-paused { color: #8a5a00; font-weight: 600; }
        .report-criterion p { margin-bottom: 0.3rem; }
        </style>"""
    )


# -- where an interview stands, for the history ---------------------------------------------------

ABANDONED_AFTER_S = 15 * 60  # an unfinished round with no answer for this long was left


def round_status(session: SessionInfo, last_at_s: float, paused: bool, now: datetime | None = None) -> str:
    """finished, in progress, or abandoned (left unfinished: paused, or idle for 15 minutes)."""
    if session.status == "finished":
        return "finished"
    if paused:
        return "abandoned"
    started = datetime.fromisoformat(session.created_at)
    idle = ((now or datetime.now(UTC)) - started).total_seconds() - last_at_s
    return "abandoned" if idle > ABANDONED_AFTER_S else "in progress"


def service() -> InterviewService:
    """The service for this browser session: the cached offline one, or an OpenAI-compatible one
    built from the Settings page (per run: the key never goes into a process-wide cache)."""
    offline = offline_service()
    if st.session_state.get(PREF_BACKEND, "offline") != "openai":
        return offline
    try:
        return build_service(
            offline.catalog,
            offline.store,
            "openai",
            base_url=st.session_state.get(PREF_BASE_URL) or None,
            model=st.session_state.get(PREF_MODEL) or None,
            api_key=st.session_state.get(API_KEY) or None,
        )
    except BackendUnavailable as error:
        st.session_state["backend_problem"] = str(error)
    except Exception as error:  # noqa: BLE001 - a broken model setup falls back to offline
        st.session_state["backend_problem"] = type(error).__name__
    return offline


def backend_label(svc: InterviewService) -> str:
    name = svc.interviewer.name
    if name == "offline":
        return "offline interviewer (deterministic, no network)"
    model = st.session_state.get(PREF_MODEL) or "default model"
    return f"{name} interviewer ({plain(str(model))})"


# -- the user: signed in through OpenID Connect when secrets.toml has [auth], else one local user --


def sign_in_required() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def current_user() -> str | None:
    """The id sessions are stored under: the signed-in user's email (else their OIDC subject) when
    sign-in is configured, "local" when it is not; None while nobody is signed in."""
    if not sign_in_required():
        return LOCAL_USER
    if not st.user.is_logged_in:
        return None
    found = st.user.get("email") or st.user.get("sub")
    return str(found) if found else None


def user_id() -> str:
    """The current user's id; shows the sign-in screen and stops the page while nobody is signed in."""
    user = current_user()
    if user is None:
        st.title("Mock interviewer")
        st.write("Sign in to practise. Your interviews and feedback are kept under your account.")
        if st.button("Log in", key="auth_login", type="primary", icon=":material/login:"):
            st.login()
        st.stop()
    assert user is not None  # st.stop() does not return
    return user


def account_box() -> None:
    """Who is signed in, with a Log out button (only when sign-in is configured)."""
    if not sign_in_required():
        return
    with st.sidebar:
        st.caption(plain(f"Signed in as {user_id()}"))
        if st.button("Log out", key="auth_logout", icon=":material/logout:"):
            close_session()
            st.logout()


# -- the current session id ---------------------------------------------------------------------


def current_session_id() -> str | None:
    """The open interview: this browser session's, else the one named in the URL (a refresh).
    Another user's session is refused and closed."""
    session_id = st.session_state.get(SESSION_KEY) or st.query_params.get(QUERY_KEY)
    if session_id and not _may_open(session_id):
        close_session()
        st.error("That interview belongs to another account, so it cannot be opened here.")
        return None
    if session_id:
        open_session(session_id)
    return session_id or None


def _may_open(session_id: str) -> bool:
    try:
        offline_service().session_for(session_id, user_id())
    except PermissionError:
        return False
    except KeyError:
        return True  # an unknown id: the page says there is no such interview
    return True


def open_session(session_id: str) -> None:
    st.session_state[SESSION_KEY] = session_id
    if st.query_params.get(QUERY_KEY) != session_id:
        st.query_params[QUERY_KEY] = session_id


def close_session() -> None:
    st.session_state.pop(SESSION_KEY, None)
    if QUERY_KEY in st.query_params:
        del st.query_params[QUERY_KEY]


# -- safe text ----------------------------------------------------------------------------------

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_LEADING_SPACE = re.compile(r"^[ \t]+", re.MULTILINE)
# Streamlit turns :name: into emoji, icons or its logo after Markdown is parsed, so escaping the
# colon is not enough; a word joiner (invisible) after the colon breaks the shortcode.
_SHORTCODE_START = re.compile(r":(?=[\w+-])")
WORD_JOINER = "\u2060"
NBSP = "\u00a0"


def plain(text: str) -> str:
    """Text as inert Markdown for st.markdown: it shows literally, never as markup.

    Every ASCII punctuation character is backslash-escaped (CommonMark allows that for all of
    them), so no emphasis, link, heading, list, table, HTML, LaTeX ($) or directive can start.
    Leading indentation becomes non-breaking spaces (no code blocks) and single line breaks
    become hard breaks, so the text keeps its shape.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SHORTCODE_START.sub(":" + WORD_JOINER, text)
    text = _PUNCTUATION.sub(r"\\\1", text)
    text = _LEADING_SPACE.sub(lambda m: NBSP * len(m.group(0).expandtabs(4)), text)
    return "\n".join(line + "  " if line.strip() else line for line in text.split("\n")).rstrip()


def quote(text: str) -> str:
    """Candidate words as an inert Markdown block quote."""
    return "\n".join(f"> {line}" for line in plain(text).split("\n"))


def clock(seconds: float) -> str:
    whole = int(abs(seconds))
    shown = f"{whole // 60}:{whole % 60:02d}"
    return shown if seconds >= 0 else f"over by {shown}"


# -- transcript and score card ------------------------------------------------------------------


def render_transcript(
    turns: list[Turn], highlights: dict[int, list[Highlight]] | None = None, fallback_notes: bool = True
) -> None:
    """The conversation; with highlights, each answer shows the evidence quotes said in it; with
    fallback_notes, a turn the offline interviewer answered for a failed model says so."""
    for turn in turns:
        if turn.role == "candidate":
            with st.chat_message("user"):
                st.markdown(plain(turn.text))
                for found in (highlights or {}).get(turn.index, []):
                    st.markdown(
                        f":green-background[{plain(found.criterion)} · {level_text(found.level)}]  \n"
                        + quote(found.quote)
                    )
        else:
            with st.chat_message("interviewer", avatar=":material/record_voice_over:"):
                st.markdown(plain(turn.text))
                if fallback_notes and turn.source.startswith("offline-fallback"):
                    st.caption("The model backend failed for this turn; the offline interviewer answered.")


def render_pad(text: str) -> None:
    """The notes / diagram pad: Graphviz or a Mermaid flowchart drawn, anything else as code."""
    if not text.strip():
        return
    pad = read_pad(text)
    if pad.dot is not None:
        try:
            st.graphviz_chart(pad.dot, width="content")
        except Exception:  # noqa: BLE001 - a half-typed diagram shows as text, never an error page
            st.code(text, language=None)
        if pad.kind == "mermaid":
            st.caption("Mermaid flowchart, drawn with Graphviz.")
    else:
        st.code(text, language=None)
        if pad.note:
            st.caption(pad.note)


def fallback_banner(turns: list[Turn]) -> None:
    """One banner when the model endpoint failed for the latest interviewer turn."""
    replies = [t for t in turns if t.role == "interviewer" and t.kind != "opening"]
    if not replies or not replies[-1].source.startswith("offline-fallback"):
        return
    failed = sum(t.source.startswith("offline-fallback") for t in replies)
    reason = replies[-1].source.removeprefix("offline-fallback").strip(" ()") or "an error"
    st.warning(
        f"The model endpoint failed ({plain(reason)}), so the offline interviewer answered "
        f"{'this turn' if failed == 1 else f'{failed} turns'}. The round goes on; check the endpoint "
        "with Settings → Test connection.",
        icon=":material/cloud_off:",
    )


def level_text(level: int | None) -> str:
    return "not observed" if level is None else f"{level} ({LEVEL_NAMES[level]})"


def render_scorecard(card: ScoreCard) -> None:
    overall = "not scored" if card.overall is None else f"{card.overall:.2f} / 4"
    left, right = st.columns(2)
    left.metric("Verdict", VERDICT_LABELS.get(card.verdict, card.verdict))
    right.metric("Overall", overall)
    if card.verdict_reason:
        st.markdown(plain(card.verdict_reason))
    st.dataframe(
        [
            {
                "Criterion": c.title,
                "Core": "yes" if c.core else "",
                "Weight": round(c.weight, 2),
                "Level": level_text(c.level),
            }
            for c in card.criteria
        ],
        hide_index=True,
        width="stretch",
    )
    if card.actions:
        st.markdown("**Next time**")
        st.markdown("\n".join(f"{i}. {plain(action)}" for i, action in enumerate(card.actions, 1)))
    for c in card.criteria:
        with st.expander(f"{plain(c.title)}: {level_text(c.level)}"):
            if c.descriptor:
                st.caption(plain(c.descriptor))
            if c.rationale:
                st.markdown(plain(c.rationale))
            if c.evidence:
                st.markdown("**Evidence, in your words**")
                for text in c.evidence:
                    st.markdown(quote(text))
            if c.missing:
                st.markdown("**Not covered**")
                st.markdown("\n".join(f"- {plain(point)}" for point in c.missing))
    for flag in card.flags:
        st.caption(plain(flag))

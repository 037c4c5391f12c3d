"""Settings for this browser session: backend, base URL, model, API key, default level; where the
data lives. The API key is kept in st.session_state only: never in the database, the logs, or on
the page once entered (it shows masked)."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import (
    API_KEY,
    KEPT,
    PREF_BACKEND,
    PREF_BASE_URL,
    PREF_LEVEL,
    PREF_MODEL,
    default_level,
    offline_service,
    plain,
)
from interviewer.models import LEVELS

CHECK_KEY = "settings_check"  # the last connection check: (ok, message)
BACKENDS = {"offline": "Offline (deterministic, no network)", "openai": "OpenAI-compatible endpoint"}


def copy_pref(widget: str, pref: str) -> None:
    st.session_state[pref] = st.session_state[widget]
    if pref in (PREF_BACKEND, PREF_BASE_URL, PREF_MODEL):
        st.session_state.pop(CHECK_KEY, None)  # the last check was of another endpoint
    if pref == PREF_LEVEL:  # a new default level applies to the next interview at once
        st.session_state[KEPT + "practice_level"] = st.session_state[widget]
        st.session_state.pop("practice_level", None)


def test_connection() -> None:
    """Check the endpoint as configured on this page: the model list, then a one-token request."""
    from interviewer.backends.factory import BackendUnavailable, llm_config
    from interviewer.backends.llm import check_connection

    try:
        config = llm_config(st.session_state.get(PREF_BASE_URL) or None, st.session_state.get(PREF_MODEL) or None,
                            st.session_state.get(API_KEY) or None)
    except BackendUnavailable as error:
        st.session_state[CHECK_KEY] = (False, str(error))
        return
    with st.spinner("Testing the connection..."):
        found = check_connection(config)
    st.session_state[CHECK_KEY] = (found.ok, found.message)


def take_key() -> None:
    """Move the typed key out of the widget into a plain session-state entry and blank the widget,
    so the key is never sent back to the browser."""
    typed = str(st.session_state.get("settings_api_key") or "").strip()
    if typed:
        st.session_state[API_KEY] = typed
        st.session_state.pop(CHECK_KEY, None)
    st.session_state["settings_api_key"] = ""


def forget_key() -> None:
    st.session_state.pop(API_KEY, None)


def main() -> None:
    st.title("Settings")
    st.caption("These settings last for this browser session.")

    for widget, pref, default in (
        ("settings_backend", PREF_BACKEND, "offline"),
        ("settings_base_url", PREF_BASE_URL, ""),
        ("settings_model", PREF_MODEL, ""),
        ("settings_level", PREF_LEVEL, default_level()),
    ):
        if widget not in st.session_state:
            st.session_state[widget] = st.session_state.get(pref, default)

    st.selectbox("Default level", LEVELS, key="settings_level", on_change=copy_pref,
                 args=("settings_level", PREF_LEVEL))

    st.subheader("Interviewer backend")
    backend = st.radio("Backend", list(BACKENDS), format_func=BACKENDS.__getitem__, key="settings_backend",
                       on_change=copy_pref, args=("settings_backend", PREF_BACKEND))
    if backend == "openai":
        st.text_input("Base URL", key="settings_base_url", placeholder="https://api.openai.com/v1",
                      help="Any OpenAI-compatible server: OpenAI, Azure, Ollama, vLLM, LM Studio.",
                      on_change=copy_pref, args=("settings_base_url", PREF_BASE_URL))
        st.text_input("Model", key="settings_model", placeholder="the server's model name",
                      on_change=copy_pref, args=("settings_model", PREF_MODEL))
        if st.session_state.get(API_KEY):
            st.text_input("API key", value="••••••••  (set for this browser session)", disabled=True,
                          key="settings_api_key_masked")
            st.button("Forget the key", key="settings_forget_key", on_click=forget_key)
        else:
            st.text_input("API key", type="password", key="settings_api_key",
                          help="Kept for this browser session only; never stored or logged.")
            st.button("Use this key", key="settings_use_key", on_click=take_key)
        st.button("Test connection", key="settings_test", on_click=test_connection,
                  icon=":material/network_check:",
                  help="Lists the server's models and sends a one-token request to the model.")
        checked = st.session_state.get(CHECK_KEY)
        if checked:
            ok, message = checked
            (st.success if ok else st.error)(plain(message))
        st.caption("If the backend fails during a round, the offline interviewer answers that turn "
                   "and the practice page says so.")

    st.subheader("Data")
    st.text_input("Database", value=offline_service().store.location, disabled=True, key="settings_db",
                  help="Set INTERVIEWER_DB (a SQLite file) or DATABASE_URL (PostgreSQL) before starting the app.")
    st.caption(plain(f"{len(offline_service().catalog.cases)} cases, "
                     f"{len(offline_service().catalog.rubrics)} rubrics loaded."))


main()

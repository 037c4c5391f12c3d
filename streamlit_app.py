"""Entry point: a router over app_pages/. No logic here beyond building the service once."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages.ui import account_box, offline_service, page_style, user_id

# A local image: a :material/...: page icon makes the browser fetch the favicon from a font CDN.
ICON = Path(__file__).resolve().parent / "app_pages" / "icon.png"
st.set_page_config(page_title="Mock interviewer", page_icon=str(ICON), layout="wide")
page_style()

offline_service()  # build (and cache) the catalog, store and backend before any page runs
user_id()  # with [auth] in secrets.toml: the sign-in screen until someone is signed in
account_box()

page = st.navigation(
    [
        st.Page("app_pages/practice.py", title="Practice", icon=":material/forum:", default=True),
        st.Page("app_pages/review.py", title="Review", icon=":material/history:"),
        st.Page("app_pages/plans.py", title="Plans", icon=":material/route:"),
        st.Page("app_pages/library.py", title="Library", icon=":material/menu_book:"),
        st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:"),
    ]
)
page.run()

"""History: past interviews from the store, with their result and a Markdown report."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import VERDICT_LABELS, open_session, service
from interviewer.report import report_markdown


def main() -> None:
    svc = service()
    st.title("History")
    sessions = svc.store.sessions()
    if not sessions:
        st.info("No interviews yet. Start one on the Practice page.")
        return

    def title(case_id: str) -> str:
        case = svc.catalog.cases.get(case_id)
        return case.title if case else case_id

    rows = []
    for session in sessions:
        card = svc.store.scorecard(session.id)
        rows.append(
            {
                "Started (UTC)": session.created_at.replace("T", " ")[:16],
                "Case": title(session.case_id),
                "Level": session.level,
                "Status": session.status,
                "Verdict": VERDICT_LABELS.get(card.verdict, card.verdict) if card else "",
                "Overall": card.overall if card else None,
                "Session": session.id,
            }
        )
    st.dataframe(rows, hide_index=True, width="stretch")

    by_id = {s.id: s for s in sessions}
    chosen = st.selectbox(
        "Session",
        list(by_id),
        format_func=lambda i: f"{by_id[i].created_at[:10]} · {title(by_id[i].case_id)} · {i}",
        key="history_session",
    )
    download, resume = st.columns(2)
    download.download_button(
        "Download report (Markdown)",
        data=report_markdown(svc.store, svc.catalog, chosen),
        file_name=f"interview-{chosen}.md",
        mime="text/markdown",
        key="history_download",
    )
    if resume.button("Open in Practice", key="history_open"):
        open_session(chosen)
        st.switch_page("app_pages/practice.py")


main()

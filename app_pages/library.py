"""Library: browse cases and rubrics. A case's model answer stays hidden until the case has been
attempted or the candidate explicitly reveals it."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import KIND_LABELS, KIND_ORDER, close_session, plain, service, user_id
from interviewer.models import LEVELS
from interviewer.progress import attempted_case_ids
from interviewer.search import search

ANY = "any"


def main() -> None:
    svc = service()
    st.title("Library")
    if svc.catalog.problems:
        with st.expander(f"{len(svc.catalog.problems)} content file(s) failed validation and are hidden"):
            st.code("\n".join(str(p) for p in svc.catalog.problems), language=None)
    cases = sorted(svc.catalog.cases.values(), key=lambda c: (KIND_ORDER.index(c.kind), c.title))
    attempted = attempted_case_ids(svc.store, user_id())

    kind_col, tag_col, level_col = st.columns(3)
    kind = kind_col.selectbox("Kind", ["all", *dict.fromkeys(c.kind for c in cases)],
                              format_func=KIND_LABELS.__getitem__, key="library_kind")
    tag = tag_col.selectbox("Tag", [ANY, *sorted({t for c in cases for t in c.tags})], key="library_tag")
    level = level_col.selectbox("Level", [ANY, *LEVELS], key="library_level")
    text = st.text_input("Search", key="library_search", placeholder="e.g. ETA, forecast, RAG",
                         help="Whole words in titles, tags and prompts; title matches first.").strip()
    shown = search([
        c for c in cases
        if (kind == "all" or c.kind == kind) and (tag == ANY or tag in c.tags)
        and (level == ANY or level in c.levels)
    ], text)
    if text:
        st.caption(f"{len(shown)} case{'s' if len(shown) != 1 else ''} match “{plain(text)}”, best first.")
    st.dataframe(
        [
            {
                "Case": c.title,
                "Kind": KIND_LABELS[c.kind],
                "Minutes": c.duration_min,
                "Levels": ", ".join(c.levels),
                "Tags": ", ".join(c.tags),
                "Attempted": c.id in attempted,
            }
            for c in shown
        ],
        hide_index=True,
        width="stretch",
        column_config={"Case": st.column_config.TextColumn("Case", width="large"),
                       "Minutes": st.column_config.NumberColumn("Minutes", format="%g")},
    )
    if not shown:
        st.info("No case matches these filters.")
        return

    by_id = {c.id: c for c in shown}
    if st.session_state.get("library_case") not in by_id:  # the best match leads after a new search
        st.session_state["library_case"] = next(iter(by_id))  # set, not dropped: the box shows it
    case_id = st.selectbox("Case", list(by_id), format_func=lambda i: by_id[i].title, key="library_case")
    case = by_id[case_id]
    rubric = svc.catalog.rubric_for(case)
    st.subheader(plain(case.title))
    st.caption(f"{KIND_LABELS[case.kind]} · {case.duration_min:g} minutes · rubric: {plain(rubric.title)}")
    st.markdown(plain(case.prompt))
    if len(case.plan()) > 1:
        st.markdown("**Phases**")
        st.dataframe([{"Phase": p.title, "Minutes": p.minutes} for p in case.plan()], hide_index=True)
    with st.expander(f"Rubric: {plain(rubric.title)}"):
        total = sum(c.weight for c in rubric.criteria)
        for c in rubric.criteria:
            core = " · core" if c.core else ""
            st.markdown(f"**{plain(c.title)}** · weight {c.weight / total:.0%}{core}  \n{plain(c.description)}")
            st.caption(f"Meets the bar (3): {plain(c.levels[3])}")
            if case.criterion_examples.get(c.id):
                st.caption(f"In this case: {plain(case.criterion_examples[c.id])}")

    if st.button("Practise this case", key="library_practise", type="primary"):
        close_session()
        st.session_state["practice_retry"] = case.id
        st.switch_page("app_pages/practice.py")

    if case.model_answer:
        seen = case.id in attempted
        reveal = st.toggle("Reveal the model answer", value=False, key=f"library_reveal_{case.id}",
                           disabled=seen,
                           help="Try the case first: the model answer is most useful after an attempt.")
        if seen or reveal:
            st.markdown("**Model answer**")
            st.markdown(plain(case.model_answer))
        else:
            st.caption("The model answer stays hidden until you attempt this case or reveal it.")


main()

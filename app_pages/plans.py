"""Plans: the seed's learning paths as ordered cases, with progress through them."""

from __future__ import annotations

import streamlit as st

from app_pages.ui import KIND_LABELS, close_session, plain, service, user_id
from interviewer.plans import PlansError, load_plans
from interviewer.progress import attempted_case_ids


def main() -> None:
    svc = service()
    st.title("Plans")
    try:
        plans = load_plans(catalog=svc.catalog)
    except PlansError as error:
        st.error(plain(str(error)))
        return
    attempted = attempted_case_ids(svc.store, user_id())
    by_id = {p.id: p for p in plans}
    plan_id = st.radio("Plan", list(by_id), format_func=lambda i: by_id[i].title, key="plans_plan",
                       horizontal=True)
    plan = by_id[plan_id]
    done, total = plan.progress(attempted)
    st.caption(plain(f"{plan.duration} · {plan.summary}"))
    st.progress(done / total, text=f"{done} of {total} cases attempted")
    st.dataframe(
        [
            {
                "#": number,
                "Stage": step.stage,
                "Case": svc.catalog.cases[step.case].title,
                "Kind": KIND_LABELS[svc.catalog.cases[step.case].kind],
                "Minutes": svc.catalog.cases[step.case].duration_min,
                "Done": step.case in attempted,
            }
            for number, step in enumerate(plan.steps, 1)
        ],
        hide_index=True,
        width="stretch",
    )
    upcoming = plan.next_step(attempted)
    if upcoming is None:
        st.success("Every case in this plan has been attempted.")
        return
    case = svc.catalog.cases[upcoming.case]
    st.markdown(f"**Next:** {plain(case.title)} ({plain(upcoming.stage)})")
    if st.button("Practise the next case", key="plans_next", type="primary"):
        close_session()
        st.session_state["practice_retry"] = case.id
        st.switch_page("app_pages/practice.py")


main()

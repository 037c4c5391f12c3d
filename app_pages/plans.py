"""Plans: the seed's learning paths as ordered cases on a schedule (a start date and a length),
with each case's due date, what is done, and whether the plan is on track."""

from __future__ import annotations

from datetime import UTC, date, datetime

import streamlit as st

from app_pages.ui import KIND_LABELS, close_session, keep, plain, restore, service, user_id
from interviewer.plans import PlansError, load_plans, pace
from interviewer.progress import attempted_case_ids


def first_attempts(svc, user: str) -> dict[str, date]:  # type: ignore[no-untyped-def]
    """The day each case was first finished by this user."""
    found: dict[str, date] = {}
    for session in reversed(svc.store.sessions(user_id=user)):
        if session.status == "finished" and session.case_id not in found:
            found[session.case_id] = datetime.fromisoformat(session.created_at).date()
    return found


def new_plan() -> None:
    """Another plan: its own start date and length."""
    for key in ("plans_start", "plans_days"):
        st.session_state.pop(key, None)


def main() -> None:
    svc = service()
    st.title("Plans")
    try:
        plans = load_plans(catalog=svc.catalog)
    except PlansError as error:
        st.error(plain(str(error)))
        return
    user = user_id()
    attempted = attempted_case_ids(svc.store, user)
    done_on = first_attempts(svc, user)
    today = datetime.now(UTC).date()
    by_id = {p.id: p for p in plans}
    restore("plans_plan", list(by_id), plans[0].id)
    plan_id = st.radio("Plan", list(by_id), format_func=lambda i: by_id[i].title, key="plans_plan",
                       horizontal=True, on_change=new_plan)
    keep("plans_plan")
    plan = by_id[plan_id]
    st.caption(plain(f"{plan.duration} · {plan.summary}"))

    # The schedule starts on the day the plan's first case was done, else today; both adjustable.
    started = min((done_on[s.case] for s in plan.steps if s.case in done_on), default=today)
    start_col, days_col = st.columns(2)
    start = start_col.date_input("Start", value=started, key="plans_start", format="YYYY-MM-DD")
    days = days_col.number_input("Days", min_value=1, max_value=180, value=plan.days or len(plan.steps),
                                 step=1, key="plans_days",
                                 help="How long the plan takes; the cases are spread evenly over it.")
    dates = plan.schedule(start, int(days))
    done, total = plan.progress(attempted)
    status = pace(plan, dates, attempted, today)
    st.progress(done / total, text=f"{done} of {total} cases attempted · {status.text()}")
    st.dataframe(
        [
            {
                "#": number,
                "Due": when.isoformat(),
                "Case": svc.catalog.cases[step.case].title,
                "Done": done_on[step.case].isoformat() if step.case in done_on else
                ("overdue" if when < today else "today" if when == today else ""),
                "Kind": f"{KIND_LABELS[svc.catalog.cases[step.case].kind]} · "
                        f"{svc.catalog.cases[step.case].duration_min:g} min",
                "Stage": step.stage,
            }
            for number, (step, when) in enumerate(zip(plan.steps, dates, strict=True), 1)
        ],
        hide_index=True,
        width="stretch",
        height="content",
        column_config={"Case": st.column_config.TextColumn("Case", width="large"),
                       "#": st.column_config.NumberColumn("#", width="small")},
    )
    upcoming = plan.next_step(attempted)
    if upcoming is None:
        st.success("Every case in this plan has been attempted.")
        return
    case = svc.catalog.cases[upcoming.case]
    due = dates[plan.steps.index(upcoming)]
    st.markdown(f"**Next:** {plain(case.title)} ({plain(upcoming.stage)}), due {due.isoformat()}")
    if st.button("Practise the next case", key="plans_next", type="primary", icon=":material/play_arrow:"):
        close_session()
        st.session_state["practice_retry"] = case.id
        st.switch_page("app_pages/practice.py")


main()

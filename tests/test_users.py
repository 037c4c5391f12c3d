"""Every session belongs to a user: the service keeps users apart (on SQLite and on PostgreSQL), and
the app signs people in through st.login when secrets.toml has [auth], else runs for one local user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.secrets import secrets_singleton
from streamlit.testing.v1 import AppTest

from interviewer.backends.offline import OfflineGrader, OfflineInterviewer
from interviewer.catalog import Catalog
from interviewer.progress import attempted_case_ids, attempts
from interviewer.service import InterviewService
from interviewer.store import Store

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
ADA, BOB = "ada@example.com", "bob@example.com"
AUTH = {  # the shape st.login needs; never contacted: AppTest fakes the signed-in user
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "test-client",
    "client_secret": "test-client-secret",
    "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest, tmp_path: Path, catalog: Catalog, grader: OfflineGrader
) -> Iterator[InterviewService]:
    location = (tmp_path / "users.sqlite3" if request.param == "sqlite"
                else request.getfixturevalue("postgres_url"))
    store = Store(location)
    yield InterviewService(catalog, store, OfflineInterviewer(), grader, offline_grader=grader)
    store.close()


# -- service ---------------------------------------------------------------------------------------


def test_each_user_sees_only_their_own_history(service: InterviewService) -> None:
    ada = [service.start("drill-bias-variance", "mid", user_id=ADA) for _ in range(2)]
    bob = service.start("drill-bias-variance", "senior", user_id=BOB)
    local = service.start("drill-bias-variance")

    assert [s.id for s in service.history(ADA)] == [ada[1].id, ada[0].id]
    assert [s.id for s in service.history(BOB)] == [bob.id]
    assert [s.id for s in service.history("local")] == [local.id]
    assert service.history("carol@example.com") == []
    assert {s.user_id for s in (*ada, bob, local)} == {ADA, BOB, "local"}


def test_another_users_session_is_refused_without_naming_its_owner(service: InterviewService) -> None:
    bob = service.start("drill-bias-variance", user_id=BOB)
    assert service.session_for(bob.id, BOB) == bob
    with pytest.raises(PermissionError, match="another user") as refused:
        service.session_for(bob.id, ADA)
    assert BOB not in str(refused.value)
    with pytest.raises(KeyError, match="no-such-session"):
        service.session_for("no-such-session", ADA)


def test_progress_counts_only_the_users_own_attempts(service: InterviewService) -> None:
    ada = service.start("drill-bias-variance", user_id=ADA)
    service.submit(ada.id, "Bias is systematic error from a model too simple; variance is "
                           "sensitivity to the training sample.", at_s=30)
    service.finish(ada.id, at_s=60)
    assert [a.session.id for a in attempts(service.store, ADA)] == [ada.id]
    assert attempts(service.store, BOB) == []
    assert attempted_case_ids(service.store, ADA) == {"drill-bias-variance"}
    assert attempted_case_ids(service.store, BOB) == set()


# -- the app ---------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def blank_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERVIEWER_DB", str(tmp_path / "app.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)


def app_as(user: dict[str, object] | None) -> AppTest:
    """The app with [auth] configured, for the given st.user (None: no sign-in configured)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.user = user
    return at


def start_drill(at: AppTest) -> str:
    at.run()
    assert not at.exception
    at.selectbox(key="practice_kind").set_value("drill").run()
    at.button(key="practice_start").click().run()
    assert not at.exception
    return str(at.query_params["session"])


def test_without_auth_the_app_is_one_local_user_with_no_sign_in(tmp_path: Path) -> None:
    at = app_as(None)
    session_id = start_drill(at)
    assert not [b for b in at.button if b.key in ("auth_login", "auth_logout")]
    assert Store(tmp_path / "app.sqlite3").session(session_id).user_id == "local"


def test_with_auth_nobody_gets_in_before_signing_in() -> None:
    at = app_as({"is_logged_in": False}).run()
    assert not at.exception
    assert at.button(key="auth_login").label == "Log in"
    assert not [s for s in at.selectbox if s.key == "practice_kind"]  # no page ran


def test_signed_in_users_store_under_their_email_and_cannot_open_each_other(tmp_path: Path) -> None:
    ada = app_as({"is_logged_in": True, "email": ADA, "sub": "oidc|ada", "name": "Ada"})
    ada_session = start_drill(ada)
    assert any(ADA.split("@")[0] in c.value for c in ada.sidebar.caption)  # "Signed in as ..."
    assert ada.button(key="auth_logout").label == "Log out"
    assert Store(tmp_path / "app.sqlite3").session(ada_session).user_id == ADA

    bob = app_as({"is_logged_in": True, "email": BOB, "sub": "oidc|bob"})
    bob.query_params["session"] = ada_session  # Bob pastes Ada's link
    bob.run()
    assert not bob.exception
    assert any("another account" in e.value for e in bob.error)
    assert "session" not in bob.query_params
    assert not bob.chat_message  # none of Ada's transcript
    bob_session = start_drill(bob)
    assert bob_session != ada_session

    bob.switch_page("app_pages/review.py").run()
    assert not bob.exception
    listed = bob.selectbox(key="review_session").options
    assert len(listed) == 1 and bob_session in listed[0] and ada_session not in listed[0]


def test_a_user_without_an_email_is_stored_under_the_oidc_subject(tmp_path: Path) -> None:
    at = app_as({"is_logged_in": True, "sub": "oidc|no-email"})
    session_id = start_drill(at)
    assert Store(tmp_path / "app.sqlite3").session(session_id).user_id == "oidc|no-email"


def test_log_out_returns_to_the_sign_in_screen() -> None:
    at = app_as({"is_logged_in": True, "email": ADA})
    start_drill(at)
    at.button(key="auth_logout").click().run()
    assert not at.exception
    assert at.button(key="auth_login").label == "Log in"


def test_log_in_accepts_the_documented_auth_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """st.login reads secrets.toml itself (AppTest's secrets do not reach it): write the file the way
    docs/deploy.md shows, in a home folder of the test's own."""
    secrets = tmp_path / "home" / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir(parents=True)
    secrets.write_text("[auth]\n" + "".join(f'{key} = "{value}"\n' for key, value in AUTH.items()))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    secrets_singleton._reset()  # parsed once per process: read this file, and forget it afterwards
    try:
        at = app_as({"is_logged_in": False}).run()
        at.button(key="auth_login").click().run()
        assert not at.exception
    finally:
        secrets_singleton._reset()

"""Users, roles, passwords and sessions (``cxhub.governance.users``) on both databases."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from cxhub.governance import users
from cxhub.governance.models import Department
from cxhub.governance.service import ensure_workspace
from cxhub.kit.errors import CxhubError

PASSWORD = "correct horse battery"


def workspace(session: Session) -> uuid.UUID:
    return ensure_workspace(session, slug=f"u-{uuid.uuid4().hex[:10]}").id


def test_password_is_stored_as_an_argon2_hash(session: Session) -> None:
    user = users.create_user(
        session, workspace_id=workspace(session), email="Ada@Example.it", password=PASSWORD, role="analyst"
    )
    assert user.email == "ada@example.it"
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert users.check_login(session, email="ADA@example.it", password=PASSWORD).user is user


def test_short_passwords_unknown_roles_and_duplicate_emails_are_refused(session: Session) -> None:
    ws = workspace(session)
    with pytest.raises(CxhubError) as short:
        users.create_user(session, workspace_id=ws, email="a@example.it", password="short", role="viewer")
    assert short.value.code == "weak_password"
    with pytest.raises(CxhubError) as role:
        users.create_user(session, workspace_id=ws, email="a@example.it", password=PASSWORD, role="owner")
    assert role.value.code == "invalid_role"
    users.create_user(session, workspace_id=ws, email="a@example.it", password=PASSWORD, role="viewer")
    with pytest.raises(CxhubError) as twice:
        users.create_user(session, workspace_id=ws, email="a@example.it", password=PASSWORD, role="viewer")
    assert twice.value.status == 409


def test_a_department_lead_needs_a_department_of_the_map(session: Session) -> None:
    ws = workspace(session)
    with pytest.raises(CxhubError) as missing:
        users.create_user(session, workspace_id=ws, email="l@example.it", password=PASSWORD, role="department_lead")
    assert missing.value.code == "department_required"
    with pytest.raises(CxhubError) as unknown:
        users.create_user(
            session,
            workspace_id=ws,
            email="l@example.it",
            password=PASSWORD,
            role="department_lead",
            department_key="x",
        )
    assert unknown.value.code == "department_not_found"
    session.add(Department(id=uuid.uuid4(), workspace_id=ws, key="negozi", name="Negozi", labels={}, kpis=[]))
    session.flush()
    lead = users.create_user(
        session,
        workspace_id=ws,
        email="l@example.it",
        password=PASSWORD,
        role="department_lead",
        department_key="Negozi",
    )
    assert lead.department_key == "negozi"
    assert users.can_see_department(lead, "negozi") and not users.can_see_department(lead, "marketing")


def test_five_failures_lock_the_account_even_for_the_right_password(session: Session) -> None:
    user = users.create_user(
        session, workspace_id=workspace(session), email="b@example.it", password=PASSWORD, role="viewer"
    )
    for _ in range(users.MAX_FAILED_LOGINS - 1):
        assert users.check_login(session, email="b@example.it", password="wrong").refused == "wrong"
    assert users.check_login(session, email="b@example.it", password="wrong").refused == "locked"
    assert users.check_login(session, email="b@example.it", password=PASSWORD).refused == "locked"
    assert user.last_failed_login_at is not None
    user.last_failed_login_at -= users.LOCKOUT + timedelta(seconds=1)  # the lock expires
    assert users.check_login(session, email="b@example.it", password=PASSWORD).user is user
    assert user.failed_logins == 0


def test_unknown_and_disabled_users_cannot_sign_in(session: Session) -> None:
    ws = workspace(session)
    user = users.create_user(session, workspace_id=ws, email="c@example.it", password=PASSWORD, role="viewer")
    assert users.check_login(session, email="nobody@example.it", password=PASSWORD).refused == "wrong"
    users.set_disabled(session, workspace_id=ws, user_id=user.id, disabled=True)
    assert users.check_login(session, email="c@example.it", password=PASSWORD).refused == "wrong"


def test_a_session_ends_at_logout_and_others_end_at_a_password_change(session: Session) -> None:
    user = users.create_user(
        session, workspace_id=workspace(session), email="d@example.it", password=PASSWORD, role="agent"
    )
    first, first_token = users.start_session(session, user=user)
    _, second_token = users.start_session(session, user=user)
    found = users.session_user(session, token=first_token)
    assert found is not None and found[1] is user
    users.change_password(session, user=user, current=PASSWORD, new="another long secret", keep_session=first.id)
    assert users.session_user(session, token=first_token) is not None
    assert users.session_user(session, token=second_token) is None
    users.end_session(session, token=first_token)
    assert users.session_user(session, token=first_token) is None
    assert users.check_login(session, email="d@example.it", password="another long secret").user is user


def test_change_password_checks_the_current_one(session: Session) -> None:
    user = users.create_user(
        session, workspace_id=workspace(session), email="e@example.it", password=PASSWORD, role="agent"
    )
    with pytest.raises(CxhubError) as wrong:
        users.change_password(session, user=user, current="not it at all", new="another long secret")
    assert wrong.value.code == "wrong_password"


def test_roles_open_the_pages_the_issue_gives_them() -> None:
    assert users.can("admin", "manage") and not users.can("cx_manager", "manage")
    assert users.can("cx_manager", "settings") and not users.can("analyst", "settings")
    assert not users.can("department_lead", "overview") and not users.can("department_lead", "departments")
    assert users.can("agent", "customers") and not users.can("viewer", "customers")
    assert set(users.PERMISSIONS) == set(users.ROLES)

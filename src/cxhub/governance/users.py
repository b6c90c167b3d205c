"""People who sign in to the web app: roles, argon2 passwords, sessions and login throttling.

HTTP-free: the web layer signs the cookie and checks CSRF; this module decides who may sign in,
which session token is valid, and what each role may see.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cxhub.db import utcnow
from cxhub.governance.models import Department, User, UserSession, Workspace
from cxhub.kit.errors import CxhubError, NotFound

ROLES = ("admin", "cx_manager", "analyst", "department_lead", "agent", "viewer")
SESSION_HOURS = 12
MIN_PASSWORD = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# What each role may open. A department lead sees only its own department (checked by the caller
# with ``can_see_department``); an agent works customers and cases.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"overview", "customers", "feedback", "departments", "cases", "settings", "manage"}),
    "cx_manager": frozenset({"overview", "customers", "feedback", "departments", "cases", "settings"}),
    "analyst": frozenset({"overview", "customers", "feedback", "departments", "cases"}),
    "department_lead": frozenset({"customers", "feedback", "cases", "own_department"}),
    "agent": frozenset({"customers", "feedback", "cases"}),
    "viewer": frozenset({"overview", "departments"}),
}

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("cxhub-no-such-user")


def can(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def can_see_department(user: User, department_key: str) -> bool:
    """Everyone with the ``departments`` permission sees every department; a lead only their own."""
    if can(user.role, "departments"):
        return True
    return user.role == "department_lead" and user.department_key == department_key


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_strength(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise CxhubError(
            "weak_password", f"a password needs at least {MIN_PASSWORD} characters", status=400, field="password"
        )
    if len(password) > 1024:
        raise CxhubError("weak_password", "a password has at most 1024 characters", status=400, field="password")
    return password


def _check_role(session: Session, workspace_id: uuid.UUID, role: str, department_key: str | None) -> str | None:
    if role not in ROLES:
        raise CxhubError("invalid_role", f"role must be one of {', '.join(ROLES)}", field="role")
    if role != "department_lead":
        return None
    if not department_key:
        raise CxhubError("department_required", "a department lead needs a department", field="department")
    key = department_key.strip().lower()
    found = session.scalar(select(Department.id).where(Department.workspace_id == workspace_id, Department.key == key))
    if found is None:
        raise NotFound("department_not_found", f"no department {key!r} in the governance map", field="department")
    return key


def create_user(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    email: str,
    password: str,
    role: str,
    name: str = "",
    department_key: str | None = None,
) -> User:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise CxhubError("invalid_email", f"{email!r} is not an e-mail address", field="email")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise CxhubError("user_exists", f"a user with e-mail {email} already exists", status=409, field="email")
    department = _check_role(session, workspace_id, role, department_key)
    now = utcnow()
    user = User(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        email=email,
        name=name.strip() or email.split("@")[0],
        password_hash=_hasher.hash(check_password_strength(password)),
        role=role,
        department_key=department,
        created_at=now,
        password_changed_at=now,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session, *, workspace_id: uuid.UUID) -> list[User]:
    return list(session.scalars(select(User).where(User.workspace_id == workspace_id).order_by(User.email)))


def get_user(session: Session, *, workspace_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = session.scalar(select(User).where(User.workspace_id == workspace_id, User.id == user_id))
    if user is None:
        raise NotFound("user_not_found", f"no user {user_id} in this workspace", field="user_id")
    return user


def find_user_by_email(session: Session, *, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def set_role(
    session: Session, *, workspace_id: uuid.UUID, user_id: uuid.UUID, role: str, department_key: str | None = None
) -> User:
    user = get_user(session, workspace_id=workspace_id, user_id=user_id)
    user.department_key = _check_role(session, workspace_id, role, department_key)
    user.role = role
    return user


def set_disabled(session: Session, *, workspace_id: uuid.UUID, user_id: uuid.UUID, disabled: bool) -> User:
    """Disabling ends the user's sessions too: they are out at their next click."""
    user = get_user(session, workspace_id=workspace_id, user_id=user_id)
    user.disabled_at = utcnow() if disabled else None
    if disabled:
        end_all_sessions(session, user_id=user.id)
    return user


def set_password(session: Session, *, user: User, password: str) -> None:
    user.password_hash = _hasher.hash(check_password_strength(password))
    user.password_changed_at = utcnow()
    user.failed_logins = 0


@dataclass(frozen=True, slots=True)
class LoginResult:
    """``user`` when the password matched; otherwise why not (``wrong`` or ``locked``)."""

    user: User | None
    refused: str | None = None


def _locked(user: User, now: datetime) -> bool:
    return (
        user.failed_logins >= MAX_FAILED_LOGINS
        and user.last_failed_login_at is not None
        and now - user.last_failed_login_at < LOCKOUT
    )


def check_login(session: Session, *, email: str, password: str) -> LoginResult:
    """Verify a password, counting failures on the user's row.

    Never raises for a wrong password: the caller must commit so the failure count is kept. After
    ``MAX_FAILED_LOGINS`` failures the account refuses even the right password for ``LOCKOUT``.
    """
    now = utcnow()
    user = find_user_by_email(session, email=email)
    if user is None or user.disabled_at is not None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return LoginResult(None, "wrong")
    if _locked(user, now):
        return LoginResult(None, "locked")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        recent = user.last_failed_login_at is not None and now - user.last_failed_login_at < LOCKOUT
        user.failed_logins = (user.failed_logins if recent else 0) + 1
        user.last_failed_login_at = now
        return LoginResult(None, "locked" if _locked(user, now) else "wrong")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.last_login_at = now
    return LoginResult(user)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(session: Session, *, user: User, hours: int = SESSION_HOURS) -> tuple[UserSession, str]:
    """A new session and its clear-text token (for the cookie; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        id=uuid.uuid4(),
        workspace_id=user.workspace_id,
        user_id=user.id,
        token_hash=_hash_token(token),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    return row, token


def session_user(session: Session, *, token: str) -> tuple[UserSession, User] | None:
    """The live session of ``token`` and its user; None when unknown, ended, expired or disabled."""
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _hash_token(token))
    ).first()
    if row is None:
        return None
    user_session, user = row
    if user_session.ended_at is not None or user_session.expires_at <= utcnow() or user.disabled_at is not None:
        return None
    return user_session, user


def end_session(session: Session, *, token: str) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == _hash_token(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all_sessions(session: Session, *, user_id: uuid.UUID, keep: uuid.UUID | None = None) -> None:
    """End every session of a user (but ``keep``): after a password change, the old ones are out."""
    statement = update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    session.execute(statement.values(ended_at=utcnow()))


def change_password(
    session: Session, *, user: User, current: str, new: str, keep_session: uuid.UUID | None = None
) -> None:
    if not verify_password(user, current):
        raise CxhubError("wrong_password", "the current password is not right", status=400, field="current")
    if new == current:
        raise CxhubError("same_password", "choose a password different from the current one", field="password")
    set_password(session, user=user, password=new)
    end_all_sessions(session, user_id=user.id, keep=keep_session)


def switch_workspace(session: Session, *, user: User, user_session: UserSession, workspace_id: uuid.UUID) -> None:
    """Admins may look at another workspace; everyone else stays in their own."""
    if user.role != "admin":
        raise CxhubError("forbidden", "only an admin can switch workspace", status=403)
    if session.get(Workspace, workspace_id) is None:
        raise NotFound("workspace_not_found", f"no workspace {workspace_id}", field="workspace")
    user_session.workspace_id = workspace_id


def generate_password() -> str:
    """A password to hand out once (the demo, create-admin without --password): about 96 random bits."""
    return secrets.token_urlsafe(12)


def ensure_demo_user(
    session: Session, *, workspace_id: uuid.UUID, email: str, role: str, department_key: str | None = None
) -> str:
    """Create a demo user, or give an existing one a new password; the clear password is returned.

    A fresh password on every run, so the demo never ships a guessable one and the one printed works.
    """
    password = generate_password()
    user = find_user_by_email(session, email=email)
    if user is None:
        create_user(
            session, workspace_id=workspace_id, email=email, password=password, role=role, department_key=department_key
        )
    else:
        set_password(session, user=user, password=password)
        user.disabled_at = None
    return password

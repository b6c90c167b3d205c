"""Workspaces and API keys."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.db import utcnow
from cxhub.governance.models import ApiKey, Workspace
from cxhub.kit.errors import CxhubError, NotFound

SCOPES = ("ingest", "read", "admin")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
KEY_PREFIX = "cxh"


def get_workspace_by_slug(session: Session, *, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise NotFound("workspace_not_found", f"no workspace {slug!r}", field="workspace")
    return workspace


def ensure_workspace(session: Session, *, slug: str, name: str | None = None) -> Workspace:
    """The workspace with this slug, created when it does not exist yet."""
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise CxhubError(
            "invalid_workspace",
            "workspace must be 1-64 lower-case letters, digits, '-' or '_'",
            field="workspace",
        )
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        workspace = Workspace(id=uuid.uuid4(), slug=slug, name=name or slug, settings={}, created_at=utcnow())
        session.add(workspace)
        session.flush()
    return workspace


def list_workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.slug)))


def parse_scopes(raw: str | Iterable[str]) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    scopes = sorted({item.strip().lower() for item in items if item.strip()})
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise CxhubError(
            "invalid_scopes",
            f"scopes must be a comma-separated subset of {', '.join(SCOPES)}; got {', '.join(unknown) or 'none'}",
            field="scopes",
        )
    return scopes


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    session: Session, *, workspace_id: uuid.UUID, scopes: list[str], name: str = ""
) -> tuple[ApiKey, str]:
    """Create a key and return it with its clear text, which is shown once and never stored.

    Keys are 256-bit random tokens, so a fast hash (SHA-256) is as safe as a slow one for them.
    """
    prefix = secrets.token_hex(6)
    token = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        name=name,
        prefix=prefix,
        key_hash=_hash(token),
        scopes=scopes,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    return key, token


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key, its workspace and what it may do."""

    key_id: uuid.UUID
    workspace_id: uuid.UUID
    workspace_slug: str
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "admin" not in self.scopes:
            raise CxhubError("forbidden", f"this API key lacks the {scope!r} scope", status=403)


def authenticate(session: Session, *, token: str) -> Principal:
    parts = token.split("_")
    if len(parts) < 3 or parts[0] != KEY_PREFIX:
        raise CxhubError("unauthorized", "malformed API key", status=401)
    row = session.execute(
        select(ApiKey, Workspace.slug)
        .join(Workspace, Workspace.id == ApiKey.workspace_id)
        .where(ApiKey.prefix == parts[1])
    ).first()
    if row is None or not secrets.compare_digest(row[0].key_hash, _hash(token)) or row[0].revoked_at:
        raise CxhubError("unauthorized", "unknown or revoked API key", status=401)
    key, slug = row
    return Principal(key.id, key.workspace_id, slug, frozenset(key.scopes))


def list_api_keys(session: Session, *, workspace_id: uuid.UUID) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.created_at)))


def revoke_api_key(session: Session, *, prefix: str) -> ApiKey:
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise NotFound("api_key_not_found", f"no API key with prefix {prefix!r}", field="prefix")
    key.revoked_at = utcnow()
    return key

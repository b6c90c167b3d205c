"""Signed survey links: one per invitation (expiring), open ones for kiosks and QR codes, opt-out.

Tokens are signed, not encrypted (``itsdangerous``): they carry only ids and labels, never personal
data, and a token changed by one character is refused. Each kind has its own salt, so an opt-out
token cannot open a form and an open-link token cannot answer an invitation.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

_INVITATION = "cxhub.survey.invitation"
_OPEN = "cxhub.survey.open"
_OPTOUT = "cxhub.survey.optout"


class BadLink(Exception):
    """A token that was not signed by this hub, or was altered."""


class ExpiredLink(Exception):
    """A genuine token past its expiry."""


@dataclass(frozen=True, slots=True)
class OpenLink:
    """What an open link stands for: a survey at a place, answered anonymously by anyone there."""

    workspace_id: uuid.UUID
    survey: str
    touchpoint: str | None = None
    unit: str | None = None
    department: str | None = None
    channel: str = "qr"
    expires_at: int | None = None

    def context(self) -> dict[str, str]:
        found = {"unit": self.unit, "department": self.department}
        return {key: value for key, value in found.items() if value}


def _serializer(secret: str, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=salt)


def _load(secret: str, salt: str, token: str) -> Any:
    if len(token) > 2000:
        raise BadLink("token too long")
    try:
        return _serializer(secret, salt).loads(token)
    except BadSignature:
        raise BadLink("bad signature") from None


def invitation_token(secret: str, invitation_id: uuid.UUID, expires_at: int) -> str:
    return str(_serializer(secret, _INVITATION).dumps({"i": invitation_id.hex, "e": expires_at}))


def read_invitation_token(secret: str, token: str, *, now: float | None = None) -> uuid.UUID:
    """The invitation a token opens; ExpiredLink past its expiry, BadLink when forged or garbled."""
    data = _load(secret, _INVITATION, token)
    try:
        invitation_id = uuid.UUID(hex=data["i"])
        expires_at = int(data["e"])
    except (KeyError, TypeError, ValueError):
        raise BadLink("malformed payload") from None
    if (now if now is not None else time.time()) > expires_at:
        raise ExpiredLink(str(invitation_id))
    return invitation_id


def optout_token(secret: str, invitation_id: uuid.UUID) -> str:
    """Never expires: a customer must always be able to say no."""
    return str(_serializer(secret, _OPTOUT).dumps({"i": invitation_id.hex}))


def read_optout_token(secret: str, token: str) -> uuid.UUID:
    data = _load(secret, _OPTOUT, token)
    try:
        return uuid.UUID(hex=data["i"])
    except (KeyError, TypeError, ValueError):
        raise BadLink("malformed payload") from None


def open_token(secret: str, link: OpenLink) -> str:
    payload: dict[str, Any] = {"w": link.workspace_id.hex, "s": link.survey, "c": link.channel}
    for key, value in (("t", link.touchpoint), ("u", link.unit), ("d", link.department), ("e", link.expires_at)):
        if value is not None:
            payload[key] = value
    return str(_serializer(secret, _OPEN).dumps(payload))


def read_open_token(secret: str, token: str, *, now: float | None = None) -> OpenLink:
    data = _load(secret, _OPEN, token)
    try:
        link = OpenLink(
            workspace_id=uuid.UUID(hex=data["w"]),
            survey=str(data["s"]),
            touchpoint=data.get("t"),
            unit=data.get("u"),
            department=data.get("d"),
            channel=str(data.get("c", "qr")),
            expires_at=int(data["e"]) if data.get("e") is not None else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BadLink("malformed payload") from None
    if link.expires_at is not None and (now if now is not None else time.time()) > link.expires_at:
        raise ExpiredLink(link.survey)
    return link


def webhook_secret(secret_key: str) -> str:
    """The key survey webhooks are signed with when none is configured: derived, so handing it to a
    receiver reveals nothing of the key that signs links."""
    return hmac.new(secret_key.encode(), b"cxhub.webhooks", hashlib.sha256).hexdigest()

"""Case notifications: queued in the outbox inside the change's transaction, delivered after commit.

A rolled-back change queues nothing. Delivery runs outside any transaction (``drain_outbox``: after
an API change commits, and from ``cxhub cases tick``); each message is claimed with a compare-and-set
so two drainers never send it twice, every try is logged (``case_delivery_attempts``), and a message
counts once as delivered however many tries it took. Webhooks carry the same ``delivery_id`` on every
retry so receivers can drop repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from cxhub.cases.models import Case, DeliveryAttempt, Notification
from cxhub.cases.schemas import SettingsDoc
from cxhub.config import Settings
from cxhub.db import table_of, utcnow, with_retry
from cxhub.kit import mail
from cxhub.kit.bulk import bulk_insert
from cxhub.kit.sql import is_one_of
from cxhub.kit.webhooks import post_json

MAX_ATTEMPTS = 6
CLAIM_SECONDS = 300  # a drainer that dies mid-send frees its claim after this long
RETRY_BASE_SECONDS = 60
KINDS = ("opened", "assigned", "breached", "resolved")
_VERBS = {
    "opened": ("New case", "Nuovo caso"),
    "assigned": ("Case assigned", "Caso assegnato"),
    "breached": ("SLA breached", "SLA superato"),
    "resolved": ("Case resolved", "Caso risolto"),
}


def webhook_secret(settings: Settings) -> str:
    """The key case webhooks are signed with: ``CXHUB_WEBHOOK_SECRET``, else derived from the secret key."""
    if settings.webhook_secret:
        return settings.webhook_secret
    return hmac.new(settings.resolved_secret_key().encode(), b"cxhub-case-webhooks", hashlib.sha256).hexdigest()


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "id": str(case.id),
        "title": case.title,
        "status": case.status,
        "priority": case.priority,
        "department": case.department,
        "assignee": case.assignee,
        "touchpoint": case.touchpoint,
        "topic": case.topic,
        "customer_id": str(case.customer_id),
        "due_at": case.due_at.isoformat(),
        "opened_at": case.opened_at.isoformat(),
        "rule": case.rule_key,
    }


def _headline(kind: str, case: Case) -> str:
    verb = _VERBS.get(kind, (kind, kind))[0]
    return f"{verb} [{case.priority}] {case.title}"


def webhook_body(kind: str, case: Case, *, delivery_id: str, style: str, now: datetime) -> dict[str, Any]:
    """The JSON a webhook receives: cxhub's own shape, or one Slack / Microsoft Teams accept as is."""
    summary = case_summary(case)
    details = (
        f"department: {case.department or 'unrouted'} · due {case.due_at:%Y-%m-%d %H:%M} UTC · "
        f"touchpoint {case.touchpoint} · case {case.id}"
    )
    if style == "slack":
        return {
            "text": _headline(kind, case),
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{_headline(kind, case)}*\n{details}"}}
            ],
            "delivery_id": delivery_id,
        }
    if style == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": _headline(kind, case),
            "title": _headline(kind, case),
            "text": details,
            "delivery_id": delivery_id,
        }
    return {"delivery_id": delivery_id, "event": f"case.{kind}", "occurred_at": now.isoformat(), "case": summary}


def queue(
    session: Session,
    *,
    case: Case,
    kind: str,
    settings: SettingsDoc,
    emails: Iterable[str],
    now: datetime,
    occasion: str | None = None,
) -> int:
    """Queue the messages of one case event (webhooks subscribed to ``kind``, one e-mail per address).

    ``occasion`` tells repeats of a kind apart (a second assignment); the same occasion queued twice
    (a pipeline step run again) adds nothing. Returns how many were queued.
    """
    return queue_many(session, items=[(case, kind, list(emails), occasion)], settings=settings, now=now)


Occasion = tuple[Case, str, list[str], str | None]


def queue_many(session: Session, *, items: Sequence[Occasion], settings: SettingsDoc, now: datetime) -> int:
    """:func:`queue` for many case events (``(case, kind, emails, occasion)``) of one workspace, with one
    lookup of the keys already queued: the pipeline opens thousands of cases a batch, and a query per
    case (each flushing what came before) was most of the rules step's cost on PostgreSQL."""
    rows = [row for case, kind, emails, occasion in items for row in _rows(case, kind, settings, emails, now, occasion)]
    if not rows:
        return 0
    existing = set(
        session.scalars(
            select(Notification.key).where(
                Notification.workspace_id == rows[0]["workspace_id"],
                is_one_of(session, Notification.key, list({r["key"] for r in rows})),
            )
        )
    )
    fresh: list[dict[str, Any]] = []
    for row in rows:
        if row["key"] not in existing:
            existing.add(row["key"])
            fresh.append(row)
    bulk_insert(session, table_of(Notification), fresh)
    return len(fresh)


def _rows(
    case: Case, kind: str, settings: SettingsDoc, emails: Iterable[str], now: datetime, occasion: str | None
) -> list[dict[str, Any]]:
    occasion = occasion or kind
    rows: list[dict[str, Any]] = []
    for hook in settings.webhooks:
        if kind in hook.events:
            key = f"{case.id}:{occasion}:webhook:{hook.url}"[:300]
            body = webhook_body(
                kind, case, delivery_id=hashlib.sha256(key.encode()).hexdigest()[:32], style=hook.format, now=now
            )
            rows.append(_row(case, key, kind, "webhook", hook.url, {"format": hook.format, "body": body}, now))
    if kind in settings.email_events:
        for address in dict.fromkeys([*emails, *settings.extra_emails]):
            if address and "@" in address:
                key = f"{case.id}:{occasion}:email:{address.lower()}"[:300]
                text = "\n".join(f"{name}: {value}" for name, value in case_summary(case).items())
                payload = {"to": address, "subject": f"[cxhub] {_headline(kind, case)}", "text": text}
                rows.append(_row(case, key, kind, "email", address, payload, now))
    return rows


def _row(
    case: Case, key: str, kind: str, channel: str, target: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "workspace_id": case.workspace_id,
        "case_id": case.id,
        "key": key,
        "kind": kind,
        "channel": channel,
        "target": target[:1000],
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "created_at": now,
        "sent_at": None,
    }


@dataclass
class DrainReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retrying: int = 0


@dataclass(slots=True)
class _Job:
    id: int
    workspace_id: uuid.UUID
    kind: str
    channel: str
    target: str
    payload: dict[str, Any]
    attempts: int


def drain_outbox(
    sessions: sessionmaker[Session],
    *,
    settings: Settings,
    workspace_id: uuid.UUID | None = None,
    now: datetime | None = None,
    limit: int = 200,
    timeout: float = 5.0,
    retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> DrainReport:
    """Deliver due notifications (of one workspace, or all). Safe from several processes at once.

    A webhook is tried ``retries`` times at once (with back-off); if it still fails the message goes
    back to the outbox for a later drain, waiting longer each time, and is given up after
    ``MAX_ATTEMPTS`` drains. Nothing is lost on the way: a message is ``sent``, waiting, or ``failed``.
    """
    now = now or utcnow()
    report = DrainReport()
    # with_retry: on SQLite a claim that read before another writer committed must start afresh
    jobs = with_retry(sessions, lambda session: _claim(session, workspace_id=workspace_id, now=now, limit=limit))
    smtp = mail.SmtpConfig.from_settings(settings)
    secret = webhook_secret(settings) if any(job.channel == "webhook" for job in jobs) else ""
    for job in jobs:
        started = time.monotonic()
        ok, status_code, tries, error = False, None, 1, None
        if job.channel == "webhook":
            delivery = post_json(
                job.target,
                job.payload["body"],
                secret=secret,
                event=f"case.{job.kind}",
                timeout=timeout,
                retries=retries,
                backoff=backoff,
                sleep=sleep,
            )
            ok, status_code, tries, error = delivery.ok, delivery.status, delivery.attempts, delivery.error
        elif smtp is None:
            error = "no SMTP server configured (CXHUB_SMTP_HOST)"
        else:
            try:
                mail.send(
                    smtp,
                    mail.build_message(
                        sender=smtp.sender, to=job.target, subject=job.payload["subject"], text=job.payload["text"]
                    ),
                )
                ok = True
            except mail.MailError as exc:
                error = str(exc)
        skipped = job.channel == "email" and smtp is None
        record = partial(
            _record,
            job=job,
            ok=ok,
            skipped=skipped,
            status_code=status_code,
            tries=tries,
            error=error,
            duration_ms=(time.monotonic() - started) * 1000,
            now=utcnow(),
        )
        with_retry(sessions, record)
        if ok:
            report.sent += 1
        elif skipped:
            report.skipped += 1
        elif job.attempts + 1 >= MAX_ATTEMPTS:
            report.failed += 1
        else:
            report.retrying += 1
    return report


def _claim(session: Session, *, workspace_id: uuid.UUID | None, now: datetime, limit: int) -> list[_Job]:
    scope = [Notification.workspace_id == workspace_id] if workspace_id is not None else []
    due = session.execute(
        select(Notification.id, Notification.status, Notification.attempts)
        .where(*scope, Notification.status.in_(("pending", "sending")), Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    ).all()
    claimed: list[int] = []
    lease = now + timedelta(seconds=CLAIM_SECONDS)
    for row_id, status, attempts in due:
        won = session.execute(
            update(Notification)
            .where(
                Notification.id == row_id,
                Notification.status == status,
                Notification.attempts == attempts,
                Notification.next_attempt_at <= now,
            )
            .values(status="sending", next_attempt_at=lease)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(row_id)
    if not claimed:
        return []
    rows = session.scalars(select(Notification).where(Notification.id.in_(claimed)).order_by(Notification.id))
    return [_Job(r.id, r.workspace_id, r.kind, r.channel, r.target, r.payload, r.attempts) for r in rows]


def _record(
    session: Session,
    *,
    job: _Job,
    ok: bool,
    skipped: bool,
    status_code: int | None,
    tries: int,
    error: str | None,
    duration_ms: float,
    now: datetime,
) -> None:
    session.add(
        DeliveryAttempt(
            workspace_id=job.workspace_id,
            notification_id=job.id,
            at=now,
            ok=ok,
            status_code=status_code,
            tries=tries,
            error=(error or None) and error[:500],
            duration_ms=duration_ms,
        )
    )
    attempts = job.attempts + 1
    if ok:
        values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
    elif skipped:
        values = {"status": "skipped", "last_error": (error or "")[:500]}
    elif attempts >= MAX_ATTEMPTS:
        values = {"status": "failed", "last_error": (error or "")[:500]}
    else:
        wait = timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempts - 1))
        values = {"status": "pending", "next_attempt_at": now + wait, "last_error": (error or "")[:500]}
    session.execute(
        update(Notification)
        .where(Notification.id == job.id, Notification.status == "sending")
        .values(attempts=attempts, **values)
        .execution_options(synchronize_session=False)
    )


def list_notifications(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    case_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[Notification]:
    query = select(Notification).where(Notification.workspace_id == workspace_id)
    if case_id is not None:
        query = query.where(Notification.case_id == case_id)
    if status:
        query = query.where(or_(Notification.status == status))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))

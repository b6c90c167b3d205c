"""Dispatch: send the invitations that are due, by e-mail, webhook or as a link, and record each outcome.

Three steps so nothing is sent twice and nothing sent is lost: (1) in one transaction, decide again
(consent, open complaint, survey still active) and claim each due invitation with a conditional
update to ``sending``; commit. (2) Send, outside any transaction. (3) Record ``sent``, or ``failed``
with the reason and the time of the next try (exponential back-off). A claim is taken by one
dispatcher only; one left ``sending`` by a crash is retried after ``STALE_SENDING``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from cxhub.config import Settings
from cxhub.db import transaction, utcnow
from cxhub.identity.service import live_customer_id
from cxhub.kit import mail, webhooks
from cxhub.kit.errors import CxhubError
from cxhub.surveys import links, policy
from cxhub.surveys.delivery import Job, email_message, webhook_payload
from cxhub.surveys.invitations import form_url, gather, optout_url
from cxhub.surveys.models import Survey, SurveyInvitation
from cxhub.surveys.service import get_policy

log = logging.getLogger("cxhub.surveys")
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=5)
STALE_SENDING = timedelta(minutes=15)


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    postponed: int = 0
    expired: int = 0


def retry_delay(attempts: int) -> timedelta:
    """5 min, 10, 20, 40…: the wait after the ``attempts``-th failed try."""
    factor: int = 2 ** max(attempts - 1, 0)
    return RETRY_BASE * factor


def dispatch_due(
    sessions: sessionmaker[Session],
    *,
    settings: Settings,
    workspace_id: uuid.UUID | None = None,
    now: datetime | None = None,
    limit: int = 200,
) -> DispatchReport:
    """Send up to ``limit`` due invitations (of one workspace, or all). Safe to run from several
    processes at once, and periodically from the server."""
    now = now or utcnow()
    report = DispatchReport()
    with transaction(sessions) as session:
        jobs = _claim(session, settings=settings, workspace_id=workspace_id, now=now, limit=limit, report=report)
    smtp = mail.SmtpConfig.from_settings(settings)
    secret = settings.webhook_secret or links.webhook_secret(settings.resolved_secret_key())
    for job in jobs:
        error = _send(job, smtp=smtp, secret=secret)
        with transaction(sessions) as session:
            _record(session, job, error=error, now=utcnow())
        if error is None:
            report.sent += 1
        else:
            report.failed += 1
    return report


def _claim(
    session: Session,
    *,
    settings: Settings,
    workspace_id: uuid.UUID | None,
    now: datetime,
    limit: int,
    report: DispatchReport,
) -> list[Job]:
    scope = [SurveyInvitation.workspace_id == workspace_id] if workspace_id is not None else []
    expired = session.execute(
        update(SurveyInvitation)
        .where(
            *scope,
            SurveyInvitation.status.in_(("scheduled", "failed")),
            SurveyInvitation.expires_at < now,
        )
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    report.expired = int(expired.rowcount)  # type: ignore[attr-defined]
    due = list(
        session.scalars(
            select(SurveyInvitation)
            .where(
                *scope,
                SurveyInvitation.due_at <= now,
                SurveyInvitation.attempts < MAX_ATTEMPTS,
                or_(
                    SurveyInvitation.status.in_(("scheduled", "failed")),
                    (SurveyInvitation.status == "sending") & (SurveyInvitation.last_attempt_at < now - STALE_SENDING),
                ),
            )
            .order_by(SurveyInvitation.due_at)
            .limit(limit)
        )
    )
    by_workspace: dict[uuid.UUID, list[SurveyInvitation]] = defaultdict(list)
    for invitation in due:
        by_workspace[invitation.workspace_id].append(invitation)
    jobs: list[Job] = []
    for ws, invitations in by_workspace.items():
        jobs.extend(
            _claim_workspace(session, settings=settings, workspace_id=ws, due=invitations, now=now, report=report)
        )
    return jobs


def _claim_workspace(
    session: Session,
    *,
    settings: Settings,
    workspace_id: uuid.UUID,
    due: list[SurveyInvitation],
    now: datetime,
    report: DispatchReport,
) -> list[Job]:
    rules = get_policy(session, workspace_id=workspace_id)
    if policy.in_quiet_hours(rules, now):
        report.postponed += len(due)
        return []
    live: dict[uuid.UUID, uuid.UUID] = {}
    for invitation in due:
        if invitation.customer_id is not None and invitation.customer_id not in live:
            try:
                live[invitation.customer_id] = live_customer_id(
                    session, workspace_id=workspace_id, customer_id=invitation.customer_id
                )
            except CxhubError:
                live[invitation.customer_id] = invitation.customer_id
    # The gap between invitations was decided when they were scheduled; the rest may have changed.
    known = gather(session, workspace_id=workspace_id, customer_ids=set(live.values()), rules=rules, now=now)
    known.last_invited.clear()
    surveys = {s.id: s for s in session.scalars(select(Survey).where(Survey.id.in_({i.survey_id for i in due})))}
    jobs = []
    for invitation in due:
        survey = surveys[invitation.survey_id]
        customer = live.get(invitation.customer_id) if invitation.customer_id is not None else None
        facts = (
            known.facts(customer, channel=invitation.channel, survey_active=survey.status == "active")
            if customer is not None
            else policy.Facts(survey_active=survey.status == "active")
        )
        reason = policy.decide(rules, facts, at=now)
        if reason is not None:
            invitation.status, invitation.reason = "suppressed", reason
            report.suppressed += 1
            continue
        claimed = session.execute(
            update(SurveyInvitation)
            .where(SurveyInvitation.id == invitation.id, SurveyInvitation.status == invitation.status)
            .values(status="sending", attempts=SurveyInvitation.attempts + 1, last_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another dispatcher took it
        link = form_url(settings, invitation)
        assert link is not None
        jobs.append(
            Job(
                invitation_id=str(invitation.id),
                workspace_id=str(workspace_id),
                channel=invitation.channel,
                survey=survey.slug,
                survey_name=survey.name,
                language=invitation.language,
                customer_id=str(customer) if customer else None,
                link=link,
                optout=optout_url(settings, invitation),
                expires_at=invitation.expires_at,
                address=known.emails.get(customer) if customer else None,
                webhook_url=(invitation.context or {}).get("webhook_url"),
                context=dict(invitation.context or {}),
            )
        )
    session.flush()
    return jobs


def _send(job: Job, *, smtp: mail.SmtpConfig | None, secret: str) -> str | None:
    """None when delivered; otherwise why not."""
    if job.channel == "link":
        return None  # the touchpoint fetches the link through the API
    if job.channel == "webhook":
        if not job.webhook_url:
            return "no webhook_url"
        delivery = webhooks.post_json(job.webhook_url, webhook_payload(job), secret=secret, event="survey_invitation")
        return None if delivery.ok else f"webhook: {delivery.error or delivery.status} after {delivery.attempts} tries"
    if smtp is None:
        return "smtp_not_configured: set CXHUB_SMTP_HOST"
    if not job.address:
        return "no e-mail address"
    try:
        mail.send(smtp, email_message(job, sender=smtp.sender))
    except mail.MailError as exc:
        return f"smtp: {exc}"
    return None


def _record(session: Session, job: Job, *, error: str | None, now: datetime) -> None:
    invitation = session.get(SurveyInvitation, uuid.UUID(job.invitation_id))
    if invitation is None or invitation.status != "sending":
        return  # answered meanwhile (a link-only invitation can be): nothing to record
    if error is None:
        invitation.status, invitation.sent_at, invitation.reason = "sent", now, None
        return
    invitation.status, invitation.reason = "failed", error[:500]
    invitation.due_at = now + retry_delay(invitation.attempts)


def dispatch_forever(
    sessions: sessionmaker[Session], *, settings: Settings, stop: threading.Event, interval: float = 60.0
) -> None:
    """Dispatch every ``interval`` seconds until ``stop`` is set: for a server's background thread.

    A failing round is logged and the next one tries again; it never takes the server down.
    """
    while not stop.is_set():
        try:
            dispatch_due(sessions, settings=settings)
        except Exception:  # noqa: BLE001 - a background loop must survive a bad round
            log.exception("survey dispatch failed")
        stop.wait(interval)

"""What an invitation says: the e-mail (text and HTML, in the customer's language) and the webhook body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cxhub.kit.mail import build_message
from cxhub.surveys.texts import ui

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class Job:
    """One claimed invitation to deliver, as plain data: sending happens outside any transaction."""

    invitation_id: str
    workspace_id: str
    channel: str
    survey: str
    survey_name: str
    language: str
    customer_id: str | None
    link: str
    optout: str
    expires_at: datetime
    address: str | None = None
    webhook_url: str | None = None
    context: dict[str, Any] | None = None


def _date(when: datetime, language: str) -> str:
    return when.strftime("%d/%m/%Y") if language == "it" else when.strftime("%Y-%m-%d")


def email_message(job: Job, *, sender: str) -> EmailMessage:
    t = ui(job.language)
    subject = t["email_subject"].format(name=job.survey_name)
    values = {
        "t": t,
        "lang": job.language,
        "name": job.survey_name,
        "subject": subject,
        "link": job.link,
        "optout": job.optout,
        "expires": _date(job.expires_at, job.language),
    }
    assert job.address is not None
    return build_message(
        sender=sender,
        to=job.address,
        subject=subject,
        text=_env.get_template("email.txt").render(values),
        html=_env.get_template("email.html").render(values),
        language=job.language,
        # One-click unsubscribe for mail clients (RFC 8058) points at the same opt-out page.
        headers={
            "List-Unsubscribe": f"<{job.optout}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def webhook_payload(job: Job) -> dict[str, Any]:
    return {
        "type": "survey_invitation",
        "invitation_id": job.invitation_id,
        "survey": job.survey,
        "survey_name": job.survey_name,
        "language": job.language,
        "customer_id": job.customer_id,
        "link": job.link,
        "optout_link": job.optout,
        "expires_at": job.expires_at.isoformat(),
        "context": {k: v for k, v in (job.context or {}).items() if k != "webhook_url"},
    }

"""Plain SMTP sending: one message, multipart text + HTML, with STARTTLS and login when configured.

Synchronous and short-lived on purpose: callers send after their transaction has committed, one
message at a time, and record each outcome.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from cxhub.config import Settings


class MailError(Exception):
    """The message was not accepted by the SMTP server; the text says why."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str = "cxhub <no-reply@localhost>"
    timeout: float = 15.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """None when no SMTP host is configured (``CXHUB_SMTP_HOST``)."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            sender=settings.smtp_from,
            timeout=settings.smtp_timeout_seconds,
        )


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    language: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A message with a plain-text body and, when given, an HTML alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or "localhost")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if language:  # after the body: setting content drops Content-* headers
        message["Content-Language"] = language
    return message


def send(config: SmtpConfig, message: EmailMessage) -> None:
    """Hand ``message`` to the SMTP server, or raise MailError."""
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            smtp.ehlo()
            if config.starttls:
                if not smtp.has_extn("starttls"):
                    raise MailError(f"{config.host}:{config.port} does not offer STARTTLS (set starttls off)")
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.username:
                smtp.login(config.username, config.password or "")
            refused = smtp.send_message(message)
    except MailError:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:400]) from exc
    if refused:
        raise MailError(f"recipients refused: {', '.join(refused)}"[:400])

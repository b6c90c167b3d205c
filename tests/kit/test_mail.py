"""kit.mail against a real local SMTP server."""

from __future__ import annotations

import pytest

from cxhub.kit.mail import MailError, SmtpConfig, build_message, send
from tests.kit.receivers import free_port, smtp_server


def test_multipart_message_reaches_the_server() -> None:
    with smtp_server() as (inbox, port):
        config = SmtpConfig(host="127.0.0.1", port=port, starttls=False, sender="CX <cx@example.it>")
        message = build_message(
            sender=config.sender,
            to="anna@example.it",
            subject="Ciao è",
            text="testo",
            html="<p>html</p>",
            language="it",
        )
        send(config, message)
    (received,) = inbox.messages
    assert received["Subject"] == "Ciao è"
    assert received["Content-Language"] == "it"
    assert received.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in received.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert inbox.envelopes == [("cx@example.it", ["anna@example.it"])]


def test_unreachable_server_is_a_mail_error() -> None:
    config = SmtpConfig(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    with pytest.raises(MailError):
        send(config, build_message(sender="a@example.it", to="b@example.it", subject="s", text="t"))


def test_starttls_required_but_not_offered_is_refused() -> None:
    with smtp_server() as (inbox, port):
        config = SmtpConfig(host="127.0.0.1", port=port, starttls=True)
        with pytest.raises(MailError, match="STARTTLS"):
            send(config, build_message(sender="a@example.it", to="b@example.it", subject="s", text="t"))
    assert inbox.messages == []

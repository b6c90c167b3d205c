"""kit.webhooks against a real local HTTP receiver."""

from __future__ import annotations

import orjson

from cxhub.kit.webhooks import post_json, verify
from tests.kit.receivers import Hook, free_port, http_receiver


def test_payload_is_signed_and_verifiable() -> None:
    hook = Hook()
    with http_receiver(hook) as url:
        delivery = post_json(url, {"a": 1, "città": "Milano"}, secret="s3cret", event="test")
    assert delivery.ok and delivery.status == 200 and delivery.attempts == 1
    ((headers, body),) = hook.requests
    assert orjson.loads(body) == {"a": 1, "città": "Milano"}
    assert headers["X-Cxhub-Event"] == "test"
    assert verify("s3cret", headers["X-Cxhub-Timestamp"], body, headers["X-Cxhub-Signature"])
    assert not verify("other", headers["X-Cxhub-Timestamp"], body, headers["X-Cxhub-Signature"])
    assert not verify("s3cret", headers["X-Cxhub-Timestamp"], body + b" ", headers["X-Cxhub-Signature"])


def test_server_errors_are_retried_with_back_off() -> None:
    hook = Hook(statuses=[503, 500, 200])
    waits: list[float] = []
    with http_receiver(hook) as url:
        delivery = post_json(url, {}, secret="k", retries=3, backoff=0.01, sleep=waits.append)
    assert delivery.ok and delivery.attempts == 3
    assert waits == [0.01, 0.02]
    assert len(hook.requests) == 3


def test_client_error_is_final() -> None:
    hook = Hook(statuses=[400])
    with http_receiver(hook) as url:
        delivery = post_json(url, {}, secret="k", retries=3, backoff=0.01)
    assert not delivery.ok and delivery.status == 400 and delivery.attempts == 1


def test_unreachable_receiver_fails_after_every_try() -> None:
    delivery = post_json(f"http://127.0.0.1:{free_port()}/x", {}, secret="k", retries=2, backoff=0.01, timeout=1)
    assert not delivery.ok and delivery.status is None and delivery.attempts == 2
    assert delivery.error

"""Signed JSON webhooks: an HMAC-SHA256 signature, a timeout, retries with exponential back-off.

The receiver checks ``X-Cxhub-Signature: sha256=<hex>`` against HMAC(secret, ``<timestamp>.<body>``)
with the ``X-Cxhub-Timestamp`` header, and refuses old timestamps to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(slots=True)
class Delivery:
    """What happened to one webhook: the last status (None when no answer came), tries, the error."""

    url: str
    ok: bool
    status: int | None
    attempts: int
    error: str | None
    duration_ms: float


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, *, tolerance: float = 300.0) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        fresh = abs(time.time() - int(timestamp)) <= tolerance
    except ValueError:
        return False
    expected = "sha256=" + signature(secret, timestamp, body)
    return fresh and hmac.compare_digest(expected, header)


def post_json(
    url: str,
    payload: Any,
    *,
    secret: str,
    event: str = "cxhub",
    timeout: float = 5.0,
    retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST ``payload`` as JSON, trying up to ``retries`` times on network errors, timeouts, 429 and
    5xx (waiting ``backoff``, then twice as long each time). Other 4xx answers are final. Never raises."""
    body = orjson.dumps(payload)
    started = time.monotonic()
    status: int | None = None
    error: str | None = None
    attempts = 0
    for attempt in range(1, max(retries, 1) + 1):
        attempts = attempt
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "cxhub-webhooks/1",
                "X-Cxhub-Event": event,
                "X-Cxhub-Timestamp": timestamp,
                "X-Cxhub-Signature": "sha256=" + signature(secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL from config
                status = int(response.status)
                error = None
        except urllib.error.HTTPError as exc:
            status, error = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            status, error = None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:300]
        if status is not None and 200 <= status < 300:
            return Delivery(url, True, status, attempts, None, (time.monotonic() - started) * 1000)
        if status is not None and status not in RETRY_STATUSES:
            break
        if attempt < retries:
            sleep(backoff * 2 ** (attempt - 1))
    return Delivery(url, False, status, attempts, error, (time.monotonic() - started) * 1000)

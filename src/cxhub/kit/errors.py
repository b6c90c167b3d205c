"""One error base class, turned into JSON by one handler in ``app.py``."""

from __future__ import annotations

from typing import Any


class CxhubError(Exception):
    """An error with an HTTP status and a stable machine ``code``.

    ``field`` names the input that is wrong, when there is one.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body.update(self.details)
        return {"error": body}


class NotFound(CxhubError):
    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(code, message, status=404, field=field)

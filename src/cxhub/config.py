"""Settings from ``CXHUB_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    data_dir = Path(user_data_dir("cxhub", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'cxhub.db'}"


def load_or_create_secret(path: Path) -> str:
    """The secret kept in ``path``, written there (mode 0600) by whichever process needs it first.

    Linked into place whole, so two processes starting together end up with the same complete secret.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)  # atomic, and refuses to replace a secret another process wrote first
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CXHUB_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    default_region: str = Field(default="IT", min_length=2, max_length=2)
    max_batch_events: int = Field(default=1000, ge=1, le=100_000)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_event_bytes: int = Field(default=64 * 1024, ge=1024)
    future_tolerance_seconds: int = Field(default=300, ge=0)
    import_batch_size: int = Field(default=5000, ge=1, le=100_000)
    # Worker processes that decode, validate and analyse text for `cxhub import events`; unset: 1 (none).
    import_jobs: int | None = Field(default=None, ge=1, le=64)
    default_workspace: str = "default"
    # Threads per process for the context API's reads. Fewer threads fight less over the GIL:
    # SQLite reads are local and CPU-bound (1 is fastest); PostgreSQL waits on the network (4).
    context_threads: int | None = Field(default=None, ge=1, le=64)
    # Employee feedback (eNPS…) is shown only for groups with at least this many answers (k-anonymity).
    voe_min_group_size: int = Field(default=5, ge=2, le=1000)
    # Signs survey links (and the web app's cookies). Unset: generated once and kept in the data dir.
    secret_key: str | None = Field(default=None, min_length=16)
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_from: str = "cxhub <no-reply@localhost>"
    smtp_timeout_seconds: float = Field(default=15.0, gt=0)
    # Signs survey webhooks; unset: derived from secret_key (`cxhub surveys webhook-secret` prints it).
    webhook_secret: str | None = Field(default=None, min_length=16)

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        return load_or_create_secret(Path(user_data_dir("cxhub", appauthor=False)) / "secret_key")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

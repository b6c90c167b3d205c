"""Settings from ``CXHUB_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    data_dir = Path(user_data_dir("cxhub", appauthor=False))
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'cxhub.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CXHUB_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    default_region: str = Field(default="IT", min_length=2, max_length=2)
    max_batch_events: int = Field(default=1000, ge=1, le=100_000)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_event_bytes: int = Field(default=64 * 1024, ge=1024)
    future_tolerance_seconds: int = Field(default=300, ge=0)
    import_batch_size: int = Field(default=5000, ge=1, le=100_000)
    default_workspace: str = "default"
    # Threads per process for the context API's reads. Fewer threads fight less over the GIL:
    # SQLite reads are local and CPU-bound (1 is fastest); PostgreSQL waits on the network (4).
    context_threads: int | None = Field(default=None, ge=1, le=64)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

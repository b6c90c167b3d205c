"""Pydantic I/O for text analytics: what the API accepts and answers.

Every text in an answer is the redacted one: personal data is masked before anything leaves the hub.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_ANALYZE_ITEMS = 1000
SentimentLabel = Literal["positive", "neutral", "negative"]


class SentimentOut(BaseModel):
    label: SentimentLabel
    score: float = Field(ge=-1, le=1)


class SentenceOut(BaseModel):
    start: int
    end: int
    text: str = Field(description="The sentence, personal data masked.")
    sentiment: SentimentOut


class TopicMentionOut(BaseModel):
    path: str = Field(description="Topic path, e.g. 'Consegna › Ritardo'.")
    sentiment: SentimentOut = Field(description="Sentiment of the clause that mentions the topic.")
    start: int
    end: int


class EffortCueOut(BaseModel):
    kind: str
    text: str
    start: int
    end: int


class AnalysisOut(BaseModel):
    """One analysed text, the shape of a line of ``cxhub text analyze``."""

    id: str | int | None = None
    language: str = Field(description="it, en, other or unknown.")
    sentiment: SentimentOut
    sentences: list[SentenceOut]
    topics: list[TopicMentionOut]
    emotions: dict[str, float]
    redacted_text: str
    effort: list[EffortCueOut]
    pii: list[str] = Field(description="Kinds of personal data found and masked (email, phone…).")
    flags: list[str] = Field(description="What was done to the input: truncated, html_stripped, emoji_only…")


class AnalyzeItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | int | None = None
    text: str


class AnalyzeRequest(BaseModel):
    """Either ``items`` (with ids) or ``texts``; nothing is stored."""

    model_config = ConfigDict(extra="forbid")

    items: list[AnalyzeItem] | None = Field(default=None, max_length=MAX_ANALYZE_ITEMS)
    texts: list[str] | None = Field(default=None, max_length=MAX_ANALYZE_ITEMS)

    @model_validator(mode="after")
    def _one_of(self) -> AnalyzeRequest:
        if (self.items is None) == (self.texts is None):
            raise ValueError("send either 'items' or 'texts'")
        return self

    def pairs(self) -> list[tuple[str | int | None, str]]:
        if self.items is not None:
            return [(item.id, item.text) for item in self.items]
        return [(None, text) for text in self.texts or []]


class AnalyzeResponse(BaseModel):
    results: list[AnalysisOut]


class TaxonomyOut(BaseModel):
    version: int = Field(description="Bumped by every change; 0 is the default shipped with cxhub.")
    is_default: bool
    updated_at: datetime | None
    paths: list[str]
    taxonomy: dict[str, Any] = Field(description="The document PUT accepts: {'version': 1, 'topics': [...]}.")


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    rule: str = Field(min_length=1, max_length=4000, description="e.g. 'rimborso OR NEAR/3(soldi, indietro)'.")
    parent: str | None = Field(default=None, description="A top-level topic; omitted: a new top-level topic.")
    labels: dict[str, str] = Field(default_factory=dict, description="Names by language, e.g. {'en': 'Refund'}.")


class PromoteIn(TopicIn):
    reprocess: bool = Field(default=False, description="Re-analyse the workspace's texts with the new taxonomy.")


class ReprocessOut(BaseModel):
    events: int = Field(description="Events read.")
    analysed: int = Field(description="Texts analysed (events with text).")
    mentions: int = Field(description="Topic mentions written.")
    taxonomy_version: int


class PromoteOut(BaseModel):
    taxonomy: TaxonomyOut
    reprocessed: ReprocessOut | None = None


class MentionChip(BaseModel):
    path: str
    sentiment: SentimentOut


class VerbatimOut(BaseModel):
    event_id: str
    customer_id: str = Field(description="The customer who holds the event now (merges followed).")
    occurred_at: datetime
    type: str
    channel: str
    touchpoint: str
    metric: str | None
    score: float | None
    language: str
    sentiment: SentimentOut
    topics: list[MentionChip]
    emotions: dict[str, float]
    flags: list[str]
    text: str = Field(description="The text with personal data masked.")


class VerbatimPage(BaseModel):
    items: list[VerbatimOut]
    next_cursor: str | None = Field(description="Pass as 'cursor' for the next page; null on the last page.")


class PeriodStats(BaseModel):
    period: str
    mentions: int
    negative: int
    negative_share: float
    mean_sentiment: float


class TopicStats(BaseModel):
    path: str
    mentions: int
    negative: int
    negative_share: float
    mean_sentiment: float
    periods: list[PeriodStats]


class RisingTopic(BaseModel):
    path: str
    period: str
    previous_period: str
    negative: int
    mentions: int
    previous_negative: int
    previous_mentions: int
    difference: float = Field(description="Negative share now minus before, in percentage points.")
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool


class TopicSummaryOut(BaseModel):
    period: str
    periods: list[str]
    topics: list[TopicStats]
    rising_negative: list[RisingTopic] = Field(
        description="Topics whose negative share rose from the previous period to the last one, most significant first."
    )


class ThemeExample(BaseModel):
    event_id: str
    occurred_at: datetime
    text: str


class ThemeVolume(BaseModel):
    period: str
    count: int


class ThemeOut(BaseModel):
    name: str
    terms: list[str]
    size: int
    share: float = Field(description="Share of the sampled uncovered texts that belong to the theme (0-1).")
    examples: list[ThemeExample]
    volume: list[ThemeVolume] = Field(description="Texts of the theme per month (the trend).")
    suggested_rule: str | None


class ThemesOut(BaseModel):
    uncovered: int = Field(description="Analysed texts of the period with no topic mention.")
    sampled: int = Field(description="How many of them were read (the latest ones, at most 'sample_cap').")
    sample_cap: int
    themes: list[ThemeOut]

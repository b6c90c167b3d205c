"""What analysts read from stored analyses: verbatims, topic trends, themes the taxonomy misses.

The web app and the API call these (through ``service``); every text they return is the redacted one.
"""

from __future__ import annotations

import base64
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from cxhub.events.models import Event
from cxhub.kit.errors import CxhubError
from cxhub.kit.periods import period_expression, week_label
from cxhub.kit.sql import is_one_of
from cxhub.metrics.stats import compare_proportions
from cxhub.text.models import TextAnalysis, TextMention
from cxhub.text.schemas import (
    MentionChip,
    PeriodStats,
    RisingTopic,
    SentimentOut,
    ThemeExample,
    ThemeOut,
    ThemesOut,
    ThemeVolume,
    TopicStats,
    TopicSummaryOut,
    VerbatimOut,
    VerbatimPage,
)
from cxhub.text.taxonomy import SEPARATOR

LABELS = ("positive", "neutral", "negative")
MAX_PAGE = 500
THEME_SAMPLE = 20_000


# -- verbatims -------------------------------------------------------------------------------------


def _cursor(occurred_at: datetime, row_id: int) -> str:
    raw = f"{occurred_at.astimezone(UTC).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise CxhubError("invalid_cursor", "cursor is not one this API gave out", field="cursor") from None


def _topic_filter(workspace_id: uuid.UUID, topic: str) -> ColumnElement[bool]:
    """The analysis mentions ``topic`` or, for a parent, one of its children."""
    path = topic.strip()
    prefix = _escape_like(path + SEPARATOR) + "%"
    return exists().where(
        TextMention.workspace_id == workspace_id,
        TextMention.event_id == TextAnalysis.event_id,
        or_(TextMention.path == path, TextMention.path.like(prefix, escape="\\")),
    )


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _window(column: Any, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    if start and end and start >= end:
        raise CxhubError("invalid_period", "'from' must be before 'to'", field="from")
    out = []
    if start is not None:
        out.append(column >= start)
    if end is not None:
        out.append(column < end)
    return out


def list_verbatims(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    q: str | None = None,
    topic: str | None = None,
    sentiment: str | None = None,
    touchpoint: str | None = None,
    channel: str | None = None,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> VerbatimPage:
    """Redacted texts, newest first, filtered; ``q`` is a case-insensitive substring of the text.

    Keyset pagination on (occurred_at, id): a page costs the same however deep it is. ``q`` lowers
    both sides with SQL ``lower()``, which on SQLite folds ASCII letters only.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise CxhubError("invalid_limit", f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if sentiment is not None and sentiment not in LABELS:
        raise CxhubError("invalid_sentiment", f"sentiment must be one of {', '.join(LABELS)}", field="sentiment")
    conditions: list[ColumnElement[bool]] = [TextAnalysis.workspace_id == workspace_id]
    conditions += _window(TextAnalysis.occurred_at, start, end)
    if sentiment:
        conditions.append(TextAnalysis.sentiment_label == sentiment)
    for column, value in (
        (TextAnalysis.touchpoint, touchpoint),
        (TextAnalysis.channel, channel),
        (TextAnalysis.metric, metric),
    ):
        if value:
            conditions.append(column == value)
    if q and q.strip():
        pattern = "%" + _escape_like(q.strip().lower()) + "%"
        conditions.append(func.lower(TextAnalysis.redacted_text).like(pattern, escape="\\"))
    if topic and topic.strip():
        conditions.append(_topic_filter(workspace_id, topic))
    if cursor:
        at, row_id = _parse_cursor(cursor)
        conditions.append(
            or_(TextAnalysis.occurred_at < at, and_(TextAnalysis.occurred_at == at, TextAnalysis.id < row_id))
        )
    rows = list(
        session.scalars(
            select(TextAnalysis)
            .where(*conditions)
            .order_by(TextAnalysis.occurred_at.desc(), TextAnalysis.id.desc())
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    event_ids = [row.event_id for row in rows]
    chips = _chips(session, workspace_id=workspace_id, event_ids=event_ids)
    live = _live_customers(session, workspace_id=workspace_id, event_ids=event_ids)
    items = [
        VerbatimOut(
            event_id=row.event_id,
            customer_id=str(live.get(row.event_id, row.customer_id)),
            occurred_at=row.occurred_at,
            type=row.type,
            channel=row.channel,
            touchpoint=row.touchpoint,
            metric=row.metric,
            score=row.score,
            language=row.language,
            sentiment=SentimentOut(label=row.sentiment_label, score=row.sentiment_score),
            topics=chips.get(row.event_id, []),
            emotions=row.emotions,
            flags=row.flags,
            text=row.redacted_text,
        )
        for row in rows
    ]
    next_cursor = _cursor(rows[-1].occurred_at, rows[-1].id) if more and rows else None
    return VerbatimPage(items=items, next_cursor=next_cursor)


def _chips(session: Session, *, workspace_id: uuid.UUID, event_ids: list[str]) -> dict[str, list[MentionChip]]:
    out: dict[str, list[MentionChip]] = defaultdict(list)
    if not event_ids:
        return out
    found = session.execute(
        select(TextMention.event_id, TextMention.path, TextMention.sentiment_label, TextMention.sentiment_score)
        .where(TextMention.workspace_id == workspace_id, is_one_of(session, TextMention.event_id, event_ids))
        .order_by(TextMention.id)
    )
    for event_id, path, label, score in found:
        out[event_id].append(MentionChip(path=path, sentiment=SentimentOut(label=label, score=score)))
    return out


def _live_customers(session: Session, *, workspace_id: uuid.UUID, event_ids: list[str]) -> dict[str, uuid.UUID]:
    """Merges repoint events, not analyses: the event says who the customer is now."""
    if not event_ids:
        return {}
    found = session.execute(
        select(Event.event_id, Event.customer_id).where(
            Event.workspace_id == workspace_id, is_one_of(session, Event.event_id, event_ids)
        )
    )
    return {event_id: customer_id for event_id, customer_id in found}


# -- topic trends ------------------------------------------------------------------------------------


def _stats(period: str, mentions: int, negative: int, total: float) -> PeriodStats:
    return PeriodStats(
        period=period,
        mentions=mentions,
        negative=negative,
        negative_share=round(negative / mentions, 4) if mentions else 0.0,
        mean_sentiment=round(total / mentions, 4) if mentions else 0.0,
    )


def topic_summary(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    period: str = "month",
    start: datetime | None = None,
    end: datetime | None = None,
    touchpoints: Sequence[str] | None = None,
) -> TopicSummaryOut:
    """Per topic path: mentions, negative share and mean sentiment, overall and per period.

    ``rising_negative`` compares each topic's negative share in the last period with the one before
    (two-proportion z test), so a spike in complaints about one topic stands out from volume growth.
    ``touchpoints`` keeps the mentions made at those touchpoints only (a department's own).
    """
    label = period_expression(TextMention.occurred_at, period, session.get_bind().dialect.name).label("period")
    negative = func.sum(case((TextMention.sentiment_label == "negative", 1), else_=0))
    rows = session.execute(
        select(TextMention.path, label, func.count(), negative, func.sum(TextMention.sentiment_score))
        .where(TextMention.workspace_id == workspace_id, *_window(TextMention.occurred_at, start, end))
        .where(*([] if touchpoints is None else [TextMention.touchpoint.in_(list(touchpoints) or [""])]))
        .group_by(TextMention.path, label)
    ).all()
    per_topic: dict[str, dict[str, tuple[int, int, float]]] = defaultdict(dict)
    for path, raw_period, count, negatives, total in rows:
        name = week_label(str(raw_period)) if period == "week" else str(raw_period)
        per_topic[path][name] = (int(count), int(negatives or 0), float(total or 0.0))
    periods = sorted({name for counts in per_topic.values() for name in counts})
    topics = []
    for path, counts in per_topic.items():
        mentions = sum(c[0] for c in counts.values())
        negatives = sum(c[1] for c in counts.values())
        overall = _stats("", mentions, negatives, sum(c[2] for c in counts.values()))
        topics.append(
            TopicStats(
                path=path,
                mentions=mentions,
                negative=negatives,
                negative_share=overall.negative_share,
                mean_sentiment=overall.mean_sentiment,
                periods=[_stats(p, *counts[p]) for p in periods if p in counts],
            )
        )
    topics.sort(key=lambda t: (-t.mentions, t.path))
    return TopicSummaryOut(period=period, periods=periods, topics=topics, rising_negative=_rising(per_topic, periods))


def _rising(per_topic: dict[str, dict[str, tuple[int, int, float]]], periods: list[str]) -> list[RisingTopic]:
    if len(periods) < 2:
        return []
    now, before = periods[-1], periods[-2]
    rising = []
    for path, counts in per_topic.items():
        if now not in counts or before not in counts:
            continue
        (n_now, neg_now, _), (n_before, neg_before, _) = counts[now], counts[before]
        comparison = compare_proportions((neg_before, n_before), (neg_now, n_now))
        if comparison.difference <= 0:
            continue
        rising.append(
            RisingTopic(
                path=path,
                period=now,
                previous_period=before,
                negative=neg_now,
                mentions=n_now,
                previous_negative=neg_before,
                previous_mentions=n_before,
                difference=round(comparison.difference, 2),
                ci_low=round(comparison.ci_low, 2),
                ci_high=round(comparison.ci_high, 2),
                p_value=comparison.p_value,
                significant=comparison.significant,
            )
        )
    rising.sort(key=lambda r: (not r.significant, r.p_value, -r.difference, r.path))
    return rising


# -- themes ---------------------------------------------------------------------------------------------


def _uncovered(workspace_id: uuid.UUID, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    mentioned = exists().where(TextMention.workspace_id == workspace_id, TextMention.event_id == TextAnalysis.event_id)
    return [
        TextAnalysis.workspace_id == workspace_id,
        *_window(TextAnalysis.occurred_at, start, end),
        TextAnalysis.redacted_text != "",
        ~mentioned,
    ]


def themes(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 10,
    min_size: int = 5,
    sample: int = THEME_SAMPLE,
    seed: int = 0,
) -> ThemesOut:
    """Recurring themes among the period's texts that mention no topic: what the taxonomy misses.

    Reads the latest ``sample`` of those texts (redacted) and runs ``discover_themes`` on them; each
    theme comes with examples, its monthly volume and a rule to promote it with.
    """
    from cxhub.text.themes import discover_themes, theme_to_rule  # scikit-learn loads only when asked

    if not 1 <= limit <= 50:
        raise CxhubError("invalid_limit", "limit must be between 1 and 50", field="limit")
    if min_size < 2:
        raise CxhubError("invalid_min_size", "min_size must be at least 2", field="min_size")
    conditions = _uncovered(workspace_id, start, end)
    uncovered = int(session.scalar(select(func.count()).select_from(TextAnalysis).where(*conditions)) or 0)
    rows = session.execute(
        select(TextAnalysis.event_id, TextAnalysis.occurred_at, TextAnalysis.language, TextAnalysis.redacted_text)
        .where(*conditions)
        .order_by(TextAnalysis.occurred_at.desc(), TextAnalysis.id.desc())
        .limit(sample)
    ).all()
    texts = [row.redacted_text for row in rows]
    languages = [row.language if row.language in ("it", "en") else _guess(row.redacted_text) for row in rows]
    found = discover_themes(texts, languages=languages, min_size=min_size, seed=seed) if rows else []
    out = []
    for theme in found[:limit]:
        months = Counter(rows[i].occurred_at.astimezone(UTC).strftime("%Y-%m") for i in theme.members)
        try:
            rule: str | None = theme_to_rule(theme)
        except ValueError:
            rule = None
        out.append(
            ThemeOut(
                name=theme.name,
                terms=theme.terms,
                size=theme.size,
                share=round(theme.size / len(rows), 4),
                examples=[
                    ThemeExample(event_id=rows[i].event_id, occurred_at=rows[i].occurred_at, text=rows[i].redacted_text)
                    for i in theme.examples
                ],
                volume=[ThemeVolume(period=month, count=months[month]) for month in sorted(months)],
                suggested_rule=rule,
            )
        )
    return ThemesOut(uncovered=uncovered, sampled=len(rows), sample_cap=sample, themes=out)


def _guess(text: str) -> str:
    from cxhub.text.themes import guess_language

    return guess_language(text)

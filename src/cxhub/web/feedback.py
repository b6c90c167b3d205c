"""Verbatims: the feedback behind a score, filterable, newest first, personal data masked.

The drill-down target of every touchpoint on the overview and the department pages. Survey answers
and texts come from the events; sentiment and topic chips from the text analytics, which also answer
the sentiment and topic filters (``cxhub.text.insights``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from cxhub.events.models import Event
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import SessionDep
from cxhub.metrics.stats import METRICS
from cxhub.text.insights import list_verbatims
from cxhub.text.models import TextAnalysis, TextMention
from cxhub.text.pii import redact
from cxhub.web.departments import touchpoints_visible_to
from cxhub.web.i18n import C_, N_
from cxhub.web.overview import names_of
from cxhub.web.render import render, web_router
from cxhub.web.security import ViewerDep

router = web_router()
PAGE = 50
# Shown with pgettext("score band", …): a low score is "basso", unlike a low case priority ("bassa").
BANDS = (
    C_("score band", "detractor"),
    C_("score band", "passive"),
    C_("score band", "promoter"),
    C_("score band", "low"),
    C_("score band", "high"),
)
SENTIMENTS = {"positive": N_("positive"), "neutral": N_("neutral"), "negative": N_("negative")}


def band_of(metric: str | None, score: float | None) -> str | None:
    """detractor / passive / promoter for NPS-like answers; low / high for the others."""
    spec = METRICS.get(metric or "")
    if spec is None or score is None:
        return None
    if spec.kind == "nps":
        if score >= spec.positive_min:
            return "promoter"
        return "detractor" if score <= (spec.detractor_max or 0) else "passive"
    return "high" if score >= spec.positive_min else "low"


def list_feedback(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    touchpoint: str | None = None,
    metric: str | None = None,
    search: str | None = None,
    only_text: bool = False,
    allowed: Sequence[str] | None = None,
    before: int | None = None,
    limit: int = PAGE,
) -> list[Event]:
    """Survey answers and texts, newest first; ``allowed`` limits touchpoints (a lead's own)."""
    is_feedback = or_(Event.metric.is_not(None), and_(Event.text.is_not(None), Event.text != ""))
    query = select(Event).where(Event.workspace_id == workspace_id, is_feedback)
    if touchpoint:
        query = query.where(Event.touchpoint == touchpoint)
    if allowed is not None:
        query = query.where(Event.touchpoint.in_(list(allowed) or [""]))
    if metric:
        query = query.where(Event.metric == metric)
    if only_text:
        query = query.where(Event.text.is_not(None), Event.text != "")
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Event.text.ilike(f"%{escaped}%", escape="\\"))
    if before is not None:
        query = query.where(Event.id < before)
    return list(session.scalars(query.order_by(Event.id.desc()).limit(limit)))


def text_chips(session: Session, *, workspace_id: uuid.UUID, event_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Sentiment and topic mentions of the events that text analytics read (missing: not analysed)."""
    if not event_ids:
        return {}
    ids = list(event_ids)
    found: dict[str, dict[str, Any]] = {}
    for event_id, label in session.execute(
        select(TextAnalysis.event_id, TextAnalysis.sentiment_label).where(
            TextAnalysis.workspace_id == workspace_id, TextAnalysis.event_id.in_(ids)
        )
    ):
        found[event_id] = {"sentiment": label, "topics": []}
    for event_id, path, label in session.execute(
        select(TextMention.event_id, TextMention.path, TextMention.sentiment_label)
        .where(TextMention.workspace_id == workspace_id, TextMention.event_id.in_(ids))
        .order_by(TextMention.id)
    ):
        found.setdefault(event_id, {"sentiment": None, "topics": []})["topics"].append(
            {"path": path, "sentiment": label}
        )
    return found


def feedback_item(event: Event) -> dict[str, Any]:
    metric = event.metric or (event.attributes or {}).get("metric")
    return {
        "id": event.id,
        "customer_id": event.customer_id,
        "occurred_at": event.occurred_at,
        "touchpoint": event.touchpoint,
        "channel": event.channel,
        "type": event.type,
        "metric": metric,
        "score": event.score,
        "band": band_of(metric, event.score),
        "stage": (event.attributes or {}).get("journey_stage"),
        "text": redact(event.text).text if event.text else None,
        "event_id": event.event_id,
        "sentiment": None,
        "topics": [],
    }


def verbatim_item(verbatim: Any) -> dict[str, Any]:
    """A text as the text analytics list it (already masked), in the same shape as ``feedback_item``."""
    return {
        "id": None,
        "event_id": verbatim.event_id,
        "customer_id": verbatim.customer_id,
        "occurred_at": verbatim.occurred_at,
        "touchpoint": verbatim.touchpoint,
        "channel": verbatim.channel,
        "type": verbatim.type,
        "metric": verbatim.metric,
        "score": verbatim.score,
        "band": band_of(verbatim.metric, verbatim.score),
        "stage": None,
        "text": verbatim.text,
        "sentiment": verbatim.sentiment.label,
        "topics": [{"path": chip.path, "sentiment": chip.sentiment.label} for chip in verbatim.topics],
    }


@router.get("/app/feedback")
def feedback(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    touchpoint: str | None = None,
    metric: str | None = None,
    q: str | None = None,
    text: str | None = None,
    sentiment: str | None = None,
    topic: str | None = None,
    before: int | None = None,
    cursor: str | None = None,
) -> Response:
    viewer.require("feedback")
    ws = viewer.workspace_id
    allowed = touchpoints_visible_to(session, viewer)
    if touchpoint and allowed is not None and touchpoint not in allowed:
        raise CxhubError("forbidden", N_("This touchpoint belongs to another department."), status=403)
    metric = metric if metric in METRICS else None
    sentiment = sentiment if sentiment in SENTIMENTS else None
    search = (q or "").strip()[:200] or None
    next_link: dict[str, Any] | None = None
    if sentiment or topic:
        page = list_verbatims(
            session,
            workspace_id=ws,
            q=search,
            topic=topic or None,
            sentiment=sentiment,
            touchpoint=touchpoint or None,
            metric=metric,
            limit=PAGE,
            cursor=cursor,
        )
        items = [verbatim_item(v) for v in page.items if allowed is None or v.touchpoint in allowed]
        next_link = {"cursor": page.next_cursor} if page.next_cursor else None
    else:
        events = list_feedback(
            session,
            workspace_id=ws,
            touchpoint=touchpoint or None,
            metric=metric,
            search=search,
            only_text=text == "1",
            allowed=allowed,
            before=before,
        )
        items = [feedback_item(event) for event in events]
        chips = text_chips(session, workspace_id=ws, event_ids=[item["event_id"] for item in items if item["text"]])
        for item in items:
            item.update(chips.get(item["event_id"], {}))
        next_link = {"before": items[-1]["id"]} if len(items) == PAGE else None
    names, _ = names_of(session, ws)
    choices = sorted(allowed if allowed is not None else names, key=lambda key: names.get(key, key))
    context = {
        "title": N_("Verbatims"),
        "items": items,
        "touchpoint": touchpoint or "",
        "metric": metric or "",
        "q": q or "",
        "text_only": text == "1",
        "sentiment": sentiment or "",
        "topic": topic or "",
        "sentiments": SENTIMENTS,
        "touchpoint_names": names,
        "touchpoint_choices": choices,
        "metrics": list(METRICS),
        "next_link": next_link,
    }
    if request.headers.get("hx-request") == "true":
        return render(request, "_feedback_list.html", context, viewer=viewer)
    return render(request, "feedback.html", context, viewer=viewer, active="feedback")

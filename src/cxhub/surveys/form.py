"""The public survey form: ``/s/{token}`` (an invitation), ``/s/open/{token}`` (kiosks, QR codes) and
``/s/optout/{token}``. Plain HTML forms, no JavaScript, no login: the signed token is the capability.

Logic without JavaScript: a question that depends on an answer (``show_if``) is asked on the next
page, once that answer is known; earlier answers travel as hidden fields and are checked again.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from cxhub.db import transaction
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Hub
from cxhub.privacy import service as privacy
from cxhub.surveys import links, responses
from cxhub.surveys.answers import PREFIX, FormResult, read_form
from cxhub.surveys.definition import CHOICES, SurveyDefinition, is_shown, local, scale_of, steps_of
from cxhub.surveys.models import Survey, SurveyInvitation
from cxhub.surveys.service import definition_of
from cxhub.surveys.texts import anchors, ui
from cxhub.web.i18n import pick_language

T = TypeVar("T")
MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 400
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never hand it to another site
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


class RateLimit:
    """At most ``limit`` submissions per ``window`` seconds per (client, link): a kiosk is shared, a
    script that floods an open link is not."""

    def __init__(self, limit: int = 30, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        if len(self._hits) > 50_000:
            self._hits.clear()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] < now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


open_limit = RateLimit()


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def _in_transaction(request: Request, work: Callable[[Any], T]) -> T:
    hub = _hub(request)

    def run() -> T:
        with transaction(hub.sessions) as session:
            return work(session)

    return await run_in_threadpool(run)


def _language(request: Request, definition: SurveyDefinition, preferred: str | None) -> str:
    chosen = request.query_params.get("lang")
    if chosen in definition.languages:
        return str(chosen)
    if preferred in definition.languages:
        return str(preferred)
    browser = pick_language(request.headers.get("accept-language"))
    if request.headers.get("accept-language") and browser in definition.languages:
        return browser
    return definition.default_language


def _page(request: Request, code: str, status: int, language: str | None = None) -> HTMLResponse:
    lang = language or pick_language(request.headers.get("accept-language"), request.query_params.get("lang"))
    t = ui(lang)
    return templates.TemplateResponse(
        request,
        "page.html",
        {"lang": lang, "title": t[f"{code}_title"], "message": t[code], "code": code},
        status_code=status,
        headers=HEADERS,
    )


def _error(request: Request, exc: responses.FormError, language: str | None = None) -> HTMLResponse:
    chosen = request.query_params.get("lang")
    known = exc.details.get("language")
    return _page(request, exc.code, exc.status, chosen if chosen in ("it", "en") else known or language)


def _questions(definition: SurveyDefinition, step: int, answers: dict[str, Any], language: str) -> list[dict[str, Any]]:
    steps = steps_of(definition)
    shown = []
    for question in definition.questions:
        if steps[question.id] != step or not is_shown(question, answers):
            continue
        bounds = scale_of(question)
        low, high = anchors(question, language)
        shown.append(
            {
                "id": question.id,
                "type": question.type,
                "kind": "scale" if bounds else ("choice" if question.type in CHOICES else "text"),
                "text": local(question.text, language),
                "required": question.required,
                "points": list(range(bounds[0], bounds[1] + 1)) if bounds else [],
                "wide": bool(bounds and bounds[1] - bounds[0] > 6),
                "low": low,
                "high": high,
                "multiple": question.type == "multiple_choice",
                "options": [(o.id, local(o.label, language)) for o in question.options or []],
                "max_length": question.max_length or 2000,
            }
        )
    return shown


def _form(
    request: Request,
    definition: SurveyDefinition,
    *,
    language: str,
    step: int,
    result: FormResult | None = None,
    raw: list[tuple[str, str]] | None = None,
    response_id: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    answers = result.answers if result else {}
    steps = steps_of(definition)
    carried = [
        (f"{PREFIX}{qid}", str(item))
        for qid, value in answers.items()
        if steps[qid] < step
        for item in (value if isinstance(value, list) else [value])
    ]
    values: dict[str, list[str]] = {}
    for name, value in raw or []:
        if name.startswith(PREFIX):
            values.setdefault(name[len(PREFIX) :], []).append(value)
    others = [other for other in definition.languages if other != language]
    return templates.TemplateResponse(
        request,
        "form.html",
        {
            "lang": language,
            "t": ui(language),
            "title": definition.name,
            "intro": local(definition.intro, language) if step == 0 else "",
            "questions": _questions(definition, step, answers, language),
            "errors": result.errors if result else {},
            "values": values,
            "carried": carried,
            "step": step,
            "response_id": response_id,
            "action": f"{request.url.path}?lang={language}",
            "switch": [(other, f"{request.url.path}?lang={other}", ui(other)["language"]) for other in others],
        },
        status_code=status,
        headers=HEADERS,
    )


def _thanks(request: Request, definition: SurveyDefinition, language: str) -> HTMLResponse:
    message = local(definition.thank_you, language) if definition.thank_you else ui(language)["thanks"]
    return templates.TemplateResponse(
        request,
        "page.html",
        {"lang": language, "title": ui(language)["thanks_title"], "message": message, "code": "thanks"},
        headers=HEADERS,
    )


async def _read_pairs(request: Request) -> list[tuple[str, str]] | None:
    """The urlencoded form, or None when it is larger than any honest answer."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return []
    return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)


def _cross_origin(request: Request) -> bool:
    """A browser says where a form was posted from; a form on another site may not answer for a user."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return False
    hub = _hub(request)
    allowed = {_origin(str(request.base_url)), _origin(hub.settings.public_url)}
    return _origin(origin) not in allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _step(pairs: list[tuple[str, str]], definition: SurveyDefinition) -> int:
    last = max(steps_of(definition).values())
    raw = next((value for name, value in pairs if name == "step"), "0")
    return min(max(int(raw), 0), last) if raw.isdigit() and len(raw) < 4 else 0


@router.get("/s/open/{token}", response_class=HTMLResponse)
async def show_open(request: Request, token: str) -> Response:
    hub = _hub(request)
    try:
        opened = await _in_transaction(request, lambda s: responses.open_link(s, settings=hub.settings, token=token))
    except responses.FormError as exc:
        return _error(request, exc)
    language = _language(request, opened.definition, None)
    return _form(request, opened.definition, language=language, step=0, response_id=responses.new_response_id())


@router.post("/s/open/{token}", response_class=HTMLResponse)
async def answer_open(request: Request, token: str) -> Response:
    client = request.client.host if request.client else "?"
    if not open_limit.allow(f"{client}|{token[:64]}"):
        return _page(request, "slow_down", 429)
    return await _answer(request, token, open_link=True)


@router.get("/s/open/{token}/thanks", response_class=HTMLResponse)
async def thanks_open(request: Request, token: str) -> Response:
    hub = _hub(request)
    try:
        opened = await _in_transaction(request, lambda s: responses.open_link(s, settings=hub.settings, token=token))
    except responses.FormError as exc:
        return _error(request, exc)
    return _thanks(request, opened.definition, _language(request, opened.definition, None))


@router.get("/s/optout/{token}", response_class=HTMLResponse)
async def ask_optout(request: Request, token: str) -> Response:
    """A page with a button, not an action: mail scanners that follow links must not opt anyone out."""
    hub = _hub(request)
    language = pick_language(request.headers.get("accept-language"), request.query_params.get("lang"))
    try:
        links.read_optout_token(hub.settings.resolved_secret_key(), token)
    except links.BadLink:
        return _page(request, "link_invalid", 404, language)
    t = ui(language)
    return templates.TemplateResponse(
        request,
        "optout.html",
        {"lang": language, "t": t, "title": t["optout_title"], "action": f"{request.url.path}?lang={language}"},
        headers=HEADERS,
    )


@router.post("/s/optout/{token}", response_class=HTMLResponse)
async def confirm_optout(request: Request, token: str) -> Response:
    hub = _hub(request)
    language = pick_language(request.headers.get("accept-language"), request.query_params.get("lang"))
    if _cross_origin(request):
        return _page(request, "forbidden", 403, language)
    try:
        invitation_id = links.read_optout_token(hub.settings.resolved_secret_key(), token)
    except links.BadLink:
        return _page(request, "link_invalid", 404, language)

    def work(session: Any) -> bool:
        invitation = session.get(SurveyInvitation, invitation_id)
        if invitation is None or invitation.customer_id is None:
            return False
        privacy.set_consent(
            session,
            workspace_id=invitation.workspace_id,
            customer_id=invitation.customer_id,
            purpose=privacy.SURVEYS,
            granted=False,
            source="survey_optout_link",
        )
        return True

    try:
        done = await _in_transaction(request, work)
    except CxhubError:
        done = False
    if not done:
        return _page(request, "link_invalid", 404, language)
    return _page(request, "optout_done", 200, language)


@router.get("/s/{token}", response_class=HTMLResponse)
async def show(request: Request, token: str) -> Response:
    hub = _hub(request)
    try:
        opened = await _in_transaction(
            request, lambda s: responses.open_invitation(s, settings=hub.settings, token=token)
        )
    except responses.FormError as exc:
        return _error(request, exc)
    language = _language(request, opened.definition, opened.language)
    return _form(request, opened.definition, language=language, step=0)


@router.post("/s/{token}", response_class=HTMLResponse)
async def answer(request: Request, token: str) -> Response:
    return await _answer(request, token, open_link=False)


@router.get("/s/{token}/thanks", response_class=HTMLResponse)
async def thanks(request: Request, token: str) -> Response:
    hub = _hub(request)
    try:
        invitation_id = links.read_invitation_token(hub.settings.resolved_secret_key(), token, now=0)
    except links.BadLink:
        return _page(request, "link_invalid", 404)

    def work(session: Any) -> SurveyDefinition | None:
        invitation = session.get(SurveyInvitation, invitation_id)
        if invitation is None or invitation.status != "responded":
            return None
        survey = session.get(Survey, invitation.survey_id)
        return definition_of(survey) if survey is not None else None

    definition = await _in_transaction(request, work)
    if definition is None:
        return _page(request, "link_invalid", 404)
    return _thanks(request, definition, _language(request, definition, None))


async def _answer(request: Request, token: str, *, open_link: bool) -> Response:
    hub = _hub(request)
    if _cross_origin(request):
        return _page(request, "forbidden", 403)
    pairs = await _read_pairs(request)
    if pairs is None:
        return _page(request, "too_large", 413)

    def opener(session: Any) -> responses.Opened:
        if open_link:
            return responses.open_link(session, settings=hub.settings, token=token)
        return responses.open_invitation(session, settings=hub.settings, token=token)

    try:
        opened = await _in_transaction(request, opener)
    except responses.FormError as exc:
        return _error(request, exc)
    definition = opened.definition
    language = _language(request, definition, opened.language)
    step = _step(pairs, definition)
    rid = next((value for name, value in pairs if name == "rid"), None) if open_link else None
    result = read_form(definition, pairs, step=step, language=language)
    if result.errors:
        return _form(
            request, definition, language=language, step=step, result=result, raw=pairs, response_id=rid, status=422
        )
    if result.next_step is not None:
        return _form(request, definition, language=language, step=result.next_step, result=result, response_id=rid)

    def store(session: Any) -> None:
        again = opener(session)  # in this transaction: the invitation may have changed since
        responses.submit(
            session,
            opened=again,
            answers=result.answers,
            language=language,
            settings=hub.settings,
            queue=hub.queue,
            response_id=rid,
        )

    try:
        await _in_transaction(request, store)
    except responses.FormError as exc:
        return _error(request, exc, language)
    return RedirectResponse(f"{request.url.path}/thanks?lang={language}", status_code=303, headers=HEADERS)

"""Settings → a survey: its state and its latest invitations, each with the public link it was sent.

An invitation's link lets anyone holding it answer as that customer, so only admins see the links;
CX managers see the invitations and why the contact policy suppressed some.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from cxhub.kit.http import HubDep, SessionDep
from cxhub.surveys import invitations
from cxhub.surveys.service import get_survey
from cxhub.web.i18n import C_, N_
from cxhub.web.render import render, web_router
from cxhub.web.security import ViewerDep

router = web_router()
LATEST = 20
SURVEY_STATUS_LABELS = {
    "draft": C_("survey status", "draft"),
    "active": C_("survey status", "active"),
    "archived": C_("survey status", "archived"),
}
INVITATION_STATUS_LABELS = {
    "scheduled": N_("scheduled"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "responded": N_("responded"),
    "suppressed": N_("suppressed"),
    "expired": N_("expired"),
}


@router.get("/app/settings/surveys/{slug}")
def survey_page(request: Request, slug: str, viewer: ViewerDep, session: SessionDep, hub: HubDep) -> Response:
    viewer.require("settings")
    survey = get_survey(session, workspace_id=viewer.workspace_id, slug=slug)
    manage = viewer.can("manage")
    found = invitations.list_invitations(session, workspace_id=viewer.workspace_id, survey_id=survey.id, limit=LATEST)
    rows = [
        {"invitation": invitation, "link": invitations.form_url(hub.settings, invitation) if manage else None}
        for invitation in found
    ]
    return render(
        request,
        "survey.html",
        {
            "title": survey.name,
            "survey": survey,
            "survey_status_labels": SURVEY_STATUS_LABELS,
            "invitation_status_labels": INVITATION_STATUS_LABELS,
            "rows": rows,
            "manage": manage,
            "latest": LATEST,
        },
        viewer=viewer,
        active="settings",
    )

"""Every table, imported in one place so Alembic and tests see the whole schema."""

from cxhub.cases.models import Case, CaseHistory, CaseLink, CaseSettings, DeliveryAttempt, Notification, Rule
from cxhub.events.models import DeadLetter, Event
from cxhub.governance.models import (
    ApiKey,
    Department,
    GovernanceMap,
    JourneyStage,
    Ownership,
    Touchpoint,
    User,
    UserSession,
    Workspace,
)
from cxhub.identity.models import Customer, Identifier, Merge, MergeBlock
from cxhub.journeys.models import Journey
from cxhub.privacy.models import Consent
from cxhub.surveys.models import Survey, SurveyInvitation, SurveyPolicy
from cxhub.text.models import TaxonomyRecord, TextAnalysis, TextMention

__all__ = [
    "Case",
    "CaseHistory",
    "CaseLink",
    "CaseSettings",
    "DeliveryAttempt",
    "Notification",
    "Rule",
    "ApiKey",
    "Consent",
    "Customer",
    "DeadLetter",
    "Department",
    "Event",
    "GovernanceMap",
    "Identifier",
    "Journey",
    "JourneyStage",
    "Merge",
    "MergeBlock",
    "Ownership",
    "Survey",
    "SurveyInvitation",
    "SurveyPolicy",
    "TaxonomyRecord",
    "TextAnalysis",
    "TextMention",
    "Touchpoint",
    "User",
    "UserSession",
    "Workspace",
]

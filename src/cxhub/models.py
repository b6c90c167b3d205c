"""Every table, imported in one place so Alembic and tests see the whole schema."""

from cxhub.events.models import DeadLetter, Event
from cxhub.governance.models import ApiKey, Workspace
from cxhub.identity.models import Customer, Identifier, Merge, MergeBlock

__all__ = ["ApiKey", "Customer", "DeadLetter", "Event", "Identifier", "Merge", "MergeBlock", "Workspace"]

"""Stored rules: versions, import/export, activation behind a dry run, and the compiled set the pipeline uses.

Every edit writes a new version and keeps the old one. A rule becomes active only after a dry run
over past events; one that would match more than the workspace's ``guard_share`` of them needs
``force``. The pipeline reads the active rules compiled and indexed, cached per workspace for a few
seconds (a change made here drops the cache at once in this process).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.cases import rules as lang
from cxhub.cases.matching import dry_run
from cxhub.cases.models import Rule
from cxhub.cases.routing import TtlCache
from cxhub.cases.schemas import DryRunOut, RuleDefinition, RuleImportItem
from cxhub.db import utcnow
from cxhub.kit.errors import CxhubError, NotFound

RULESET_TTL = 10.0
_rulesets: TtlCache[uuid.UUID, lang.RuleSet] = TtlCache(RULESET_TTL)


def forget_rules(workspace_id: uuid.UUID) -> None:
    _rulesets.drop(workspace_id)


# --- storing ---------------------------------------------------------------------------------------


def current_rule(session: Session, *, workspace_id: uuid.UUID, key: str) -> Rule:
    rule = session.scalar(
        select(Rule).where(Rule.workspace_id == workspace_id, Rule.key == key.strip().lower(), Rule.is_current)
    )
    if rule is None:
        raise NotFound("rule_not_found", f"no rule {key!r} in this workspace", field="rule")
    return rule


def list_rules(session: Session, *, workspace_id: uuid.UUID, status: str | None = None) -> list[Rule]:
    query = select(Rule).where(Rule.workspace_id == workspace_id, Rule.is_current)
    if status:
        query = query.where(Rule.status == status)
    return list(session.scalars(query.order_by(Rule.key)))


def rule_versions(session: Session, *, workspace_id: uuid.UUID, key: str) -> list[Rule]:
    rows = list(
        session.scalars(
            select(Rule)
            .where(Rule.workspace_id == workspace_id, Rule.key == key.strip().lower())
            .order_by(Rule.version)
        )
    )
    if not rows:
        raise NotFound("rule_not_found", f"no rule {key!r} in this workspace", field="rule")
    return rows


def definition_of(rule: Rule) -> RuleDefinition:
    return RuleDefinition.model_validate({**rule.definition, "active": rule.status == "active"})


def save_rule(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    definition: RuleDefinition,
    source: str = "",
    now: datetime | None = None,
) -> tuple[Rule, bool]:
    """Store ``definition`` as the rule's next version (the first: version 1, ``draft``).

    Unchanged conditions write nothing. A changed rule keeps its state only through ``activate``:
    the new version starts as a draft, so an edit that now matches everything cannot go live unseen.
    """
    now = now or utcnow()
    body = definition.body()
    existing = session.scalar(
        select(Rule)
        .where(Rule.workspace_id == workspace_id, Rule.key == definition.key, Rule.is_current)
        .with_for_update()
    )
    if existing is not None and existing.definition == body:
        return existing, False
    version = 1
    if existing is not None:
        existing.is_current = False
        version = existing.version + 1
        session.flush()
    rule = Rule(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        key=definition.key,
        version=version,
        is_current=True,
        status="draft",
        name=definition.name,
        definition=body,
        created_at=now,
        source=source[:200],
    )
    session.add(rule)
    session.flush()
    forget_rules(workspace_id)
    return rule, True


def import_rules(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    definitions: Sequence[RuleDefinition],
    force: bool = False,
    source: str = "",
    now: datetime | None = None,
) -> list[RuleImportItem]:
    """Make the stored rules say what ``definitions`` say, ``active`` included (rules not named are left alone).

    A rule the file wants active is activated through the dry-run guard; one refused by the guard is
    stored as a draft and reported with the reason, the others still import.
    """
    now = now or utcnow()
    items: list[RuleImportItem] = []
    for definition in definitions:
        rule, changed = save_rule(session, workspace_id=workspace_id, definition=definition, source=source, now=now)
        refused = None
        if definition.active and rule.status != "active":
            try:
                activate_rule(session, workspace_id=workspace_id, key=rule.key, force=force, now=now)
            except CxhubError as exc:
                if exc.code != "rule_too_broad":
                    raise
                refused = exc.message
        elif not definition.active and rule.status == "active":
            pause_rule(session, workspace_id=workspace_id, key=rule.key)
        items.append(
            RuleImportItem(key=rule.key, version=rule.version, changed=changed, status=rule.status, refused=refused)
        )
    return items


def activate_rule(
    session: Session, *, workspace_id: uuid.UUID, key: str, force: bool = False, now: datetime | None = None
) -> DryRunOut:
    """Dry-run the rule over past events, then activate it; ``rule_too_broad`` (409) when it matches more
    than the guard share of them and ``force`` is not given. Returns the dry run."""
    now = now or utcnow()
    rule = current_rule(session, workspace_id=workspace_id, key=key)
    result = dry_run(session, workspace_id=workspace_id, definition=definition_of(rule), version=rule.version, now=now)
    if result.needs_force and not force:
        raise CxhubError(
            "rule_too_broad",
            f"rule {rule.key!r} matches {result.matched:,} of {result.scanned:,} past events ({result.share:.1%}, "
            f"more than {result.guard_share:.0%}): check it with a dry run, activate with --force if meant",
            status=409,
            field="force",
            details={"dry_run": result.model_dump(mode="json", exclude={"samples"})},
        )
    rule.status = "active"
    rule.activated_at = now
    rule.last_dry_run = {"scanned": result.scanned, "matched": result.matched, "share": result.share, "forced": force}
    session.flush()
    forget_rules(workspace_id)
    return result


def pause_rule(session: Session, *, workspace_id: uuid.UUID, key: str) -> Rule:
    rule = current_rule(session, workspace_id=workspace_id, key=key)
    if rule.status == "active":
        rule.status = "paused"
        session.flush()
        forget_rules(workspace_id)
    return rule


def active_ruleset(session: Session, workspace_id: uuid.UUID) -> lang.RuleSet:
    """The workspace's active rules, compiled and indexed by event type (cached ``RULESET_TTL`` seconds)."""
    found = _rulesets.get(workspace_id)
    if found is None:
        rows = list_rules(session, workspace_id=workspace_id, status="active")
        found = lang.RuleSet([lang.compile_rule(definition_of(r), version=r.version) for r in rows])
        _rulesets.put(workspace_id, found)
    return found

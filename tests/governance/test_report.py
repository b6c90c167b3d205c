"""The responsibility report on literals: gaps, idle departments, and shares with known values."""

from __future__ import annotations

from cxhub.governance.mapfile import parse_map_yaml
from cxhub.governance.report import Activity, responsibility_report
from tests.governance.maps import SMALL_MAP

ACTIVITY = [
    Activity("call_center", events=4, feedback=2),
    Activity("web", events=3, feedback=1),
    Activity("bills", events=2, feedback=0),
    Activity("social", events=2, feedback=1),
    Activity("instagram", events=1, feedback=1),
]


def test_touchpoints_without_or_with_several_accountable() -> None:
    report = responsibility_report(parse_map_yaml(SMALL_MAP), ACTIVITY)
    assert [(g.key, g.responsible, g.events, g.feedback) for g in report.touchpoints_without_accountable] == [
        ("social", ["care"], 2, 1)
    ]
    assert [(g.key, g.accountable) for g in report.touchpoints_with_several_accountable] == [
        ("bills", ["billing", "care"])
    ]
    assert [(g.key, g.name, g.events) for g in report.unknown_touchpoints] == [("instagram", None, 1)]


def test_shares_count_unknown_touchpoints_as_unowned() -> None:
    report = responsibility_report(parse_map_yaml(SMALL_MAP), ACTIVITY)
    assert (report.events.total, report.events.unowned, report.events.share) == (12, 3, 0.25)
    assert (report.feedback.total, report.feedback.unowned, report.feedback.share) == (5, 2, 0.4)


def test_stages_and_departments_owning_nothing() -> None:
    report = responsibility_report(parse_map_yaml(SMALL_MAP), ACTIVITY)
    assert [(s.key, s.responsible) for s in report.stages_without_accountable] == [("renewal", ["billing"])]
    assert report.stages_with_several_accountable == []
    assert [(d.key, d.consulted, d.informed) for d in report.departments_owning_nothing] == [("hr", 1, 1)]
    assert (report.touchpoint_count, report.stage_count, report.department_count) == (4, 3, 4)


def test_department_load_counts_events_on_what_it_is_accountable_for() -> None:
    report = responsibility_report(parse_map_yaml(SMALL_MAP), ACTIVITY)
    load = {d.key: d for d in report.departments}
    assert load["care"].accountable == ["call_center", "bills"]
    assert (load["care"].events, load["care"].feedback) == (6, 2)
    assert (load["billing"].events, load["digital"].events, load["hr"].events) == (2, 3, 0)
    assert load["care"].stages_accountable == ["support"]
    assert load["billing"].responsible == ["bills"]


def test_gaps_are_sorted_by_events_most_first() -> None:
    text = SMALL_MAP.replace("{A: digital, R: [digital]}", "{R: [digital]}")
    report = responsibility_report(parse_map_yaml(text), ACTIVITY + [Activity("tiktok", 9, 0)])
    assert [g.key for g in report.touchpoints_without_accountable] == ["web", "social"]
    assert [g.key for g in report.unknown_touchpoints] == ["tiktok", "instagram"]
    assert report.events.unowned == 3 + 2 + 9 + 1


def test_no_events_gives_no_share_and_an_empty_map_flags_every_touchpoint() -> None:
    report = responsibility_report(parse_map_yaml(SMALL_MAP), [])
    assert report.events.share is None and report.feedback.share is None
    assert [g.events for g in report.touchpoints_without_accountable] == [0]
    empty = responsibility_report(parse_map_yaml("departments: []"), [Activity("web", 5, 1)])
    assert [g.key for g in empty.unknown_touchpoints] == ["web"] and empty.events.share == 1.0

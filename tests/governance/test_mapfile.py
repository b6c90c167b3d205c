"""The map file on literals: parsing, every validation error with its path, the diff, the YAML round trip."""

from __future__ import annotations

import pytest

from cxhub.governance.mapfile import diff_maps, dump_map_yaml, field_path, map_data, parse_map, parse_map_yaml
from cxhub.kit.errors import CxhubError
from tests.governance.maps import SMALL_MAP


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(CxhubError) as caught:
        parse_map_yaml(text)
    assert caught.value.code in ("invalid_map", "invalid_yaml")
    errors = caught.value.details.get("errors") or [{"field": caught.value.field, "problem": caught.value.message}]
    return [(e["field"], e["problem"]) for e in errors]


def test_small_map_parses_with_single_names_as_lists_and_bare_kpis() -> None:
    document = parse_map_yaml(SMALL_MAP)
    assert [d.key for d in document.departments] == ["care", "billing", "digital", "hr"]
    care = document.departments[0]
    assert [(k.metric, k.target) for k in care.kpis] == [("csat", 4.2), ("ces", None)]
    call_center = document.touchpoints[0]
    assert call_center.raci.by_role() == {"A": ["care"], "R": ["care"], "C": ["hr"], "I": ["billing"]}
    assert document.touchpoints[2].raci.accountable == ["billing", "care"]


def test_export_reads_back_into_the_same_map() -> None:
    document = parse_map_yaml(SMALL_MAP)
    text = dump_map_yaml(document, header="exported for a test")
    assert text.startswith("# exported for a test\n")
    assert parse_map_yaml(text) == document
    assert dump_map_yaml(parse_map_yaml(text)) == dump_map_yaml(document)


def test_export_writes_one_accountable_as_a_name_and_several_as_a_list() -> None:
    data = map_data(parse_map_yaml(SMALL_MAP))
    assert data["touchpoints"][0]["raci"] == {"A": "care", "R": ["care"], "C": ["hr"], "I": ["billing"]}
    assert data["touchpoints"][2]["raci"]["A"] == ["billing", "care"]
    assert "raci" not in data["touchpoints"][3] or "A" not in data["touchpoints"][3]["raci"]
    assert data["departments"][0]["kpis"] == [{"metric": "csat", "target": 4.2}, "ces"]


def test_json_data_is_accepted_like_yaml() -> None:
    document = parse_map(
        {
            "departments": [{"key": "Care", "name": "Care"}],
            "touchpoints": [{"key": "x", "name": "X", "raci": {"A": "care"}}],
        }
    )
    assert document.departments[0].key == "care"  # department keys are slugs, lower-cased
    assert document.touchpoints[0].raci.accountable == ["care"]


def test_unknown_department_in_a_raci_names_the_field() -> None:
    text = SMALL_MAP.replace("{R: [care]}", "{A: marketing, R: [care]}")
    assert problems_of(text) == [("touchpoints[3].raci.A", "unknown department 'marketing'")]


def test_unknown_department_in_a_list_names_its_index() -> None:
    text = SMALL_MAP.replace("{A: digital, R: [digital]}", "{A: digital, R: [digital, sales]}")
    assert problems_of(text) == [("touchpoints[1].raci.R[1]", "unknown department 'sales'")]


def test_unknown_department_in_a_stage_raci() -> None:
    text = SMALL_MAP.replace("{R: [billing]}}", "{R: [billing], I: ghost}}")
    assert problems_of(text) == [("stages[2].raci.I", "unknown department 'ghost'")]


def test_a_role_other_than_r_a_c_i_is_refused() -> None:
    text = SMALL_MAP.replace("{A: [billing, care], R: [billing]}", "{A: [billing, care], S: [billing]}")
    assert problems_of(text) == [("touchpoints[2].raci.S", "'S' is not a role: use A, R, C or I")]


def test_lower_case_role_is_not_a_role() -> None:
    assert problems_of(SMALL_MAP.replace("{A: digital}}", "{a: digital}}"))[0][0] == "stages[0].raci.a"


def test_duplicate_keys_in_each_section() -> None:
    duplicated = SMALL_MAP.replace("{key: digital, name: Digital}", "{key: billing, name: Digital}")
    assert ("departments[2].key", "duplicate key 'billing' (departments[1])") in problems_of(duplicated)
    assert problems_of(SMALL_MAP.replace("{key: web,", "{key: call_center,")) == [
        ("touchpoints[1].key", "duplicate key 'call_center' (touchpoints[0])")
    ]
    assert problems_of(SMALL_MAP.replace("{key: renewal,", "{key: support,"))[0][0] == "stages[2].key"


def test_a_department_twice_in_one_role() -> None:
    text = SMALL_MAP.replace("{A: digital, R: [digital]}", "{A: digital, R: [digital, digital]}")
    assert problems_of(text) == [("touchpoints[1].raci.R[1]", "'digital' is listed twice as responsible")]


def test_unknown_fields_and_bad_values_name_their_path() -> None:
    assert problems_of(SMALL_MAP.replace("    description: Inbound calls", "    owner: care")) == [
        ("touchpoints[0].owner", "unknown field 'owner'")
    ]
    assert problems_of(SMALL_MAP.replace("target: 4.2", "target: high"))[0][0] == "departments[0].kpis[0].target"
    assert problems_of(SMALL_MAP.replace("lead_email: care@example.it", "lead_email: nobody"))[0][0] == (
        "departments[0].lead_email"
    )
    assert problems_of(SMALL_MAP.replace("{key: hr,", "{key: Human Resources,"))[0][0] == "departments[3].key"
    assert problems_of(SMALL_MAP.replace("order: 3", "order: -1"))[0][0] == "stages[2].order"
    assert problems_of("departments: {care: Care}")[0][0] == "departments"


def test_stage_orders_default_to_list_position_and_must_not_clash() -> None:
    document = parse_map_yaml("stages: [{key: b, name: B, order: 5}, {key: a, name: A}]")
    assert [(s.key, s.order) for s in document.stages] == [("a", 2), ("b", 5)]
    clash = problems_of("stages: [{key: b, name: B, order: 2}, {key: a, name: A}]")
    assert [field for field, _ in clash] == ["stages[0].order", "stages[1].order"]


def test_every_problem_is_listed_and_the_message_names_the_first() -> None:
    text = SMALL_MAP.replace("{A: digital}}", "{A: nobody}}").replace("{key: web,", "{key: call_center,")
    with pytest.raises(CxhubError) as caught:
        parse_map_yaml(text)
    error = caught.value
    assert error.status == 422 and error.field == "touchpoints[1].key"
    assert "(and 1 more)" in error.message and "nothing was imported" in error.message
    assert [e["field"] for e in error.details["errors"]] == ["touchpoints[1].key", "stages[0].raci.A"]


def test_yaml_that_would_be_ambiguous_or_explosive_is_refused() -> None:
    [(field, problem)] = problems_of("departments: []\ndepartments: [{key: a, name: A}]\n")
    assert field == "(document)" and "line 2" in problem and "'departments' is written twice" in problem
    [(_, problem)] = problems_of("departments:\n  - &care {key: care, name: Care}\n  - *care\n")
    assert "aliases are not allowed" in problem
    assert problems_of("departments: [")[0][0] == "(document)"
    assert problems_of("") == [("(document)", "the map is empty")]
    assert problems_of("- just\n- a list\n")[0][0] == "(document)"


def test_field_path_renders_indexes_in_brackets() -> None:
    assert field_path(("touchpoints", 3, "raci", "A")) == "touchpoints[3].raci.A"
    assert field_path(()) == "(document)"


def test_diff_lists_added_removed_changed_and_reordered() -> None:
    before = parse_map_yaml(SMALL_MAP)
    after = parse_map_yaml(
        SMALL_MAP.replace("{key: hr, name: Human resources}", "{key: logistics, name: Logistics}")
        .replace("C: [hr], ", "")
        .replace("I: [hr]", "I: [logistics]")
        .replace("name: Web site", "name: Website")
        .replace("{A: [billing, care], R: [billing]}", "{A: care, R: [billing]}")
    )
    diff = diff_maps(before, after)
    assert (diff.departments.added, diff.departments.removed) == (["logistics"], ["hr"])
    changed = {c.key: c.fields for c in diff.touchpoints.changed}
    assert changed == {"call_center": ["raci.C"], "web": ["name"], "bills": ["raci.A"]}
    assert [(c.key, c.fields) for c in diff.stages.changed] == [("support", ["raci.I"])]
    assert not diff.empty and not diff.touchpoints.reordered
    assert diff_maps(before, before).empty
    swapped = parse_map({**map_data(before), "touchpoints": list(reversed(map_data(before)["touchpoints"]))})
    reorder = diff_maps(before, swapped)
    assert reorder.touchpoints.reordered and not reorder.touchpoints.changed and not reorder.empty

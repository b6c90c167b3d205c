"""The governance map as a document: parse (YAML or JSON data), check, compare, write back as YAML.

Pure: no database, no HTTP. Every problem names its exact place in the document
(``touchpoints[3].raci.A``), so whoever keeps the map in git can fix it without guessing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode

from cxhub.governance.schemas import (
    ROLES,
    SLUG_PATTERN,
    Change,
    DepartmentIn,
    MapDiff,
    MapDocument,
    Problem,
    Raci,
    SectionDiff,
    StageIn,
    TouchpointIn,
)
from cxhub.kit.errors import CxhubError

MAX_PROBLEMS = 50
_HINT = " (a stage without `order` takes its place in the list, from 1)"
_ROLE_NAMES = {"A": "accountable", "R": "responsible", "C": "consulted", "I": "informed"}


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses what would make a map ambiguous or expensive.

    A key written twice in one mapping would silently keep the last value (PyYAML's default), and
    aliases let a small file expand into a huge document.
    """

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(problem="anchors and aliases are not allowed in a map", problem_mark=mark)
        return super().compose_node(parent, index)  # type: ignore[arg-type]

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                if key_node.value in seen:
                    raise yaml.MarkedYAMLError(
                        problem=f"key {key_node.value!r} is written twice in the same mapping",
                        problem_mark=key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str | bytes) -> Any:
    """The data in a YAML text; ``invalid_yaml`` (with line and column) when it does not parse."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the document"
        raise CxhubError("invalid_yaml", f"{where}: {exc.problem or exc.context}", field="(document)") from None
    except yaml.YAMLError as exc:
        raise CxhubError("invalid_yaml", f"not valid YAML: {exc}", field="(document)") from None


def parse_map_yaml(text: str | bytes) -> MapDocument:
    return parse_map(load_yaml(text))


def parse_map(data: Any) -> MapDocument:
    """A checked, normalized map from decoded YAML or JSON; ``invalid_map`` listing every problem."""
    if data is None:
        raise _invalid([Problem(field="(document)", problem="the map is empty")])
    if not isinstance(data, dict):
        raise _invalid(
            [Problem(field="(document)", problem="a map is a mapping with departments, touchpoints, stages")]
        )
    try:
        document = MapDocument.model_validate(data)
    except ValidationError as exc:
        raise _invalid([_problem(error) for error in exc.errors()]) from None
    problems = map_problems(document)
    if problems:
        raise _invalid(problems)
    return normalize(document)


def _invalid(problems: list[Problem]) -> CxhubError:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return CxhubError(
        "invalid_map",
        f"{first.field}: {first.problem}{more}; nothing was imported",
        status=422,
        field=first.field,
        details={"errors": [p.model_dump() for p in problems[:MAX_PROBLEMS]]},
    )


def field_path(loc: Sequence[int | str]) -> str:
    """``('touchpoints', 3, 'raci', 'A')`` → ``touchpoints[3].raci.A``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out or "(document)"


def _problem(error: Any) -> Problem:
    loc = tuple(error.get("loc", ()))
    path = field_path(loc)
    if error.get("type") == "extra_forbidden":
        if len(loc) >= 2 and loc[-2] == "raci":
            return Problem(field=path, problem=f"{loc[-1]!r} is not a role: use A, R, C or I")
        return Problem(field=path, problem=f"unknown field {loc[-1]!r}")
    if error.get("type") == "string_pattern_mismatch":
        if error.get("ctx", {}).get("pattern") == SLUG_PATTERN:
            return Problem(
                field=path, problem="use letters, digits and _ . : - (no spaces), starting with a letter or digit"
            )
        return Problem(field=path, problem="control characters are not allowed")
    return Problem(field=path, problem=str(error.get("msg", "invalid")))


def _raci_refs(raci: Raci, prefix: str) -> Iterator[tuple[str, str, str]]:
    """(role, department key, path) for every name in a RACI, with the path it was written at."""
    for role, names in raci.by_role().items():
        for index, name in enumerate(names):
            yield role, name, f"{prefix}.raci.{role}" + (f"[{index}]" if len(names) > 1 else "")


def map_problems(document: MapDocument) -> list[Problem]:
    """What schema validation cannot see: duplicate keys, RACIs naming unknown departments, clashing orders."""
    problems: list[Problem] = []
    sections: tuple[tuple[str, Sequence[DepartmentIn | TouchpointIn | StageIn]], ...] = (
        ("departments", document.departments),
        ("touchpoints", document.touchpoints),
        ("stages", document.stages),
    )
    for section, entries in sections:
        first_at: dict[str, int] = {}
        for index, entry in enumerate(entries):
            if entry.key in first_at:
                where = f"{section}[{first_at[entry.key]}]"
                problems.append(
                    Problem(field=f"{section}[{index}].key", problem=f"duplicate key {entry.key!r} ({where})")
                )
            else:
                first_at[entry.key] = index
    known = {department.key for department in document.departments}
    owned: list[tuple[str, Raci]] = [(f"touchpoints[{i}]", t.raci) for i, t in enumerate(document.touchpoints)]
    owned += [(f"stages[{i}]", s.raci) for i, s in enumerate(document.stages)]
    for prefix, raci in owned:
        seen: set[tuple[str, str]] = set()
        for role, name, path in _raci_refs(raci, prefix):
            if name not in known:
                problems.append(Problem(field=path, problem=f"unknown department {name!r}"))
            elif (role, name) in seen:
                problems.append(Problem(field=path, problem=f"{name!r} is listed twice as {_ROLE_NAMES[role]}"))
            seen.add((role, name))
    orders = Counter(_stage_orders(document.stages))
    for index, order in enumerate(_stage_orders(document.stages)):
        if orders[order] > 1:
            problems.append(
                Problem(field=f"stages[{index}].order", problem=f"order {order} is given to several stages{_HINT}")
            )
    return problems


def _stage_orders(stages: Sequence[StageIn]) -> list[int]:
    """A stage without an ``order`` takes its place in the list (1-based)."""
    return [stage.order if stage.order is not None else index + 1 for index, stage in enumerate(stages)]


def normalize(document: MapDocument) -> MapDocument:
    """The canonical form two equal maps share: stage orders filled in, stages in journey order."""
    stages = [
        stage.model_copy(update={"order": order})
        for order, stage in sorted(
            zip(_stage_orders(document.stages), document.stages, strict=True), key=lambda pair: pair[0]
        )
    ]
    return document.model_copy(update={"stages": stages})


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def _raci_data(raci: Raci) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for role in ROLES:
        names = raci.by_role()[role]
        if names:
            out[role] = names[0] if role == "A" and len(names) == 1 else list(names)
    return out


def map_data(document: MapDocument) -> dict[str, Any]:
    """The map as plain data in the file's shape: empty fields left out, ``A: dept`` when there is one."""
    departments = []
    for d in document.departments:
        entry: dict[str, Any] = {"key": d.key, "name": d.name}
        if d.labels:
            entry["labels"] = dict(d.labels)
        if d.lead_email:
            entry["lead_email"] = d.lead_email
        if d.kpis:
            entry["kpis"] = [
                k.metric if k.target is None else {"metric": k.metric, "target": _number(k.target)} for k in d.kpis
            ]
        departments.append(entry)
    touchpoints = []
    for t in document.touchpoints:
        entry = {"key": t.key, "name": t.name}
        if t.channel:
            entry["channel"] = t.channel
        if t.description:
            entry["description"] = t.description
        if raci := _raci_data(t.raci):
            entry["raci"] = raci
        touchpoints.append(entry)
    stages = []
    for s in document.stages:
        entry = {"key": s.key, "name": s.name, "order": s.order}
        if raci := _raci_data(s.raci):
            entry["raci"] = raci
        stages.append(entry)
    return {"departments": departments, "touchpoints": touchpoints, "stages": stages}


def dump_map_yaml(document: MapDocument, *, header: str | None = None) -> str:
    """YAML that :func:`parse_map_yaml` reads back into the same map (the export round trip)."""
    body = yaml.safe_dump(map_data(document), sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)
    if not header:
        return body
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + body


def _comparable(entry: DepartmentIn | TouchpointIn | StageIn) -> dict[str, Any]:
    data = entry.model_dump(by_alias=True, exclude={"key"})
    if "raci" in data:
        raci = data.pop("raci")
        data.update({f"raci.{role}": raci[role] for role in ROLES})
    return data


def _section_diff(old: Sequence[DepartmentIn | TouchpointIn | StageIn], new: Sequence[Any]) -> SectionDiff:
    before = {entry.key: _comparable(entry) for entry in old}
    after = {entry.key: _comparable(entry) for entry in new}
    changed = []
    for key, fields in after.items():
        if key in before and fields != before[key]:
            changed.append(Change(key=key, fields=[name for name in fields if fields[name] != before[key].get(name)]))
    kept_before = [key for key in before if key in after]
    kept_after = [key for key in after if key in before]
    return SectionDiff(
        added=[key for key in after if key not in before],
        removed=[key for key in before if key not in after],
        changed=changed,
        reordered=kept_before != kept_after,
    )


def diff_maps(old: MapDocument, new: MapDocument) -> MapDiff:
    """What importing ``new`` over ``old`` adds, removes and changes, entry by entry (by key)."""
    return MapDiff(
        departments=_section_diff(old.departments, new.departments),
        touchpoints=_section_diff(old.touchpoints, new.touchpoints),
        stages=_section_diff(old.stages, new.stages),
    )

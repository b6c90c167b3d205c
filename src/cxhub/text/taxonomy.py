"""The topic taxonomy: two levels of named topics, each with a rule, and matching sentences to them.

A taxonomy is data an analyst edits (YAML or the API)::

    topics:
      - name: Consegna
        labels: {en: Delivery}
        rule: consegna OR spedizione OR delivery     # optional on a parent
        children:
          - name: Ritardo
            labels: {en: Delay}
            rule: NEAR/3((consegna OR pacco OR delivery), (ritardo OR late OR delay*))

``load_taxonomy`` validates it (every error names the topic path and the field) and compiles all rules
into one ``RuleIndex``. ``match_topics`` reports, per sentence, the most specific topics whose rule
holds: a child ("Consegna › Ritardo") rather than its parent; a parent alone only when none of its
children holds. The rule grammar is documented in ``cxhub.text.topic_rules``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from cxhub.text.tokens import Sentence
from cxhub.text.topic_index import RuleIndex
from cxhub.text.topic_rules import Rule, TaxonomyError, parse_rule

__all__ = [
    "SEPARATOR",
    "TaxonomyError",
    "Taxonomy",
    "TopicMention",
    "TopicNode",
    "default_taxonomy",
    "load_taxonomy",
    "match_topics",
    "parse_rule",
    "parse_taxonomy_yaml",
]

SEPARATOR = " › "
MAX_NAME = 80
_TOP_KEYS = ("version", "topics")
_NODE_KEYS = ("name", "labels", "rule", "children")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")


@dataclass(frozen=True, slots=True)
class TopicNode:
    """One topic; ``rule`` is None only for a parent that matches through its children."""

    name: str
    labels: dict[str, str] = field(default_factory=dict)
    rule: Rule | None = None
    children: tuple[TopicNode, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.rule is not None:
            out["rule"] = self.rule.source
        if self.children:
            out["children"] = [child.to_dict() for child in self.children]
        return out


@dataclass(frozen=True, slots=True)
class TopicMention:
    """A topic found in one sentence.

    ``start``/``end`` are character offsets in the whole text, from the first to the last word that
    made the rule true; ``terms`` are those terms as the rule writes them (``rimbors*``), in text order.
    """

    path: str
    sentence: int
    start: int
    end: int
    terms: tuple[str, ...]


class Taxonomy:
    """A validated, compiled taxonomy. Immutable: edits return a new one (``with_node``)."""

    __slots__ = ("_index", "_parent", "_paths", "topics")

    def __init__(self, topics: Sequence[TopicNode]) -> None:
        self.topics: tuple[TopicNode, ...] = tuple(topics)
        self._paths: list[str] = []
        self._parent: list[int | None] = []  # for each path, the index of its parent's path
        rules: list[Rule | None] = []
        for node in self.topics:
            parent = len(self._paths)
            self._paths.append(node.name)
            self._parent.append(None)
            rules.append(node.rule)
            for child in node.children:
                self._paths.append(node.name + SEPARATOR + child.name)
                self._parent.append(parent)
                rules.append(child.rule)
        self._index = RuleIndex(rules)

    def paths(self) -> list[str]:
        """Every topic path, parents before their children, in taxonomy order."""
        return list(self._paths)

    def node(self, path: str) -> TopicNode:
        """The topic at ``path`` ("Consegna" or "Consegna › Ritardo")."""
        names = path.split(SEPARATOR.strip())
        nodes = self.topics
        found = None
        for name in names:
            found = next((n for n in nodes if n.name.casefold() == name.strip().casefold()), None)
            if found is None:
                raise TaxonomyError("path", f"no topic {path!r}")
            nodes = found.children
        if found is None:
            raise TaxonomyError("path", f"no topic {path!r}")
        return found

    def label(self, path: str, language: str) -> str:
        """``path`` in ``language`` where the topics have a label for it ("Delivery › Delay")."""
        parts = path.split(SEPARATOR)
        labelled = [self.node(SEPARATOR.join(parts[: i + 1])) for i in range(len(parts))]
        return SEPARATOR.join(node.labels.get(language, node.name) for node in labelled)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that ``load_taxonomy`` reads back into an equal taxonomy."""
        return {"version": 1, "topics": [node.to_dict() for node in self.topics]}

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=110)

    def with_node(self, parent: str | None, name: str, rule: str, labels: Mapping[str, str] | None = None) -> Taxonomy:
        """A new taxonomy with a topic added under ``parent`` (a top-level topic when None); validated."""
        data = self.to_dict()
        node: dict[str, Any] = {"name": name, "rule": rule}
        if labels:
            node["labels"] = dict(labels)
        if parent is None:
            data["topics"].append(node)
        else:
            target = self.node(parent)
            if parent.count(SEPARATOR.strip()):
                raise TaxonomyError("parent", f"{parent!r} is already a child; topics nest two levels at most")
            for entry in data["topics"]:
                if entry["name"] == target.name:
                    entry.setdefault("children", []).append(node)
        return load_taxonomy(data)

    def without_node(self, path: str) -> Taxonomy:
        """A new taxonomy without the topic at ``path`` (a parent goes with its children)."""
        parts = path.split(SEPARATOR.strip())
        parent = self.node(parts[0].strip())
        target = self.node(path)
        data = self.to_dict()
        if target is parent:
            data["topics"] = [entry for entry in data["topics"] if entry["name"] != parent.name]
        else:
            for entry in data["topics"]:
                if entry["name"] == parent.name:
                    entry["children"] = [c for c in entry["children"] if c["name"] != target.name]
                    if not entry["children"]:
                        del entry["children"]
        return load_taxonomy(data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Taxonomy) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self.to_dict()))

    def __repr__(self) -> str:
        return f"Taxonomy({len(self._paths)} topics)"


def match_topics(taxonomy: Taxonomy, sentences: Sequence[Sentence]) -> list[TopicMention]:
    """The topic mentions in ``sentences`` (the output of ``tokens.sentences`` for one text).

    One mention per topic and sentence, ordered by sentence and position; a parent is reported only
    when none of its children matched the same sentence.
    """
    index = taxonomy._index
    paths, parents = taxonomy._paths, taxonomy._parent
    mentions = []
    for number, sentence in enumerate(sentences):
        words, matched = index.match(sentence.tokens)
        if not matched:
            continue
        shadowed = {parents[rule_id] for rule_id in matched}
        found = []
        for rule_id, spans in matched.items():
            if rule_id in shadowed:
                continue
            spans.sort(key=lambda span: span[1])
            terms = tuple(dict.fromkeys(index.leaf_source(span[0]) for span in spans))
            start = min(words[span[1]].start for span in spans)
            end = max(words[span[2]].end for span in spans)
            found.append(TopicMention(paths[rule_id], number, start, end, terms))
        found.sort(key=lambda mention: (mention.start, mention.path))
        mentions += found
    return mentions


# --- loading and validation --------------------------------------------------------------------


def _ref(parent_ref: str | None, index: int, name: object) -> str:
    """How errors name a node: its path when it has a usable name, else its position."""
    if isinstance(name, str) and name.strip() and SEPARATOR.strip() not in name:
        return name.strip() if parent_ref is None else parent_ref + SEPARATOR + name.strip()
    return f"topics[{index}]" if parent_ref is None else f"{parent_ref}.children[{index}]"


def _load_node(raw: object, ref: str, depth: int) -> TopicNode:
    if not isinstance(raw, Mapping):
        raise TaxonomyError(ref, f"a topic is a mapping with {', '.join(_NODE_KEYS)}")
    for key in raw:
        if key not in _NODE_KEYS:
            raise TaxonomyError(f"{ref}.{key}", f"unknown key (allowed: {', '.join(_NODE_KEYS)})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise TaxonomyError(f"{ref}.name", "required, a non-empty string")
    if len(name) > MAX_NAME or SEPARATOR.strip() in name or "\n" in name:
        raise TaxonomyError(f"{ref}.name", f"at most {MAX_NAME} characters, on one line, without '›'")
    labels = raw.get("labels") or {}
    if not isinstance(labels, Mapping) or not all(
        isinstance(k, str) and _LANGUAGE.match(k) and isinstance(v, str) and v.strip() for k, v in labels.items()
    ):
        raise TaxonomyError(f"{ref}.labels", "a mapping from language codes (en, it…) to non-empty names")
    rule = None
    if raw.get("rule") is not None:
        try:
            rule = parse_rule(raw["rule"])
        except TaxonomyError as error:
            raise TaxonomyError(f"{ref}.rule", error.problem) from None
    children_raw = raw.get("children") or []
    if children_raw and depth >= 2:
        raise TaxonomyError(f"{ref}.children", "topics nest two levels at most")
    if not isinstance(children_raw, list):
        raise TaxonomyError(f"{ref}.children", "a list of topics")
    children = _load_nodes(children_raw, ref, depth + 1)
    if rule is None and not children:
        raise TaxonomyError(f"{ref}.rule", "required for a topic without children")
    return TopicNode(name.strip(), {k: v.strip() for k, v in labels.items()}, rule, children)


def _load_nodes(raws: Sequence[object], parent_ref: str | None, depth: int) -> tuple[TopicNode, ...]:
    nodes: list[TopicNode] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        ref = _ref(parent_ref, index, raw.get("name") if isinstance(raw, Mapping) else None)
        node = _load_node(raw, ref, depth)
        if node.name.casefold() in seen:
            raise TaxonomyError(f"{ref}.name", f"duplicate topic path {ref!r}")
        seen.add(node.name.casefold())
        nodes.append(node)
    return tuple(nodes)


def load_taxonomy(data: Mapping[str, Any]) -> Taxonomy:
    """A taxonomy from plain data (parsed YAML or JSON); raises ``TaxonomyError`` naming the bad field."""
    if not isinstance(data, Mapping):
        raise TaxonomyError("taxonomy", "a mapping with 'topics'")
    for key in data:
        if key not in _TOP_KEYS:
            raise TaxonomyError(str(key), f"unknown key (allowed: {', '.join(_TOP_KEYS)})")
    if data.get("version", 1) != 1:
        raise TaxonomyError("version", "only version 1 is known")
    topics = data.get("topics")
    if not isinstance(topics, list):
        raise TaxonomyError("topics", "required, a list of topics")
    return Taxonomy(_load_nodes(topics, None, 1))


def parse_taxonomy_yaml(text: str) -> Taxonomy:
    """A taxonomy from YAML text; YAML syntax errors are ``TaxonomyError`` too."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TaxonomyError("yaml", str(error).replace("\n", " ")) from None
    return load_taxonomy(data if data is not None else {})


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The CX taxonomy shipped with cxhub (``text/data/taxonomy_default.yaml``)."""
    source = resources.files("cxhub.text").joinpath("data/taxonomy_default.yaml").read_text(encoding="utf-8")
    return parse_taxonomy_yaml(source)

"""Many topic rules compiled into one index, so a sentence is matched against all of them at once.

Every term and phrase of every rule gets an anchor word; a sentence's tokens are looked up by form and
by lemma in two dictionaries (and in a table of wildcard prefixes), and only the rules with an anchor
among the sentence's words are evaluated. A taxonomy of sixty topics costs tens of microseconds per
text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cxhub.text.stopwords import ALL as STOPWORDS
from cxhub.text.tokens import Token, lemma
from cxhub.text.topic_rules import MIN_PREFIX, And, Leaf, Node, Not, Or, Rule, Word

Span = tuple[int, int, int]  # leaf id, first word position, last word position


class _Found:
    """The index words one sentence contains: ``hits`` maps each to its positions (ascending);
    ``anchors`` are the hits of words that anchor a term or phrase (see ``RuleIndex``)."""

    __slots__ = ("anchors", "hits")

    def __init__(self, hits: dict[int, list[int]], anchors: list[tuple[int, list[int]]]) -> None:
        self.hits = hits
        self.anchors = anchors


class _CLeaf:
    __slots__ = ("anchor", "id", "words")

    def __init__(self, leaf_id: int, words: tuple[int, ...], anchor: int) -> None:
        self.id = leaf_id
        self.words = words
        self.anchor = anchor  # index in ``words`` of the word looked up first

    def spans(self, found: _Found) -> list[Span]:
        hits = found.hits
        positions = hits.get(self.words[self.anchor])
        if positions is None:
            return []
        if len(self.words) == 1:
            return [(self.id, p, p) for p in positions]
        others = []
        for i, word in enumerate(self.words):
            if i != self.anchor:
                at = hits.get(word)
                if at is None:
                    return []
                others.append((i - self.anchor, at))
        last = len(self.words) - 1
        return [
            (self.id, p - self.anchor, p - self.anchor + last)
            for p in positions
            if all(p + offset in at for offset, at in others)
        ]

    def eval(self, found: _Found) -> list[Span] | None:
        return self.spans(found) or None


class _CLeafSet:
    """Terms and phrases joined by OR, keyed by their anchor word: only the sentence's anchors are visited."""

    __slots__ = ("by_anchor",)

    def __init__(self, leaves: Iterable[_CLeaf]) -> None:
        self.by_anchor: dict[int, list[_CLeaf]] = {}
        for leaf in leaves:
            self.by_anchor.setdefault(leaf.words[leaf.anchor], []).append(leaf)

    def spans(self, found: _Found) -> list[Span]:
        out: list[Span] = []
        by_anchor = self.by_anchor
        for word, positions in found.anchors:
            leaves = by_anchor.get(word)
            if leaves is not None:
                for leaf in leaves:
                    if len(leaf.words) == 1:
                        out += [(leaf.id, p, p) for p in positions]
                    else:
                        out += leaf.spans(found)
        return out

    def eval(self, found: _Found) -> list[Span] | None:
        return self.spans(found) or None


class _CAnd:
    __slots__ = ("children",)

    def __init__(self, children: tuple[_CNode, ...]) -> None:
        self.children = children

    def eval(self, found: _Found) -> list[Span] | None:
        spans: list[Span] = []
        for child in self.children:
            result = child.eval(found)
            if result is None:
                return None
            spans += result
        return spans


class _COr:
    __slots__ = ("leaves", "others")

    def __init__(self, leaves: _CLeafSet, others: tuple[_CNode, ...]) -> None:
        self.leaves = leaves
        self.others = others

    def eval(self, found: _Found) -> list[Span] | None:
        spans = self.leaves.spans(found)
        holds = bool(spans)
        for child in self.others:
            result = child.eval(found)
            if result is not None:
                holds = True
                spans += result
        return spans if holds else None


class _CNot:
    __slots__ = ("child",)

    def __init__(self, child: _CNode) -> None:
        self.child = child

    def eval(self, found: _Found) -> list[Span] | None:
        return [] if self.child.eval(found) is None else None


class _CNear:
    __slots__ = ("distance", "left", "right")

    def __init__(self, distance: int, left: _CLeafSet, right: _CLeafSet) -> None:
        self.distance = distance
        self.left = left
        self.right = right

    def eval(self, found: _Found) -> list[Span] | None:
        left = self.left.spans(found)
        if not left:
            return None
        right = self.right.spans(found)
        pairs: set[Span] = set()
        for ls in left:
            for rs in right:
                gap = rs[1] - ls[2] - 1 if rs[1] > ls[2] else ls[1] - rs[2] - 1
                if 0 <= gap <= self.distance:
                    pairs.update((ls, rs))
        return sorted(pairs) or None


class _CNever:
    __slots__ = ()

    def eval(self, found: _Found) -> list[Span] | None:
        return None


_CNode = _CLeaf | _CLeafSet | _CAnd | _COr | _CNot | _CNear | _CNever


class RuleIndex:
    """Many rules compiled together; ``match`` finds which of them hold in one sentence.

    Every term and phrase has an anchor: its least common word (not a stop word, the longest). A
    sentence's words are looked up in two dictionaries (by form, by lemma) and a table of prefixes;
    only rules with an anchor among them are evaluated, so "non" or "il" inside a phrase never makes
    a rule a candidate. Rules are numbered by their position in ``rules``; a None rule never matches
    (a parent topic that only groups its children).
    """

    def __init__(self, rules: Sequence[Rule | None]) -> None:
        self._word_ids: dict[Word, int] = {}
        self._by_form: dict[str, list[int]] = {}  # looked up with a token's lower-case form
        self._by_lemma: dict[str, list[int]] = {}  # looked up with a token's lemma
        self._prefixes: dict[str, list[tuple[str, int, bool]]] = {}  # first letters → (prefix, word, exact)
        self._word_rules: list[set[int]] = []  # for an anchor word, the rules it may make true
        self._is_anchor: list[bool] = []
        self._leaf_sources: list[str] = []
        self._leaf_ids: dict[Leaf, _CLeaf] = {}
        self._roots: list[_CNode] = []
        for rule_id, rule in enumerate(rules):
            self._roots.append(_CNever() if rule is None else self._compile(rule.root, rule_id))

    def _word(self, word: Word) -> int:
        word_id = self._word_ids.get(word)
        if word_id is None:
            word_id = self._word_ids[word] = len(self._word_rules)
            self._word_rules.append(set())
            self._is_anchor.append(False)
            forms = {word.text} if word.exact or word.prefix else _lemma_forms(word.text)
            if word.prefix:
                for form in forms:
                    self._prefixes.setdefault(form[:MIN_PREFIX], []).append((form, word_id, word.exact))
            else:
                for form in forms:
                    self._by_form.setdefault(form, []).append(word_id)
                    if not word.exact:
                        self._by_lemma.setdefault(form, []).append(word_id)
        return word_id

    def _leaf(self, leaf: Leaf, rule_id: int) -> _CLeaf:
        compiled = self._leaf_ids.get(leaf)
        if compiled is None:
            words = tuple(self._word(word) for word in leaf.words)
            anchor = max(range(len(leaf.words)), key=lambda i: _rarity(leaf.words[i]))
            compiled = self._leaf_ids[leaf] = _CLeaf(len(self._leaf_sources), words, anchor)
            self._leaf_sources.append(leaf.source)
        anchor_word = compiled.words[compiled.anchor]
        self._is_anchor[anchor_word] = True
        self._word_rules[anchor_word].add(rule_id)
        return compiled

    def _compile(self, node: Node, rule_id: int) -> _CNode:
        if isinstance(node, Leaf):
            return self._leaf(node, rule_id)
        if isinstance(node, And):
            return _CAnd(tuple(self._compile(child, rule_id) for child in node.children))
        if isinstance(node, Or):
            leaves = _CLeafSet(self._leaf(child, rule_id) for child in node.children if isinstance(child, Leaf))
            others = tuple(self._compile(child, rule_id) for child in node.children if not isinstance(child, Leaf))
            return _COr(leaves, others)
        if isinstance(node, Not):
            return _CNot(self._compile(node.child, rule_id))
        return _CNear(
            node.distance,
            _CLeafSet(self._leaf(leaf, rule_id) for leaf in node.left),
            _CLeafSet(self._leaf(leaf, rule_id) for leaf in node.right),
        )

    def leaf_source(self, leaf_id: int) -> str:
        return self._leaf_sources[leaf_id]

    def match(self, tokens: Sequence[Token]) -> tuple[list[Token], dict[int, list[Span]]]:
        """The sentence's words (punctuation dropped) and, for each rule that holds, its spans.

        Span positions index the returned word list.
        """
        words = [token for token in tokens if token.kind != "punct"]
        hits: dict[int, list[int]] = {}
        by_form, by_lemma, prefixes = self._by_form, self._by_lemma, self._prefixes
        for position, token in enumerate(words):
            lower, token_lemma = token.lower, token.lemma
            ids = by_form.get(lower)
            if ids is not None:
                for word_id in ids:
                    _append(hits, word_id, position)
            if token_lemma != lower:
                ids = by_lemma.get(token_lemma)
                if ids is not None:
                    for word_id in ids:
                        _append(hits, word_id, position)
            for prefix, word_id, _exact in prefixes.get(lower[:MIN_PREFIX], ()):
                if lower.startswith(prefix):
                    _append(hits, word_id, position)
            if token_lemma != lower:
                for prefix, word_id, exact in prefixes.get(token_lemma[:MIN_PREFIX], ()):
                    if not exact and token_lemma.startswith(prefix):
                        _append(hits, word_id, position)
        if not hits:
            return words, {}
        is_anchor, word_rules = self._is_anchor, self._word_rules
        anchors = [(word_id, positions) for word_id, positions in hits.items() if is_anchor[word_id]]
        candidates: set[int] = set()
        for word_id, _ in anchors:
            candidates |= word_rules[word_id]
        found = _Found(hits, anchors)
        matched = {}
        roots = self._roots
        for rule_id in sorted(candidates):
            spans = roots[rule_id].eval(found)
            if spans:
                matched[rule_id] = spans
        return words, matched


def _rarity(word: Word) -> tuple[bool, bool, int]:
    """How good a word is at ruling sentences out: not a stop word, a whole word, then length."""
    return (word.text not in STOPWORDS, not word.prefix, len(word.text))


def _append(hits: dict[int, list[int]], word_id: int, position: int) -> None:
    positions = hits.setdefault(word_id, [])
    if not positions or positions[-1] != position:
        positions.append(position)


def _lemma_forms(word: str) -> set[str]:
    """A bare term's word and its Italian and English lemmas: what a token's form or lemma may equal."""
    return {word, lemma(word, "it"), lemma(word, "en")}

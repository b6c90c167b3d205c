"""The rule language of topics: its grammar, syntax tree and parser.

A rule says which sentences talk about a topic. Grammar (operators in capitals, loosest first)::

    rule     := or
    or       := and ( "OR" and )*
    and      := unary ( "AND" unary )*
    unary    := "NOT" unary | primary
    primary  := term | phrase | "(" or ")" | near
    near     := "NEAR/" n "(" operand "," operand ")"        n = 0 … 50
    operand  := term | phrase | "(" term-or-phrase ( "OR" term-or-phrase )* ")"
    term     := a word, optionally ending in "*"             rimborso, rimbors*, wi-fi, 5G
    phrase   := '"' words '"'                                "consegna in ritardo", "non funzion*"

- A bare term matches a word by its form or its lemma, in Italian and English: ``rimborso`` matches
  "rimborso", "rimborsi", "rimborsato"; ``refund`` matches "refunds", "refunded". Compounds the
  tokenizer splits (``wi-fi``, ``5G``) match as the same words in a row.
- A phrase matches its words exactly as written (lower-cased), in a row; use it where a lemma would
  be too broad ("reso" is also a form of "rendere") or word order matters.
- ``*`` at the end of a term or of a phrase word matches any ending (at least 3 letters before it).
- ``NEAR/n(a, b)``: ``a`` and ``b`` in either order with at most ``n`` words between them.
- ``NOT x``: the sentence does not contain ``x``. A rule must need at least one term that is not
  under NOT (a rule that matches an empty sentence is refused).
- Juxtaposed terms are an error, not an implicit AND, so "ritardo consegna" is not silently read.

Rules are evaluated per sentence; ``cxhub.text.topic_index.RuleIndex`` compiles many of them together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cxhub.text.tokens import tokenize

MAX_NEAR = 50
MAX_DEPTH = 40  # nested parentheses and NOTs; deeper is a mistake, and would exhaust the stack
MIN_PREFIX = 3


class TaxonomyError(ValueError):
    """A taxonomy or rule that cannot be used; ``field`` names where, ``problem`` what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


# --- syntax tree -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # lower case, without the "*"
    prefix: bool
    exact: bool


@dataclass(frozen=True, slots=True)
class Leaf:
    """A term or a phrase: one or more words in a row. ``source`` is how the rule wrote it."""

    source: str
    words: tuple[Word, ...]


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Near:
    distance: int
    left: tuple[Leaf, ...]
    right: tuple[Leaf, ...]


Node = Leaf | And | Or | Not | Near


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed rule; ``source`` is the text it was parsed from."""

    source: str
    root: Node

    def leaves(self) -> list[Leaf]:
        """Every term and phrase of the rule, in order of appearance."""
        out: list[Leaf] = []
        _collect_leaves(self.root, out)
        return out

    def __str__(self) -> str:
        return self.source


def _collect_leaves(node: Node, out: list[Leaf]) -> None:
    if isinstance(node, Leaf):
        out.append(node)
    elif isinstance(node, And | Or):
        for child in node.children:
            _collect_leaves(child, out)
    elif isinstance(node, Not):
        _collect_leaves(node.child, out)
    else:
        out.extend(node.left)
        out.extend(node.right)


# --- parser ------------------------------------------------------------------------------------

_LEX = re.compile(
    r"""\s*(?:
      (?P<near>NEAR(?:/(?P<n>\d+))?(?![^\s(),"]))
    | (?P<op>(?:AND|OR|NOT)(?![^\s(),"]))
    | (?P<phrase>"[^"]*")
    | (?P<open>\()
    | (?P<close>\))
    | (?P<comma>,)
    | (?P<term>[^\s(),"]+)
    | (?P<bad>\S)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: str  # near, op, phrase, open, close, comma, term, end
    text: str
    column: int  # 1-based
    distance: int | None = None


def _lex(source: str) -> list[_Lexeme]:
    lexemes = []
    position = 0
    while position < len(source):
        match = _LEX.match(source, position)
        if match is None or match.end() == position:  # only trailing blanks are left
            break
        position = match.end()
        kind = match.lastgroup or "bad"
        column = match.start(kind) + 1
        if kind == "bad":
            problem = "unclosed quote" if match.group(kind) == '"' else f"unexpected {match.group(kind)!r}"
            raise TaxonomyError("rule", f"{problem} at column {column}")
        distance = None
        if kind == "near":
            if match.group("n") is None:
                raise TaxonomyError("rule", f"NEAR needs a distance, e.g. NEAR/3(a, b), at column {column}")
            distance = int(match.group("n"))
            if distance > MAX_NEAR:
                raise TaxonomyError("rule", f"NEAR distance {distance} is above {MAX_NEAR} at column {column}")
        lexemes.append(_Lexeme(kind, match.group(kind), column, distance))
    lexemes.append(_Lexeme("end", "", len(source) + 1))
    return lexemes


def _describe(lexeme: _Lexeme) -> str:
    return "the end of the rule" if lexeme.kind == "end" else f"{lexeme.text!r} at column {lexeme.column}"


def _words(text: str, column: int, exact: bool) -> tuple[Word, ...]:
    """The words of a term or phrase, split the way text is tokenized."""
    words = []
    for raw in text.replace("’", "'").split():
        prefix = raw.endswith("*")
        body = raw.rstrip("*")
        if "*" in body:
            raise TaxonomyError("rule", f"'*' is only allowed at the end of a word, in {text!r} at column {column}")
        tokens = [t for t in tokenize(body.lower(), "it") if t.kind != "punct"]
        if not tokens:
            raise TaxonomyError("rule", f"{raw!r} at column {column} has no letters or digits")
        if prefix and len(tokens[-1].lower) < MIN_PREFIX:
            raise TaxonomyError(
                "rule", f"a wildcard needs at least {MIN_PREFIX} letters before '*', in {raw!r} at column {column}"
            )
        for i, token in enumerate(tokens):
            words.append(Word(token.lower, prefix and i == len(tokens) - 1, exact))
    if not words:
        raise TaxonomyError("rule", f"empty phrase at column {column}")
    return tuple(words)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lexemes = _lex(source)
        self.position = 0
        self.depth = 0

    def peek(self) -> _Lexeme:
        return self.lexemes[self.position]

    def take(self) -> _Lexeme:
        lexeme = self.lexemes[self.position]
        self.position += 1
        return lexeme

    def is_op(self, name: str) -> bool:
        lexeme = self.peek()
        return lexeme.kind == "op" and lexeme.text == name

    def expect(self, kind: str, what: str) -> _Lexeme:
        lexeme = self.take()
        if lexeme.kind != kind:
            raise TaxonomyError("rule", f"expected {what}, found {_describe(lexeme)}")
        return lexeme

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise TaxonomyError("rule", "the rule is empty")
        node = self.parse_or()
        lexeme = self.peek()
        if lexeme.kind != "end":
            if lexeme.kind in ("term", "phrase", "open", "near") or self.is_op("NOT"):
                raise TaxonomyError(
                    "rule",
                    f"missing operator before {_describe(lexeme)} (write AND, OR, AND NOT between terms; "
                    "operators are in capitals)",
                )
            raise TaxonomyError("rule", f"unexpected {_describe(lexeme)}")
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.is_op("OR"):
            self.take()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while self.is_op("AND"):
            self.take()
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def nest(self, lexeme: _Lexeme) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise TaxonomyError("rule", f"nested more than {MAX_DEPTH} levels deep at column {lexeme.column}")

    def parse_unary(self) -> Node:
        if self.is_op("NOT"):
            self.nest(self.take())
            node = Not(self.parse_unary())
            self.depth -= 1
            return node
        return self.parse_primary()

    def parse_primary(self) -> Node:
        lexeme = self.take()
        if lexeme.kind == "term":
            return Leaf(lexeme.text, _words(lexeme.text, lexeme.column, exact=False))
        if lexeme.kind == "phrase":
            return Leaf(lexeme.text.strip('"'), _words(lexeme.text.strip('"'), lexeme.column, exact=True))
        if lexeme.kind == "open":
            self.nest(lexeme)
            node = self.parse_or()
            self.expect("close", f"')' to close the '(' at column {lexeme.column}")
            self.depth -= 1
            return node
        if lexeme.kind == "near":
            assert lexeme.distance is not None
            self.expect("open", "'(' after NEAR")
            left = self.parse_operand()
            self.expect("comma", "',' between the two operands of NEAR")
            right = self.parse_operand()
            self.expect("close", "')' after the second operand of NEAR (NEAR takes two)")
            return Near(lexeme.distance, left, right)
        raise TaxonomyError("rule", f"expected a term, a phrase, '(' or NEAR, found {_describe(lexeme)}")

    def parse_operand(self) -> tuple[Leaf, ...]:
        start = self.peek()
        node = self.parse_or()
        if isinstance(node, Leaf):
            return (node,)
        if isinstance(node, Or) and all(isinstance(child, Leaf) for child in node.children):
            return tuple(child for child in node.children if isinstance(child, Leaf))
        raise TaxonomyError("rule", f"a NEAR operand is a term, a phrase or (a OR b …), at column {start.column}")


def _holds_without_terms(node: Node) -> bool:
    """Whether ``node`` is true in a sentence that contains none of its terms."""
    if isinstance(node, And):
        return all(_holds_without_terms(child) for child in node.children)
    if isinstance(node, Or):
        return any(_holds_without_terms(child) for child in node.children)
    if isinstance(node, Not):
        return not _holds_without_terms(node.child)
    return False


def parse_rule(text: str) -> Rule:
    """Parse a rule (grammar in the module docstring); raises ``TaxonomyError`` with the column on bad syntax."""
    if not isinstance(text, str):
        raise TaxonomyError("rule", f"a rule is a string, not {type(text).__name__}")
    source = text.strip()
    root = _Parser(source).parse()
    if _holds_without_terms(root):
        raise TaxonomyError(
            "rule", "the rule matches sentences without any of its terms; it needs a term that is not under NOT"
        )
    return Rule(source, root)

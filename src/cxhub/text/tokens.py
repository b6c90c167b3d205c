"""Sentences and tokens, with lemmas: the shared first step of every text analysis.

Pure functions, no I/O. ``tokenize`` keeps character offsets so later steps (PII masking, topic
mentions, highlighting in the UI) can point back into the original text. Italian elisions are split
("l'attesa" → "l'", "attesa") so the lexicon sees the noun. Lemmas come from simplemma, cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import simplemma

LEMMA_LANGUAGES = frozenset({"it", "en"})

_EMOTICON = r"(?:[:;=8xX][\-o\*']?[\)\]\(\[dDpP/\\|@3]+|<3+|</3|\^_?\^|[\)\(]:)"
_EMOJI = (
    "[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2764\u203c\u2049\u2122\u2139\u2194-\u21aa"
    "\u231a-\u23ff\u25aa-\u25fe\u2934\u2935\u3030\u303d\u3297\u3299][\ufe0f\U0001f3fb-\U0001f3ff]*"
)
_TOKEN = re.compile(
    rf"""
    (?P<url>(?:https?://|www\.)\S+)
  | (?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)
  | (?P<mention>@\w+)
  | (?P<hashtag>\#\w+)
  | (?P<emoticon>(?<!\w){_EMOTICON}(?!\w))
  | (?P<emoji>{_EMOJI})
  | (?P<number>\d+(?:[.,:/]\d+)*)
  | (?P<word>[^\W\d_]+(?:['’](?=[^\W\d_]))?|[^\W\d_]+)
  | (?P<punct>[!?]+|[.…,;:()\-–—"«»]+)
    """,
    re.VERBOSE,
)
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])[\"'»)\]]*\s+"  # after a full stop, question or exclamation mark
    r"|\n\s*\n|\s*\n(?=\s*[-*•\d])"  # a blank line, or a new line that starts a list item
    r"|(?<=[\U0001f300-\U0001faff])\s+(?=[A-ZÀ-Ý])"  # an emoji, then a capital letter
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token. ``start``/``end`` are offsets into the original text; ``lemma`` is lower-case."""

    text: str
    lower: str
    lemma: str
    kind: str  # word, number, emoji, emoticon, punct, url, email, mention, hashtag
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str
    tokens: tuple[Token, ...]


@lru_cache(maxsize=65_536)  # bounded: a cached word costs ~300 bytes in every process that analyses text
def lemma(word: str, language: str) -> str:
    """The lemma of a lower-case word in ``language`` (it/en); the word itself for other languages."""
    if language not in LEMMA_LANGUAGES or not word.isalpha():
        return word
    return simplemma.lemmatize(word, lang=language).lower()


def tokenize(text: str, language: str = "it", offset: int = 0) -> list[Token]:
    """Tokens of ``text``; ``offset`` is added to every position (for a sentence inside a text)."""
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "word"
        surface = match.group()
        lower = surface.lower()
        if kind == "word":
            lower = lower.replace("’", "'")
            base = lower.rstrip("'")
            token_lemma = lemma(base, language) + ("'" if base != lower else "")
        else:
            token_lemma = lower
        tokens.append(Token(surface, lower, token_lemma, kind, match.start() + offset, match.end() + offset))
    return tokens


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of ``text``, blank ones dropped."""
    spans = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def sentences(text: str, language: str = "it") -> list[Sentence]:
    """The sentences of ``text`` with their tokens."""
    out = []
    for start, end in split_sentences(text):
        chunk = text[start:end]
        out.append(Sentence(start, end, chunk, tuple(tokenize(chunk, language, offset=start))))
    return out

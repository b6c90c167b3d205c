"""Sentiment of Italian and English customer texts: a lexicon and a few rules, explainable and fast.

The rules are VADER's (Hutto & Gilbert, 2014) adapted to Italian and to customer-experience text:

- words and multi-word phrases carry a valence in [-4, 4] (``lexicon.py``, ``data/``), matched on the
  lower-case form, then the lemma, then Italian morphology (-issimo, -mente, feminine and plural forms);
- a negator up to four words before ("non", "mai", "nessun", "senza", "not", "never", "n't") flips and
  dampens a valence (x -0.74); Italian negative concord ("non … niente") counts once;
- boosters and diminishers scale it ("molto", "davvero", "really" / "un po'", "slightly"); "poco gentile"
  is a weak negation; a word in CAPITALS in a mixed-case text is stronger, so are "!" (up to four);
- a sentence is cut into clauses at contrast words and at , ; : — the clauses before "ma"/"but" weigh
  half, those after one and a half; a clause opened by "anche se"/"although" weighs half.

Scores are normalised as VADER does, ``x / sqrt(x² + 15)``, into [-1, 1]. Each clause keeps its own
score, so a topic mention gets the sentiment of the clause it sits in (``clause_sentiment``).
Pure functions over ``tokens.Sentence``; no I/O beyond loading the lexicon once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from cxhub.text import tokens
from cxhub.text.lexicon import EN, IT, LIKE_SUBJECTS, Lexicon, emoji_valence, lexicon, word_valence

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
# Label thresholds: positive from +THRESHOLD, negative from -THRESHOLD_NEGATIVE. VADER uses ±0.05; ours
# were chosen on the tune part of SENTIPOLC only (benchmarks/text_accuracy.py): people are polite in
# writing ("grazie", "ok") far more often than they are positive, while a negative word rarely lies.
THRESHOLD = 0.35
THRESHOLD_NEGATIVE = 0.05
NEGATION_FACTOR = -0.74
WEAK_NEGATION_FACTOR = -0.5
CAPS_BOOST = 0.733
EXCLAMATION_BOOST = 0.292
QUESTION_FACTOR = 0.5  # "is it good?" asks, it does not say
NEGATION_WINDOW = 4
BOOSTER_WINDOW = 2
BEFORE_CONTRAST, AFTER_CONTRAST, CONCESSION = 0.5, 1.5, 0.5
_ALPHA = 15.0
_CLAUSE_PUNCT = frozenset(",;:()–—-")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A ``label`` (positive/neutral/negative) and a ``score`` in [-1, 1]."""

    label: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"label": self.label, "score": round(self.score, 3)}


@dataclass(frozen=True, slots=True)
class Clause:
    """A span of a sentence between contrast words or clause punctuation, with its unweighted valence."""

    start: int
    end: int
    valence: float
    weight: float


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    start: int
    end: int
    valence: float  # weighted sum of the clauses, "!" included; the sentence's score normalises it
    sentiment: Sentiment
    clauses: tuple[Clause, ...]


@dataclass(frozen=True, slots=True)
class TextSentiment:
    """Sentiment of a whole text, of each sentence, and of each clause."""

    sentiment: Sentiment
    sentences: tuple[SentenceSentiment, ...]
    valence: float

    def clause_sentiment(self, start: int, end: int | None = None) -> Sentiment:
        """Sentiment of the clause holding the span ``start``…``end`` (character offsets into the text).

        Falls back to the clause's contrast segment and then to its sentence when the clause itself
        carries no sentiment ("la consegna, che aspettavo da giorni, è arrivata rotta": the subject
        "consegna" takes the sentence's sentiment). Neutral when the span is outside every sentence.
        """
        return clause_sentiment(self, start, end)


def label_for(score: float, positive: float = THRESHOLD, negative: float = THRESHOLD_NEGATIVE) -> str:
    """positive / neutral / negative for a score in [-1, 1]."""
    if score >= positive:
        return POSITIVE
    if score <= -negative:
        return NEGATIVE
    return NEUTRAL


def normalize(valence: float) -> float:
    """A sum of valences squashed into [-1, 1] (VADER's normalisation)."""
    return valence / math.sqrt(valence * valence + _ALPHA) if valence else 0.0


def lexicon_key(language: str, mixed: bool = False) -> str:
    """Which lexicon serves a text: its own for it/en, both (its own first) when mixed, both for the rest."""
    if language in (IT, EN):
        return f"{language}+{EN if language == IT else IT}" if mixed else language
    return "en+it"


def analyze_sentiment(text: str, language: str = IT, *, mixed: bool = False) -> TextSentiment:
    """Sentiment of ``text`` in ``language`` (it/en; other values use both lexicons)."""
    lemma_language = language if language in (IT, EN) else "xx"
    return score_sentences(tokens.sentences(text, lemma_language), lexicon_key(language, mixed))


def score_sentences(sentences: Sequence[tokens.Sentence], key: str) -> TextSentiment:
    """Sentiment of already tokenised sentences with the lexicon ``key`` (see ``lexicon_key``)."""
    lex = lexicon(key)
    shouting = _shouting(sentences)
    scored = tuple(_score_sentence(sentence, lex, key, shouting) for sentence in sentences)
    valence = sum(sentence.valence for sentence in scored)
    return TextSentiment(_sentiment(valence), scored, valence)


def _sentiment(valence: float) -> Sentiment:
    score = normalize(valence)
    return Sentiment(label_for(score), score)


def clause_sentiment(result: TextSentiment, start: int, end: int | None = None) -> Sentiment:
    """Sentiment of the clause of ``result`` holding ``start``…``end``; see ``TextSentiment.clause_sentiment``."""
    for sentence in result.sentences:
        if sentence.start <= start < max(sentence.end, start + 1) and start < sentence.end:
            return _clause_of(sentence, start)
    return Sentiment(NEUTRAL, 0.0)


def _clause_of(sentence: SentenceSentiment, start: int) -> Sentiment:
    clauses = sentence.clauses
    index = next((i for i, clause in enumerate(clauses) if clause.start <= start < clause.end), None)
    if index is None:
        index = max((i for i, clause in enumerate(clauses) if clause.start <= start), default=0)
    if clauses and clauses[index].valence:
        return _sentiment(clauses[index].valence)
    # The contrast segment: neighbouring clauses with the same weight (no contrast word between them).
    if clauses:
        weight = clauses[index].weight
        low = index
        while low > 0 and clauses[low - 1].weight == weight:
            low -= 1
        high = index
        while high + 1 < len(clauses) and clauses[high + 1].weight == weight:
            high += 1
        segment = sum(clause.valence for clause in clauses[low : high + 1])
        if segment and (low, high) != (0, len(clauses) - 1):
            return _sentiment(segment)
    return sentence.sentiment


def _shouting(sentences: Sequence[tokens.Sentence]) -> bool:
    """True when the whole text is in capitals: then capitals are no emphasis."""
    letters = [t.text for s in sentences for t in s.tokens if t.kind == "word" and len(t.text) > 1]
    return bool(letters) and sum(word.isupper() for word in letters) > 0.6 * len(letters)


def _score_sentence(sentence: tokens.Sentence, lex: Lexicon, key: str, shouting: bool) -> SentenceSentiment:
    toks = sentence.tokens
    n = len(toks)
    proper_nouns = lex.italian and key.startswith(IT)
    valences = [0.0] * n
    role = [""] * n  # neg, weak, res(olver), boost, break, adv, conc, skip (inside a phrase)
    i = 0
    while i < n:
        token = toks[i]
        kind = token.kind
        if kind == "word":
            lower = token.lower
            phrase = _match_phrase(toks, i, lex)
            if phrase is not None:
                last, value = phrase
                valences[i] = value
                for j in range(i + 1, last + 1):
                    role[j] = "skip"
                i = last + 1
                continue
            if lower in lex.negators or (lower.endswith("n'") and len(lower) > 2 and not lex.italian):
                role[i] = "neg"
            elif lower in lex.weak_negators and not (i and toks[i - 1].lower == "un"):
                role[i] = "weak"
            elif lower in lex.resolvers:
                role[i] = "res"
            elif lower in lex.adversative:
                role[i] = "adv"
            elif lower in lex.boosters:
                role[i] = "boost"
            if role[i] in ("", "boost", "adv", "res") and not (proper_nouns and _proper_noun(toks, i)):
                value, found = word_valence(key, lower, token.lemma)
                if found and not (lower == "like" and not (i and toks[i - 1].lower in LIKE_SUBJECTS)):
                    valences[i] = value
            if role[i] == "" and (
                lower in lex.concessive or (i + 1 < n and (lower, toks[i + 1].lower) in lex.concessive_pairs)
            ):
                role[i] = "conc"
        elif kind in ("emoji", "emoticon"):
            valences[i] = emoji_valence(token.text)
        elif kind == "hashtag":
            valences[i] = word_valence(key, token.lower[1:], token.lower[1:])[0]
        elif kind == "punct" and (token.text[0] in _CLAUSE_PUNCT):
            role[i] = "break"
        i += 1
    _apply_modifiers(toks, valences, role, lex, shouting)
    return _clauses(sentence, valences, role)


def _proper_noun(toks: Sequence[tokens.Token], i: int) -> bool:
    """A capitalised word inside an Italian sentence is a name ("governo Monti", "Letta", "Fede"), not a word.

    Italian capitalises far less than English (no title case), so this costs little and spares the
    lexicon from surnames that are also adjectives or verbs.
    """
    text = toks[i].text
    if i == 0 or not text[0].isupper() or text.isupper() or len(text) < 2:
        return False
    previous = toks[i - 1]
    return previous.kind in ("word", "number", "mention", "hashtag") or previous.text in (",", "(", ":", '"', "«")


def _match_phrase(toks: Sequence[tokens.Token], i: int, lex: Lexicon) -> tuple[int, float] | None:
    """(index of the last token, valence) of the longest phrase starting at token ``i``, if any."""
    first = toks[i]
    candidates = lex.phrases.get(first.lower) or lex.phrases.get(first.lemma)
    if not candidates:
        return None
    for words, value in candidates:  # longest first
        j = i
        matched = True
        for word in words[1:]:
            j += 1
            if j >= len(toks) or (toks[j].lower != word and toks[j].lemma != word):
                matched = False
                break
        if matched:
            return j, value
    return None


def _apply_modifiers(
    toks: Sequence[tokens.Token], valences: list[float], role: list[str], lex: Lexicon, shouting: bool
) -> None:
    """Negation, boosters and capitals, in place; a booster followed by a sentiment word loses its own valence."""
    n = len(toks)
    for i in range(n):
        value = valences[i]
        if not value:
            continue
        token = toks[i]
        if token.kind == "word" and not shouting and len(token.text) > 1 and token.text.isupper():
            value += CAPS_BOOST if value > 0 else -CAPS_BOOST
        negated = weak = False
        boost = 1.0
        words_back = 0
        j = i - 1
        while j >= 0 and words_back < NEGATION_WINDOW:
            r = role[j]
            if r in ("break", "adv", "conc"):
                break
            if toks[j].kind == "word" and r != "skip":
                words_back += 1
                if r in ("neg", "res"):
                    negated = True
                elif r == "weak":
                    weak = True
                elif r == "boost" and words_back <= BOOSTER_WINDOW:
                    boost *= 1.0 + lex.boosters[toks[j].lower]
                    valences[j] = 0.0  # "super gentile": "super" boosts, it does not count twice
                elif r == "" and valences[j]:
                    break  # a negation reaches the first sentiment word after it, not the ones beyond
            j -= 1
        value *= boost
        if negated:
            value *= NEGATION_FACTOR
        elif weak:
            value *= WEAK_NEGATION_FACTOR
        valences[i] = value


def _clauses(sentence: tokens.Sentence, valences: list[float], role: list[str]) -> SentenceSentiment:
    toks = sentence.tokens
    spans: list[tuple[int, int, str]] = []  # token ranges and what opened them
    begin, opener = 0, ""
    for i, r in enumerate(role):
        if r in ("break", "adv", "conc") and i > begin:
            spans.append((begin, i, opener))
            begin, opener = i, r
        elif r in ("adv", "conc"):
            opener = r
    spans.append((begin, len(toks), opener))
    last_adversative = max((k for k, span in enumerate(spans) if span[2] == "adv"), default=-1)
    clauses = []
    total = 0.0
    for k, (low, high, opener) in enumerate(spans):
        valence = sum(valences[low:high])
        weight = 1.0
        if last_adversative >= 0:
            weight = AFTER_CONTRAST if k >= last_adversative else BEFORE_CONTRAST
        if opener == "conc":
            weight = CONCESSION
        total += valence * weight
        start = toks[low].start if low < len(toks) else sentence.end
        end = toks[high].start if high < len(toks) else sentence.end
        clauses.append(Clause(start, end, valence, weight))
    if total:
        bangs = min(sentence.text.count("!"), 4)
        total += math.copysign(bangs * EXCLAMATION_BOOST, total)
        if sentence.text.rstrip().endswith("?") and not bangs:
            total *= QUESTION_FACTOR
    return SentenceSentiment(sentence.start, sentence.end, total, _sentiment(total), tuple(clauses))

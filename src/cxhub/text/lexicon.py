"""The word lists behind sentiment: valence lexicons, phrases, emoji, and the closed-class words.

The open lists (words, phrases, emoji) are TSV files in ``data/``, written by the cxhub authors, so a
domain expert can edit them without touching code. The closed classes (negators, boosters, contrast
words) are short and tied to the rules, so they live here. Everything is loaded once, lazily.
Valences are on VADER's scale, [-4, 4].
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from cxhub.text import tokens


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


IT, EN = "it", "en"

NEGATORS: dict[str, frozenset[str]] = {
    IT: _set("non mai nessuno nessuna nessun niente nulla senza né neanche nemmeno neppure mica zero"),
    EN: _set("""not no never none nobody nothing neither nor without cannot dont didnt doesnt isnt wasnt werent arent
        cant wont couldnt wouldnt shouldnt aint hardly barely zero n't"""),
}
# Multiplier minus one: "molto" makes the next sentiment word 30 % stronger, "un po'" 40 % weaker.
BOOSTERS: dict[str, dict[str, float]] = {
    IT: {
        "molto": 0.3, "davvero": 0.3, "veramente": 0.3, "proprio": 0.2, "tanto": 0.2, "troppo": 0.3,
        "super": 0.4, "estremamente": 0.4, "incredibilmente": 0.4, "assolutamente": 0.4, "decisamente": 0.3,
        "particolarmente": 0.2, "parecchio": 0.2, "così": 0.2, "cosi": 0.2, "talmente": 0.3, "totalmente": 0.4,
        "completamente": 0.4, "affatto": 0.3, "alquanto": 0.1, "piuttosto": 0.1, "gran": 0.3, "grande": 0.3,
        "vero": 0.3, "vera": 0.3, "enorme": 0.3, "tremendamente": 0.4, "terribilmente": 0.4, "estremo": 0.3,
        "abbastanza": -0.2, "po": -0.4, "leggermente": -0.4, "quasi": -0.3, "relativamente": -0.3,
    },
    EN: {
        "very": 0.3, "really": 0.3, "so": 0.2, "extremely": 0.4, "super": 0.4, "too": 0.2, "totally": 0.4,
        "absolutely": 0.4, "completely": 0.4, "incredibly": 0.4, "truly": 0.3, "highly": 0.3, "quite": 0.15,
        "pretty": 0.15, "especially": 0.2, "particularly": 0.2, "most": 0.3, "utterly": 0.4, "seriously": 0.3,
        "deeply": 0.3, "thoroughly": 0.3, "such": 0.2, "hugely": 0.3, "terribly": 0.3, "awfully": 0.3,
        "damn": 0.3, "freaking": 0.3, "fucking": 0.4, "bloody": 0.3, "insanely": 0.4, "ridiculously": 0.3,
        "exceptionally": 0.4, "remarkably": 0.3, "genuinely": 0.2, "unbelievably": 0.4, "real": 0.2,
        "slightly": -0.4, "somewhat": -0.3, "bit": -0.3, "kinda": -0.3, "little": -0.3, "marginally": -0.4,
        "partly": -0.3, "almost": -0.2, "fairly": -0.1, "rather": 0.1, "less": -0.3,
    },
}  # fmt: skip
# "poco gentile" is not "a little kind" but "unkind": a weak negator, unlike "un po'".
WEAK_NEGATORS: dict[str, frozenset[str]] = {IT: frozenset({"poco", "scarsamente"}), EN: frozenset({"rarely"})}
# "fixed the problem", "risolto il disservizio": a solving verb turns the trouble after it into good news.
RESOLVERS: dict[str, frozenset[str]] = {
    IT: _set("risolto risolta risolti risolve risolvere risolvono sistemato sistemata eliminato superato"),
    EN: _set("fix fixed fixes solve solved solves resolve resolved resolves eliminated removed cured"),
}
# English "like" is a verb of liking only after a subject or an auxiliary; elsewhere it means "similar to"
# ("tasted like dirt").
LIKE_SUBJECTS = _set("i i' we you they really truly do did does t definitely also totally absolutely still just")
# After "ma"/"but" the clause weighs more; a clause opened by "anche se"/"although" weighs less.
ADVERSATIVE: dict[str, frozenset[str]] = {
    IT: _set("ma però pero tuttavia eppure invece purtroppo peccato"),
    EN: _set("but however yet unfortunately sadly"),
}
CONCESSIVE: dict[str, tuple[tuple[str, ...], ...]] = {
    IT: (("anche", "se"), ("nonostante",), ("sebbene",), ("benché",), ("benche",), ("malgrado",), ("seppur",)),
    EN: (("although",), ("though",), ("even", "though"), ("even", "if"), ("despite",), ("whereas",)),
}

_EMOJI_MODIFIERS = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")
_REPEAT = re.compile(r"(.)\1+$")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The merged word lists for one language, or for a mix ("it+en": Italian first, then English)."""

    words: dict[str, float]
    phrases: dict[str, tuple[tuple[tuple[str, ...], float], ...]]  # first word → (words, valence), longest first
    negators: frozenset[str]
    weak_negators: frozenset[str]
    resolvers: frozenset[str]
    boosters: dict[str, float]
    adversative: frozenset[str]
    concessive: frozenset[str]  # one word opens a concession ("nonostante")…
    concessive_pairs: frozenset[tuple[str, str]]  # …or two ("anche se")
    italian: bool


def _data(name: str) -> list[tuple[str, str]]:
    text = resources.files("cxhub.text").joinpath("data", name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("\t")
            rows.append((key, value))
    return rows


@cache
def _words(language: str) -> dict[str, float]:
    return {key: float(value) for key, value in _data(f"sentiment_{language}.tsv")}


@cache
def _phrases(language: str) -> dict[str, list[tuple[tuple[str, ...], float]]]:
    index: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for key, value in _data(f"phrases_{language}.tsv"):
        # Tokenised like the texts they are matched against: "l'ennesima" → "l'", "ennesima".
        words = tuple(token.lower for token in tokens.tokenize(key, "xx") if token.kind in ("word", "number"))
        if len(words) > 1:
            index.setdefault(words[0], []).append((words, float(value)))
    return index


@cache
def emoji() -> dict[str, float]:
    """Emoji and emoticons → valence."""
    return {key: float(value) for key, value in _data("emoji.tsv")}


def emoji_valence(symbol: str) -> float:
    """The valence of an emoji or emoticon token (skin tones and repeated mouths ignored); 0 when unknown."""
    table = emoji()
    value = table.get(symbol)
    if value is None:
        bare = _EMOJI_MODIFIERS.sub("", symbol)
        value = table.get(bare)
        if value is None:
            value = table.get(_REPEAT.sub(r"\1", bare), 0.0)
    return value


@cache
def lexicon(language: str) -> Lexicon:
    """The lexicon for "it", "en", or a mix "it+en" / "en+it" (the first language wins on conflicts)."""
    languages = [part for part in language.split("+") if part in (IT, EN)] or [EN, IT]
    words: dict[str, float] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    for part in reversed(languages):
        words.update(_words(part))
        for first, entries in _phrases(part).items():
            phrases.setdefault(first, []).extend(entries)
    return Lexicon(
        words=words,
        phrases={first: tuple(sorted(entries, key=lambda e: -len(e[0]))) for first, entries in phrases.items()},
        negators=frozenset().union(*(NEGATORS[part] for part in languages)),
        weak_negators=frozenset().union(*(WEAK_NEGATORS[part] for part in languages)),
        resolvers=frozenset().union(*(RESOLVERS[part] for part in languages)),
        boosters={key: value for part in reversed(languages) for key, value in BOOSTERS[part].items()},
        adversative=frozenset().union(*(ADVERSATIVE[part] for part in languages)),
        concessive=frozenset(entry[0] for part in languages for entry in CONCESSIVE[part] if len(entry) == 1),
        concessive_pairs=frozenset(
            (entry[0], entry[1]) for part in languages for entry in CONCESSIVE[part] if len(entry) == 2
        ),
        italian=IT in languages,
    )


@lru_cache(maxsize=100_000)
def word_valence(lexicon_key: str, lower: str, lemma: str) -> tuple[float, bool]:
    """(valence, found) of a word: lower-case form, lemma, then Italian/English morphology fallbacks.

    Italian superlatives (-issimo) and -mente adverbs map to their base adjective; a superlative is
    30 % stronger than its base. Feminine and plural forms fall back to the masculine singular, which
    covers the forms simplemma leaves alone.
    """
    words = lexicon(lexicon_key).words
    value = words.get(lower)
    if value is None and lemma != lower:
        value = words.get(lemma)
    if value is not None:
        return value, True
    for candidate, factor in _variants(lower, lexicon(lexicon_key).italian):
        value = words.get(candidate)
        if value is not None:
            return value * factor, True
    return 0.0, False


def _variants(word: str, italian: bool) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    if italian and len(word) > 4:
        if word[-6:-1] == "issim":
            base = word[:-6]
            out += [(base + "o", 1.3), (base + "e", 1.3), (base + "a", 1.3)]
            if base.endswith(("ch", "gh")):
                out.append((base[:-1] + "o", 1.3))
        elif word.endswith("mente"):
            base = word[:-5]
            out += [(base, 1.0), (base[:-1] + "o", 1.0), (base + "e", 1.0)]
        elif word[-1] in "aie":
            out += [(word[:-1] + "o", 1.0), (word[:-1] + "e", 1.0)]
    if len(word) > 4 and word.endswith("ly"):
        out.append((word[:-2], 1.0))
        if word.endswith("ily"):
            out.append((word[:-3] + "y", 1.0))
    return out

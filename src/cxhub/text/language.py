"""Language of a text: "it", "en", "other" (any other language) or "unknown" (nothing to go on).

Two sources of evidence. Function words ("il", "che", "the", "and"…) decide most customer texts on
their own and cost a dictionary look-up per word. When they do not (short texts, names, slang),
lingua decides. Its low-accuracy mode (trigram models, about 16 MB) is built once, lazily, over
Italian, English and the languages most often confused with them, so that Spanish or French come back
as "other" instead of a wrong "it"; it reads the first 1,000 characters, by then the cue words have
usually decided. Very short texts (under 40 characters) are where the low-accuracy mode errs most:
there it only decides "another language" when it is sure and no Italian or English cue word occurs;
otherwise lingua's high-accuracy mode over Italian and English alone tells the two apart. High accuracy
over all eight languages would hold about 200 MB in every process that analyses text; over two,
about 50 MB (measured with ``benchmarks/text_accuracy.py``'s language part and the import benchmark).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


if TYPE_CHECKING:
    from lingua import LanguageDetector

IT, EN, OTHER, UNKNOWN = "it", "en", "other", "unknown"

_WORD = re.compile(r"[^\W\d_]+(?:'(?=[^\W\d_]))?")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_SHORT = 40
_LINGUA_CHARS = 1_000
_MIN_CONFIDENCE = 0.55
_GUESS_CONFIDENCE = 0.25
_OTHER_CONFIDENCE = 0.7  # a short text is "another language" only when the low-accuracy mode is this sure

# Words frequent in one language and rare in the others we tell apart. Shared words ("a", "in", "la",
# "no", "de") are left out on purpose: they carry no evidence.
_CUES: dict[str, frozenset[str]] = {
    IT: _set("""il lo gli di che non per con sono ho hai ha abbiamo avete hanno mi ti ci vi del della dello dei degli
        delle nel nella nei negli nelle al alla allo ai agli alle dal dalla dai sul sulla sui un una uno
        questo questa questi queste quello quella ma anche molto più perché perche come sempre ancora tutto
        tutti grazie buongiorno buonasera salve ciao siete era erano stato stata stati dopo già gia niente
        nessuno nessuna nessun mai volta volte quando dove cosa io lui noi voi loro mio mia miei vostro vostra
        bene poi qui così cosi essere avere fatto fare ogni ed oppure però pero invece ancora solo tanto poco
        l' un' dell' all' nell' dall' sull' c' d' qualcuno niente ottimo pessimo bravi bravo gentile
        grazie mille consegna bolletta ordine assistenza negozio servizio operatore ritardo rimborso"""),
    EN: _set("""the and is are was were you it this that these those of to for with my your not have has had be
        been being on at they we but very so just what when there from an do does did can will would me our
        their all get got thanks thank hi hello please don' didn' doesn' isn' wasn' can' won' i'  i've i'm
        it's which who about after again never always still because really great good bad terrible awesome
        service delivery order refund staff customer waiting called store"""),
    "es": _set("""el los las del que y es por una muy pero para está estoy mi su hola gracias pedido llegó nada
        también porque cuando donde como esta este servicio"""),
    "fr": _set("""le les des est et je pas une pour dans qui avec mon très mais ce sur nous vous bonjour merci du au
        c' j' n' qu' était être avoir aussi"""),
    "de": _set("""der die das und ist ich nicht ein eine mit für auf es sehr aber zu den dem von sie wir danke hallo
        war haben auch noch"""),
    "pt": _set("""os não com uma muito mas obrigado obrigada você foi está também isso"""),
}


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """``language`` (it/en/other/unknown), a ``confidence`` in [0, 1], and whether it and en both occur."""

    language: str
    confidence: float
    mixed: bool = False


def detect_language(text: str) -> str:
    """Return "it", "en", "other" or "unknown" (empty, no letters, or too short to tell: "ok") for ``text``."""
    return guess_language(text).language


def guess_language(text: str) -> LanguageGuess:
    """The language of ``text`` with its confidence and a mixed it/en flag (see the module docstring)."""
    if not text or not _LETTER.search(text):
        return LanguageGuess(UNKNOWN, 1.0)
    hits = count_cues(_WORD.findall(text.lower()))
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    best, best_hits = ranked[0]
    runner_hits = ranked[1][1]
    mixed = hits[IT] >= 2 and hits[EN] >= 2 and min(hits[IT], hits[EN]) >= 0.3 * max(hits[IT], hits[EN])
    if best_hits >= 2 and best_hits >= 2 * runner_hits + (1 if best not in (IT, EN) else 0):
        return LanguageGuess(_bucket(best), best_hits / (best_hits + runner_hits), mixed)
    if not _LATIN.search(text):
        return LanguageGuess(OTHER, 1.0)  # Arabic, Hebrew, Cyrillic, CJK…: none of ours
    language, confidence = _lingua(text, has_cue=bool(hits[IT] or hits[EN]))
    if confidence < _MIN_CONFIDENCE and best_hits > runner_hits:
        return LanguageGuess(_bucket(best), best_hits / (best_hits + runner_hits), mixed)
    if confidence < (_GUESS_CONFIDENCE if best_hits else 2 * _GUESS_CONFIDENCE):
        return LanguageGuess(UNKNOWN, confidence)  # "ok", "top", "super": any language at all
    return LanguageGuess(_bucket(language), confidence, mixed)


def count_cues(words: Iterable[str]) -> dict[str, int]:
    """How many of ``words`` (lower case) are cue words of each language we know.

    Italian and English also count the words of their sentiment lexicons that the other language
    lacks ("pessimo", "consegna"; "terrible", "refund"): customer texts are full of them.
    """
    cues = _cue_table()
    counts = dict.fromkeys(_CUES, 0)
    for word in words:
        for language in cues.get(word, ()):
            counts[language] += 1
    return counts


@cache
def _cue_table() -> dict[str, tuple[str, ...]]:
    from cxhub.text.lexicon import lexicon

    italian, english = set(lexicon(IT).words), set(lexicon(EN).words)
    table: dict[str, list[str]] = {}
    for language, words in _CUES.items():
        for word in words:
            table.setdefault(word, []).append(language)
    for language, own in ((IT, italian - english), (EN, english - italian)):
        for word in own:
            languages = table.setdefault(word, [])
            if language not in languages and not any(other in languages for other in _CUES if other != language):
                languages.append(language)
    return {word: tuple(languages) for word, languages in table.items()}


def _bucket(language: str) -> str:
    return language if language in (IT, EN) else OTHER


_LOCK = threading.Lock()
_DETECTORS: dict[str, LanguageDetector] = {}
_CODES: dict[object, str] = {}


def _lingua(text: str, *, has_cue: bool = False) -> tuple[str, float]:
    """lingua's best language (ISO 639-1 code) and its confidence.

    ``has_cue``: the text holds an Italian or English cue word, so a short text is never put down to
    another language on the low-accuracy mode's word alone.
    """
    values = _detector("low").compute_language_confidence_values(text[:_LINGUA_CHARS])
    if not values or values[0].value <= 0:
        return UNKNOWN, 0.0
    top, top_confidence = _CODES[values[0].language], float(values[0].value)
    if len(text) >= _SHORT:
        return top, top_confidence
    if top not in (IT, EN) and top_confidence >= _OTHER_CONFIDENCE and not has_cue:
        return top, top_confidence
    # Italian or English: the high-accuracy mode picks which, weighted by what the first pass left them.
    ours = sum(float(value.value) for value in values if _CODES[value.language] in (IT, EN))
    best = _detector("high").compute_language_confidence_values(text)[0]
    return _CODES[best.language], float(best.value) * max(ours, 1.0 - top_confidence)


def _detector(mode: str) -> LanguageDetector:
    detector = _DETECTORS.get(mode)
    if detector is None:
        with _LOCK:
            detector = _DETECTORS.get(mode)
            if detector is None:
                detector = _DETECTORS[mode] = _build(mode)
    return detector


def _build(mode: str) -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    ours = (Language.ITALIAN, Language.ENGLISH)
    confused = (
        Language.SPANISH,
        Language.FRENCH,
        Language.GERMAN,
        Language.PORTUGUESE,
        Language.DUTCH,
        Language.ROMANIAN,
    )
    languages = ours if mode == "high" else ours + confused
    for language in languages:
        _CODES[language] = language.iso_code_639_1.name.lower()
    builder = LanguageDetectorBuilder.from_languages(*languages)
    if mode == "low":
        builder = builder.with_low_accuracy_mode()
    return builder.build()

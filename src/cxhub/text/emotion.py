"""Emotions (anger, frustration, joy, trust, sadness, fear) and customer-effort/urgency cues.

Emotions come from a lexicon (``data/emotion_*.tsv``, written by the cxhub authors): each word or
emoji that is not negated adds to its emotions, and a score is ``1 - 0.5 ** hits`` (one word 0.5,
two 0.75, …), so it lies in [0, 1] and grows with evidence without a length bias.

Effort cues are phrases that say the customer had to work to be served ("third time I call",
"ancora nessuna risposta", "da settimane", "urgente"): regular expressions per kind, one pass per
text. Each cue found also counts half a word of frustration. Pure functions, no I/O beyond loading
the lists once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cxhub.text import tokens
from cxhub.text.lexicon import EN, IT, NEGATORS

EMOTIONS = ("anger", "frustration", "joy", "trust", "sadness", "fear")
_NEGATION_WINDOW = 3
_CUE_WEIGHT = 0.5  # an effort cue counts half a frustration word
_EMOJI_MODIFIERS = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")


@dataclass(frozen=True, slots=True)
class EffortCue:
    """A phrase that signals customer effort or urgency; ``start``/``end`` are offsets into the text."""

    kind: str  # repeat_contact, no_response, long_wait, urgency, escalation, transfer
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "text": self.text, "start": self.start, "end": self.end}


_NUM_IT = r"(?:\d+|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|mille|diverse|varie|molte|tante)"
_ORD_IT = r"(?:\d+[ªa°]?|seconda|terza|quarta|quinta|sesta|settima|ottava|nona|decima|ennesima)"
_NUM_EN = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many|numerous|countless)"
_ORD_EN = r"(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth|sixth|seventh|umpteenth|nth)"

_PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    IT: {
        "repeat_contact": (
            rf"\b(?:è|e'|per) la {_ORD_IT} volta\b",
            rf"\bho (?:già |gia )?(?:chiamato|telefonato|scritto|contattato|segnalato|sollecitato|inviato|mandato)"
            rf"(?: \w+){{0,3}}? {_NUM_IT} volte\b",
            rf"\b{_NUM_IT} (?:chiamate|telefonate|mail|e-mail|email|solleciti|segnalazioni|reclami)\b",
            r"\bho (?:già|gia) (?:chiamato|telefonato|scritto|segnalato|aperto|fatto|sollecitato|inviato|spiegato|"
            r"contattato|mandato)\b",
            r"\bennesim[ao] (?:volta|chiamata|telefonata|mail|segnalazione|sollecito|reclamo)\b",
            r"\b(?:ri)?spiegare tutto(?: da capo| di nuovo| ogni volta)?\b",
            r"\b(?:continuo|continuiamo) a (?:chiamare|scrivere|sollecitare)\b",
        ),
        "no_response": (
            r"\b(?:ancora )?nessuna (?:risposta|notizia|comunicazione|soluzione)\b",
            r"\bnessuno (?:mi |ci )?(?:ha |hanno )?(?:mai )?(?:risposto|richiamato|ricontattato|contattato|risponde|"
            r"richiama)\b",
            r"\bnon (?:mi |ci )?(?:hanno |ha |avete )?(?:mai )?(?:risposto|richiamato|ricontattato)\b",
            r"\bsenza (?:alcuna |nessuna )?risposta\b",
            r"\bnon rispond(?:e|ono|ete)\b",
        ),
        "long_wait": (
            rf"\bda (?:settimane|mesi|giorni|ore|(?:più di |oltre )?(?:{_NUM_IT}|un|una) (?:settimane?|mesi|mese|"
            r"giorni|ore))\b",
            r"\b(?:sto |stiamo )?ancora aspettando\b",
            r"\baspett(?:o|iamo) ancora\b",
            r"\bancora in attesa\b",
            r"\bin attesa da\b",
            r"\btempi biblici\b",
            r"\b(?:ore|giorni|settimane|mesi) di attesa\b",
            rf"\b{_NUM_IT} (?:minuti|ore) (?:in linea|di attesa|al telefono|in attesa)\b",
        ),
        "urgency": (
            r"\burgent(?:e|i|emente|issimo|issima)\b",
            r"\bcon urgenza\b",
            r"\bal più presto\b",
            r"\bquanto prima\b",
            r"\bimmediatamente\b",
            rf"\bentro (?:oggi|domani|stasera|{_NUM_IT} (?:ore|giorni))\b",
            r"\bemergenza\b",
            r"\bnon posso (?:più )?aspettare\b",
        ),
        "escalation": (
            r"\b(?:cambi(?:o|erò|are)|pass(?:o|erò|are)) (?:a |ad )?(?:un |un' |un'|un altro |ad altro |altro )?"
            r"(?:operatore|gestore|fornitore|compagnia|banca)\b",
            r"\bdisdett[ao]\b",
            r"\brecesso\b",
            r"\bavvocat[oi]\b",
            r"\b(?:associazion[ei] (?:dei |di )?)?consumatori\b",
            r"\bdenunci(?:a|are|o|erò)\b",
            r"\b(?:agcom|corecom|garante)\b",
            r"\breclamo formale\b",
            r"\bvie legali\b",
            r"\b(?:voglio|chiedo) (?:di )?parlare con (?:un|il) responsabile\b",
        ),
        "transfer": (
            r"\brimbalzat[oaie]\b",
            r"\bda un (?:ufficio|operatore|reparto|numero) all'altro\b",
            r"\bscaricabarile\b",
        ),
    },
    EN: {
        "repeat_contact": (
            rf"\b{_ORD_EN} time (?:i |i've |i have |we )?(?:call|contact|writ|wrote|email|e-mail|chat|complain|"
            r"rang|ring|report)\w*",
            rf"\b(?:called|phoned|contacted|emailed|e-mailed|written|wrote|chased|complained|rang)(?: \w+){{0,3}}? "
            rf"{_NUM_EN} times\b",
            r"\balready (?:called|contacted|emailed|written|wrote|reported|opened|explained|sent|complained|chased|"
            r"tried|rang)\b",
            r"\b(?:again and again|over and over(?: again)?|time after time|yet again|once again)\b",
            r"\bexplain(?:ed|ing)? (?:everything|it|my (?:problem|issue)) (?:again|all over again|every time)\b",
        ),
        "no_response": (
            r"\b(?:still )?no (?:reply|response|answer|word|update|news|call ?back)\b",
            r"\b(?:nobody|no one|no-one|noone) (?:has |ever )?(?:ever )?(?:called|got|gotten|replied|responded|"
            r"answered|came|contacted|rang)(?: me| us)?(?: back)?\b",
            r"\bnever (?:called|got|heard|replied|responded|answered)(?: me| us)?(?: back)?\b",
            r"\bhaven'?t heard (?:back|anything)\b",
            r"\bignor(?:ed|ing) my (?:e-?mails?|messages?|calls?|complaints?)\b",
        ),
        "long_wait": (
            r"\b(?:waiting|waited|wait|chasing|on hold)\b(?: \w+){0,3}? for (?:weeks|months|days|hours|ages|"
            rf"(?:over |more than )?(?:{_NUM_EN}|an?) (?:weeks?|months?|days?|hours?|minutes))\b",
            r"\bstill waiting\b",
            rf"\b{_NUM_EN} (?:minutes|hours) on hold\b",
            r"\b(?:weeks|months) later\b",
        ),
        "urgency": (
            r"\burgent(?:ly)?\b",
            r"\basap\b",
            r"\bas soon as possible\b",
            r"\bimmediately\b",
            r"\bemergency\b",
            r"\bcan'?t wait any longer\b",
            r"\bby (?:today|tomorrow|tonight|end of (?:the )?day)\b",
            r"\bwithin (?:24|48|72) hours\b",
        ),
        "escalation": (
            r"\b(?:switch(?:ing)?|mov(?:e|ing)|go(?:ing)?) (?:to )?(?:another|a different|a new) "
            r"(?:provider|supplier|carrier|company|bank|network)\b",
            r"\bcancel(?:l?ing)? my (?:contract|subscription|account|order|service|plan)\b",
            r"\b(?:lawyer|solicitor|legal action|ombudsman|small claims|trading standards)\b",
            r"\b(?:speak|talk) (?:to|with) (?:a|your|the) (?:manager|supervisor)\b",
            r"\bformal complaint\b",
            r"\bchargeback\b",
        ),
        "transfer": (
            rf"\b(?:transferred|passed|bounced|shuffled)(?: \w+){{0,2}}? (?:around|from one|between|to another|"
            rf"{_NUM_EN} times)\b",
            r"\bpassed from pillar to post\b",
        ),
    },
}


# Substrings one of which every cue of a kind contains: a kind's regex runs only when one is present,
# which keeps the common case (no cue) at a few substring tests per text.
_TRIGGERS: dict[str, dict[str, tuple[str, ...]]] = {
    IT: {
        "repeat_contact": (
            "volt", "chiamate", "telefonate", "mail", "solleciti", "segnalazioni", "reclami", "ho già", "ho gia",
            "ennesim", "spiegare", "continuo a", "continuiamo a",
        ),
        "no_response": ("risp", "richiam", "ricontatt", "nessuna", "nessuno"),
        "long_wait": ("settiman", "mesi", "mese", "giorni", "ore", "aspett", "attesa", "biblici"),
        "urgency": ("urgen", "presto", "quanto prima", "immediatamente", "entro", "emergenza", "aspettare"),
        "escalation": (
            "operatore", "gestore", "fornitore", "compagnia", "banca", "disdett", "recesso", "avvocat",
            "consumatori", "denunc", "agcom", "corecom", "garante", "reclamo formale", "vie legali", "responsabile",
        ),
        "transfer": ("rimbalzat", "all'altro", "scaricabarile"),
    },
    EN: {
        "repeat_contact": ("time", "already", "again", "over and over", "explain"),
        "no_response": ("no ", "nobody", "no one", "no-one", "noone", "never", "heard", "ignor"),
        "long_wait": ("wait", "chasing", "on hold", "later"),
        "urgency": ("urgent", "asap", "as soon as", "immediately", "emergency", "wait any longer", "by to", "by end",
                    "within"),
        "escalation": (
            "provider", "supplier", "carrier", "company", "bank", "network", "cancel", "lawyer", "solicitor", "legal",
            "ombudsman", "small claims", "trading standards", "manager", "supervisor", "formal complaint",
            "chargeback",
        ),
        "transfer": ("transferred", "passed", "bounced", "shuffled", "pillar"),
    },
}  # fmt: skip


@cache
def _cue_regexes(languages: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...]:
    """(kind, triggers, regex) for every cue kind of ``languages``."""
    return tuple(
        (kind, _TRIGGERS[language][kind], re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
        for language in languages
        for kind, patterns in _PATTERNS[language].items()
    )


def effort_cues(text: str, language: str = IT) -> list[EffortCue]:
    """Effort and urgency cues in ``text``, by position; both languages' cues for anything but it/en."""
    languages = (language,) if language in (IT, EN) else (IT, EN)
    lower = text.lower()
    found = [
        EffortCue(kind, match.group(), match.start(), match.end())
        for kind, triggers, regex in _cue_regexes(languages)
        if any(trigger in lower for trigger in triggers)
        for match in regex.finditer(text)
    ]
    found.sort(key=lambda cue: cue.start)
    return found


def _read(name: str) -> dict[str, tuple[str, ...]]:
    text = resources.files("cxhub.text").joinpath("data", name).read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            word, _, emotions = line.partition("\t")
            table[word] = tuple(emotions.split(","))
    return table


@cache
def _lexicon(language: str) -> dict[str, tuple[str, ...]]:
    languages = [language] if language in (IT, EN) else [EN, IT]
    table: dict[str, tuple[str, ...]] = {}
    for part in languages:
        table.update(_read(f"emotion_{part}.tsv"))
    return table


@cache
def _emoji() -> dict[str, tuple[str, ...]]:
    return _read("emotion_emoji.tsv")


def emotions(
    sentences: Sequence[tokens.Sentence], language: str = IT, cues: Sequence[EffortCue] = ()
) -> dict[str, float]:
    """Scores in [0, 1] for each of ``EMOTIONS``, from the tokens of a text and its effort cues."""
    table = _lexicon(language)
    emoji_table = _emoji()
    negators = NEGATORS.get(language, NEGATORS[IT] | NEGATORS[EN])
    hits = dict.fromkeys(EMOTIONS, 0.0)
    for sentence in sentences:
        words_since_negator = _NEGATION_WINDOW + 1
        for token in sentence.tokens:
            kind = token.kind
            if kind == "word":
                lower = token.lower
                if lower in negators or lower.endswith("n'"):
                    words_since_negator = 0
                    continue
                words_since_negator += 1
                found = table.get(lower) or table.get(token.lemma)
                if found and words_since_negator > _NEGATION_WINDOW:
                    for emotion in found:
                        hits[emotion] += 1.0
            elif kind in ("emoji", "emoticon"):
                found = emoji_table.get(_EMOJI_MODIFIERS.sub("", token.text))
                for emotion in found or ():
                    hits[emotion] += 1.0
            elif kind == "punct" and token.text[0] in ",;:.":
                words_since_negator = _NEGATION_WINDOW + 1
    hits["frustration"] += _CUE_WEIGHT * len(cues)
    return {emotion: round(1.0 - 0.5**count, 3) if count else 0.0 for emotion, count in hits.items()}

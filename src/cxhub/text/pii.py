"""Personal data in free text, found and masked before the text is displayed, exported or sent.

Pure functions, no I/O. ``redact`` finds e-mail addresses, phone numbers, IBANs, payment cards, Italian
tax codes (codice fiscale), Italian VAT numbers (partita IVA) and people's names after a cue ("mi chiamo
…", "my name is …", "sig.ra …", a sign-off), and replaces each with a mask such as ``[EMAIL]``.

Every number is validated, not just shaped: IBANs by their mod-97 check, cards by Luhn and issuer prefix,
codici fiscali and partite IVA by their check characters (``python-stdnum``), phone numbers by
``phonenumbers`` (Italian numbering plan unless the number starts with ``+``/``00``). So order numbers,
dates, amounts and tracking codes stay readable; a digit run after "ordine", "ticket", "tracking"… is
never taken for a phone number or a card.

The common case costs little: without a digit no number is looked for, without ``@`` no e-mail, and
each name pattern runs only when a substring test finds its cue words. Known limits: a codice fiscale
whose seven digits are all replaced (omocodia) is not found; names without a cue are not found (no
dictionary of names is shipped).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.it import codicefiscale, iva

from cxhub.text.stopwords import ALL as STOPWORDS
from cxhub.text.stopwords import word_set

MASKS: dict[str, str] = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "iban": "[IBAN]",
    "card": "[CARD]",
    "tax_code": "[CODICE_FISCALE]",
    "vat": "[PARTITA_IVA]",
    "name": "[NAME]",
}
# When two findings overlap, the stronger kind wins (an e-mail local part is not a name).
_PRIORITY = {kind: rank for rank, kind in enumerate(("email", "iban", "tax_code", "card", "vat", "phone", "name"))}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One piece of personal data: ``kind`` and its ``[start, end)`` offsets in the original text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redaction:
    """The masked ``text`` and the ``spans`` that were masked, ordered by position."""

    text: str
    spans: list[PiiSpan]


# --- numbers -----------------------------------------------------------------------------------

_DIGIT = re.compile(r"\d")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,34}", re.IGNORECASE)
_TAX_CODE = re.compile(
    r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b", re.IGNORECASE
)
_VAT_PREFIXED = re.compile(r"\bIT ?(\d{11})\b", re.IGNORECASE)
# A run of digits with the separators people type in numbers: spaces, dots, dashes, slashes, brackets.
_NUMBER = re.compile(r"(?<![\w@.,/+\-])(?:\+|\b00)?\(?\d[\d()]*(?:[ .\-/]{1,2}\(?\d[\d()]*)*(?![\w@])")
_GROUP = re.compile(r"\d[\d()]*")
# Words that make the digits after them an identifier of something else, not a phone or a card.
_NOT_CONTACT = re.compile(
    r"(?:ordine|ordinazione|order|pratica|ticket|tracking|spedizione|shipment|parcel|pacco|fattura|invoice|"
    r"contratto|contract|codice|cod|code|id|pod|pdr|seriale|serial|imei|matricola|rif|riferimento|ref|"
    r"reference|protocollo|sr|account|conto|cliente|customer|importo|amount|totale|total)"
    r"\s*(?:n\.?|nr\.?|n°|no\.?|num\.?|numero|number|#)?\s*[:.#°-]?\s*$",
    re.IGNORECASE,
)
# After "P.IVA"/"VAT no." a number is a VAT number or nothing (a landline has the same shape).
_VAT_CUE = re.compile(r"(?:\bp\.?\s?iva|\bpartita\s+iva|\bvat(?:\s+(?:number|no\.?))?)\s*[:.#]?\s*$", re.IGNORECASE)
_CARD_PREFIX = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[068]|6011|65|64[4-9]|35|62")
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 6, 15


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn.is_valid(digits)


def _is_phone(raw: str) -> bool:
    digits = re.sub(r"\D", "", raw)
    if not _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
        return False
    try:
        number = phonenumbers.parse(raw, "IT")
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


def _classify_number(text: str, start: int, end: int) -> str | None:
    """The kind of the digit run ``text[start:end]``, or None when it is not personal data."""
    raw = text[start:end]
    digits = re.sub(r"\D", "", raw)
    identifier = bool(_NOT_CONTACT.search(text, max(0, start - 30), start))
    if not raw.startswith("+"):
        if len(digits) == 11 and digits == raw and iva.is_valid(digits):
            return "vat"
        if _VAT_CUE.search(text, max(0, start - 20), start):
            return None
        if not identifier and _is_card(digits):
            return "card"
    if not identifier and _is_phone(raw):
        return "phone"
    return None


def _numbers(text: str) -> list[PiiSpan]:
    """Phones, cards and VAT numbers among the digit runs of ``text``.

    A run is tried whole, then, when it is not personal data, by its space-separated groups (longest
    first), so "pagato 50 333 1234567" still finds the phone number after the amount.
    """
    found = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if end - start < _MIN_PHONE_DIGITS:
            continue
        kind = _classify_number(text, start, end)
        if kind is not None:
            found.append(PiiSpan(kind, start, end))
            continue
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, start, end)]
        if len(groups) < 2:
            continue
        groups = groups[:12]
        i = 0
        while i < len(groups):
            for j in range(len(groups), i, -1):
                sub_start = groups[i][0] - (1 if i == 0 and text[start] == "+" else 0)
                sub_end = groups[j - 1][1]
                if (i, j) == (0, len(groups)) or sum(e - s for s, e in groups[i:j]) < _MIN_PHONE_DIGITS:
                    continue
                kind = _classify_number(text, sub_start, sub_end)
                if kind is not None:
                    found.append(PiiSpan(kind, sub_start, sub_end))
                    i = j - 1
                    break
            i += 1
    return found


def _ibans(text: str) -> list[PiiSpan]:
    """IBANs, written compact or in groups; the candidate is cut back at spaces until it validates."""
    found = []
    for match in _IBAN.finditer(text):
        start, end = match.span()
        candidate = match.group()
        ends = [len(candidate)] + [i for i in range(len(candidate) - 1, 14, -1) if candidate[i] == " "]
        for cut in ends:
            compact = candidate[:cut].replace(" ", "").upper()
            if candidate[cut - 1].isalnum() and stdnum_iban.is_valid(compact):
                found.append(PiiSpan("iban", start, start + cut))
                break
    return found


def _tax_codes(text: str) -> list[PiiSpan]:
    return [
        PiiSpan("tax_code", m.start(), m.end())
        for m in _TAX_CODE.finditer(text)
        if codicefiscale.is_valid(m.group().upper())
    ]


def _prefixed_vat(text: str) -> list[PiiSpan]:
    return [PiiSpan("vat", m.start(), m.end()) for m in _VAT_PREFIXED.finditer(text) if iva.is_valid(m.group(1))]


# --- names -------------------------------------------------------------------------------------

_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"
_TITLE_WORD = rf"(?:[{_UPPER}]['’])?[{_UPPER}][{_LOWER}]+(?:[-'’][{_UPPER}][{_LOWER}]+)?"
_CAPS_WORD = rf"[{_UPPER}]{{2,}}(?:[-'’][{_UPPER}]+)?"
_ANY_WORD = rf"[{_LOWER}{_UPPER}]+(?:[-'’][{_LOWER}{_UPPER}]+)?"
_TITLE_RUN = re.compile(rf"{_TITLE_WORD}(?:[ \t]+{_TITLE_WORD}){{0,2}}")
_CAPS_RUN = re.compile(rf"{_CAPS_WORD}(?:[ \t]+{_CAPS_WORD}){{0,2}}(?![{_LOWER}])")
_ANY_RUN = re.compile(rf"{_ANY_WORD}(?:[ \t]+{_ANY_WORD}){{0,2}}")
# Cheap test before any name pattern runs: the text must contain one of the cue words.
# Cheap substring tests (on the lower-cased text) that decide which cue patterns run at all.
_STRONG_HINTS = ("chiamo", "nome", "name")
_WEAK_HINTS = ("sono", "i'm", "i’m", "i am")
_TITLE_HINTS = ("sig", "dott", "dr", "ing.", "avv.", "prof", "mr", "ms", "miss")
_SIGN_OFF_HINTS = ("salut", "grazie", "regards", "thank", "cheers")
_STRONG_CUE = re.compile(r"\b(?:mi chiamo|il mio nome è|il mio nome e'|my name is|my name's)[ \t]*:?[ \t]*", re.I)
_WEAK_CUE = re.compile(r"\b(?:sono|i['’]m|i am)[ \t]+", re.I)
_TITLE_CUE = re.compile(
    r"(?:\b(?:[Ss]ig\.?(?:ra|na)?\.?|[Ss]ignor[ae]?|[Ss]ignorina|[Dd]ott\.?(?:ssa)?\.?|[Dd]r\.?|[Ii]ng\.|[Aa]vv\.|"
    r"[Pp]rof\.(?:ssa\.?)?|Mr\.?|Mrs\.?|Ms\.?|Miss)|\b(?:SIG\.?(?:RA)?|DOTT\.?))[ \t]+"
)
_SIGN_OFF = re.compile(
    r"\b(?:cordiali saluti|distinti saluti|saluti|un saluto|grazie mille|grazie|best regards|kind regards|"
    r"regards|many thanks|thanks|thank you|cheers)[ \t]*(?:,[ \t]*\n?|\n)[ \t]*",
    re.I,
)
# What may follow a name at the end of a line: a full stop, an emoji or two.
_TRAILER = r"[ \t]*(?:[^\w\s][ \t]*){0,4}"
_LAST_LINE = re.compile(rf"\n[ \t]*({_TITLE_WORD}(?:[ \t]+{_TITLE_WORD}){{0,2}}){_TRAILER}$")
_LINE_END = re.compile(rf"{_TRAILER}(?:\n|$)")
# Capitalised words that follow "sono"/"I'm" or close a message without being anyone's name.
_NOT_NAMES = word_set(
    """
    io il lo la le gli un uno una molto davvero proprio ancora stato stata stati state già qui sempre
    veramente tanto cliente contento contenta soddisfatto soddisfatta deluso delusa arrabbiato arrabbiata
    italiano italiana inglese aurora servizio pessimo ottimo grazie saluti cordiali distinti buongiorno
    buonasera
    gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre
    lunedì martedì mercoledì giovedì venerdì sabato domenica
    a an the not so very really still just sorry happy unhappy afraid writing calling done tired fed
    italian english british american german french spanish on in at from with here back going
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday thanks best kind regards
    """
)


def _name_words(match: re.Match[str], text: str, require_end: bool) -> PiiSpan | None:
    """The name in ``match``, cut before the first word that is not a name; None when nothing is left."""
    words = list(re.finditer(r"\S+", match.group()))
    kept = 0
    for word in words:
        lower = word.group().lower()
        if lower in _NOT_NAMES or (word.group().islower() and lower in STOPWORDS):
            break
        kept += 1
    if kept == 0:
        return None
    end = match.start() + words[kept - 1].end()
    if require_end and (kept < len(words) or not _LINE_END.match(text, end)):
        return None
    return PiiSpan("name", match.start(), end)


def _names(text: str) -> list[PiiSpan]:
    found = []
    lower = text.lower()
    if any(hint in lower for hint in _STRONG_HINTS):
        for cue in _STRONG_CUE.finditer(text):
            end = cue.end()
            match = _TITLE_RUN.match(text, end) or _CAPS_RUN.match(text, end) or _ANY_RUN.match(text, end)
            span = _name_words(match, text, require_end=False) if match else None
            if span:
                found.append(span)
    for pattern, hints in ((_WEAK_CUE, _WEAK_HINTS), (_TITLE_CUE, _TITLE_HINTS)):
        if not any(hint in lower for hint in hints):
            continue
        for cue in pattern.finditer(text):
            match = _TITLE_RUN.match(text, cue.end())
            if pattern is _TITLE_CUE and not match:
                match = _CAPS_RUN.match(text, cue.end())
            span = _name_words(match, text, require_end=False) if match else None
            if span:
                found.append(span)
    if any(hint in lower for hint in _SIGN_OFF_HINTS):
        for cue in _SIGN_OFF.finditer(text):
            match = _TITLE_RUN.match(text, cue.end())
            span = _name_words(match, text, require_end=True) if match else None
            if span:
                found.append(span)
    last = _LAST_LINE.search(text) if "\n" in text else None
    if last:
        first = last.group(1).split()[0].lower()
        if first not in _NOT_NAMES and first not in STOPWORDS:
            found.append(PiiSpan("name", last.start(1), last.end(1)))
    return found


# --- redaction ---------------------------------------------------------------------------------


def find_pii(text: str) -> list[PiiSpan]:
    """The personal data in ``text``: non-overlapping spans ordered by position."""
    found: list[PiiSpan] = []
    if "@" in text:
        found += [PiiSpan("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    if _DIGIT.search(text):
        found += _ibans(text)
        found += _tax_codes(text)
        found += _prefixed_vat(text)
        found += _numbers(text)
    found += _names(text)
    if len(found) < 2:
        return found
    starts: list[int] = []  # the kept spans, non-overlapping, ordered by start
    kept: list[PiiSpan] = []
    for span in sorted(found, key=lambda s: (_PRIORITY[s.kind], s.start - s.end, s.start)):
        at = bisect.bisect_left(starts, span.start)
        if (at > 0 and kept[at - 1].end > span.start) or (at < len(kept) and kept[at].start < span.end):
            continue
        starts.insert(at, span.start)
        kept.insert(at, span)
    return kept


def redact(text: str) -> Redaction:
    """``text`` with every piece of personal data replaced by its mask (see ``MASKS``).

    Offsets in the returned spans refer to the original ``text``. Never raises on odd input.
    """
    spans = find_pii(text)
    if not spans:
        return Redaction(text, [])
    parts = []
    position = 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append(MASKS[span.kind])
        position = span.end
    parts.append(text[position:])
    return Redaction("".join(parts), spans)


def contains_pii(text: str) -> bool:
    """Whether ``text`` holds any personal data ``redact`` would mask."""
    return bool(find_pii(text))

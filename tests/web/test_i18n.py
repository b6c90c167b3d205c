"""Every string of the web app is in both catalogues; numbers and dates follow the reader's locale."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from cxhub.web.catalog import extract_messages
from cxhub.web.i18n import LOCALES, SUPPORTED, catalog_path, day, number, percent, signed, translations
from tests.web.conftest import Brand


def test_every_marked_string_has_an_italian_translation() -> None:
    wanted = set(extract_messages())
    assert len(wanted) > 100
    for language in SUPPORTED:
        with catalog_path(language).open("rb") as handle:
            catalog = read_po(handle, locale=LOCALES[language])
        present = {(message.context, message.id) for message in catalog if message.id}
        assert wanted <= present, (
            f"{language}: run `python -m cxhub.web.catalog`: {sorted(map(str, wanted - present))[:5]}"
        )
        if language == "it":
            untranslated = [
                m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
            ]
            assert untranslated == []


def test_catalogues_translate_at_run_time_with_plurals() -> None:
    italian = translations("it")
    assert italian.gettext("Overview") == "Panoramica"
    assert italian.ngettext("%(num)s answer", "%(num)s answers", 1) == "%(num)s risposta"
    assert italian.ngettext("%(num)s answer", "%(num)s answers", 2) == "%(num)s risposte"
    assert translations("en").gettext("Overview") == "Overview"


def test_numbers_and_dates_follow_the_locale() -> None:
    assert number(1234.5, "it", 1) == "1.234,5" and number(1234.5, "en", 1) == "1,234.5"
    assert number(None, "it") == "—"
    assert signed(-2.25, "it") == "−2,2" or signed(-2.25, "it") == "−2,3"
    assert signed(3, "en") == "+3.0"
    assert percent(0.125, "it").replace("\xa0", " ") == "12,5 %" or percent(0.125, "it") == "12,5%"
    assert percent(0.125, "en") == "12.5%"
    assert day(date(2026, 11, 3), "it") == "3 nov 2026" and day(datetime(2026, 11, 3, tzinfo=UTC), "en") == "3 Nov 2026"


def test_one_english_word_can_take_two_italian_forms_by_context() -> None:
    italian = translations("it")
    assert italian.pgettext("score band", "low") == "basso"
    assert italian.pgettext("case priority", "low") == "bassa"
    assert italian.pgettext("case priority", "high") == "alta"
    assert italian.pgettext("rule status", "active") == "attiva"
    assert italian.pgettext("survey status", "active") == "attivo"
    assert translations("en").pgettext("case priority", "low") == "low"


def test_the_italian_case_queue_agrees_priorities_in_the_feminine(brand: Brand, admin: TestClient) -> None:
    page = admin.get("/app/cases?view=all", headers={"Accept-Language": "it"}).text
    assert 'lang="it"' in page
    assert re.search(r"<td>(alta|bassa|media|urgente)</td>", page), "a case priority in Italian"
    assert "<td>alto</td>" not in page and "<td>basso</td>" not in page

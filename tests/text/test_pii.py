from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxhub.text.pii import MASKS, PiiSpan, contains_pii, redact


def found(text: str) -> list[tuple[str, str]]:
    """(kind, the original characters) for every span redact finds."""
    return [(span.kind, text[span.start : span.end]) for span in redact(text).spans]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Scrivetemi a mario.rossi85@gmail.com grazie", "email", "mario.rossi85@gmail.com"),
        ("my address is j.smith+cx@mail.example.co.uk.", "email", "j.smith+cx@mail.example.co.uk"),
        ("richiamatemi al 333 1234567 dopo le 18", "phone", "333 1234567"),
        ("cell. 3331234567", "phone", "3331234567"),
        ("ufficio 06 1234 5678", "phone", "06 1234 5678"),
        ("numero +39 02 1234 5678.", "phone", "+39 02 1234 5678"),
        ("call me on +44 20 7946 0958", "phone", "+44 20 7946 0958"),
        ("il mio numero è 0039 333 1234567", "phone", "0039 333 1234567"),
        ("IBAN IT60 X054 2811 1010 0000 0123 456 intestato a me", "iban", "IT60 X054 2811 1010 0000 0123 456"),
        ("bonifico su IT60X0542811101000000123456.", "iban", "IT60X0542811101000000123456"),
        ("my IBAN is GB82 WEST 1234 5698 7654 32", "iban", "GB82 WEST 1234 5698 7654 32"),
        ("carta 4111 1111 1111 1111 scaduta", "card", "4111 1111 1111 1111"),
        ("card 5555-5555-5555-4444 was charged", "card", "5555-5555-5555-4444"),
        ("amex 378282246310005", "card", "378282246310005"),
        ("CF: RSSMRA85T10A562S", "tax_code", "RSSMRA85T10A562S"),
        ("codice fiscale bncgli90a41f205h", "tax_code", "bncgli90a41f205h"),
        ("P.IVA 01234560017", "vat", "01234560017"),
        ("partita iva IT09876540155 della ditta", "vat", "IT09876540155"),
    ],
)
def test_each_kind_of_valid_personal_data_is_found_with_its_offsets(text: str, kind: str, value: str) -> None:
    assert found(text) == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "IBAN IT61X0542811101000000123456",  # check digits off by one
        "carta 4111 1111 1111 1112",  # fails Luhn
        "CF RSSMRA85T10A562T",  # wrong control character
        "P.IVA 01234560018",  # wrong check digit
        "chiamate il 12345",  # too short to be a phone number
        "numero 1234567890",  # not a valid Italian number
    ],
)
def test_numbers_that_fail_their_checksum_are_left_alone(text: str) -> None:
    assert redact(text).spans == []


@pytest.mark.parametrize(
    "text",
    [
        "Ordine n. 3456789012 del 12/03/2024, importo 1.234,56 €",
        "order number 4111111111111111 shipped",
        "tracking 1Z999AA10123456784, spedizione 00012345678",
        "Aperto ticket SR-123456 al back office",
        "Fattura 2024/001234 di 89,90 euro",
        "aspetto da 12 giorni, 45 minuti al telefono, 12,50 € al mese",
        "data 2024-03-12 ore 10:30, 350.000 clienti",
        "pratica 3331234567 in lavorazione",
    ],
)
def test_order_numbers_dates_amounts_and_codes_are_not_personal_data(text: str) -> None:
    assert redact(text).spans == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Buongiorno, mi chiamo Marco Rossi e vorrei informazioni", "Marco Rossi"),
        ("mi chiamo marco rossi e ho un problema", "marco rossi"),
        ("Sono Giulia De Luca, cliente dal 2010", "Giulia De Luca"),
        ("My name is Sarah O'Brien.", "Sarah O'Brien"),
        ("Hi, I'm Laura-Jane Smith from Leeds", "Laura-Jane Smith"),
        ("ho parlato con la sig.ra Bianchi", "Bianchi"),
        ("la dott.ssa Neri è stata gentile", "Neri"),
        ("Spoke to Mr. Smith yesterday", "Smith"),
        ("Pessimo servizio.\nCordiali saluti, Marco D'Angelo", "Marco D'Angelo"),
        ("Thanks a lot!\nBest regards, Emily Clark 👍", "Emily Clark"),
        ("Problema risolto.\nMarco Rossi", "Marco Rossi"),
    ],
)
def test_names_after_a_cue_are_found(text: str, name: str) -> None:
    assert found(text) == [("name", name)]


@pytest.mark.parametrize(
    "text",
    [
        "Sono passati 12 giorni e nessuno risponde",
        "Sono Molto deluso dal servizio",
        "I'm Italian and I'm not happy",
        "I'm still waiting for my refund",
        "Gentile Aurora, il servizio è pessimo",
        "ci sono problemi con la linea",
    ],
)
def test_capitalised_words_after_weak_cues_that_are_not_names_stay(text: str) -> None:
    assert redact(text).spans == []


def test_redaction_masks_every_kind_and_keeps_the_rest_of_the_text() -> None:
    text = "Mi chiamo Anna Verdi, tel. 333 1234567, mail anna.verdi@libero.it, IBAN IT60X0542811101000000123456."
    redaction = redact(text)
    assert redaction.text == "Mi chiamo [NAME], tel. [PHONE], mail [EMAIL], IBAN [IBAN]."
    assert [span.kind for span in redaction.spans] == ["name", "phone", "email", "iban"]


def test_a_name_inside_an_email_address_is_masked_once_as_the_address() -> None:
    text = "sono Luca, scrivete a Sono.Luca@gmail.com"
    assert found(text) == [("name", "Luca"), ("email", "Sono.Luca@gmail.com")]


def test_a_phone_number_after_an_amount_is_found_without_the_amount() -> None:
    assert found("ho pagato 50 333 1234567 è il mio cellulare") == [("phone", "333 1234567")]


def test_text_without_personal_data_comes_back_unchanged() -> None:
    text = "La consegna è arrivata in ritardo di 3 giorni 😡"
    assert redact(text).text == text
    assert not contains_pii(text)


def test_contains_pii_says_whether_redact_would_mask_something() -> None:
    assert contains_pii("scrivimi a a@b.it")
    assert not contains_pii("nessun dato personale qui")


def test_every_kind_has_a_mask() -> None:
    assert set(MASKS) == {"email", "phone", "iban", "card", "tax_code", "vat", "name"}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(
                [
                    "mi chiamo Marco",
                    " 333 1234567 ",
                    "a@b.it",
                    "IT60X0542811101000000123456",
                    "4111 1111 1111 1111",
                    "RSSMRA85T10A562S",
                    "\nGrazie, Anna",
                    " Mr ",
                    "+39",
                    "00",
                ]
            ),
        ),
        max_size=8,
    ).map("".join)
)
def test_redact_never_crashes_and_its_spans_rebuild_the_masked_text(text: str) -> None:
    redaction = redact(text)
    position = 0
    rebuilt = []
    for span in redaction.spans:
        assert isinstance(span, PiiSpan)
        assert position <= span.start < span.end <= len(text)
        rebuilt += [text[position : span.start], MASKS[span.kind]]
        position = span.end
    rebuilt.append(text[position:])
    assert "".join(rebuilt) == redaction.text

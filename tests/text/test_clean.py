from __future__ import annotations

from cxhub.text.clean import (
    BINARY,
    CONTROL,
    DECODED,
    EMOJI_ONLY,
    EMPTY,
    ENTITIES,
    HTML,
    MARKDOWN,
    NO_LETTERS,
    NOT_TEXT,
    RTL,
    TRUNCATED,
    clean,
)


def test_plain_text_is_untouched() -> None:
    cleaned = clean("Consegna in ritardo, ma il personale è gentile.")
    assert cleaned.text == "Consegna in ritardo, ma il personale è gentile."
    assert cleaned.flags == ()


def test_empty_and_blank_are_flagged() -> None:
    assert clean("").flags == (EMPTY,)
    assert clean(" \n\t ").flags == (EMPTY,)
    assert clean(None).flags == (EMPTY,)


def test_a_non_text_value_is_refused_without_raising() -> None:
    cleaned = clean(12345)
    assert cleaned.text == ""
    assert NOT_TEXT in cleaned.flags


def test_bytes_are_decoded() -> None:
    cleaned = clean("Perché è così lento?".encode())
    assert cleaned.text == "Perché è così lento?"
    assert DECODED in cleaned.flags


def test_a_megabyte_is_truncated_at_the_limit_on_a_word_boundary() -> None:
    cleaned = clean("parola " * 150_000, max_chars=1_000)
    assert len(cleaned.text) <= 1_000
    assert cleaned.text.endswith("parola")
    assert TRUNCATED in cleaned.flags


def test_the_default_limit_is_twenty_thousand_characters() -> None:
    assert len(clean("a" * 1_000_000).text) == 20_000


def test_binary_junk_is_dropped_whole() -> None:
    cleaned = clean(bytes(range(256)) * 4)
    assert cleaned.text == ""
    assert BINARY in cleaned.flags


def test_stray_control_characters_are_removed() -> None:
    cleaned = clean("Buongiorno\x00, il modem\x07 non va\u202e")
    assert cleaned.text == "Buongiorno, il modem non va"
    assert cleaned.flags == (CONTROL,)


def test_html_is_stripped_and_entities_unescaped() -> None:
    cleaned = clean("<html><style>p{color:red}</style><p>Servizio <b>pessimo</b> &amp; lento</p><br>Grazie</html>")
    assert cleaned.text == "Servizio pessimo & lento\n\nGrazie"
    assert HTML in cleaned.flags
    assert ENTITIES in cleaned.flags


def test_a_lone_angle_bracket_is_not_html() -> None:
    assert clean("Voto < 3, ma <3 per il personale").flags == ()


def test_markdown_is_stripped() -> None:
    cleaned = clean("# Reclamo\n**Consegna** in ritardo, vedi [il tracking](https://example.com/t/1) e `SR-123`")
    assert cleaned.text == "Reclamo\nConsegna in ritardo, vedi il tracking e SR-123"
    assert MARKDOWN in cleaned.flags


def test_only_emoji_is_flagged() -> None:
    cleaned = clean("😡😡👎")
    assert cleaned.text == "😡😡👎"
    assert cleaned.flags == (EMOJI_ONLY,)


def test_only_digits_and_punctuation_has_no_letters() -> None:
    assert clean("12/05 ??? 42").flags == (NO_LETTERS,)


def test_right_to_left_script_is_kept_and_flagged() -> None:
    cleaned = clean("שלום, ההזמנה שלי לא הגיעה")
    assert cleaned.text == "שלום, ההזמנה שלי לא הגיעה"
    assert cleaned.flags == (RTL,)


def test_whitespace_is_normalised_and_paragraphs_kept() -> None:
    assert clean("Ciao,\r\n\r\n\r\n   il   modem\tnon va").text == "Ciao,\n\nil modem non va"

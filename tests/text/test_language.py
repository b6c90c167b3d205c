from __future__ import annotations

from pathlib import Path

import pytest

from cxhub.text import language
from cxhub.text.language import count_cues, detect_language, guess_language


@pytest.mark.parametrize(
    "text",
    [
        "Il pacco è arrivato danneggiato e la scatola era già aperta.",
        "Staff gentilissimo ma consegna in ritardo.",
        "Pessimo servizio",
        "Grazie mille!",
        "Consigliatissimo",
    ],
)
def test_italian(text: str) -> None:
    assert detect_language(text) == "it"


@pytest.mark.parametrize(
    "text",
    ["The agent hung up on me, I want a refund.", "Great!", "Terrible service", "Never again", "Rude staff"],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Hola, el pedido llegó tarde y nadie me contesta.",
        "Bonjour, ma commande n'est jamais arrivée.",
        "Die Lieferung kam zu spät und niemand hat geantwortet.",
        "O atendimento foi ótimo, obrigado.",
        "Muy bueno",
        "Sehr gut",
        "שלום, ההזמנה שלי לא הגיעה",
        "مرحبا، لم يصل طلبي",
        "Заказ не пришёл",
    ],
)
def test_other_languages_are_other(text: str) -> None:
    assert detect_language(text) == "other"


@pytest.mark.parametrize("text", ["", "   ", "12345 !!!", "😡😡😡", "ok"])
def test_nothing_to_go_on_is_unknown(text: str) -> None:
    assert detect_language(text) == "unknown"


def test_italian_and_english_in_one_text_is_mixed() -> None:
    guess = guess_language("Servizio top, the staff was really great and the consegna è stata veloce, grazie mille!")
    assert guess.language in ("it", "en")
    assert guess.mixed


def test_one_language_is_not_mixed() -> None:
    assert not guess_language("Il servizio è stato ottimo e il personale molto gentile.").mixed


def test_lexicon_words_count_as_cues() -> None:
    counts = count_cues(["pessimo", "refund", "the"])
    assert counts["it"] == 1
    assert counts["en"] == 2


def test_confidence_is_a_probability() -> None:
    for text in ("ciao", "Il pacco è arrivato", "The parcel arrived", "zzz"):
        assert 0.0 <= guess_language(text).confidence <= 1.0


def test_short_texts_of_other_languages_are_rarely_taken_for_ours() -> None:
    lines = (Path(__file__).parent / "data" / "other_languages.txt").read_text(encoding="utf-8").splitlines()
    texts = [line for line in lines if line.strip() and not line.startswith("#")]
    guesses = [detect_language(text) for text in texts]
    assert guesses.count("other") >= 0.75 * len(texts)
    assert guesses.count("it") + guesses.count("en") <= 0.15 * len(texts)


def test_the_high_accuracy_models_are_italian_and_english_only() -> None:
    # High accuracy over eight languages holds ~200 MB in every process that analyses text; over two, ~50 MB.
    values = language._detector("high").compute_language_confidence_values("top ragazzi")
    assert {language._CODES[value.language] for value in values} == {"it", "en"}

from __future__ import annotations

import pytest

from cxhub.text import tokens
from cxhub.text.emotion import EMOTIONS, effort_cues, emotions


def feel(text: str, language: str = "it") -> dict[str, float]:
    return emotions(tokens.sentences(text, language), language, effort_cues(text, language))


def kinds(text: str, language: str = "it") -> list[str]:
    return [cue.kind for cue in effort_cues(text, language)]


def test_every_emotion_is_scored_in_range() -> None:
    scores = feel("Sono furioso e deluso, ho paura di essere truffato 😡")
    assert set(scores) == set(EMOTIONS)
    assert all(0.0 <= value <= 1.0 for value in scores.values())


@pytest.mark.parametrize(
    ("text", "language", "emotion"),
    [
        ("Sono furioso, è una vergogna", "it", "anger"),
        ("Sono stufo, è assurdo", "it", "frustration"),
        ("Felicissima, servizio fantastico", "it", "joy"),
        ("Personale serio e affidabile", "it", "trust"),
        ("Che delusione, sono amareggiato", "it", "sadness"),
        ("Ho paura che mi abbiano clonato la carta", "it", "fear"),
        ("I am furious, this is outrageous", "en", "anger"),
        ("So happy, what a wonderful service", "en", "joy"),
        ("I'm worried my account was hacked", "en", "fear"),
    ],
)
def test_lexicon_words_raise_their_emotion(text: str, language: str, emotion: str) -> None:
    scores = feel(text, language)
    assert scores[emotion] >= 0.5
    assert scores[emotion] == max(scores.values())


def test_more_evidence_scores_higher() -> None:
    assert feel("furioso furioso")["anger"] > feel("furioso")["anger"]


def test_negated_emotion_word_does_not_count() -> None:
    assert feel("Non sono arrabbiato")["anger"] == 0.0
    assert feel("I am not worried", "en")["fear"] == 0.0


def test_emoji_carry_emotions() -> None:
    assert feel("😡")["anger"] == 0.5
    assert feel("😭")["sadness"] == 0.5


def test_plain_request_has_no_emotion() -> None:
    assert set(feel("Vorrei sapere come attivare il roaming.").values()) == {0.0}


@pytest.mark.parametrize(
    ("text", "language", "kind"),
    [
        ("Ho già chiamato tre volte", "it", "repeat_contact"),
        ("È la terza volta che scrivo", "it", "repeat_contact"),
        ("Ancora nessuna risposta", "it", "no_response"),
        ("Nessuno mi ha richiamato", "it", "no_response"),
        ("Aspetto il rimborso da settimane", "it", "long_wait"),
        ("Sto ancora aspettando il tecnico", "it", "long_wait"),
        ("È urgente, sono senza linea", "it", "urgency"),
        ("Se non risolvete passo a un altro operatore", "it", "escalation"),
        ("Mi hanno rimbalzato da un ufficio all'altro", "it", "transfer"),
        ("This is the third time I call", "en", "repeat_contact"),
        ("I have called five times", "en", "repeat_contact"),
        ("Still no reply from you", "en", "no_response"),
        ("Nobody called me back", "en", "no_response"),
        ("I'm still waiting for my refund", "en", "long_wait"),
        ("I've been waiting for 3 weeks", "en", "long_wait"),
        ("Please fix this ASAP", "en", "urgency"),
        ("I will cancel my contract", "en", "escalation"),
        ("I was transferred five times", "en", "transfer"),
    ],
)
def test_effort_cues(text: str, language: str, kind: str) -> None:
    assert kind in kinds(text, language)


def test_cue_says_what_matched_and_where() -> None:
    text = "Buongiorno, ho già chiamato tre volte."
    (cue,) = effort_cues(text)
    assert cue.text == "ho già chiamato tre volte"
    assert text[cue.start : cue.end] == cue.text


def test_no_cue_in_a_calm_text() -> None:
    assert effort_cues("Sono cliente da dieci anni e mi trovo bene.") == []


def test_effort_cues_add_frustration() -> None:
    assert feel("Ho già chiamato tre volte")["frustration"] > 0.0


def test_unknown_language_uses_both_lists() -> None:
    assert kinds("urgente!! still waiting", "unknown") == ["urgency", "long_wait"]

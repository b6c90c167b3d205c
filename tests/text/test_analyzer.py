from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from cxhub.kit.errors import CxhubError
from cxhub.text import analyze, analyze_one
from cxhub.text.backend import LexiconBackend, SentimentBackend, TransformersBackend, load_backend
from cxhub.text.taxonomy import Taxonomy, load_taxonomy

CONTRACT_KEYS = {"language", "sentiment", "sentences", "topics", "emotions", "redacted_text"}


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(
        {
            "topics": [
                {"name": "Staff", "rule": "staff OR personale OR commesso"},
                {"name": "Consegna", "rule": "consegna OR pacco OR delivery"},
            ]
        }
    )


def test_import_from_the_package() -> None:
    import cxhub.text

    assert cxhub.text.analyze is analyze


def test_result_has_the_cli_contract_shape_and_is_json() -> None:
    result = analyze(["Staff gentilissimo ma consegna in ritardo."])[0].to_dict()
    assert CONTRACT_KEYS | {"effort", "pii", "flags"} == set(result)
    assert set(result["sentiment"]) == {"label", "score"}
    assert {"start", "end", "text", "sentiment"} <= set(result["sentences"][0])
    assert all({"path", "sentiment", "start", "end"} <= set(topic) for topic in result["topics"])
    json.dumps(result)


def test_each_topic_mention_gets_the_sentiment_of_its_clause(taxonomy: Taxonomy) -> None:
    result = analyze_one("Staff gentilissimo ma consegna in ritardo.", taxonomy=taxonomy)
    by_path = {topic.path: topic.sentiment.label for topic in result.topics}
    assert by_path == {"Staff": "positive", "Consegna": "negative"}


def test_topic_offsets_point_into_the_text(taxonomy: Taxonomy) -> None:
    text = "Il pacco è arrivato rotto."
    (topic,) = analyze_one(text, taxonomy=taxonomy).topics
    assert text[topic.start : topic.end] == "pacco"
    assert topic.sentiment.label == "negative"


def test_default_taxonomy_is_used_when_none_is_given() -> None:
    assert analyze_one("La consegna è in ritardo di una settimana.").topics


def test_sentences_are_scored_one_by_one() -> None:
    result = analyze_one("Il personale è stato gentilissimo. Il pacco però è arrivato distrutto.")
    assert [s.sentiment.label for s in result.sentences] == ["positive", "negative"]
    assert result.sentences[1].start > result.sentences[0].end - 1


def test_personal_data_is_masked_everywhere_it_is_shown() -> None:
    result = analyze_one("Pessimo servizio. Scrivetemi a mario.rossi@example.com per favore.")
    assert "mario.rossi@example.com" not in result.redacted_text
    assert all("mario.rossi@example.com" not in sentence.text for sentence in result.sentences)
    assert result.pii == ("email",)
    assert result.sentences[0].text == "Pessimo servizio."


def test_emotions_and_effort_are_reported() -> None:
    result = analyze_one("Sono furioso: ho già chiamato tre volte e ancora nessuna risposta!")
    assert result.emotions["anger"] > 0
    assert result.emotions["frustration"] > 0
    assert {cue.kind for cue in result.effort} == {"repeat_contact", "no_response"}


def test_language_is_detected_per_text() -> None:
    assert [r.language for r in analyze(["Servizio pessimo", "Terrible service", "Servicio pésimo, muy mal"])] == [
        "it",
        "en",
        "other",
    ]


def test_mixed_languages_are_flagged_and_both_lexicons_used() -> None:
    result = analyze_one("Il servizio was terrible, the staff was rude e la consegna in ritardo")
    assert "mixed_language" in result.flags
    assert result.sentiment.label == "negative"


def test_bad_inputs_never_stop_a_batch() -> None:
    inputs: list[object] = [
        "",
        None,
        b"\xff\xfe\x00binary\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b",
        bytes(range(256)),
        "x" * 1_000_000,
        "😡😡😡",
        "שלום, ההזמנה שלי לא הגיעה",
        "<div><p>Consegna <b>in ritardo</b> &amp; nessuna risposta</p></div>",
        "**Pessimo** servizio, vedi [qui](https://example.com)",
        "Ottimo servizio, really great staff!",
        42,
    ]
    results = analyze(inputs)
    assert len(results) == len(inputs)
    flags = [set(result.flags) for result in results]
    assert "empty" in flags[0] and "empty" in flags[1]
    assert "binary_junk" in flags[3]
    assert "truncated" in flags[4] and len(results[4].redacted_text) <= 20_000
    assert results[5].sentiment.label == "negative" and "emoji_only" in flags[5]
    assert results[6].language == "other" and "rtl_script" in flags[6]
    assert "html_stripped" in flags[7] and "<" not in results[7].redacted_text
    assert "markdown_stripped" in flags[8] and "**" not in results[8].redacted_text
    assert "not_text" in flags[10]


def test_max_chars_is_configurable() -> None:
    result = analyze_one("parola " * 1000, max_chars=100)
    assert len(result.redacted_text) <= 100
    assert "truncated" in result.flags


def test_an_internal_failure_is_flagged_not_raised() -> None:
    broken: object = object()  # not a taxonomy: topic matching fails on it
    (result,) = analyze(["Ottimo servizio"], taxonomy=broken)  # type: ignore[arg-type]
    assert result.flags == ("analysis_failed",)
    assert result.sentiment.label == "neutral"


class Constant:
    """A tiny real backend: calls everything negative with score -0.5, and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        self.seen.extend(texts)
        return [("negative", -0.5) for _ in texts]


def test_a_backend_replaces_text_and_sentence_sentiment() -> None:
    backend = Constant()
    assert isinstance(backend, SentimentBackend)
    result = analyze_one("Servizio ottimo. Personale gentile.", backend=backend)
    assert result.sentiment.label == "negative"
    assert [s.sentiment.score for s in result.sentences] == [-0.5, -0.5]
    assert "Servizio ottimo." in backend.seen


def test_a_backend_keeps_clause_sentiment_where_clauses_disagree(taxonomy: Taxonomy) -> None:
    result = analyze_one("Staff gentilissimo ma consegna in ritardo.", taxonomy=taxonomy, backend=Constant())
    assert {t.path: t.sentiment.label for t in result.topics} == {"Staff": "positive", "Consegna": "negative"}


def test_the_lexicon_backend_agrees_with_the_analyser() -> None:
    texts = ["Servizio pessimo", "Great staff", "Vorrei informazioni"]
    labels = [label for label, _ in LexiconBackend().predict(texts)]
    assert labels == [result.sentiment.label for result in analyze(texts)]
    assert isinstance(load_backend(), LexiconBackend)


def test_transformers_backend_without_transformers_says_so(tmp_path: Path) -> None:
    try:
        import transformers  # noqa: F401
    except ImportError:
        with pytest.raises(CxhubError) as error:
            TransformersBackend(str(tmp_path))
        assert error.value.code == "text_backend_unavailable"
        assert "transformers" in error.value.message
    else:
        with pytest.raises(CxhubError) as error:
            TransformersBackend(str(tmp_path))  # an empty folder holds no model, and nothing is downloaded
        assert error.value.code == "text_model_not_found"


def test_unknown_backend_name_is_refused() -> None:
    with pytest.raises(CxhubError) as error:
        load_backend("gpt")
    assert error.value.code == "text_backend_unknown"

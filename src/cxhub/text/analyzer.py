"""The whole analysis of a text in one call: clean, language, sentences, sentiment, topics, emotions, PII.

``analyze`` is what the CLI, the API and the pipeline call. It never raises for a bad input: each text
is cleaned (``clean.py``) and anything that still goes wrong becomes a neutral result flagged
``analysis_failed``, so one odd text never stops a batch. Tokens are computed once per text and
shared by sentiment, topics and emotions.

Offsets (``start``/``end`` of sentences, topic mentions and effort cues) point into the cleaned text,
which is the input itself unless ``flags`` say it was changed. Texts shown to people (``sentences[].text``,
``redacted_text``) have personal data masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from cxhub.text import tokens
from cxhub.text.backend import SentimentBackend
from cxhub.text.clean import DEFAULT_MAX_CHARS, clean
from cxhub.text.emotion import EMOTIONS, EffortCue, effort_cues, emotions
from cxhub.text.language import EN, UNKNOWN, guess_language
from cxhub.text.pii import PiiSpan, redact
from cxhub.text.sentiment import NEUTRAL, Sentiment, label_for, lexicon_key, score_sentences
from cxhub.text.taxonomy import Taxonomy, default_taxonomy, match_topics

MIXED_LANGUAGE = "mixed_language"
FAILED = "analysis_failed"


@dataclass(frozen=True, slots=True)
class SentenceResult:
    start: int
    end: int
    text: str  # personal data masked
    sentiment: Sentiment

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "sentiment": self.sentiment.to_dict()}


@dataclass(frozen=True, slots=True)
class TopicResult:
    """A topic mention with the sentiment of the clause it sits in (aspect-based sentiment)."""

    path: str
    sentiment: Sentiment
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sentiment": self.sentiment.to_dict(), "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class TextResult:
    """Everything cxhub knows about one text; ``to_dict`` is the JSON of ``cxhub text analyze`` (less ``id``)."""

    language: str
    sentiment: Sentiment
    sentences: tuple[SentenceResult, ...]
    topics: tuple[TopicResult, ...]
    emotions: dict[str, float]
    effort: tuple[EffortCue, ...]
    pii: tuple[str, ...]  # kinds found, in order of first appearance
    redacted_text: str
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "sentiment": self.sentiment.to_dict(),
            "sentences": [sentence.to_dict() for sentence in self.sentences],
            "topics": [topic.to_dict() for topic in self.topics],
            "emotions": dict(self.emotions),
            "redacted_text": self.redacted_text,
            "effort": [cue.to_dict() for cue in self.effort],
            "pii": list(self.pii),
            "flags": list(self.flags),
        }


def analyze(
    texts: Sequence[object],
    *,
    taxonomy: Taxonomy | None = None,
    backend: SentimentBackend | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> list[TextResult]:
    """Analyse each of ``texts`` (strings; ``None``, bytes or junk are tolerated and flagged).

    ``taxonomy`` defaults to the CX taxonomy shipped with cxhub. ``backend``, when given, replaces
    the built-in engine for text and sentence sentiment (topic mentions keep clause-level sentiment
    where a sentence mixes opinions). Texts longer than ``max_chars`` are truncated and flagged.
    Returns one ``TextResult`` per text, in order.
    """
    topics = taxonomy if taxonomy is not None else default_taxonomy()
    results = [_analyze_safely(text, topics, max_chars) for text in texts]
    if backend is not None:
        results = _with_backend(results, [_cleaned(text, max_chars) for text in texts], backend)
    return results


def analyze_one(
    text: object,
    *,
    taxonomy: Taxonomy | None = None,
    backend: SentimentBackend | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> TextResult:
    """``analyze`` for a single text."""
    return analyze([text], taxonomy=taxonomy, backend=backend, max_chars=max_chars)[0]


def _cleaned(text: object, max_chars: int) -> str:
    return clean(text, max_chars=max_chars).text


def _analyze_safely(text: object, taxonomy: Taxonomy, max_chars: int) -> TextResult:
    try:
        return _analyze(text, taxonomy, max_chars)
    except Exception:  # a bug on one odd text must not cost the rest of the batch
        return _empty(UNKNOWN, "", (FAILED,))


def _empty(language: str, redacted: str, flags: tuple[str, ...]) -> TextResult:
    return TextResult(
        language=language,
        sentiment=Sentiment(NEUTRAL, 0.0),
        sentences=(),
        topics=(),
        emotions=dict.fromkeys(EMOTIONS, 0.0),
        effort=(),
        pii=(),
        redacted_text=redacted,
        flags=flags,
    )


def _analyze(raw: object, taxonomy: Taxonomy, max_chars: int) -> TextResult:
    cleaned = clean(raw, max_chars=max_chars)
    text = cleaned.text
    flags = cleaned.flags
    if not text:
        return _empty(UNKNOWN, "", flags)
    guess = guess_language(text)
    language = guess.language
    if guess.mixed:
        flags = (*flags, MIXED_LANGUAGE)
    sentences = tokens.sentences(text, EN if language == EN else "it")
    text_sentiment = score_sentences(sentences, lexicon_key(language, guess.mixed))
    redaction = redact(text)
    cues = effort_cues(text, language)
    mentions = match_topics(taxonomy, sentences) if sentences else []
    return TextResult(
        language=language,
        sentiment=text_sentiment.sentiment,
        sentences=tuple(
            SentenceResult(
                scored.start, scored.end, _masked(sentence.text, scored.start, redaction.spans), scored.sentiment
            )
            for sentence, scored in zip(sentences, text_sentiment.sentences, strict=True)
        ),
        topics=tuple(
            TopicResult(mention.path, text_sentiment.clause_sentiment(mention.start), mention.start, mention.end)
            for mention in mentions
        ),
        emotions=emotions(sentences, language, cues),
        effort=tuple(_masked_cue(cue, redaction.spans) for cue in cues),
        pii=tuple(dict.fromkeys(span.kind for span in redaction.spans)),
        redacted_text=redaction.text,
        flags=flags,
    )


def _overlaps(start: int, end: int, spans: Sequence[PiiSpan]) -> bool:
    return any(span.start < end and start < span.end for span in spans)


def _masked(text: str, start: int, spans: Sequence[PiiSpan]) -> str:
    """A sentence with personal data masked; redacted on its own only when a PII span touches it (rare)."""
    if spans and _overlaps(start, start + len(text), spans):
        return redact(text).text
    return text


def _masked_cue(cue: EffortCue, spans: Sequence[PiiSpan]) -> EffortCue:
    if spans and _overlaps(cue.start, cue.end, spans):
        return EffortCue(cue.kind, redact(cue.text).text, cue.start, cue.end)
    return cue


def _with_backend(results: list[TextResult], texts: list[str], backend: SentimentBackend) -> list[TextResult]:
    """Text and sentence sentiment from ``backend``, in two batched calls over the whole batch."""
    document_inputs = [(i, text) for i, text in enumerate(texts) if text and FAILED not in results[i].flags]
    sentence_inputs = [
        (i, k, texts[i][sentence.start : sentence.end])
        for i, _ in document_inputs
        for k, sentence in enumerate(results[i].sentences)
    ]
    documents = backend.predict([text for _, text in document_inputs])
    sentences = backend.predict([text for _, _, text in sentence_inputs])
    by_document = {i: _as_sentiment(prediction) for (i, _), prediction in zip(document_inputs, documents, strict=True)}
    by_sentence = {
        (i, k): _as_sentiment(prediction) for (i, k, _), prediction in zip(sentence_inputs, sentences, strict=True)
    }
    out = []
    for i, result in enumerate(results):
        if i not in by_document:
            out.append(result)
            continue
        new_sentences = tuple(
            SentenceResult(s.start, s.end, s.text, by_sentence.get((i, k), s.sentiment))
            for k, s in enumerate(result.sentences)
        )
        topics = tuple(
            TopicResult(t.path, _topic_sentiment(t, result, new_sentences), t.start, t.end) for t in result.topics
        )
        out.append(replace(result, sentiment=by_document[i], sentences=new_sentences, topics=topics))
    return out


def _topic_sentiment(topic: TopicResult, old: TextResult, sentences: tuple[SentenceResult, ...]) -> Sentiment:
    """The backend's sentence sentiment, unless the lexicon saw that sentence's clauses disagree."""
    for before, after in zip(old.sentences, sentences, strict=True):
        if before.start <= topic.start < before.end:
            mixed = topic.sentiment.label != before.sentiment.label
            return topic.sentiment if mixed else after.sentiment
    return topic.sentiment


def _as_sentiment(prediction: tuple[str, float]) -> Sentiment:
    label, score = prediction
    score = max(-1.0, min(1.0, float(score)))
    return Sentiment(label if label in ("positive", "neutral", "negative") else label_for(score), score)

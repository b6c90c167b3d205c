"""Pluggable sentiment models: the built-in lexicon engine by default, a local transformer when configured.

A backend predicts a (label, score) pair per text: label positive/neutral/negative, score in [-1, 1].
The analyser asks it for the whole text and for each sentence; clause-level (per topic mention)
sentiment always comes from the lexicon engine, which is the only one that sees clauses.

``TransformersBackend`` loads a Hugging Face sequence-classification model that is already on disk
(``local_files_only=True``: cxhub never downloads anything). ``transformers`` and ``torch`` are not
cxhub dependencies; without them it fails with a clear ``CxhubError``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cxhub.kit.errors import CxhubError
from cxhub.text.language import guess_language
from cxhub.text.sentiment import NEGATIVE, NEUTRAL, POSITIVE, analyze_sentiment, label_for

Prediction = tuple[str, float]


@runtime_checkable
class SentimentBackend(Protocol):
    """Anything with ``predict(texts) -> [(label, score), …]``, one pair per text, in order."""

    def predict(self, texts: Sequence[str]) -> list[Prediction]: ...


class LexiconBackend:
    """The built-in engine as a backend (used when no other is configured)."""

    def __init__(self, language: str | None = None) -> None:
        self.language = language  # None: detect each text's language

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        out = []
        for text in texts:
            guess = guess_language(text) if self.language is None else None
            language = guess.language if guess else (self.language or "it")
            sentiment = analyze_sentiment(text, language, mixed=bool(guess and guess.mixed)).sentiment
            out.append((sentiment.label, sentiment.score))
        return out


# Label names seen in public sentiment models, mapped to ours.
_LABELS = {
    "positive": POSITIVE, "pos": POSITIVE, "label_2": POSITIVE, "5 stars": POSITIVE, "4 stars": POSITIVE,
    "negative": NEGATIVE, "neg": NEGATIVE, "label_0": NEGATIVE, "1 star": NEGATIVE, "2 stars": NEGATIVE,
    "neutral": NEUTRAL, "neu": NEUTRAL, "label_1": NEUTRAL, "3 stars": NEUTRAL,
}  # fmt: skip


class TransformersBackend:
    """A local Hugging Face sequence-classification model, on CPU or CUDA.

    ``path`` is a directory holding ``config.json``, the weights and the tokenizer. Labels are read
    from the model's ``id2label`` (positive/neutral/negative, LABEL_0..2, or 1-5 stars); the score is
    P(positive) - P(negative).
    """

    def __init__(self, path: str | Path, *, device: str = "cpu", batch_size: int = 32, max_length: int = 256):
        if importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None:
            raise CxhubError(
                "text_backend_unavailable",
                "The transformers backend needs the 'transformers' and 'torch' packages; install them "
                "(pip install transformers torch) or use the built-in analyser.",
                status=503,
            )
        directory = Path(path)
        if not (directory / "config.json").is_file():
            raise CxhubError(
                "text_model_not_found",
                f"No Hugging Face model in {directory} (config.json missing); models are never downloaded.",
                status=400,
                field="path",
            )
        torch = importlib.import_module("torch")
        transformers = importlib.import_module("transformers")
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise CxhubError("text_device_unavailable", f"Device {device!r} requested but CUDA is not available.")
        self._torch: Any = torch
        self.tokenizer: Any = transformers.AutoTokenizer.from_pretrained(directory, local_files_only=True)
        self.model: Any = transformers.AutoModelForSequenceClassification.from_pretrained(
            directory, local_files_only=True
        )
        self.model.to(device).eval()
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        id2label = {int(k): str(v).lower() for k, v in self.model.config.id2label.items()}
        self.labels = [_LABELS.get(id2label[i], NEUTRAL) for i in sorted(id2label)]

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        out: list[Prediction] = []
        for begin in range(0, len(texts), self.batch_size):
            batch = [text or " " for text in texts[begin : begin + self.batch_size]]
            encoded = self.tokenizer(
                batch, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
            ).to(self.device)
            with self._torch.no_grad():
                probabilities = self._torch.softmax(self.model(**encoded).logits, dim=-1).cpu().tolist()
            for row in probabilities:
                positive = sum(p for p, label in zip(row, self.labels, strict=True) if label == POSITIVE)
                negative = sum(p for p, label in zip(row, self.labels, strict=True) if label == NEGATIVE)
                score = max(-1.0, min(1.0, positive - negative))
                out.append((label_for(score, 0.2, 0.2), score))
        return out


def load_backend(name: str | None = None, *, path: str | Path | None = None, device: str = "cpu") -> SentimentBackend:
    """A backend by name: "lexicon" (or None) for the built-in one, "transformers" with a model ``path``."""
    if name in (None, "", "lexicon"):
        return LexiconBackend()
    if name == "transformers":
        if path is None:
            raise CxhubError("text_model_not_found", "The transformers backend needs a model path.", field="path")
        return TransformersBackend(path, device=device)
    raise CxhubError("text_backend_unknown", f"Unknown sentiment backend {name!r}.", field="backend")

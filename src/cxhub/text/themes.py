"""Theme discovery: recurring subjects in texts the taxonomy does not cover yet.

Pure functions, no I/O. ``discover_themes`` turns texts into lemmatised unigrams and bigrams (Italian
and English stop words and greetings removed), weighs them by TF-IDF and factorises the matrix with
NMF; each component is a theme, named by its heaviest terms. When the caller has sentence embeddings
(from a locally installed model), the texts are clustered on those instead and the clusters are still
named by TF-IDF terms, so themes read the same either way.

The number of themes, when not given, is the one (2 … 15) that separates texts best: each text goes
to its heaviest component and the split with the highest silhouette (cosine distance between TF-IDF
vectors) wins. It is chosen on a subsample of 2,000 texts from one SVD, so 10,000 texts take
seconds. A fixed ``seed`` gives the same themes every time.
``theme_to_rule`` writes a theme as a taxonomy rule, so an analyst can promote it with
``Taxonomy.with_node``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.utils.extmath import randomized_svd

from cxhub.text.stopwords import ALL as STOPWORDS
from cxhub.text.stopwords import ENGLISH, ITALIAN
from cxhub.text.tokens import tokenize
from cxhub.text.topic_rules import parse_rule

MIN_THEMES, MAX_THEMES = 2, 15
TOP_TERMS = 10
EXAMPLES = 5
_SELECTION_SAMPLE = 2000
_CANDIDATE_KS = (2, 3, 4, 5, 6, 7, 8, 10, 12, 15)
_WORD = re.compile(r"[^\W\d_]+")
_CLAUSE_BREAK = frozenset('.,;:!?()…-–—"«»')


@dataclass(frozen=True, slots=True)
class Theme:
    """One discovered theme.

    ``terms``: its top terms, heaviest first (a bigram is two words joined by a space); ``members``:
    indices of the texts assigned to it; ``examples``: up to five of them, most representative first;
    ``weight``: its share of the corpus (0–1).
    """

    terms: list[str]
    size: int
    members: list[int]
    examples: list[int]
    weight: float

    @property
    def name(self) -> str:
        return ", ".join(self.terms[:3])


def guess_language(text: str) -> str:
    """Guess "it" or "en" from which stop words the text uses more (ties go to Italian); for lemmas only."""
    words = _WORD.findall(text.lower())
    italian = sum(word in ITALIAN for word in words)
    english = sum(word in ENGLISH for word in words)
    return "en" if english > italian else "it"


class _Vocabulary:
    """Features of each text and the surface form each feature is most often written as."""

    def __init__(self) -> None:
        self.surfaces: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def features(self, text: str, language: str) -> list[str]:
        out: list[str] = []
        previous: tuple[str, str] | None = None
        for token in tokenize(text, language):
            if token.kind == "punct" and _CLAUSE_BREAK.intersection(token.text):
                previous = None
                continue
            if token.kind != "word":
                continue
            lower = token.lower
            if len(lower) < 3 or lower.endswith("'") or lower in STOPWORDS or token.lemma in STOPWORDS:
                continue
            out.append(token.lemma)
            self.surfaces[token.lemma][lower] += 1
            if previous is not None:
                bigram = f"{previous[0]} {token.lemma}"
                out.append(bigram)
                self.surfaces[bigram][f"{previous[1]} {lower}"] += 1
            previous = (token.lemma, lower)
        return out

    def display(self, feature: str) -> str:
        forms = self.surfaces.get(feature)
        return forms.most_common(1)[0][0] if forms else feature


def _tfidf(documents: list[list[str]]) -> tuple[sparse.csr_matrix, NDArray[np.str_]]:
    n = len(documents)
    min_df = 2 if n >= 10 else 1
    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=min_df, max_df=0.6 if n >= 10 else 1.0, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:
        # Every term is in most texts (they all say the same thing): that is one theme, not an error.
        vectorizer = TfidfVectorizer(analyzer=_identity, min_df=min_df, max_df=1.0, sublinear_tf=True)
        try:
            matrix = vectorizer.fit_transform(documents)
        except ValueError:  # no term in two texts: nothing recurs
            return sparse.csr_matrix((n, 0)), np.array([], dtype=np.str_)
    return matrix.tocsr(), vectorizer.get_feature_names_out()


def _identity(document: list[str]) -> list[str]:
    return document


def _top_features(weights: NDArray[np.float64], names: NDArray[np.str_], count: int) -> list[str]:
    """The heaviest features. A bigram at least half as heavy as one of its words takes that word's
    place ("consegna ritardo", not also "consegna" and "ritardo"); weaker bigrams are chance pairs."""
    order = [i for i in np.argsort(-weights, kind="stable")[: count * 3] if weights[i] > 0]
    ranked = [(str(names[i]), float(weights[i])) for i in order]
    bigrams = [(feature, weight) for feature, weight in ranked[: count * 2] if " " in feature]
    chosen: list[str] = []
    for feature, weight in ranked:
        if " " not in feature:
            feature = next(
                (bigram for bigram, heavy in bigrams if feature in bigram.split(" ") and heavy >= weight / 2), feature
            )
        if feature not in chosen:
            chosen.append(feature)
        if len(chosen) == count:
            break
    return chosen


def _svd(matrix: sparse.csr_matrix, k: int, seed: int) -> tuple[NDArray[np.float64], ...]:
    u, s, vt = randomized_svd(matrix, k, random_state=seed)
    return u, s, vt


def _nndsvda(
    matrix: sparse.csr_matrix, svd: tuple[NDArray[np.float64], ...], k: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """NNDSVDa starting factors (Boutsidis & Gallopoulos, 2008) from the first ``k`` singular triplets.

    The same as scikit-learn's ``init="nndsvda"``, but one SVD serves every candidate number of themes.
    """
    u, s, vt = svd
    w = np.zeros((matrix.shape[0], k))
    h = np.zeros((k, matrix.shape[1]))
    w[:, 0] = np.sqrt(s[0]) * np.abs(u[:, 0])
    h[0, :] = np.sqrt(s[0]) * np.abs(vt[0, :])
    for j in range(1, k):
        x, y = u[:, j], vt[j, :]
        x_p, y_p = np.maximum(x, 0), np.maximum(y, 0)
        x_n, y_n = np.abs(np.minimum(x, 0)), np.abs(np.minimum(y, 0))
        m_p = np.linalg.norm(x_p) * np.linalg.norm(y_p)
        m_n = np.linalg.norm(x_n) * np.linalg.norm(y_n)
        a, b, sigma = (x_p, y_p, m_p) if m_p > m_n else (x_n, y_n, m_n)
        if sigma == 0:
            continue
        scale = np.sqrt(s[j] * sigma)
        w[:, j] = scale * a / np.linalg.norm(a)
        h[j, :] = scale * b / np.linalg.norm(b)
    average = float(matrix.mean())
    w[w < 1e-6] = average
    h[h < 1e-6] = average
    return w, h


def _nmf(matrix: sparse.csr_matrix, svd: tuple[NDArray[np.float64], ...], k: int, max_iter: int = 300) -> NMF:
    w, h = _nndsvda(matrix, svd, k)
    model = NMF(n_components=k, init="custom", max_iter=max_iter, tol=1e-3)
    with np.errstate(invalid="ignore"):  # a degenerate corpus (identical texts) has a zero residual
        model.fit(matrix, W=w, H=h)
    return model


def _choose_k_nmf(matrix: sparse.csr_matrix, ks: list[int], seed: int) -> int:
    """The number of themes whose assignment separates texts best (cosine silhouette on a subsample)."""
    rows = _sample_rows(matrix.shape[0], seed)
    sample = matrix[rows]
    svd = _svd(sample, max(ks), seed)
    best_k, best_score = ks[0], -np.inf
    for k in ks:
        labels = _nmf(sample, svd, k, max_iter=200).transform(sample).argmax(axis=1)
        if not 2 <= len(set(labels.tolist())) < sample.shape[0]:
            continue
        score = float(silhouette_score(sample, labels, metric="cosine"))
        if score > best_score:
            best_k, best_score = k, score
    return best_k


def _choose_k_kmeans(vectors: NDArray[np.float64], ks: list[int], seed: int) -> int:
    rows = _sample_rows(vectors.shape[0], seed)
    sample = vectors[rows]
    best_k, best_score = ks[0], -np.inf
    for k in ks:
        if k >= len(sample):
            break
        labels = KMeans(n_clusters=k, random_state=seed, n_init=3).fit_predict(sample)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(sample, labels, metric="euclidean"))
        if score > best_score + 1e-3:
            best_k, best_score = k, score
    return best_k


def _sample_rows(n: int, seed: int) -> NDArray[np.int64]:
    if n <= _SELECTION_SAMPLE:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, _SELECTION_SAMPLE, replace=False))


def _candidate_ks(n_docs: int, min_size: int) -> list[int]:
    upper = min(MAX_THEMES, max(1, n_docs // max(min_size, 1)))
    return [k for k in _CANDIDATE_KS if k <= upper] or [1]


def discover_themes(
    texts: Sequence[str],
    *,
    languages: Sequence[str] | None = None,
    n_themes: int | None = None,
    min_size: int = 5,
    seed: int = 0,
    embeddings: NDArray[np.floating] | None = None,
) -> list[Theme]:
    """Recurring themes in ``texts``, largest first.

    ``languages`` gives each text's language ("it"/"en", used to lemmatise; guessed when None).
    ``n_themes`` fixes the number of themes (1–15); None chooses it. Themes with fewer than
    ``min_size`` texts are dropped, so fewer than ``n_themes`` may come back. ``embeddings`` is an
    (n_texts, dim) array; when given, texts are clustered on it (KMeans) instead of NMF. Texts with no
    usable word belong to no theme. Returns [] when there is too little to find anything.
    """
    if languages is not None and len(languages) != len(texts):
        raise ValueError("languages must have one entry per text")
    if n_themes is not None and not 1 <= n_themes <= MAX_THEMES:
        raise ValueError(f"n_themes must be between 1 and {MAX_THEMES}")
    if embeddings is not None and (embeddings.ndim != 2 or embeddings.shape[0] != len(texts)):
        raise ValueError("embeddings must be an array of shape (len(texts), dim)")
    vocabulary = _Vocabulary()
    clean = [text if isinstance(text, str) else "" for text in texts]
    documents = [
        vocabulary.features(text, languages[i] if languages else guess_language(text)) for i, text in enumerate(clean)
    ]
    usable = np.array([i for i, document in enumerate(documents) if document], dtype=np.int64)
    if len(usable) < max(min_size, 2):
        return []
    matrix, names = _tfidf([documents[i] for i in usable])
    if matrix.shape[1] < 2:
        return []
    ks = [n_themes] if n_themes is not None else _candidate_ks(len(usable), min_size)
    ks = sorted({min(k, matrix.shape[1] - 1) for k in ks}) if matrix.shape[1] <= max(ks) else ks
    if embeddings is None:
        k = ks[0] if len(ks) == 1 else _choose_k_nmf(matrix, ks, seed)
        model = _nmf(matrix, _svd(matrix, k, seed), k)
        weights = model.transform(matrix)
        assigned = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), -1)
        strength = weights[np.arange(len(usable)), np.maximum(assigned, 0)]
        term_weights = model.components_
        shares = weights.sum(axis=0) / max(float(weights.sum()), 1e-12)
    else:
        vectors = np.asarray(embeddings, dtype=np.float64)[usable]
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        k = ks[0] if len(ks) == 1 else _choose_k_kmeans(vectors, ks, seed)
        k = min(k, len(usable))
        kmeans = KMeans(n_clusters=k, random_state=seed, n_init=5).fit(vectors)
        assigned = kmeans.labels_.astype(np.int64)
        strength = -np.linalg.norm(vectors - kmeans.cluster_centers_[assigned], axis=1)
        overall = np.asarray(matrix.mean(axis=0)).ravel()
        term_weights = np.vstack([np.asarray(matrix[assigned == c].mean(axis=0)).ravel() - overall for c in range(k)])
        shares = np.bincount(assigned, minlength=k) / len(usable)
    themes = []
    for component in range(k):
        rows = np.flatnonzero(assigned == component)
        if len(rows) < min_size:
            continue
        members = sorted(int(usable[row]) for row in rows)
        ranked = sorted(rows.tolist(), key=lambda row: (-strength[row], row))
        terms = [vocabulary.display(f) for f in _top_features(term_weights[component], names, TOP_TERMS)]
        if not terms:
            continue
        examples = [int(usable[row]) for row in ranked[:EXAMPLES]]
        themes.append(Theme(terms, len(members), members, examples, round(float(shares[component]), 6)))
    themes.sort(key=lambda theme: (-theme.size, -theme.weight, theme.terms))
    return themes


def theme_to_rule(theme: Theme, *, terms: int = 4) -> str:
    """A taxonomy rule for ``theme``: its top terms joined by OR, a bigram as ``NEAR/3(a, b)``.

    Words keep their written form; the taxonomy matches their inflections through lemmas.
    """
    parts = []
    for term in theme.terms[:terms]:
        words = term.split(" ")
        parts.append(f"NEAR/3({words[0]}, {words[1]})" if len(words) == 2 else term)
    if not parts:
        raise ValueError("a theme without terms cannot become a rule")
    rule = " OR ".join(parts)
    parse_rule(rule)
    return rule

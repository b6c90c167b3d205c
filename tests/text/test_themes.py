from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from cxhub.text.stopwords import is_stopword
from cxhub.text.taxonomy import load_taxonomy, match_topics
from cxhub.text.themes import Theme, discover_themes, guess_language, theme_to_rule
from cxhub.text.tokens import sentences

PLANTED = {
    "parking": ["parcheggio", "auto", "posto", "macchina", "sosta", "garage", "strisce", "parcheggiare"],
    "wifi": ["password", "wifi", "ospiti", "router", "hotspot", "accesso", "rete", "segnale"],
    "gift": ["regalo", "confezione", "pacchetto", "fiocco", "biglietto", "dedica", "incarto", "nastro"],
}
FILLER = ["oggi", "ieri", "davvero", "problema", "servizio", "cliente", "giorno", "settimana", "esperienza"]


def planted_corpus(per_theme: int = 40, seed: int = 3) -> tuple[list[str], list[str]]:
    """Texts of four theme words and two filler words each, shuffled; and each text's theme."""
    rng = random.Random(seed)
    rows = []
    for theme, words in PLANTED.items():
        for _ in range(per_theme):
            chosen = rng.sample(words, 4) + rng.sample(FILLER, 2)
            rng.shuffle(chosen)
            rows.append((" ".join(chosen).capitalize() + ".", theme))
    rng.shuffle(rows)
    return [text for text, _ in rows], [theme for _, theme in rows]


def test_three_planted_themes_are_found_with_their_words_and_their_texts() -> None:
    texts, truth = planted_corpus()
    themes = discover_themes(texts)
    assert len(themes) == 3
    found = set()
    for theme in themes:
        planted, count = Counter(truth[i] for i in theme.members).most_common(1)[0]
        assert count / theme.size >= 0.95
        assert set(theme.terms[:3]) <= set(PLANTED[planted])
        assert all(truth[i] == planted for i in theme.examples)
        found.add(planted)
    assert found == set(PLANTED)
    assert sum(theme.size for theme in themes) == len(texts)
    assert sum(theme.weight for theme in themes) == pytest.approx(1.0, abs=1e-3)


def test_the_same_seed_gives_the_same_themes() -> None:
    texts, _ = planted_corpus(seed=5)
    assert discover_themes(texts, seed=1) == discover_themes(texts, seed=1)


def test_n_themes_fixes_the_number_of_components() -> None:
    texts, _ = planted_corpus()
    themes = discover_themes(texts, n_themes=2)
    assert len(themes) == 2
    assert sum(theme.size for theme in themes) == len(texts)


def test_themes_smaller_than_min_size_are_dropped() -> None:
    texts, _ = planted_corpus(per_theme=4)
    assert discover_themes(texts, n_themes=3, min_size=5) == []


@pytest.mark.parametrize(
    "texts",
    [[], ["solo un testo"], ["", "", "", "", "", ""], ["grazie!", "ciao", "ok 👍", "thanks", "...", "buongiorno"]],
)
def test_empty_small_or_wordless_input_gives_no_themes(texts: list[str]) -> None:
    assert discover_themes(texts) == []


def test_identical_texts_make_one_theme_even_when_more_are_asked_for() -> None:
    themes = discover_themes(["consegna in ritardo"] * 8, n_themes=5, min_size=2)
    assert [(theme.terms, theme.size) for theme in themes] == [(["consegna ritardo"], 8)]


def test_names_come_from_the_most_frequent_written_form_and_bigrams_absorb_their_words() -> None:
    texts = ["consegna in ritardo di nuovo", "ennesima consegna in ritardo", "consegna sempre in ritardo"] * 4
    texts += ["il parcheggio è pieno", "parcheggio pieno anche oggi", "nessun posto nel parcheggio"] * 4
    themes = discover_themes(texts, n_themes=2, min_size=3)
    delivery = next(theme for theme in themes if "consegna ritardo" in theme.terms)
    assert "consegna" not in delivery.terms and "ritardo" not in delivery.terms
    assert delivery.name.startswith("consegna ritardo")


def test_embeddings_are_clustered_and_clusters_named_by_their_words() -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 30)
    embeddings = rng.normal(size=(3, 16))[labels] + 0.1 * rng.normal(size=(90, 16))
    words = list(PLANTED.values())
    texts = [" ".join(random.Random(i).sample(words[label], 3)) for i, label in enumerate(labels)]
    themes = discover_themes(texts, embeddings=embeddings)
    assert len(themes) == 3
    for theme in themes:
        assert len({int(labels[i]) for i in theme.members}) == 1
        assert set(theme.terms[:3]) <= set(words[int(labels[theme.members[0]])])


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="embeddings"):
        discover_themes(["a b c"] * 6, embeddings=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="languages"):
        discover_themes(["a b c"] * 6, languages=["it"])
    with pytest.raises(ValueError, match="n_themes"):
        discover_themes(["a b c"] * 6, n_themes=40)


def test_a_promoted_theme_matches_the_texts_it_was_found_in() -> None:
    texts, _ = planted_corpus()
    taxonomy = load_taxonomy({"topics": [{"name": "Consegna", "rule": "consegna"}]})
    for theme in discover_themes(texts):
        grown = taxonomy.with_node(None, theme.name.replace(",", ""), theme_to_rule(theme))
        for index in theme.examples:
            assert match_topics(grown, sentences(texts[index], "it"))


def test_theme_to_rule_writes_bigrams_as_proximity() -> None:
    theme = Theme(["consegna ritardo", "corriere", "pacco"], 10, list(range(10)), [0], 0.5)
    assert theme_to_rule(theme) == "NEAR/3(consegna, ritardo) OR corriere OR pacco"
    with pytest.raises(ValueError):
        theme_to_rule(Theme([], 0, [], [], 0.0))


def test_language_is_guessed_from_stop_words_and_stop_words_cover_both_languages() -> None:
    assert guess_language("the delivery was late and the staff did not care") == "en"
    assert guess_language("la consegna è arrivata in ritardo e nessuno mi ha avvisato") == "it"
    assert all(is_stopword(word) for word in ("della", "sono", "the", "didn't", "buongiorno", "thanks"))
    assert not any(is_stopword(word) for word in ("consegna", "refund", "bolletta"))

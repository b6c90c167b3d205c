from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxhub.demo import texts as demo_texts
from cxhub.text.taxonomy import (
    Taxonomy,
    TaxonomyError,
    TopicMention,
    default_taxonomy,
    load_taxonomy,
    match_topics,
    parse_rule,
    parse_taxonomy_yaml,
)
from cxhub.text.tokens import sentences


def one_rule(rule: str) -> Taxonomy:
    return load_taxonomy({"topics": [{"name": "T", "rule": rule}]})


def holds(rule: str, text: str, language: str = "it") -> bool:
    return bool(match_topics(one_rule(rule), sentences(text, language)))


def paths(text: str, language: str = "it", taxonomy: Taxonomy | None = None) -> set[str]:
    return {m.path for m in match_topics(taxonomy or default_taxonomy(), sentences(text, language))}


# --- the rule language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text", "expected"),
    [
        ("consegna AND ritardo", "la consegna è in ritardo", True),
        ("consegna AND ritardo", "la consegna è puntuale", False),
        ("consegna OR spedizione", "la spedizione è lenta", True),
        ("consegna AND NOT corriere", "consegna veloce", True),
        ("consegna AND NOT corriere", "consegna veloce, corriere gentile", False),
        ("pacco AND (rotto OR danneggiato)", "pacco danneggiato", True),
        ("pacco AND rotto OR danneggiato", "danneggiato", True),  # AND binds tighter than OR
        ("NOT rotto AND pacco", "pacco rotto", False),  # NOT binds tightest
    ],
)
def test_boolean_operators_and_their_precedence(rule: str, text: str, expected: bool) -> None:
    assert holds(rule, text) is expected


@pytest.mark.parametrize(
    ("rule", "text", "language", "expected"),
    [
        ("rimborso", "aspetto ancora i rimborsi", "it", True),
        ("rimborsi", "il rimborso non arriva", "it", True),
        ("bolletta", "le bollette sono sbagliate", "it", True),
        ("refund", "I was refunded twice", "en", True),
        ("charge", "they charged me twice", "en", True),
        ('"rimborso"', "aspetto ancora i rimborsi", "it", False),  # a quoted word matches as written
        ('"in ritardo"', "la consegna è in ritardo", "it", True),
        ('"in ritardo"', "il ritardo è in consegna", "it", False),  # a phrase is words in a row
        ("rimbors*", "mi hanno rimborsato", "it", True),
        ('"non funzion*"', "l'app non funzionava", "it", True),
        ("rimbors*", "rimandato", "it", False),
        ("wi-fi", "il wifi no, ma il Wi-Fi sì", "it", True),
        ("5G", "non prendo il 5G", "it", True),
    ],
)
def test_terms_match_inflected_forms_phrases_match_exactly_and_wildcards_match_endings(
    rule: str, text: str, language: str, expected: bool
) -> None:
    assert holds(rule, text, language) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ritardo nella consegna", True),  # one word between
        ("consegna in ritardo", True),  # either order
        ("la consegna del pacco è stata in ritardo", False),  # five words between
        ("consegna", False),
    ],
)
def test_near_allows_at_most_n_words_between_in_either_order(text: str, expected: bool) -> None:
    assert holds("NEAR/3(ritardo, consegna OR spedizione)", text) is expected


def test_near_operands_may_be_groups_of_terms_and_phrases() -> None:
    rule = 'NEAR/2((pacco OR "delivery"), (late OR "in ritardo"))'
    assert holds(rule, "the delivery is late", "en")
    assert holds(rule, "pacco ancora in ritardo")
    assert not holds(rule, "the delivery was on time", "en")


def test_near_never_pairs_a_word_with_itself() -> None:
    assert not holds("NEAR/3(ritard*, ritardo)", "ritardo")
    assert holds("NEAR/3(ritard*, ritardo)", "ritardo e ancora ritardo")


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("", "the rule is empty"),
        ("consegna AND", "expected a term, a phrase, '(' or NEAR, found the end of the rule"),
        ("consegna ritardo", "missing operator before 'ritardo' at column 10"),
        ("consegna and ritardo", "operators are in capitals"),
        ("(consegna OR pacco", "expected ')' to close the '(' at column 1"),
        ("consegna )", "unexpected ')' at column 10"),
        ('"consegna in ritardo', "unclosed quote at column 1"),
        ("NEAR(a, b)", "NEAR needs a distance"),
        ("NEAR/3(consegna)", "expected ',' between the two operands of NEAR"),
        ("NEAR/3(a, b, c)", "NEAR takes two"),
        ("NEAR/99(a, b)", "NEAR distance 99 is above 50"),
        ("NEAR/3(a AND b, c)", "a NEAR operand is a term, a phrase or (a OR b …), at column 8"),
        ("ri*", "a wildcard needs at least 3 letters before '*'"),
        ("rimb*rso", "'*' is only allowed at the end of a word"),
        ("€", "'€' at column 1 has no letters or digits"),
        ("NOT consegna", "the rule matches sentences without any of its terms"),
        ("consegna OR NOT pacco", "the rule matches sentences without any of its terms"),
        ("(" * 100 + "consegna" + ")" * 100, "nested more than 40 levels deep"),
        ("NOT " * 100 + "consegna", "nested more than 40 levels deep"),
    ],
)
def test_bad_rules_are_refused_with_a_precise_message(rule: str, problem: str) -> None:
    with pytest.raises(TaxonomyError) as error:
        parse_rule(rule)
    assert error.value.field == "rule"
    assert problem in error.value.problem
    assert isinstance(error.value, ValueError)


RULE_PIECES = st.sampled_from(
    ["consegna", "ritard*", '"in ritardo"', "AND", "OR", "NOT", "NEAR/2(", "(", ")", ",", '"', "*", "wi-fi", " "]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(RULE_PIECES, st.text(max_size=4)), max_size=12).map(" ".join))
def test_any_string_either_parses_or_raises_a_taxonomy_error(source: str) -> None:
    try:
        rule = parse_rule(source)
    except TaxonomyError as error:
        assert error.field == "rule" and error.problem
        return
    text = "la consegna è in ritardo, il wi-fi no"
    for mention in match_topics(load_taxonomy({"topics": [{"name": "T", "rule": rule.source}]}), sentences(text)):
        assert 0 <= mention.start < mention.end <= len(text)


def test_a_parsed_rule_keeps_its_source_and_lists_its_terms() -> None:
    rule = parse_rule(' rimbors* OR NEAR/2(consegna, "in ritardo") ')
    assert str(rule) == 'rimbors* OR NEAR/2(consegna, "in ritardo")'
    assert [leaf.source for leaf in rule.leaves()] == ["rimbors*", "consegna", "in ritardo"]


# --- loading and validation --------------------------------------------------------------------


TWINS = [{"name": "Ritardo", "rule": "a"}, {"name": "ritardo", "rule": "b"}]


def taxonomy_with(**node: Any) -> dict[str, Any]:
    return {"topics": [{"name": "Consegna", "children": [{"name": "Ritardo", "rule": "ritardo", **node}]}]}


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"topics": [], "owner": "x"}, "owner", "unknown key"),
        ({"version": 2, "topics": []}, "version", "only version 1"),
        ({}, "topics", "required"),
        ({"topics": [{"rule": "a"}]}, "topics[0].name", "required"),
        ({"topics": [{"name": "A › B", "rule": "a"}]}, "topics[0].name", "without '›'"),
        ({"topics": ["Consegna"]}, "topics[0]", "a topic is a mapping"),
        (taxonomy_with(rules="x"), "Consegna › Ritardo.rules", "unknown key"),
        (taxonomy_with(rule="ritardo AND"), "Consegna › Ritardo.rule", "expected a term"),
        (taxonomy_with(rule=None), "Consegna › Ritardo.rule", "required for a topic without children"),
        (taxonomy_with(labels={"english": "Delay"}), "Consegna › Ritardo.labels", "language codes"),
        (
            taxonomy_with(children=[{"name": "Grave", "rule": "grave"}]),
            "Consegna › Ritardo.children",
            "two levels at most",
        ),
        (
            {"topics": [{"name": "Prezzo", "rule": "prezzo"}, {"name": "prezzo", "rule": "costo"}]},
            "prezzo.name",
            "duplicate topic path 'prezzo'",
        ),
        (
            {"topics": [{"name": "Consegna", "children": TWINS}]},
            "Consegna › ritardo.name",
            "duplicate topic path",
        ),
        ({"topics": [{"name": "Consegna", "children": "Ritardo"}]}, "Consegna.children", "a list of topics"),
    ],
)
def test_every_validation_error_names_the_topic_path_and_field(data: dict[str, Any], field: str, problem: str) -> None:
    with pytest.raises(TaxonomyError) as error:
        load_taxonomy(data)
    assert error.value.field == field
    assert problem in error.value.problem
    assert str(error.value).startswith(field + ": ")


def test_yaml_syntax_errors_are_taxonomy_errors() -> None:
    with pytest.raises(TaxonomyError) as error:
        parse_taxonomy_yaml("topics: [unclosed")
    assert error.value.field == "yaml"


def test_to_dict_and_yaml_round_trip_to_an_equal_taxonomy() -> None:
    taxonomy = default_taxonomy()
    assert load_taxonomy(taxonomy.to_dict()) == taxonomy
    assert parse_taxonomy_yaml(taxonomy.to_yaml()) == taxonomy
    assert load_taxonomy(taxonomy.to_dict()).to_dict() == taxonomy.to_dict()


def test_paths_list_parents_before_their_children_and_labels_translate_them() -> None:
    taxonomy = load_taxonomy(
        {
            "topics": [
                {"name": "Consegna", "labels": {"en": "Delivery"}, "children": [{"name": "Ritardo", "rule": "a"}]},
                {"name": "Prezzo", "rule": "prezzo"},
            ]
        }
    )
    assert taxonomy.paths() == ["Consegna", "Consegna › Ritardo", "Prezzo"]
    assert taxonomy.label("Consegna › Ritardo", "en") == "Delivery › Ritardo"
    assert taxonomy.node("consegna › ritardo").name == "Ritardo"


def test_with_node_adds_a_validated_topic_and_leaves_the_original_alone() -> None:
    base = load_taxonomy({"topics": [{"name": "Consegna", "rule": "consegna"}]})
    grown = base.with_node("Consegna", "Ritardo", "NEAR/3(consegna, ritardo)", labels={"en": "Delay"})
    assert grown.paths() == ["Consegna", "Consegna › Ritardo"]
    assert base.paths() == ["Consegna"]
    assert grown.with_node(None, "Parcheggio", "parcheggio").paths()[-1] == "Parcheggio"
    assert grown.without_node("Consegna › Ritardo") == base


@pytest.mark.parametrize(
    ("parent", "rule", "field"),
    [
        ("Consegna", "ritardo AND", "Consegna › Ritardo.rule"),
        ("Inesistente", "ritardo", "path"),
        ("Consegna › Danni", "ritardo", "parent"),
    ],
)
def test_with_node_refuses_what_would_make_an_invalid_taxonomy(parent: str, rule: str, field: str) -> None:
    base = load_taxonomy({"topics": [{"name": "Consegna", "children": [{"name": "Danni", "rule": "rotto"}]}]})
    with pytest.raises(TaxonomyError) as error:
        base.with_node(parent, "Ritardo", rule)
    assert error.value.field == field


# --- matching ----------------------------------------------------------------------------------

TWO_LEVELS = {
    "topics": [
        {
            "name": "Consegna",
            "rule": "consegna OR pacco",
            "children": [
                {"name": "Ritardo", "rule": "NEAR/3(consegna OR pacco, ritard*)"},
                {"name": "Danni", "rule": "pacco AND danneggiat*"},
            ],
        },
        {"name": "Personale", "children": [{"name": "Cortesia", "rule": "gentil* OR scortes*"}]},
    ]
}


def test_a_matching_child_is_reported_instead_of_its_parent() -> None:
    taxonomy = load_taxonomy(TWO_LEVELS)
    assert paths("La consegna è in ritardo.", taxonomy=taxonomy) == {"Consegna › Ritardo"}


def test_a_parent_with_its_own_rule_is_reported_when_no_child_matches() -> None:
    taxonomy = load_taxonomy(TWO_LEVELS)
    assert paths("Il pacco è arrivato.", taxonomy=taxonomy) == {"Consegna"}


def test_a_parent_without_a_rule_only_matches_through_its_children() -> None:
    taxonomy = load_taxonomy(TWO_LEVELS)
    assert paths("Personale gentilissimo.", taxonomy=taxonomy) == {"Personale › Cortesia"}
    assert paths("Il personale c'era.", taxonomy=taxonomy) == set()


def test_mentions_carry_sentence_index_offsets_of_the_matched_span_and_terms() -> None:
    text = "Buongiorno. Il pacco è arrivato danneggiato, lo staff però è stato gentile."
    mentions = match_topics(load_taxonomy(TWO_LEVELS), sentences(text, "it"))
    assert mentions == [
        TopicMention("Consegna › Danni", 1, 15, 43, ("pacco", "danneggiat*")),
        TopicMention("Personale › Cortesia", 1, 67, 74, ("gentil*",)),
    ]
    assert text[15:43] == "pacco è arrivato danneggiato"


def test_each_sentence_is_matched_on_its_own() -> None:
    text = "La consegna è arrivata. Il ritardo del treno mi ha fatto perdere l'appuntamento."
    mentions = match_topics(load_taxonomy(TWO_LEVELS), sentences(text, "it"))
    assert [(m.path, m.sentence) for m in mentions] == [("Consegna", 0)]


# --- the default taxonomy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("La consegna è in ritardo di 5 giorni e il tracking non si aggiorna", "it", "Consegna › Ritardo"),
        ("Il pacco è arrivato danneggiato e la scatola era già aperta", "it", "Consegna › Danni"),
        ("Il corriere ha scritto 'destinatario assente' ma io ero a casa", "it", "Consegna › Mancata consegna"),
        ("Il commesso del negozio di Milano è stato scortese e sbrigativo", "it", "Personale › Cortesia"),
        ("L'operatrice mi ha dato informazioni sbagliate", "it", "Personale › Competenza"),
        ("Operatore molto disponibile", "it", "Personale › Disponibilità"),
        ("Mi avete aumentato il canone di 2 € al mese senza avvisarmi", "it", "Prezzo › Aumenti"),
        ("L'offerta è davvero conveniente", "it", "Prezzo › Caro"),
        ("Mi è stato addebitato due volte lo stesso importo sulla bolletta", "it", "Fatturazione › Addebiti"),
        ("Aspetto ancora il rimborso di 40 € da 10 giorni", "it", "Fatturazione › Rimborso"),
        ("Il rimborso per il reso non è mai arrivato", "it", "Resi › Rimborso"),
        ("Ho aspettato 40 minuti in linea prima di parlare con qualcuno", "it", "Assistenza › Tempi di attesa"),
        ("Nessuno mi ha richiamato come promesso", "it", "Assistenza › Richiamata"),
        ("Ho chiamato 5 volte e ogni volta devo rispiegare tutto da capo", "it", "Assistenza › Solleciti"),
        ("Non riesco ad accedere all'app, dice sempre credenziali errate", "it", "App e Sito › Login"),
        ("L'app si blocca appena apro la sezione bollette", "it", "App e Sito › Errori"),
        ("In negozio c'era una coda di un'ora", "it", "Negozio › Code"),
        ("Sto valutando di cambiare operatore", "it", "Contratto › Disdetta"),
        ("Da 3 giorni internet cade in continuazione", "it", "Rete › Interruzioni"),
        ("La fibra va a 50 mega invece che a 1 giga", "it", "Rete › Velocità"),
        ("Il tecnico non si è presentato all'appuntamento", "it", "Attivazione › Tecnico"),
        ("Aspetto l'attivazione della fibra da 20 giorni", "it", "Attivazione › Ritardo"),
        ("The parcel arrived damaged", "en", "Consegna › Danni"),
        ("Nobody told me the delivery was delayed", "en", "Consegna › Ritardo"),
        ("The staff at the Milano store were rude", "en", "Personale › Cortesia"),
        ("I was charged twice on my March bill", "en", "Fatturazione › Addebiti"),
        ("I'm still waiting for my refund of 40 euros", "en", "Fatturazione › Rimborso"),
        ("I waited 35 minutes on hold", "en", "Assistenza › Tempi di attesa"),
        ("I can't log into the app, it keeps saying wrong password", "en", "App e Sito › Login"),
        ("The internet keeps dropping every evening", "en", "Rete › Interruzioni"),
        ("Thinking about switching provider", "en", "Contratto › Disdetta"),
        ("Good value for money, no hidden costs", "en", "Prezzo › Costi nascosti"),
    ],
)
def test_the_default_taxonomy_recognises_typical_comments(text: str, language: str, expected: str) -> None:
    assert expected in paths(text, language)


@pytest.mark.parametrize(
    ("text", "language", "absent"),
    [
        ("Sto valutando di cambiare operatore", "it", "Personale"),
        ("The technician never showed up", "en", "Consegna › Corriere"),
        ("You raised my fee, I signed up for less", "en", "Consegna › Corriere"),
        ("Le chiamate si interrompono di continuo", "it", "Comunicazione › Spam"),
        ("Calls drop all the time", "en", "Assistenza › Solleciti"),
        ("Il rimborso per il reso non è mai arrivato", "it", "Fatturazione › Rimborso"),
    ],
)
def test_the_default_taxonomy_avoids_known_false_friends(text: str, language: str, absent: str) -> None:
    assert absent not in paths(text, language)


EXPECTED_PARENTS = {
    "fatturazione": {"Fatturazione", "Prezzo", "Resi", "Contratto"},
    "consegna": {"Consegna", "Resi", "Fatturazione"},
    "rete": {"Rete"},
    "attivazione": {"Attivazione", "Rete"},
    "app": {"App e Sito"},
    "personale": {"Personale", "Assistenza", "Negozio"},
}


@pytest.mark.parametrize("reason", sorted(EXPECTED_PARENTS))
def test_the_default_taxonomy_finds_the_reason_of_demo_complaints(reason: str) -> None:
    rng = random.Random(7)
    hits = 0
    for i in range(60):
        english = i % 4 == 0
        ctx = {"nome": "Anna Verdi", "prodotto": "Aurora Phone", "citta": "Torino", "o": "a"}
        text = demo_texts.customer_text(rng, english, reason, "neg", ctx)
        parents = {path.split(" › ")[0] for path in paths(text, "en" if english else "it")}
        hits += bool(parents & EXPECTED_PARENTS[reason])
    assert hits >= 54  # 90 %

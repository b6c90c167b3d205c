"""Stop words for Italian and English, and the filler words of customer messages.

Theme discovery weighs words by TF-IDF; function words and the greetings every message carries
("buongiorno", "grazie", "hi there") would otherwise crowd out what customers talk about. The Italian
list is written for cxhub (articles, articulated prepositions, pronouns, clitics, the common forms of
essere/avere/fare/stare and the modal verbs); the English one is scikit-learn's (BSD-3-Clause) plus
contractions as our tokenizer splits them. All entries are lower case.
"""

from __future__ import annotations


def word_set(block: str) -> frozenset[str]:
    """The whitespace-separated words of ``block``: lists of words stay readable in the source."""
    return frozenset(block.split())


# scikit-learn's English stop words (sklearn.feature_extraction.text.ENGLISH_STOP_WORDS, BSD-3-Clause,
# Copyright the scikit-learn developers), copied so that the ingest path does not import scikit-learn
# (~140 MB and 0.3 s) for a word list.
SKLEARN_ENGLISH: frozenset[str] = word_set(
    """
    a about above across after afterwards again against all almost alone along already also although
    always am among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere
    are around as at back be became because become becomes becoming been before beforehand behind being
    below beside besides between beyond bill both bottom but by call can cannot cant co con could
    couldnt cry de describe detail do done down due during each eg eight either eleven else elsewhere
    empty enough etc even ever every everyone everything everywhere except few fifteen fifty fill find
    fire first five for former formerly forty found four from front full further get give go had has
    hasnt have he hence her here hereafter hereby herein hereupon hers herself him himself his how
    however hundred i ie if in inc indeed interest into is it its itself keep last latter latterly least
    less ltd made many may me meanwhile might mill mine more moreover most mostly move much must my
    myself name namely neither never nevertheless next nine no nobody none noone nor not nothing now
    nowhere of off often on once one only onto or other others otherwise our ours ourselves out over own
    part per perhaps please put rather re same see seem seemed seeming seems serious several she should
    show side since sincere six sixty so some somehow someone something sometime sometimes somewhere
    still such system take ten than that the their them themselves then thence there thereafter thereby
    therefore therein thereupon these they thick thin third this those though three through throughout
    thru thus to together too top toward towards twelve twenty two un under until up upon us very via
    was we well were what whatever when whence whenever where whereafter whereas whereby wherein
    whereupon wherever whether which while whither who whoever whole whom whose why will with within
    without would yet you your yours yourself yourselves
    """
)


ITALIAN: frozenset[str] = word_set(
    """
    a ad al allo ai agli alla alle all' agl' col coi con da dal dallo dai dagli dalla dalle dall'
    di del dello dei degli della delle dell' d' in nel nello nei negli nella nelle nell' su sul sullo
    sui sugli sulla sulle sull' per tra fra verso senza sopra sotto dentro fuori presso contro
    il lo la i gli le l' un uno una un' e ed o od ma però pero anche neanche nemmeno neppure né ne
    che chi cui quale quali quanto quanta quanti quante come dove quando perché perche poiché
    poiche quindi dunque allora mentre se sia oppure invece infatti cioè cioe ovvero pure
    io tu lui lei noi voi loro esso essa essi esse me te sé se mi ti ci vi si lo gli le ne
    mio mia miei mie tuo tua tuoi tue suo sua suoi sue nostro nostra nostri nostre vostro vostra
    vostri vostre
    m' t' s' c' v'
    questo questa questi queste quello quella quelli quelle quel quei quegli codesto stesso stessa
    stessi stesse altro altra altri altre ogni ognuno ciascuno qualche qualcuno qualcosa nessuno
    nessuna nessun alcun alcuno alcuna niente nulla tutto tutta tutti tutte tanto tanta tanti tante
    molto molta molti molte
    poco poca pochi poche troppo troppa troppi troppe più piu meno
    non no sì si già gia ancora sempre mai ora adesso poi prima dopo qui qua lì li là la ecco così
    cosi bene male anzi solo soltanto proprio davvero forse circa oltre insieme subito tuttavia
    essere sono sei è e' siamo siete era eri eravamo eravate erano ero sarà sara sarò saro saranno
    sarei sarebbe saremmo sarebbero sia siano fosse fossero fossi stato stata stati state essendo
    avere ho hai ha abbiamo avete hanno avevo avevi aveva avevamo avevate avevano avrò avro avrà
    avra avremo avranno avrei avrebbe avremmo avrebbero abbia abbiano avessi avesse avessero avuto
    avuta avuti avute avendo
    fare faccio fai fa facciamo fate fanno facevo faceva facevano farò faro farà fara farei farebbe
    fatto fatta fatti fatte facendo
    stare sto stai sta stiamo state stanno stavo stava stavano starò staro starà stara starei
    potere posso puoi può puo possiamo potete possono potevo poteva potrei potrebbe potuto
    volere voglio vuoi vuole vogliamo volete vogliono volevo voleva vorrei vorrebbe voluto
    dovere devo devi deve dobbiamo dovete devono dovevo doveva dovrei dovrebbe dovuto
    """
)

ENGLISH: frozenset[str] = SKLEARN_ENGLISH | word_set(
    """
    i'm i've i'd i'll you're you've you'd you'll he's she's it's we're we've we'd we'll they're
    they've they'd they'll that's there's what's let's don't doesn't didn't isn't aren't wasn't
    weren't haven't hasn't hadn't won't wouldn't can't cannot couldn't shouldn't mustn't
    s t d ll ve re m don doesn didn isn aren wasn weren haven hasn hadn won wouldn couldn shouldn
    just really still got get gets getting also yes ok okay
    """
)

# Words every customer message may carry whatever it is about: greetings, thanks, sign-offs.
FILLER: frozenset[str] = word_set(
    """
    buongiorno buonasera salve ciao gentile gentili spettabile egregio grazie mille cordiali
    saluti distinti cordialmente arrivederci prego scusate scusa scusi
    hi hello hey dear thanks thank regards kind best cheers please sorry
    """
)

ALL: frozenset[str] = ITALIAN | ENGLISH | FILLER


def is_stopword(word: str) -> bool:
    """Whether a lower-case word (or its lemma) carries no topic in Italian or English."""
    return word in ALL

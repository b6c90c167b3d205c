"""Words for the demo brand: people's names, and Italian and English CX verbatims composed from parts.

Sentences are templates with ``{placeholders}`` filled per text (days, minutes, euros, product,
city, month, the customer's name and grammatical gender), so a few hundred fragments give tens of
thousands of distinct, natural-sounding verbatims with positive, negative and mixed sentiment,
negations and contrasts.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

Tone = str  # "pos" | "mixed" | "neg"

# Each reason maps to the finer topics its verbatims talk about.
TOPICS: dict[str, tuple[str, ...]] = {
    "fatturazione": ("fatturazione", "fatturazione", "rimborso", "prezzo"),
    "consegna": ("consegna", "consegna", "rimborso"),
    "rete": ("rete", "rete", "modem"),
    "attivazione": ("attivazione", "attivazione", "modem"),
    "app": ("app",),
    "personale": ("personale", "attesa"),
}

# --- People's names and e-mail domains ---------------------------------------------------------
# First and last names are disjoint sets, so e-mail local parts never collide across patterns.

FIRST_IT_M = (
    "Marco", "Luca", "Giuseppe", "Francesco", "Alessandro", "Andrea", "Matteo", "Lorenzo", "Davide",
    "Simone", "Federico", "Riccardo", "Stefano", "Roberto", "Paolo", "Giovanni", "Antonio", "Fabio",
    "Massimo", "Emanuele", "Daniele", "Salvatore", "Vincenzo", "Gabriele", "Tommaso", "Leonardo",
    "Claudio", "Mario", "Nicola", "Pietro", "Filippo", "Alberto", "Enrico", "Michele", "Giorgio",
    "Raffaele", "Domenico", "Carlo", "Edoardo", "Diego", "Samuele", "Giacomo", "Angelo", "Sergio",
    "Franco", "Luigi", "Maurizio", "Gianluca", "Cristian", "Mattia",
)  # fmt: skip
FIRST_IT_F = (
    "Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Alessia", "Federica", "Silvia",
    "Elena", "Laura", "Anna", "Maria", "Paola", "Roberta", "Giorgia", "Elisa", "Ilaria", "Serena",
    "Claudia", "Simona", "Monica", "Barbara", "Cristina", "Alice", "Aurora", "Sofia", "Beatrice",
    "Camilla", "Eleonora", "Veronica", "Marta", "Arianna", "Noemi", "Greta", "Rebecca", "Irene",
    "Caterina", "Lucia", "Teresa", "Angela", "Rosa", "Daniela", "Patrizia", "Antonella", "Manuela",
    "Stefania", "Michela", "Giovanna", "Ludovica",
)  # fmt: skip
LAST_IT = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Lombardi", "Moretti", "Barbieri", "Fontana",
    "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo",
    "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo",
    "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso",
    "Valentini", "Messina", "Sala", "De Angelis", "Gatti", "Pellegrini", "Palumbo", "Sanna", "Farina",
    "Rizzi", "Monti", "Cattaneo", "Morelli", "Amato", "Silvestri", "Mazza", "Testa", "Grassi",
    "Pellegrino", "Carbone", "Giuliani", "Benedetti", "Barone", "Rossetti", "Caputo", "Montanari",
    "Guerra", "Palmieri", "Bernardi", "Martino", "Fiore", "De Rosa", "Ferretti", "Bellini", "Basile",
    "Riva", "Donati", "Piras", "Vitali", "Battaglia", "Sartori", "Neri", "Costantini", "Milani",
    "Pagano", "Ruggiero", "Sorrentino", "D'Amico", "Orlando", "Negri", "Mazzola", "Fumagalli",
    "Brambilla", "Cirillo", "Esposti", "Lazzari", "Ventura", "Cocco", "Melis", "Bonetti", "Colonna",
    "Zanetti", "Bassi", "Marchi", "Mele", "Pace", "Marra", "Tedesco", "Cristiani", "Sacco", "Bellucci",
)  # fmt: skip
FIRST_EN_M = (
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Thomas", "Daniel", "Matthew",
    "Oliver", "Harry", "Jack", "George", "Noah", "Charlie", "Jacob", "Ethan", "Liam", "Samuel", "Lukas",
    "Pierre", "Hans", "Erik", "Pablo",
)  # fmt: skip
FIRST_EN_F = (
    "Emily", "Sarah", "Jessica", "Emma", "Olivia", "Sophie", "Charlotte", "Amelia", "Hannah", "Grace",
    "Chloe", "Lucy", "Megan", "Rachel", "Laura-Jane", "Claire", "Anna-Lena", "Ingrid", "Marie", "Zoe",
    "Hailey", "Katie", "Natalie", "Helen", "Abigail",
)  # fmt: skip
LAST_EN = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Anderson",
    "Roberts", "Jackson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King",
    "Wright", "Scott", "Green", "Baker", "Adams", "Campbell", "Evans", "Turner", "Murphy", "O'Brien",
    "Schmidt", "Müller", "Dubois", "Johansson", "Kowalski", "Fischer", "Novak", "Jansen", "Hughes",
    "Kelly", "Cooper", "Ward", "Morgan", "Bennett", "Parker",
)  # fmt: skip

DOMAINS_IT = (
    ("gmail.com", 34), ("libero.it", 18), ("hotmail.it", 11), ("outlook.it", 9), ("yahoo.it", 8),
    ("alice.it", 7), ("tiscali.it", 5), ("virgilio.it", 4), ("icloud.com", 4),
)  # fmt: skip
DOMAINS_EN = (("gmail.com", 50), ("outlook.com", 14), ("icloud.com", 14), ("hotmail.com", 12), ("yahoo.co.uk", 10))
SECOND_DOMAINS = ("pec.it", "fastwebnet.it", "email.it", "protonmail.com")
# --- Italian -------------------------------------------------------------------------------------

IT_NEG: dict[str, tuple[str, ...]] = {
    "fatturazione": (
        "mi è stato addebitato due volte lo stesso importo sulla bolletta di {mese}",
        "nella fattura di {mese} trovo {importo} € in più senza nessuna spiegazione",
        "ho ricevuto una bolletta doppia e nessuno sa dirmi perché",
        "mi addebitate un servizio che non ho mai attivato",
        "l'addebito doppio di {importo} € non è ancora stato stornato",
        "la bolletta di {mese} è sbagliata, il totale non corrisponde all'offerta che ho firmato",
        "continuo a pagare il modem anche se l'ho restituito {giorni} giorni fa",
        "sul conto mi sono arrivati due addebiti da {importo} € nello stesso giorno",
        "non riesco a scaricare la fattura dall'area clienti",
        "mi avete applicato una penale che nessuno mi aveva mai comunicato",
        "la domiciliazione bancaria è stata attivata due volte",
    ),
    "consegna": (
        "il {prodotto} doveva arrivare in 48 ore e invece aspetto da {giorni} giorni",
        "il corriere ha scritto 'destinatario assente' ma io ero a casa tutto il giorno",
        "la consegna è in ritardo di {giorni} giorni e il tracking non si aggiorna",
        "il pacco è arrivato danneggiato e la scatola era già aperta",
        "nessuno mi ha avvisato del ritardo della spedizione",
        "mi è arrivato un prodotto diverso da quello che avevo ordinato",
        "l'ordine risulta consegnato ma io non ho ricevuto niente",
    ),
    "rete": (
        "a casa mia a {citta} il segnale è praticamente assente",
        "da {giorni} giorni internet cade in continuazione",
        "la sera la connessione è lentissima, non riesco nemmeno a guardare un film",
        "in ufficio non prendo il 5G anche se sul sito la copertura risulta ottima",
        "le chiamate si interrompono di continuo",
        "la fibra va a 50 mega invece che a 1 giga",
        "da {giorni} giorni sono senza linea fissa e lavoro da casa",
    ),
    "attivazione": (
        "aspetto l'attivazione della fibra da {giorni} giorni",
        "il tecnico non si è presentato all'appuntamento",
        "mi avevate promesso l'attivazione in una settimana e sono passati {giorni} giorni",
        "la SIM non è ancora attiva e sono senza numero da {pochi} giorni",
        "la portabilità del numero è bloccata da {giorni} giorni",
        "il tecnico è venuto ma è andato via senza attivare la linea",
        "ogni volta che chiamo mi danno una data diversa per l'attivazione",
    ),
    "app": (
        "non riesco ad accedere all'app da {giorni} giorni, dice sempre credenziali errate",
        "l'app si blocca appena apro la sezione bollette",
        "dopo l'ultimo aggiornamento l'app non mi fa più fare il login",
        "il codice di verifica via SMS non arriva mai",
        "l'app mostra consumi sbagliati",
        "dall'app non riesco a pagare con la carta",
    ),
    "personale": (
        "il commesso del negozio di {citta} è stato scortese e sbrigativo",
        "l'operatore mi ha chiuso il telefono in faccia",
        "nessuno in negozio sapeva rispondere alle mie domande",
        "mi hanno trattat{o} con sufficienza",
        "l'operatrice mi ha dato informazioni sbagliate",
        "mi hanno venduto un'offerta diversa da quella che avevo chiesto",
    ),
    "attesa": (
        "ho aspettato {minuti} minuti in linea prima di parlare con qualcuno",
        "sono rimast{o} in attesa {minuti} minuti e poi è caduta la linea",
        "ho chiamato {volte} volte e ogni volta devo rispiegare tutto da capo",
        "nessuno mi ha richiamato come promesso",
        "in negozio c'era una coda di un'ora",
        "la chat mi fa aspettare {minuti} minuti per poi dirmi di chiamare il call center",
    ),
    "prezzo": (
        "mi avete aumentato il canone di {aumento} € al mese senza avvisarmi",
        "il prezzo dell'offerta è salito dopo solo {mesi} mesi",
        "la rimodulazione non era stata comunicata in modo chiaro",
        "altri operatori offrono la stessa cosa a metà prezzo",
    ),
    "rimborso": (
        "aspetto ancora il rimborso di {importo} € da {giorni} giorni",
        "mi avevate garantito il rimborso entro 30 giorni ma non ho visto nulla",
        "il rimborso per il reso del {prodotto} non è mai arrivato",
    ),
    "modem": (
        "il modem si riavvia da solo più volte al giorno",
        "il modem nuovo non funziona, la spia internet resta rossa",
        "il wi-fi del modem non arriva nemmeno nella stanza accanto",
        "mi avete mandato un modem difettoso",
    ),
}

IT_POS: dict[str, tuple[str, ...]] = {
    "fatturazione": (
        "il problema con la bolletta è stato risolto in pochi minuti",
        "l'operatore ha stornato subito l'addebito sbagliato",
        "la fattura adesso è chiara e facile da leggere",
    ),
    "consegna": (
        "il {prodotto} è arrivato in anticipo rispetto alla data prevista",
        "consegna puntuale e pacco perfetto",
        "il corriere è stato gentilissimo e mi ha chiamato prima di passare",
    ),
    "rete": (
        "la fibra è velocissima, finalmente lavoro da casa senza problemi",
        "il segnale è ottimo anche in montagna",
        "da quando sono passat{o} ad Aurora la linea non è mai caduta",
    ),
    "attivazione": (
        "il tecnico è stato puntuale e in mezz'ora era tutto funzionante",
        "attivazione rapidissima, in {pochi} giorni avevo già la fibra",
        "la portabilità è andata liscia, nemmeno un giorno senza linea",
    ),
    "app": (
        "l'app è comoda, pago la bolletta in due clic",
        "dall'app ho cambiato offerta in un minuto",
        "la nuova app è molto più veloce",
    ),
    "personale": (
        "il personale del negozio di {citta} è stato gentilissimo",
        "l'operatrice è stata cortese e competente",
        "il ragazzo in negozio mi ha spiegato tutto con pazienza",
        "finalmente un operatore che ascolta",
    ),
    "attesa": (
        "mi hanno risposto subito, zero attesa",
        "mi hanno richiamato entro un'ora come promesso",
        "in negozio sono stat{o} servit{o} in cinque minuti",
    ),
    "prezzo": (
        "il prezzo è onesto per quello che offre",
        "l'offerta è davvero conveniente",
        "nessun costo nascosto, come promesso",
    ),
    "rimborso": (
        "il rimborso è arrivato in pochi giorni",
        "mi hanno rimborsato senza fare storie",
    ),
    "modem": (
        "il nuovo modem ha risolto tutti i problemi di wi-fi",
        "il modem si è configurato da solo in cinque minuti",
    ),
}

# Short phrases for contrasts, tagged by topic so a contrast never contradicts itself.
IT_POS_SHORT = (
    ("staff gentilissimo", "staff"),
    ("personale cortese e preparato", "staff"),
    ("operatore molto disponibile", "staff"),
    ("fibra velocissima", "rete"),
    ("prezzo onesto", "prezzo"),
    ("app comoda", "app"),
    ("negozio ordinato e accogliente", "staff"),
    ("telefono arrivato perfetto", "consegna"),
    ("attivazione veloce", "attivazione"),
    ("tecnico puntuale", "attivazione"),
)
# Bare, with their article (for "peccato per la consegna in ritardo"), and tagged.
IT_NEG_SHORT = (
    ("consegna in ritardo", "la consegna in ritardo", "consegna"),
    ("attesa infinita al telefono", "l'attesa infinita al telefono", "attesa"),
    ("bolletta sbagliata", "la bolletta sbagliata", "fatturazione"),
    ("rete pessima a casa", "la rete pessima a casa", "rete"),
    ("app che non funziona", "l'app che non funziona", "app"),
    ("rimborso che non arriva", "il rimborso che non arriva", "fatturazione"),
    ("attivazione lentissima", "l'attivazione lentissima", "attivazione"),
    ("nessuno che risolve il problema", "il fatto che nessuno risolva il problema", "attesa"),
    ("modem che si blocca", "il modem che si blocca", "rete"),
    ("aumento di prezzo non comunicato", "l'aumento di prezzo non comunicato", "prezzo"),
)
IT_NEGATED_POS = (
    "non ho avuto nessun problema",
    "niente da dire sul servizio",
    "non posso lamentarmi",
    "non mi aspettavo un servizio così veloce",
    "mai avuto un disservizio",
)
IT_NEGATED_NEG = (
    "non sono per niente soddisfatt{o}",
    "non consiglierei Aurora a nessuno",
    "non è accettabile",
    "non mi sento ascoltat{o}",
    "non è la prima volta che succede",
)
IT_OPEN = ("Buongiorno,", "Salve,", "Buonasera,", "Ciao,", "Gentile Aurora,", "", "", "")
IT_CLOSE_NEG = (
    "Chiedo un rimborso.",
    "Voglio una risposta entro 48 ore.",
    "Sto valutando di cambiare operatore.",
    "Se non risolvete passo a un altro gestore.",
    "Pessimo servizio.",
    "Vergognoso.",
    "Aspetto vostre notizie.",
    "Grazie.",
    "",
)
IT_CLOSE_POS = (
    "Grazie mille!",
    "Continuate così.",
    "Consigliatissimo.",
    "Bravi!",
    "Lo consiglierò ad amici e parenti.",
    "Servizio top.",
    "",
)
IT_SIGN = ("Cordiali saluti, {nome}", "Saluti, {nome}", "Grazie, {nome}", "{nome}")
IT_QUESTIONS = (
    "vorrei sapere come attivare il roaming per un viaggio a {mese}",
    "quando scade la promozione sulla mia offerta?",
    "come posso pagare la bolletta con la carta di credito?",
    "è possibile aggiungere una SIM per mio figlio?",
    "vorrei informazioni sull'offerta {prodotto}",
    "come faccio a cambiare l'intestatario del contratto?",
    "il {prodotto} è disponibile nel negozio di {citta}?",
    "posso restituire il modem in negozio?",
    "come si configura la segreteria telefonica?",
)
IT_NOTE_OPEN = (
    "Cliente segnala",
    "Cl. lamenta",
    "Il cliente riferisce",
    "Chiamata per",
    "Cliente molto alterat{o} per",
    "Cliente cortese, segnala",
    "Sollecito per",
)
IT_NOTE_PROBLEM: dict[str, tuple[str, ...]] = {
    "fatturazione": (
        "addebito doppio su fattura di {mese}",
        "importo errato in bolletta ({importo} €)",
        "addebito di un servizio non richiesto",
        "bolletta di {mese} non ricevuta",
    ),
    "consegna": ("mancata consegna dell'ordine", "pacco danneggiato", "ritardo spedizione {prodotto}"),
    "rete": (
        "disservizio linea fissa da {giorni} gg",
        "scarsa copertura mobile a {citta}",
        "velocità fibra inferiore al previsto",
        "modem che si riavvia",
    ),
    "attivazione": (
        "ritardo attivazione fibra ({giorni} gg)",
        "appuntamento tecnico mancato",
        "portabilità bloccata",
    ),
    "app": ("impossibile accedere all'app", "OTP non ricevuto", "crash dell'app nella sezione bollette"),
    "personale": (
        "comportamento scortese del personale del negozio di {citta}",
        "informazioni errate date da un collega",
    ),
}
IT_NOTE_ACTION: dict[str, tuple[str, ...]] = {
    "fatturazione": (
        "Verificato a sistema, confermato doppio addebito.",
        "Disposto storno di {importo} €.",
        "Aperto ticket {ticket} al back office amministrativo.",
        "Inviato duplicato della fattura via e-mail.",
    ),
    "consegna": (
        "Contattato il corriere, nuova consegna prevista in {pochi} giorni.",
        "Aperto ticket {ticket} con la logistica.",
        "Disposta sostituzione del prodotto.",
    ),
    "rete": (
        "Eseguito reset remoto della linea.",
        "Aperta segnalazione guasto {ticket}.",
        "Spedito modem sostitutivo.",
        "Verificata copertura: zona in potenziamento.",
    ),
    "attivazione": (
        "Fissato nuovo appuntamento con il tecnico.",
        "Sollecitato l'operatore di rete, ticket {ticket}.",
        "Verificato stato ordine: in lavorazione.",
    ),
    "app": (
        "Fornite istruzioni per il reset della password.",
        "Sbloccato l'account.",
        "Aperto ticket {ticket} al team digitale.",
    ),
    "personale": (
        "Scuse a nome dell'azienda, inoltrata segnalazione al responsabile.",
        "Aperto reclamo {ticket}.",
        "Proposto bonus di 10 € in bolletta.",
    ),
}
IT_NOTE_OUTCOME = (
    "Problema risolto.",
    "Cliente soddisfatt{o}.",
    "Cliente non soddisfatt{o} della soluzione.",
    "Richiamare entro 48h.",
    "In attesa di riscontro dal back office.",
    "Minaccia di recesso.",
    "",
)
IT_INFO_NOTE = (
    "Cliente chiede informazioni sull'offerta {prodotto}.",
    "Cliente chiede come attivare il roaming.",
    "Richiesta chiarimenti sul pagamento della bolletta.",
    "Cliente chiede lo stato del suo ordine.",
    "Cliente chiede come configurare la segreteria.",
    "Richiesta informazioni su disponibilità {prodotto} nel negozio di {citta}.",
)
IT_INFO_DONE = (
    "Fornite le informazioni richieste.",
    "Inviato link alla pagina di supporto via SMS.",
    "Indicato il negozio più vicino.",
    "Spiegata la procedura dall'app.",
)
# Extra sentences for an escalating complaint: the history of chasing the problem.
IT_FOLLOWUP = (
    "ho già chiamato {volte} volte",
    "ho aspettato {minuti} minuti in linea prima di parlare con qualcuno",
    "nessuno mi ha richiamato come promesso",
    "ho già aperto una segnalazione {giorni} giorni fa",
    "ogni volta devo rispiegare tutto da capo",
    "in chat mi hanno detto di chiamare, al telefono di scrivere in chat",
)
EN_FOLLOWUP = (
    "I've already called {volte} times",
    "I waited {minuti} minutes on hold",
    "nobody called me back as promised",
    "I opened a ticket {giorni} days ago",
)

# --- English -------------------------------------------------------------------------------------

EN_NEG: dict[str, tuple[str, ...]] = {
    "fatturazione": (
        "I was charged twice on my {mese} bill",
        "my bill shows {importo} euros more than the plan I signed up for",
        "you keep charging me for a service I never activated",
        "the double charge of {importo} euros still hasn't been reversed",
    ),
    "consegna": (
        "my {prodotto} was supposed to arrive in 48 hours and I've been waiting {giorni} days",
        "the courier says nobody was home but I was there all day",
        "the parcel arrived damaged",
        "nobody told me the delivery was delayed",
    ),
    "rete": (
        "there is basically no signal at my flat in {citta}",
        "the internet keeps dropping every evening",
        "the fibre is nowhere near the speed you advertise",
        "calls drop all the time",
    ),
    "attivazione": (
        "I've been waiting {giorni} days for the fibre to be activated",
        "the technician never showed up",
        "my SIM still isn't active after {pochi} days",
    ),
    "app": (
        "I can't log into the app, it keeps saying wrong password",
        "the app crashes when I open the bills section",
        "the verification SMS never arrives",
    ),
    "personale": (
        "the staff at the {citta} store were rude",
        "the agent hung up on me",
        "nobody in the store could answer my questions in English",
    ),
    "attesa": (
        "I waited {minuti} minutes on hold",
        "I called {volte} times and had to explain everything again every time",
        "nobody called me back as promised",
    ),
    "prezzo": (
        "you raised my monthly fee by {aumento} euros without telling me",
        "the price went up after only {mesi} months",
    ),
    "rimborso": (
        "I'm still waiting for my refund of {importo} euros",
        "the refund for the returned {prodotto} never arrived",
    ),
    "modem": ("the router keeps rebooting", "the new modem doesn't work at all"),
}
EN_POS: dict[str, tuple[str, ...]] = {
    "fatturazione": ("the billing issue was fixed in minutes", "the agent refunded the wrong charge straight away"),
    "consegna": ("my {prodotto} arrived a day early", "fast delivery and perfect packaging"),
    "rete": ("the fibre is really fast", "great coverage even in the mountains"),
    "attivazione": ("the technician was on time and everything worked in half an hour",),
    "app": ("the app is really handy, I pay my bill in two taps",),
    "personale": (
        "the staff at the {citta} store were super friendly",
        "the agent spoke perfect English and was very helpful",
    ),
    "attesa": ("they answered right away", "they called me back within the hour"),
    "prezzo": ("good value for money", "no hidden costs"),
    "rimborso": ("the refund came through in a few days",),
    "modem": ("the new router fixed all my wi-fi problems",),
}
EN_POS_SHORT = (
    ("friendly staff", "staff"),
    ("helpful agent", "staff"),
    ("fast fibre", "rete"),
    ("fair price", "prezzo"),
    ("easy app", "app"),
    ("quick activation", "attivazione"),
)
EN_NEG_SHORT = (
    ("late delivery", "consegna"),
    ("endless hold times", "attesa"),
    ("wrong bill", "fatturazione"),
    ("poor coverage", "rete"),
    ("buggy app", "app"),
    ("slow refund", "fatturazione"),
)
EN_NEGATED_POS = ("no complaints at all", "I can't fault the service", "never had a single outage")
EN_NEGATED_NEG = ("not happy at all", "I would not recommend Aurora", "this is not acceptable")
EN_OPEN = ("Hi,", "Hello,", "Hi there,", "", "")
EN_CLOSE_NEG = ("I want a refund.", "Please sort this out.", "Thinking about switching provider.", "Terrible.", "")
EN_CLOSE_POS = ("Thanks a lot!", "Keep it up.", "Highly recommended.", "Great job!", "")
EN_SIGN = ("Best regards, {nome}", "Thanks, {nome}", "{nome}")
EN_QUESTIONS = (
    "how do I activate roaming for a trip in {mese}?",
    "can I get an Italian SIM with just my passport?",
    "is the {prodotto} available in the {citta} store?",
    "can someone help me in English?",
    "how do I pay my bill with a foreign card?",
)

EMOJI_NEG = ("😡", "😤", "👎", "🙄", "😞")
EMOJI_POS = ("👍", "😊", "🙏", "❤️", "👏")
MESI = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _fill(rng: random.Random, ctx: Mapping[str, str], english: bool) -> dict[str, str]:
    euros = rng.randrange(990, 12990)
    value = f"{euros // 100}.{euros % 100:02d}" if english else f"{euros // 100},{euros % 100:02d}"
    month = rng.randrange(12)
    return {
        **ctx,
        "giorni": str(rng.randrange(3, 26)),
        "pochi": str(rng.randrange(2, 6)),
        "minuti": str(rng.choice((15, 20, 25, 30, 35, 40, 45, 50, 60, 90))),
        "importo": value,
        "aumento": rng.choice(("1,99", "2", "2,50", "3", "4,99") if not english else ("2", "3", "5")),
        "volte": str(rng.randrange(3, 8)),
        "mesi": str(rng.randrange(3, 13)),
        "mese": ctx.get("mese") or (MONTHS[month] if english else MESI[month]),
        "ticket": ctx.get("ticket") or f"SR-{rng.randrange(10**6):06d}",  # the complaint, or a service request
    }


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:] if sentence else sentence


def _join(parts: Sequence[str]) -> str:
    """Join the non-empty sentences with single spaces."""
    return " ".join(part for part in parts if part)


def _emoji(rng: random.Random, tone: Tone) -> str:
    if rng.random() >= 0.12:
        return ""
    return rng.choice(EMOJI_POS if tone == "pos" else EMOJI_NEG)


def _core(rng: random.Random, english: bool, topic: str, tone: Tone) -> str:
    """One sentence body (no final punctuation, lower-case start) about ``topic`` in ``tone``."""
    if tone == "mixed":
        if english:
            good, good_topic = rng.choice(EN_POS_SHORT)
            bad, bad_topic = rng.choice(EN_NEG_SHORT)
            if bad_topic == good_topic:
                bad = "endless hold times" if good_topic != "attesa" else "wrong bill"
            return rng.choice((f"{good} but {bad}", f"{bad}, but {good}", f"{good}, shame about the {bad}"))
        good, good_topic = rng.choice(IT_POS_SHORT)
        bad, bad_article, bad_topic = rng.choice(IT_NEG_SHORT)
        if bad_topic == good_topic:
            bad, bad_article, _ = IT_NEG_SHORT[1]
        return rng.choice((f"{good} ma {bad}", f"{bad}, però {good}", f"{good}, peccato per {bad_article}"))
    if tone == "pos":
        if rng.random() < 0.25:
            return rng.choice(EN_NEGATED_POS if english else IT_NEGATED_POS)
        pos = EN_POS if english else IT_POS
        return rng.choice(pos.get(topic) or pos["personale"])
    neg = EN_NEG if english else IT_NEG
    return rng.choice(neg.get(topic) or neg["attesa"])


def _closer(rng: random.Random, english: bool, tone: Tone) -> str:
    if tone == "pos":
        return rng.choice(EN_CLOSE_POS if english else IT_CLOSE_POS)
    return rng.choice(EN_CLOSE_NEG if english else IT_CLOSE_NEG)


def customer_text(
    rng: random.Random,
    english: bool,
    reason: str,
    tone: Tone,
    ctx: Mapping[str, str],
    *,
    long: bool = False,
    spoken: bool = False,
) -> str:
    """What a customer writes (a complaint, a chat, an e-mail when ``long``) or says on the phone."""
    values = _fill(rng, ctx, english)
    topics = TOPICS.get(reason, (reason,))
    opener = "" if spoken else rng.choice(EN_OPEN if english else IT_OPEN)
    first = _core(rng, english, rng.choice(topics), tone)
    # After a greeting with a comma the sentence goes on in lower case, as Italians write letters.
    parts = [f"{opener} {first}." if opener else _cap(first) + "."]
    if long or rng.random() < 0.45:
        for _ in range(3):  # a second sentence that says something new
            if tone == "neg":
                extra = rng.choice(
                    (
                        _core(rng, english, rng.choice(topics), "neg"),
                        rng.choice(EN_FOLLOWUP if english else IT_FOLLOWUP),
                        rng.choice(EN_NEGATED_NEG if english else IT_NEGATED_NEG),
                    )
                )
            else:
                extra = _core(rng, english, rng.choice(topics), "pos" if tone == "pos" else "neg")
            if extra != first:
                parts.append(_cap(extra) + ".")
                break
    parts.append(_closer(rng, english, tone))
    if long and not spoken and rng.random() < 0.6:
        parts.append("\n" + rng.choice(EN_SIGN if english else IT_SIGN))
    parts.append(_emoji(rng, tone) if not spoken else "")
    return _join(parts).replace(" \n", "\n").format_map(values)


def survey_comment(rng: random.Random, english: bool, reason: str, tone: Tone, ctx: Mapping[str, str]) -> str:
    """A short verbatim left with a survey score."""
    values = _fill(rng, ctx, english)
    topic = rng.choice(TOPICS.get(reason, (reason,)))
    parts = [_cap(_core(rng, english, topic, tone)) + "."]
    if rng.random() < 0.35:
        if tone == "neg":
            parts.append(_cap(rng.choice(EN_NEGATED_NEG if english else IT_NEGATED_NEG)) + ".")
        elif tone == "pos":
            parts.append(_closer(rng, english, tone))
    parts.append(_emoji(rng, tone))
    return _join(parts).format_map(values)


def question_text(rng: random.Random, english: bool, ctx: Mapping[str, str]) -> str:
    """A neutral information request (chat or e-mail)."""
    values = _fill(rng, ctx, english)
    opener = rng.choice(EN_OPEN if english else IT_OPEN)
    question = rng.choice(EN_QUESTIONS if english else IT_QUESTIONS)
    thanks = rng.choice(("Thanks.", "Thank you!", "") if english else ("Grazie.", "Grazie mille!", ""))
    if not question.endswith("?"):
        question += "."
    return _join((f"{opener} {question}" if opener else _cap(question), thanks)).format_map(values)


def agent_note(rng: random.Random, reason: str, ctx: Mapping[str, str], *, resolved: bool) -> str:
    """A contact-center agent's note, always in Italian (the agents write in Italian)."""
    values = _fill(rng, ctx, False)
    prefix = "Cliente anglofono. " if ctx.get("lingua") == "en" else ""
    if reason not in IT_NOTE_PROBLEM:
        parts = (prefix + rng.choice(IT_INFO_NOTE), rng.choice(IT_INFO_DONE), rng.choice(IT_NOTE_OUTCOME[:2]))
        return _join(parts).format_map(values)
    problem = rng.choice(IT_NOTE_PROBLEM[reason])
    action = rng.choice(IT_NOTE_ACTION[reason])
    outcome = rng.choice(IT_NOTE_OUTCOME[:2] if resolved else IT_NOTE_OUTCOME[2:])
    return _join((f"{prefix}{rng.choice(IT_NOTE_OPEN)} {problem}.", action, outcome)).format_map(values)

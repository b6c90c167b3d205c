"""The words of the public form, its pages and the invitation e-mail, in Italian and English."""

from __future__ import annotations

from cxhub.surveys.definition import Question, local

UI: dict[str, dict[str, str]] = {
    "it": {
        "submit": "Invia",
        "required": "obbligatoria",
        "optional": "facoltativa",
        "errors": "Alcune risposte vanno corrette: le trovi indicate qui sotto.",
        "choose_many": "Puoi scegliere più risposte.",
        "language": "Italiano",
        "thanks_title": "Grazie!",
        "thanks": "Grazie per il tempo che ci hai dedicato: la tua opinione ci aiuta a migliorare.",
        "link_invalid_title": "Link non valido",
        "link_invalid": "Questo link non è valido. Controlla di averlo copiato per intero.",
        "link_expired_title": "Link scaduto",
        "link_expired": "Questo questionario non è più disponibile: il link è scaduto.",
        "already_answered_title": "Hai già risposto",
        "already_answered": "Abbiamo già ricevuto le tue risposte a questo questionario. Grazie!",
        "survey_closed_title": "Questionario chiuso",
        "survey_closed": "Questo questionario è stato chiuso e non accetta più risposte.",
        "opted_out_title": "Nessun questionario",
        "opted_out": "Ci hai chiesto di non ricevere questionari: rispettiamo la scelta e non registriamo risposte.",
        "too_large_title": "Risposta troppo lunga",
        "too_large": "La risposta inviata è troppo grande. Torna indietro e accorcia i testi.",
        "forbidden_title": "Richiesta rifiutata",
        "forbidden": "Le risposte vanno inviate dalla pagina del questionario.",
        "slow_down_title": "Troppe risposte",
        "slow_down": "Da questo dispositivo sono arrivate troppe risposte in poco tempo. Riprova tra un minuto.",
        "optout_title": "Non ricevere più questionari",
        "optout_ask": "Vuoi smettere di ricevere i nostri questionari di soddisfazione?",
        "optout_button": "Sì, non inviatemi più questionari",
        "optout_done_title": "Fatto",
        "optout_done": "Non riceverai più questionari da noi.",
        "email_subject": "{name}: ci dici com'è andata?",
        "email_hello": "Buongiorno,",
        "email_body": "ci aiuteresti a migliorare rispondendo a poche domande? Bastano due minuti.",
        "email_button": "Rispondi al questionario",
        "email_expires": "Il link resta valido fino al {date}.",
        "email_optout": "Non vuoi ricevere questionari? Annulla l'iscrizione",
    },
    "en": {
        "submit": "Submit",
        "required": "required",
        "optional": "optional",
        "errors": "Some answers need correcting: they are marked below.",
        "choose_many": "You can choose more than one answer.",
        "language": "English",
        "thanks_title": "Thank you!",
        "thanks": "Thank you for your time: your opinion helps us improve.",
        "link_invalid_title": "Invalid link",
        "link_invalid": "This link is not valid. Please check that you copied all of it.",
        "link_expired_title": "Link expired",
        "link_expired": "This survey is no longer available: the link has expired.",
        "already_answered_title": "Already answered",
        "already_answered": "We have already received your answers to this survey. Thank you!",
        "survey_closed_title": "Survey closed",
        "survey_closed": "This survey has been closed and no longer accepts answers.",
        "opted_out_title": "No surveys",
        "opted_out": "You asked us not to send you surveys: we respect that and record no answers.",
        "too_large_title": "Answer too long",
        "too_large": "The answer sent is too large. Please go back and shorten your texts.",
        "forbidden_title": "Request refused",
        "forbidden": "Answers must be sent from the survey page.",
        "slow_down_title": "Too many answers",
        "slow_down": "Too many answers came from this device in a short time. Please try again in a minute.",
        "optout_title": "Stop receiving surveys",
        "optout_ask": "Do you want to stop receiving our satisfaction surveys?",
        "optout_button": "Yes, send me no more surveys",
        "optout_done_title": "Done",
        "optout_done": "You will receive no more surveys from us.",
        "email_subject": "{name}: how did it go?",
        "email_hello": "Hello,",
        "email_body": "would you help us improve by answering a few questions? It takes two minutes.",
        "email_button": "Answer the survey",
        "email_expires": "The link is valid until {date}.",
        "email_optout": "Rather not receive surveys? Unsubscribe",
    },
}

# What the two ends of each metric scale mean, when the definition does not say.
ANCHORS: dict[str, dict[str, tuple[str, str]]] = {
    "nps": {"it": ("Per niente probabile", "Estremamente probabile"), "en": ("Not at all likely", "Extremely likely")},
    "enps": {"it": ("Per niente probabile", "Estremamente probabile"), "en": ("Not at all likely", "Extremely likely")},
    "csat": {"it": ("Molto insoddisfatto", "Molto soddisfatto"), "en": ("Very dissatisfied", "Very satisfied")},
    "ces": {"it": ("Per niente d'accordo", "Del tutto d'accordo"), "en": ("Strongly disagree", "Strongly agree")},
}


def anchors(question: Question, language: str) -> tuple[str, str]:
    if question.scale is not None and question.scale.min_label and question.scale.max_label:
        return local(question.scale.min_label, language), local(question.scale.max_label, language)
    default = ANCHORS.get(question.type, {}).get(language)
    return default or ("", "")


def ui(language: str) -> dict[str, str]:
    return UI.get(language, UI["en"])

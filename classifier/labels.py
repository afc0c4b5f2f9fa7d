"""German names of queues and intents, as staff read them in reasons."""

QUEUE_LABELS = {
    "jobcenter": "Jobcenter",
    "sozialamt": "Sozialamt",
    "eingliederungshilfe": "Eingliederungshilfe",
    "wohngeld": "Wohngeldstelle",
    "schuldnerberatung": "Schuldnerberatung",
    "suchtberatung": "Suchtberatung",
    "extern": "externe Stelle (Verweisung)",
    "clearing": "Clearing-Stelle",
}

INTENT_LABELS = {
    "antrag": "Antrag",
    "weiterbewilligung": "Weiterbewilligung",
    "aenderung": "Änderungsmitteilung",
    "unterlagen": "Unterlagen/Nachweise",
    "widerspruch": "Widerspruch",
    "termin": "Termin",
    "auskunft": "Auskunft/Sachstand",
    "beschwerde": "Beschwerde",
}


def queue_label(queue: str) -> str:
    return QUEUE_LABELS.get(queue, queue)


def intent_label(intent: str) -> str:
    return INTENT_LABELS.get(intent, intent)


def percent(p: float) -> str:
    return f"{round(p * 100)} %"

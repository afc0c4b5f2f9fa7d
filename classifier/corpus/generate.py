"""Generate the labelled training corpus (``classifier/corpus/train.jsonl``), deterministically.

Run: ``python -m classifier.corpus.generate``. Each example is a request as it reaches the
Eingangsservice: an intent frame filled with a Rechtskreis' vocabulary, wrapped in a channel
(email, letter, phone note, web form) and a style (formal, colloquial, simple German, English,
staff shorthand), then sometimes roughened (typos, missing umlauts, OCR noise).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from classifier.corpus import vocab as v
from classifier.corpus.handwritten import HANDWRITTEN

OUT = Path(__file__).with_name("train.jsonl")
SEED = 20260501
TRANSFER_QUEUES = ("jobcenter", "sozialamt", "eingliederungshilfe", "wohngeld")

# Intent frames shared by the transfer queues: {benefit}, {context}, {doc}, {change}, {reason}.
FRAMES: dict[str, list[str]] = {
    "antrag": [
        "ich möchte {benefit} beantragen. {context}",
        "{context} Deshalb beantrage ich hiermit {benefit}.",
        "{context} Kann ich {benefit} bekommen? Bitte schicken Sie mir die Antragsformulare.",
        "hiermit stelle ich einen Antrag auf {benefit}. {context}",
        "{context} Ich brauche Unterstützung und möchte {benefit} beantragen.",
        "{context} Was muss ich tun, um {benefit} zu bekommen? Ich möchte einen Antrag stellen.",
        "{context} Habe ich Anspruch auf {benefit}?",
        "{context} Kann ich {benefit} bekommen?",
        "{context} Steht mir {benefit} zu? Ich brauche Hilfe.",
        "ich bräuchte {benefit}. {context}",
    ],
    "weiterbewilligung": [
        "mein Bewilligungszeitraum für {benefit} endet am {date}. Ich beantrage die Weiterbewilligung.",
        "hiermit stelle ich den Weiterbewilligungsantrag für {benefit}. Meine Verhältnisse sind unverändert.",
        "bitte um Weiterzahlung von {benefit} ab dem {date}, der Antrag liegt bei.",
        "meine Bewilligung läuft aus. Ich möchte {benefit} weiter bekommen.",
        "anbei mein Folgeantrag für {benefit}, es hat sich nichts geändert.",
    ],
    "aenderung": [
        "ich möchte Ihnen mitteilen, dass {change}.",
        "Änderungsmitteilung: {change}. Bitte passen Sie {benefit} entsprechend an.",
        "kurze Info für meine Akte: {change}.",
        "hiermit zeige ich eine Änderung an: {change}.",
        "ich muss eine Veränderung melden: {change}. Den Nachweis reiche ich nach.",
        "{change}. Den Nachweis lege ich bei. Bitte ändern Sie meine Daten.",
        "zur Info: {change}. Was muss ich jetzt tun?",
        "wollte Bescheid geben, {change}.",
        "anbei {proof}: {change}.",
        "{change}. Im Anhang schicke ich Ihnen {proof}.",
        "hiermit reiche ich {proof} ein, weil {change}.",
        "bitte beachten Sie: {change}. {proof_sentence}",
    ],
    "unterlagen": [
        "anbei sende ich Ihnen {doc} für meinen Antrag auf {benefit}.",
        "wie angefordert reiche ich {doc} nach.",
        "im Anhang finden Sie {doc}. Bitte zu meiner Akte nehmen.",
        "hiermit übersende ich {doc} als Nachweis.",
        "Sie hatten {doc} angefordert, hier ist es.",
    ],
    "widerspruch": [
        "hiermit lege ich Widerspruch gegen den Bescheid vom {bdate} ein, weil {reason}.",
        "gegen Ihren Bescheid vom {bdate} über {benefit} erhebe ich Widerspruch. Begründung: {reason}.",
        "ich bin mit dem Bescheid vom {bdate} nicht einverstanden, {reason}. Ich widerspreche.",
        "Widerspruch gegen den Bescheid vom {bdate}: {reason}. Bitte prüfen Sie das erneut.",
    ],
    "termin": [
        "ich kann den Termin am {date} wegen Krankheit nicht wahrnehmen. Bitte geben Sie mir einen neuen Termin.",
        "ich hätte gern einen persönlichen Termin wegen {benefit}.",
        "bitte verschieben Sie meinen Termin vom {date}, ich habe an dem Tag ein Vorstellungsgespräch.",
        "ich möchte meinen Termin am {date} absagen.",
        "wann kann ich zu einem Beratungsgespräch über {benefit} kommen?",
    ],
    "auskunft": ["{auskunft}"],
    "beschwerde": [
        "ich möchte mich beschweren: {beschwerde}.",
        "hiermit reiche ich eine Beschwerde ein, denn {beschwerde}.",
        "ich bin sehr verärgert, {beschwerde}. Ich möchte mit der Vorgesetzten sprechen.",
    ],
}

# Intent mix per transfer queue (weights): close to how requests arrive at the counter.
INTENT_WEIGHTS: dict[str, dict[str, int]] = {
    "jobcenter": {"antrag": 9, "weiterbewilligung": 4, "aenderung": 6, "unterlagen": 6,
                  "widerspruch": 5, "termin": 5, "auskunft": 7, "beschwerde": 3},
    "sozialamt": {"antrag": 9, "weiterbewilligung": 3, "aenderung": 4, "unterlagen": 4,
                  "widerspruch": 3, "termin": 2, "auskunft": 5, "beschwerde": 2},
    "eingliederungshilfe": {"antrag": 9, "weiterbewilligung": 2, "aenderung": 3, "unterlagen": 4,
                            "widerspruch": 3, "termin": 2, "auskunft": 4, "beschwerde": 2},
    "wohngeld": {"antrag": 8, "weiterbewilligung": 3, "aenderung": 4, "unterlagen": 4,
                 "widerspruch": 3, "termin": 1, "auskunft": 5, "beschwerde": 2},
}
PER_TRANSFER_QUEUE = {"jobcenter": 110, "sozialamt": 80, "eingliederungshilfe": 70, "wohngeld": 65}

SUBJECTS: dict[str, list[str]] = {
    "antrag": ["Antrag", "Antrag auf {benefit}", "Neuantrag", "Bitte um Hilfe", "{benefit}", ""],
    "weiterbewilligung": ["Weiterbewilligung", "WBA", "Folgeantrag", "Weiterbewilligungsantrag {benefit}"],
    "aenderung": ["Änderungsmitteilung", "Veränderung", "Mitteilung", "Neue Adresse / Änderung", ""],
    "unterlagen": ["Unterlagen", "Nachweise", "Nachreichung Unterlagen", "Dokumente", "Anhang"],
    "widerspruch": ["Widerspruch", "Widerspruch gegen Bescheid", "Einspruch", "Widerspruch Bescheid vom {bdate}"],
    "termin": ["Termin", "Terminabsage", "Termin verschieben", "Bitte um Termin"],
    "auskunft": ["Frage", "Anfrage", "Sachstand", "Frage zu {benefit}", ""],
    "beschwerde": ["Beschwerde", "Unzufrieden", "Beschwerde über Bearbeitung"],
}

ENGLISH: dict[str, list[tuple[str, str]]] = {
    "jobcenter": [
        ("antrag", "I lost my job and have no money left. How do I apply for Bürgergeld (citizen's income)?"),
        ("auskunft", "My Bürgergeld payment has not arrived this month. Can you please check?"),
        ("unterlagen", "Please find attached my bank statements for the jobcenter, my BG number is {bg}."),
        ("termin", "I cannot come to my appointment at the jobcenter on {date} because my child is sick."),
        ("aenderung", "I found a part-time job starting {date}, I want to inform the jobcenter."),
        ("widerspruch", "I want to object to the decision (Bescheid) of {bdate} about my basic income support, the rent was not paid in full."),
    ],
    "sozialamt": [
        ("antrag", "My mother is 78 and her pension is too small. She needs basic income support for old age (Grundsicherung im Alter)."),
        ("antrag", "My father died and we cannot pay for the funeral. Can the social welfare office cover the funeral costs?"),
        ("auskunft", "Who pays the nursing home costs when my father's savings are used up?"),
    ],
    "eingliederungshilfe": [
        ("antrag", "Our son is autistic and needs a school assistant (Schulbegleitung) from August."),
        ("auskunft", "How can I apply for integration assistance for my disabled daughter in kindergarten?"),
    ],
    "wohngeld": [
        ("antrag", "I would like to apply for housing benefit (Wohngeld). My rent is very high compared to my salary."),
        ("antrag", "Am I eligible for housing allowance as a pensioner? My rent is high."),
        ("auskunft", "How long does it take to process my housing benefit application?"),
    ],
    "schuldnerberatung": [
        ("termin", "I have a lot of debts and debt collectors are calling me every day. I need an appointment with debt counselling."),
        ("auskunft", "My bank account has been seized. How do I get a P-Konto certificate?"),
    ],
    "suchtberatung": [
        ("termin", "I think I have a drinking problem and I would like to talk to someone at the addiction counselling."),
        ("auskunft", "My brother is addicted to gambling. Is there support for family members?"),
    ],
    "extern": [
        ("antrag", "We had a baby in {month}. How do we apply for child benefit (Kindergeld)?", "Familienkasse"),
        ("antrag", "I was dismissed and want to register as unemployed and get unemployment benefit.", "Agentur für Arbeit"),
        ("antrag", "I want to apply for my old-age pension.", "Deutsche Rentenversicherung"),
        ("antrag", "I am starting university and want to apply for BAföG student funding.", "BAföG-Amt"),
        ("antrag", "How do I apply for parental allowance (Elterngeld)?", "Elterngeldstelle"),
    ],
    "clearing": [
        ("auskunft", "Hello, I need help, please call me back."),
        ("auskunft", "I received a letter but I do not understand it. What should I do?"),
    ],
}

SIMPLE: dict[str, list[tuple[str, str]]] = {
    "jobcenter": [
        ("antrag", "Ich habe keine Arbeit. Ich habe kein Geld. Ich brauche Geld vom Jobcenter. Wie geht das?"),
        ("auskunft", "Ich habe kein Geld bekommen. Das Geld vom Jobcenter fehlt. Bitte helfen Sie."),
        ("termin", "Ich kann nicht zum Termin kommen. Ich bin krank. Ich brauche einen neuen Termin beim Jobcenter."),
        ("unterlagen", "Hier sind meine Papiere für das Bürgergeld."),
    ],
    "sozialamt": [
        ("antrag", "Ich bin alt. Meine Rente ist klein. Das Geld reicht nicht. Ich brauche Hilfe vom Sozialamt."),
        ("antrag", "Mein Vater ist tot. Wir haben kein Geld für die Beerdigung."),
    ],
    "eingliederungshilfe": [
        ("antrag", "Mein Kind hat eine Behinderung. Es braucht Hilfe in der Schule. Ich möchte eine Begleitung für die Schule."),
    ],
    "wohngeld": [
        ("antrag", "Meine Miete ist zu hoch. Ich arbeite, aber das Geld reicht nicht. Ich möchte Wohngeld."),
    ],
    "schuldnerberatung": [
        ("termin", "Ich habe viele Schulden. Ich bekomme viele Briefe mit Mahnungen. Ich brauche Hilfe. Bitte einen Termin."),
    ],
    "suchtberatung": [
        ("termin", "Ich trinke zu viel Alkohol. Ich will aufhören. Ich brauche Hilfe. Bitte einen Termin."),
    ],
    "extern": [
        ("antrag", "Ich habe ein Baby. Ich möchte Kindergeld.", "Familienkasse"),
        ("antrag", "Ich habe keine Arbeit mehr. Mein Chef hat mich gekündigt. Ich will Arbeitslosengeld.", "Agentur für Arbeit"),
    ],
    "clearing": [
        ("auskunft", "Ich habe einen Brief. Ich verstehe den Brief nicht. Bitte helfen Sie mir."),
    ],
}

Example = dict[str, object]


class Filler:
    """Random but valid values for placeholders (identifiers, dates, names, addresses)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def date(self) -> str:
        day, month = self.rng.randint(1, 28), self.rng.randint(1, 12)
        return self.rng.choice([f"{day:02d}.{month:02d}.2026", f"{day}.{month}.2026",
                                f"{day}. {v.MONTHS[month - 1]} 2026", f"{day:02d}.{month:02d}.26"])

    def values(self) -> dict[str, str]:
        r = self.rng
        town, other_pc = r.choice(v.OTHER_TOWNS)
        iban_digits = "".join(str(r.randint(0, 9)) for _ in range(18))
        iban = f"DE{r.randint(10, 99)}{iban_digits}"
        return {
            "date": self.date(), "bdate": self.date(), "month": r.choice(v.MONTHS),
            "bg": f"{r.choice(['26102', '26101', '26103'])}BG{r.randint(0, 9999999):07d}",
            "kd": f"{r.randint(100, 999)}{r.choice('ABCDEFGH')}{r.randint(0, 999999):06d}",
            "wg": f"62-WG-{r.randint(0, 999999):06d}",
            "az_egh": f"EGH-{r.choice([2025, 2026])}-{r.randint(1, 9999):04d}",
            "az_sa": f"50.{r.randint(1, 4)}-{r.choice(['GS', 'HLU', 'HzP', 'BK'])}-{r.randint(10, 9999)}",
            "az_hzp": f"HzP-{r.choice([2025, 2026])}-{r.randint(1, 9999):04d}",
            "iban": " ".join(iban[i:i + 4] for i in range(0, 22, 4)) if r.random() < 0.5 else iban,
            "street": f"{r.choice(v.STREETS)} {r.randint(1, 140)}",
            "postcode": r.choice(v.OLDENBURG_PCS),
            "other_town": town, "other_pc": other_pc,
            "first": r.choice(v.FIRST_NAMES), "last": r.choice(v.LAST_NAMES),
            "phone": r.choice(["0441 ", "0441-", "0151 ", "0176/", "+49 441 "])
            + str(r.randint(100000, 9999999)),
        }


def fill(template: str, values: dict[str, str]) -> str:
    return template.format(**values)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- channels ---------------------------------------------------------------------------------


def as_email(rng: random.Random, body: str, subject: str, val: dict[str, str]) -> tuple[str, str]:
    greeting = rng.choice(["Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,", "Moin,",
                           "Sehr geehrte Frau Gerdes,", "Hallo zusammen,", ""])
    closing = rng.choice(["Mit freundlichen Grüßen", "MfG", "Viele Grüße", "LG", "Gruß",
                          "Freundliche Grüße", "Danke im Voraus"])
    sig = f"{val['first']} {val['last']}"
    if rng.random() < 0.35:
        sig += f"\n{val['street']}\n{val['postcode']} Oldenburg"
    if rng.random() < 0.3:
        sig += f"\nTel. {val['phone']}"
    body = capitalise(body) if not greeting else body
    parts = [greeting, body, "", closing, sig]
    return subject, "\n".join(p for p in parts if p is not None).strip()


def as_letter(rng: random.Random, body: str, subject: str, val: dict[str, str]) -> tuple[str, str]:
    header = f"{val['first']} {val['last']}\n{val['street']}\n{val['postcode']} Oldenburg"
    recipient = rng.choice(["Stadt Oldenburg\nJobcenter / Sozialamt\n26105 Oldenburg",
                            "An die Stadt Oldenburg\nPostfach 2427\n26105 Oldenburg", ""])
    dateline = f"Oldenburg, den {val['date']}"
    betreff = f"Betreff: {subject}" if subject else ""
    text = "\n\n".join(p for p in [header, recipient, dateline, betreff,
                                   "Sehr geehrte Damen und Herren,", body,
                                   f"Mit freundlichen Grüßen\n{val['first']} {val['last']}"] if p)
    return "", text


def as_webform(rng: random.Random, body: str, subject: str, val: dict[str, str]) -> tuple[str, str]:
    topic = rng.choice(["Sonstiges", "Allgemeine Anfrage", subject or "Anliegen", "Soziales"])
    lines = [f"Anliegen: {topic}", f"Name: {val['last']}, {val['first']}",
             f"E-Mail: {val['first'].lower()}.{val['last'].lower()}@example.org"]
    if rng.random() < 0.5:
        lines.append(f"Telefon: {val['phone']}")
    if rng.random() < 0.5:
        lines.append(f"Anschrift: {val['street']}, {val['postcode']} Oldenburg")
    lines.append(f"Nachricht: {capitalise(body)}")
    return "Kontaktformular: " + topic, "\n".join(lines)


PHONE_OPENERS = ["{t} {first} {last} rief an", "Anruf {t} {last}", "{t} {last} ruft an",
                 "Tel. mit {t} {last}", "AR {t} {last}"]


def as_phone(rng: random.Random, note: str, val: dict[str, str]) -> tuple[str, str]:
    title = rng.choice(["Fr.", "Hr.", "Frau", "Herr"])
    opener = fill(rng.choice(PHONE_OPENERS), {**val, "t": title})
    extra = rng.choice(["RR erbeten", "bittet um Rückruf", "Rückruf unter " + val["phone"],
                        "erreichbar vormittags", "", "hat Unterlagen per Post geschickt"])
    text = f"{opener} ({val['date']}): {note}. {extra}".strip()
    return rng.choice(["Telefonnotiz", "Tel.-Notiz", "Anruf", ""]), text


# Staff shorthand versions of requests: what Eingangsservice writes while on the phone.
PHONE_NOTES: dict[str, list[tuple[str, str]]] = {
    "jobcenter": [
        ("antrag", "möchte Bürgergeld beantragen, arbeitslos seit 3 Mon., ALG I läuft aus"),
        ("weiterbewilligung", "WBA fehlt noch, BWZ endet {date}, Kd-Nr {kd}"),
        ("aenderung", "hat Minijob aufgenommen ab {date}, BG-Nr {bg}, Lohnabr. folgt"),
        ("auskunft", "fragt nach Sachstand Leistungen, Kd-Nr {kd}, Geld nicht eingegangen"),
        ("termin", "kann Termin bei pAp am {date} nicht wahrnehmen, krank, bittet um neuen Termin"),
        ("widerspruch", "will Widerspruch gg. Bescheid v. {bdate} einlegen (KdU gekürzt), BG {bg}"),
        ("unterlagen", "Kontoauszüge wurden eingeworfen, Kd-Nr {kd}"),
        ("antrag", "Hartz IV / ALG II Antrag gewünscht, Kd-Nr unbek., alleinerz. 2 Ki."),
    ],
    "sozialamt": [
        ("antrag", "Tochter ruft für Mutter an (82 J.), Rente reicht nicht, möchte Grundsicherung im Alter beantragen"),
        ("antrag", "HzP-Antrag für Vater im Heim, Heimkosten nicht gedeckt"),
        ("antrag", "Sohn fragt nach Übernahme Bestattungskosten, Vater verst. am {date}"),
        ("auskunft", "fragt nach Stand GS-Antrag, Az {az_sa}"),
        ("weiterbewilligung", "Weiterbewilligung GSi, Az {az_hzp}, Unterlagen kommen"),
    ],
    "eingliederungshilfe": [
        ("antrag", "Mutter möchte Schulbegleitung für Sohn (Autismus) ab Schuljahresbeginn beantragen"),
        ("auskunft", "fragt nach Stand EGH-Antrag {az_egh}, Integrationshilfe Kita"),
        ("antrag", "möchte Persönliches Budget beantragen, wohnt allein, seel. Behinderung"),
        ("unterlagen", "SPZ-Bericht wird nachgereicht, Az {az_egh}"),
    ],
    "wohngeld": [
        ("antrag", "möchte WoGG-Antrag stellen, Rentner, Miete 590 warm"),
        ("auskunft", "fragt nach Bearbeitungsstand Wohngeld {wg}"),
        ("weiterbewilligung", "Weiterleistungsantrag Wohngeld, bisher {wg}, läuft aus"),
        ("aenderung", "Mieterhöhung ab {date}, Wohngeld-Nr {wg}"),
    ],
    "schuldnerberatung": [
        ("termin", "braucht Termin Schuldnerberatung, Schulden ca. 20 T€, Inkasso, Kontopfändung droht"),
        ("antrag", "benötigt P-Konto-Bescheinigung, 1 Kind"),
        ("termin", "Termin Schuldnerberatung verschieben, neuer Wunsch KW {n}"),
    ],
    "suchtberatung": [
        ("termin", "Angehörige (Ehefrau), Mann trinkt, wünscht Beratungstermin Suchtberatung"),
        ("termin", "möchte Termin wg. Spielsucht, anonym"),
        ("auskunft", "fragt nach Selbsthilfegruppe Alkohol"),
    ],
    "extern": [
        ("antrag", "fragt nach Kindergeld für Neugeborenes -> Familienkasse", "Familienkasse"),
        ("antrag", "gekündigt, will sich arbeitslos melden, ALG I", "Agentur für Arbeit"),
        ("antrag", "möchte Pflegegrad für Mutter beantragen", "Pflegekasse"),
        ("antrag", "will EM-Rente beantragen, seit 2 J. krank", "Deutsche Rentenversicherung"),
        ("auskunft", "Krankengeld kommt nicht, AU seit 8 Wo.", "Krankenkasse"),
        ("antrag", "wohnt in {other_town}, möchte Wohngeld beantragen", "andere Kommune"),
    ],
    "clearing": [
        ("auskunft", "wollte Sachbearbeiter sprechen, Anliegen nicht genannt, RR"),
        ("auskunft", "Anruferin sehr aufgeregt, Anliegen unklar, ruft wieder an"),
        ("auskunft", "fragt allg. nach Zuständigkeit, Name nicht genannt"),
    ],
}


# --- noise ------------------------------------------------------------------------------------

UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
OCR = [("ü", "ii"), ("rn", "m"), ("l", "1"), ("i", "l"), ("ß", "B"), ("e", "c"), ("m", "rn"),
       ("O", "0"), ("ä", "a"), ("h", "b")]


def fold_umlauts(text: str, rng: random.Random) -> str:
    plain = rng.random() < 0.3  # some keyboards simply drop the dots
    for k, val in UMLAUTS.items():
        text = text.replace(k, val[0] if plain and k != "ß" else val)
    return text


def typos(text: str, rng: random.Random, rate: float = 0.03) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 4 and rng.random() < rate * 3:
            j = rng.randrange(1, len(word) - 2)
            op = rng.choice(("swap", "drop", "double"))
            if op == "swap":
                word = word[:j] + word[j + 1] + word[j] + word[j + 2:]
            elif op == "drop":
                word = word[:j] + word[j + 1:]
            else:
                word = word[:j] + word[j] + word[j:]
            words[i] = word
    return " ".join(words)


def ocr_noise(text: str, rng: random.Random) -> str:
    out = []
    for word in text.split(" "):
        if rng.random() < 0.12:
            a, b = rng.choice(OCR)
            word = word.replace(a, b, 1)
        if rng.random() < 0.03 and len(word) > 6:
            k = rng.randrange(2, len(word) - 2)
            word = word[:k] + " " + word[k:]
        out.append(word)
    return " ".join(out).replace("\n\n", rng.choice(["\n\n", "\n \n", "\n"]))


def colloquial(text: str, rng: random.Random) -> str:
    text = text.lower() if rng.random() < 0.5 else text
    text = text.replace("Sehr geehrte Damen und Herren,", "hallo")
    if rng.random() < 0.5:
        text = text.replace(".", "", 3)
    return text + rng.choice(["", " danke", " bitte schnell!!", " lg", " ?", " sorry für die umstände"])


# --- assembling -------------------------------------------------------------------------------


def transfer_body(rng: random.Random, queue: str, intent: str, val: dict[str, str]) -> str:
    slots = {
        **val,
        "benefit": rng.choice(v.BENEFITS[queue]),
        "context": rng.choice(v.CONTEXTS[queue]),
        "doc": fill(rng.choice(v.DOCS[queue]), val),
        "change": fill(rng.choice(v.CHANGES[queue]), val),
        "reason": rng.choice(v.WIDERSPRUCH_REASONS[queue]),
        "beschwerde": rng.choice(v.BESCHWERDE[queue]),
        "proof": rng.choice(["den Nachweis", "die Bescheinigung dazu", "eine Kopie",
                             "die Unterlagen dazu", "den Beleg"]),
        "proof_sentence": rng.choice(["Der Nachweis liegt bei.", "Kopie anbei.",
                                      "Die Bescheinigung reiche ich nach.", ""]),
    }
    slots["auskunft"] = fill(rng.choice(v.AUSKUNFT[queue]), slots)
    body = fill(rng.choice(FRAMES[intent]), slots)
    if rng.random() < 0.55:
        ident = fill(rng.choice(v.IDENTIFIER_LINES[queue]), val)
        body = f"{ident}\n{body}" if rng.random() < 0.5 else f"{body} {ident}."
    return body


def subject_for(rng: random.Random, intent: str, val: dict[str, str], queue: str) -> str:
    benefit = rng.choice(v.BENEFITS.get(queue, ["Ihre Leistung"]))
    return fill(rng.choice(SUBJECTS[intent]), {**val, "benefit": benefit})


def wrap(rng: random.Random, body: str, intent: str, queue: str, val: dict[str, str],
         channel: str | None = None) -> tuple[str, str, str]:
    channel = channel or rng.choices(["email", "letter", "webform"], weights=[6, 3, 2])[0]
    subject = subject_for(rng, intent, val, queue)
    wrappers: dict[str, Callable[..., tuple[str, str]]] = {
        "email": as_email, "letter": as_letter, "webform": as_webform}
    subj, text = wrappers[channel](rng, body, subject, val)
    return channel, subj, text


def roughen(rng: random.Random, channel: str, text: str) -> tuple[str, str]:
    """Apply one of the usual kinds of mess; returns (style, text)."""
    roll = rng.random()
    if channel == "letter" and roll < 0.45:
        return "ocr", ocr_noise(text, rng)
    if roll < 0.15:
        return "umlaute", fold_umlauts(text, rng)
    if roll < 0.30:
        return "tippfehler", typos(text, rng)
    if roll < 0.40 and channel in ("email", "webform"):
        return "umgangssprache", colloquial(text, rng)
    return "standard", text


def add_urgency(rng: random.Random, queue: str, intent: str, body: str,
                val: dict[str, str]) -> tuple[str, bool]:
    urgent = intent == "widerspruch"
    options = v.NOTLAGEN.get(queue, [])
    if options and rng.random() < 0.22:
        body = f"{body} {fill(rng.choice(options), val)}"
        urgent = True
    elif rng.random() < 0.04:
        body = f"{body} {fill(rng.choice(v.FRISTEN), val)}"
        urgent = True
    return body, urgent


def example(channel: str, subject: str, text: str, queue: str, intent: str, urgent: bool,
            style: str, referral: str | None = None) -> Example:
    return {"channel": channel, "subject": subject, "text": text, "queue": queue,
            "intent": intent, "urgent": urgent, "referral_to": referral, "style": style}


def extern_example(rng: random.Random, referral: str, intent: str, body: str,
                   val: dict[str, str]) -> Example:
    channel, subject, text = wrap(rng, body, intent, "extern", val)
    if referral == "andere Kommune":  # the sender lives elsewhere: their address says so
        text = text.replace(f"{val['postcode']} Oldenburg", f"{val['other_pc']} {val['other_town']}")
    subject = rng.choice([subject, "Frage", "Anfrage", "Antrag"])
    style, text = roughen(rng, channel, text)
    return example(channel, subject, text, "extern", intent, intent == "widerspruch", style,
                   referral)


def generate(seed: int = SEED) -> list[Example]:
    rng = random.Random(seed)
    filler = Filler(rng)
    out: list[Example] = []

    for queue in TRANSFER_QUEUES:
        intents, weights = zip(*INTENT_WEIGHTS[queue].items(), strict=True)
        for _ in range(PER_TRANSFER_QUEUE[queue]):
            val = filler.values()
            intent = rng.choices(intents, weights=weights)[0]
            body = transfer_body(rng, queue, intent, val)
            body, urgent = add_urgency(rng, queue, intent, body, val)
            channel, subject, text = wrap(rng, body, intent, queue, val)
            style, text = roughen(rng, channel, text)
            out.append(example(channel, subject, text, queue, intent, urgent, style))

    specific = {"schuldnerberatung": v.SCHULDNER, "suchtberatung": v.SUCHT}
    for queue, by_intent in specific.items():
        pool = [(i, t) for i, texts in by_intent.items() for t in texts]
        for k in range(60 if queue == "schuldnerberatung" else 45):
            val = filler.values()
            intent, template = pool[k % len(pool)] if k < len(pool) else rng.choice(pool)
            body, urgent = add_urgency(rng, queue, intent, fill(template, val), val)
            channel, subject, text = wrap(rng, body, intent, queue, val)
            subject = rng.choice([subject, "Schulden" if queue == "schuldnerberatung" else "Sucht",
                                  "Beratung", "Termin" if intent == "termin" else "Frage"])
            style, text = roughen(rng, channel, text)
            out.append(example(channel, subject, text, queue, intent, urgent, style))

    pool_ext = [(body, i, t) for body, items in v.EXTERN.items() for i, t in items]
    for k in range(len(pool_ext)):  # each hand-written referral once
        val = filler.values()
        referral, intent, template = pool_ext[k]
        out.append(extern_example(rng, referral, intent, fill(template, val), val))
    for _ in range(80):  # and referral topics in the shapes of the other requests
        val = filler.values()
        referral = rng.choice(list(v.EXTERN_TOPICS))
        topic = v.EXTERN_TOPICS[referral]
        intent = rng.choices(["antrag", "auskunft"], weights=[3, 1])[0]
        slots = {**val, "benefit": rng.choice(topic["benefits"]),
                 "context": fill(rng.choice(topic["contexts"]), val)}
        body = fill(rng.choice(v.EXTERN_FRAMES[intent]), slots)
        out.append(extern_example(rng, referral, intent, body, val))

    for k in range(55):
        val = filler.values()
        intent, body = v.CLEARING[k % len(v.CLEARING)]
        channel, subject, text = wrap(rng, body, intent, "clearing", val)
        subject = rng.choice(["", "Frage", "Hallo", "Wichtig", "Anfrage", "Re: Ihr Schreiben"])
        style, text = roughen(rng, channel, text)
        out.append(example(channel, subject, text, "clearing", intent, False, style))

    for queue, notes in PHONE_NOTES.items():
        for _ in range(2):
            for note in notes:
                val = {**filler.values(), "n": str(rng.randint(2, 52))}
                intent, template = note[0], note[1]
                referral = note[2] if len(note) > 2 else None
                body = fill(template, val)
                urgent = intent == "widerspruch"
                if queue in v.NOTLAGEN and rng.random() < 0.2:
                    body += ", " + fill(rng.choice(v.NOTLAGEN[queue]), val).rstrip(".").lower()
                    urgent = True
                subject, text = as_phone(rng, body, val)
                style, text = ("kurznotiz", text) if rng.random() < 0.7 else roughen(rng, "phone", text)
                out.append(example("phone", subject, text, queue, intent, urgent, style, referral))

    for style, table in (("englisch", ENGLISH), ("einfache_sprache", SIMPLE)):
        for queue, items in table.items():
            for _ in range(2):
                for item in items:
                    val = filler.values()
                    intent, template = item[0], item[1]
                    referral = item[2] if len(item) > 2 else None
                    body = fill(template, val)
                    urgent = intent == "widerspruch"
                    channel = rng.choice(["email", "webform"])
                    subj = rng.choice(["", "Question", "Help", "Request"]) if style == "englisch" \
                        else rng.choice(["", "Hilfe", "Frage"])
                    if channel == "email":
                        text = f"{rng.choice(['Hello,', 'Dear Sir or Madam,', 'Hallo,', ''])}\n{body}\n{val['first']} {val['last']}".strip()
                    else:
                        text = f"Name: {val['first']} {val['last']}\nNachricht: {body}"
                    out.append(example(channel, subj, text, queue, intent, urgent, style, referral))

    for queue, intent, urgent, referral, channel, subject, text in HANDWRITTEN:
        out.append(example(channel, subject, text, queue, intent, urgent, "handgeschrieben",
                           referral))
        style, rough = roughen(rng, channel, text)  # and once as it might also arrive
        if style != "standard":
            out.append(example(channel, subject, rough, queue, intent, urgent, style, referral))

    for i, ex in enumerate(out):
        ex["id"] = f"train-{i:04d}"
    return out


def main() -> None:
    examples = generate()
    with OUT.open("w", encoding="utf-8") as fh:
        for ex in examples:
            fh.write(json.dumps(ex, ensure_ascii=False) + "\n")
    print(f"{len(examples)} Beispiele geschrieben: {OUT}")


if __name__ == "__main__":
    main()

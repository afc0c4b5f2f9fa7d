"""Vocabulary of the training corpus generator: what citizens of each Rechtskreis write about.

Written for this project from the domain description (``shared/domain.md``), not taken from
any evaluation data. Placeholders in braces are filled by :mod:`classifier.corpus.generate`.
"""

from __future__ import annotations

# Benefit names per queue (as citizens write them, old and new names mixed on purpose).
BENEFITS: dict[str, list[str]] = {
    "jobcenter": [
        "Bürgergeld", "Grundsicherungsgeld", "Hartz IV", "ALG II", "Arbeitslosengeld II",
        "Leistungen nach dem SGB II", "die Neue Grundsicherung", "Hartz 4", "ALG 2",
        "Leistungen vom Jobcenter", "Buergergeld", "Grundsicherung für Arbeitsuchende",
    ],
    "sozialamt": [
        "Grundsicherung im Alter", "Grundsicherung bei Erwerbsminderung", "Sozialhilfe",
        "Hilfe zum Lebensunterhalt", "Hilfe zur Pflege", "Übernahme der Heimkosten",
        "Leistungen nach dem SGB XII", "Grundsicherung im Alter und bei Erwerbsminderung",
        "Übernahme der Bestattungskosten", "Aufstockung meiner kleinen Rente",
    ],
    "eingliederungshilfe": [
        "Eingliederungshilfe", "eine Schulbegleitung", "Integrationshilfe in der Kita",
        "Assistenz im Wohnen", "ein Persönliches Budget", "Frühförderung",
        "Teilhabeassistenz", "einen Platz in einer Werkstatt für behinderte Menschen",
        "Leistungen nach dem SGB IX", "ambulant betreutes Wohnen", "heilpädagogische Leistungen",
        "Leistungen zur Teilhabe",
    ],
    "wohngeld": [
        "Wohngeld", "Mietzuschuss", "Lastenzuschuss", "Wohngeld Plus", "Wohngeld (Mietzuschuss)",
        "Zuschuss zur Miete von der Wohngeldstelle", "Wohngeld für unseren Haushalt",
    ],
}

CONTEXTS: dict[str, list[str]] = {
    "jobcenter": [
        "Ich bin seit drei Monaten arbeitslos und meine Ersparnisse sind aufgebraucht.",
        "Mein Arbeitslosengeld I läuft Ende des Monats aus und ich habe noch keine neue Stelle.",
        "Ich bin alleinerziehend mit zwei Kindern und verdiene in Teilzeit zu wenig.",
        "Ich arbeite 20 Stunden pro Woche und das Geld reicht nicht für Miete und Essen.",
        "Ich bin 24 Jahre alt, wohne allein und suche Arbeit.",
        "Meine Frau und ich sind beide ohne Arbeit, wir haben ein Baby.",
        "Ich habe meine Selbständigkeit aufgegeben und habe kein Einkommen mehr.",
        "Ich habe mein Studium abgebrochen und suche jetzt eine Ausbildung.",
        "Mein Mann hat uns verlassen und ich stehe mit den Kindern ohne Geld da.",
        "Ich bin aus der Ukraine geflüchtet und habe eine Aufenthaltserlaubnis.",
        "Ich habe einen Minijob, aber das reicht hinten und vorne nicht.",
        "Wir sind eine Bedarfsgemeinschaft mit drei Personen.",
        "Ich bin gerade nach Oldenburg gezogen und arbeitssuchend.",
        "Meine Firma ist pleite und mein letzter Lohn kam nicht.",
    ],
    "sozialamt": [
        "Ich bin 71 Jahre alt und meine Rente reicht nicht zum Leben.",
        "Meine Altersrente beträgt nur 640 Euro im Monat.",
        "Ich bin voll erwerbsgemindert und bekomme nur eine kleine Erwerbsminderungsrente.",
        "Meine Mutter lebt im Pflegeheim und ihr Geld reicht nicht mehr für die Heimkosten.",
        "Mein Vater ist verstorben und wir können die Beerdigung nicht bezahlen.",
        "Ich bin Rentnerin, alleinstehend und habe keine Ersparnisse mehr.",
        "Mein Mann ist pflegebedürftig (Pflegegrad 3) und die Pflegekasse zahlt nicht alles.",
        "Ich bin dauerhaft erwerbsunfähig und kann nicht mehr arbeiten.",
        "Meine Oma ist 84 und kommt mit ihrer Rente nicht aus.",
        "Ich bin seit Jahren krank, die Rentenversicherung hat volle Erwerbsminderung festgestellt.",
        "Das Pflegeheim hat die Kosten erhöht und das Ersparte meines Vaters ist aufgebraucht.",
        "Ich habe die Regelaltersgrenze erreicht und nur eine Mini-Rente.",
    ],
    "eingliederungshilfe": [
        "Unser Sohn hat Autismus und kommt im August in die erste Klasse.",
        "Meine Tochter hat eine geistige Behinderung und braucht Unterstützung im Unterricht.",
        "Ich habe eine seelische Behinderung und brauche Hilfe im Alltag.",
        "Unser Kind ist entwicklungsverzögert, der Kinderarzt empfiehlt Frühförderung.",
        "Ich sitze im Rollstuhl und möchte selbstständig in einer eigenen Wohnung leben.",
        "Mein Bruder hat das Down-Syndrom und möchte nach der Schule in einer Werkstatt arbeiten.",
        "Unser Sohn hat ADHS und eine Lernbehinderung, die Schule schafft es allein nicht.",
        "Ich habe einen Schwerbehindertenausweis mit GdB 80.",
        "Unsere Tochter ist gehörlos und geht in die Kita.",
        "Ich lebe mit einer psychischen Erkrankung und schaffe den Haushalt nicht mehr allein.",
        "Die Kita sagt, ohne zusätzliche Integrationskraft kann unser Kind nicht bleiben.",
    ],
    "wohngeld": [
        "Ich bin Rentner und meine Miete ist in diesem Jahr stark gestiegen.",
        "Wir sind eine Familie mit drei Kindern und mein Mann verdient nicht viel.",
        "Wir haben ein kleines Haus und die Kreditraten und Nebenkosten sind zu hoch.",
        "Ich arbeite Vollzeit im Einzelhandel, aber die Miete frisst die Hälfte meines Lohns.",
        "Ich bin Studentin ohne BAföG-Anspruch und zahle 450 Euro Miete.",
        "Meine Rente ist knapp über der Grundsicherung, die Miete ist hoch.",
        "Ich bin Azubi und wohne in einer eigenen kleinen Wohnung.",
        "Wir sind zu zweit, beide Rentner, und die Heizkosten sind explodiert.",
    ],
}

# Things people report as a change (Änderungsmitteilung), per queue.
CHANGES: dict[str, list[str]] = {
    "jobcenter": [
        "ich habe ab dem {date} einen Minijob mit 538 Euro im Monat",
        "ich habe eine feste Arbeitsstelle gefunden und fange am {date} an",
        "meine Tochter ist zum {date} ausgezogen",
        "mein Partner ist am {date} bei mir eingezogen",
        "ich bin am {date} umgezogen, meine neue Adresse ist {street}, {postcode} Oldenburg",
        "meine Miete steigt ab dem {date} auf 612 Euro warm",
        "ich habe ein neues Konto, die neue IBAN ist {iban}",
        "ich bin schwanger, der Geburtstermin ist der {date}",
        "mein Sohn hat eine Ausbildung angefangen und bekommt Ausbildungsvergütung",
        "ich bin seit dem {date} krankgeschrieben",
    ],
    "sozialamt": [
        "meine Rente wurde zum {date} erhöht",
        "ich bin am {date} ins Pflegeheim umgezogen",
        "meine Bankverbindung hat sich geändert, neue IBAN: {iban}",
        "mein Mann ist am {date} verstorben",
        "ich ziehe zum {date} in eine kleinere Wohnung, {street}, {postcode} Oldenburg",
        "der Pflegegrad meiner Mutter wurde auf 4 erhöht",
        "ich bekomme jetzt zusätzlich eine kleine Witwenrente",
    ],
    "eingliederungshilfe": [
        "unser Sohn wechselt zum {date} die Schule",
        "meine Tochter ist in eine Wohngruppe umgezogen",
        "die Assistenz braucht künftig 5 Stunden mehr pro Woche",
        "wir sind umgezogen, neue Anschrift: {street}, {postcode} Oldenburg",
        "der Anbieter der Schulbegleitung wechselt ab dem {date}",
    ],
    "wohngeld": [
        "meine Miete erhöht sich ab dem {date} um 45 Euro",
        "mein Sohn ist ausgezogen, wir sind jetzt nur noch zu zweit",
        "ich verdiene seit dem {date} mehr, neue Lohnabrechnung folgt",
        "wir sind umgezogen: {street}, {postcode} Oldenburg",
        "neue Bankverbindung: {iban}",
        "meine Frau bekommt jetzt Rente",
    ],
}

DOCS: dict[str, list[str]] = {
    "jobcenter": [
        "die Kontoauszüge der letzten drei Monate", "meine Lohnabrechnung für {month}",
        "den neuen Mietvertrag", "die Nebenkostenabrechnung", "die Schulbescheinigung meines Sohnes",
        "die Arbeitsunfähigkeitsbescheinigung", "den Kindergeldbescheid als Nachweis",
        "die Bewerbungsnachweise", "den Arbeitsvertrag vom Minijob", "die Heizkostenabrechnung",
    ],
    "sozialamt": [
        "den Rentenbescheid", "die Kontoauszüge", "den Heimvertrag", "die Sterbeurkunde",
        "die Rechnung des Bestattungsinstituts", "den Bescheid der Pflegekasse",
        "den Mietvertrag und die Nebenkostenabrechnung", "die Vollmacht meiner Mutter",
    ],
    "eingliederungshilfe": [
        "den Arztbericht", "das Gutachten der Schule", "die Stellungnahme der Kita",
        "den Entwicklungsbericht", "den Schwerbehindertenausweis", "den Förderplan",
        "die Stellungnahme des Sozialpädiatrischen Zentrums", "das Angebot des Assistenzdienstes",
    ],
    "wohngeld": [
        "die Mietbescheinigung vom Vermieter", "die Einkommensnachweise", "den Rentenbescheid",
        "die Meldebescheinigung", "die Verdienstbescheinigung", "den Mietvertrag",
        "die Belastungsberechnung für das Haus",
    ],
}

WIDERSPRUCH_REASONS: dict[str, list[str]] = {
    "jobcenter": [
        "die Kosten der Unterkunft wurden nicht vollständig übernommen",
        "mein Einkommen aus dem Minijob wurde falsch angerechnet",
        "die Rückforderung von 430 Euro ist nicht berechtigt",
        "die Minderung wegen des versäumten Termins ist falsch, ich war krank",
        "der Mehrbedarf für Alleinerziehende fehlt",
        "die Heizkosten wurden gekürzt",
        "die Erstausstattung wurde abgelehnt, obwohl ich nichts habe",
    ],
    "sozialamt": [
        "meine Miete wurde nicht in voller Höhe berücksichtigt",
        "die Übernahme der Bestattungskosten wurde zu Unrecht abgelehnt",
        "das Einkommen meines Mannes wurde falsch berechnet",
        "die Heimkosten werden nicht vollständig übernommen",
        "der Mehrbedarf wegen Gehbehinderung wurde nicht anerkannt",
    ],
    "eingliederungshilfe": [
        "die Schulbegleitung wurde nur für 10 statt 25 Stunden bewilligt",
        "die Assistenz im Wohnen wurde abgelehnt",
        "das Persönliche Budget ist zu niedrig bemessen",
        "die Integrationshilfe in der Kita wurde abgelehnt",
    ],
    "wohngeld": [
        "das Wohngeld wurde zu niedrig berechnet",
        "mein Antrag auf Wohngeld wurde abgelehnt, obwohl mein Einkommen gering ist",
        "die Rückforderung des Wohngeldes ist falsch",
        "die Heizkostenentlastung fehlt",
    ],
}

AUSKUNFT: dict[str, list[str]] = {
    "jobcenter": [
        "Wann wird das {benefit} für diesen Monat überwiesen? Bis heute ist nichts auf dem Konto.",
        "Wie ist der Stand meines Antrags auf {benefit}? Ich habe ihn vor sechs Wochen abgegeben.",
        "Übernimmt das Jobcenter die Mietkaution für meine neue Wohnung?",
        "Wie viel darf ich zum {benefit} dazuverdienen?",
        "Muss ich das Kindergeld beim {benefit} angeben?",
        "Bekomme ich Geld für die Klassenfahrt meiner Tochter (Bildung und Teilhabe)?",
        "Wer ist mein Ansprechpartner im Jobcenter? Ich habe eine Frage zu meinem Bescheid.",
        "Zahlt das Jobcenter eine Erstausstattung für die Wohnung?",
    ],
    "sozialamt": [
        "Welche Unterlagen brauche ich für die {benefit}?",
        "Wie lange dauert die Bearbeitung meines Antrags auf {benefit}?",
        "Wird das Einkommen meiner Kinder bei der Hilfe zur Pflege angerechnet?",
        "Wer übernimmt die Kosten der Beerdigung, wenn die Angehörigen kein Geld haben?",
        "Ist mein Antrag auf {benefit} schon bearbeitet worden?",
    ],
    "eingliederungshilfe": [
        "Wie lange dauert die Entscheidung über die Schulbegleitung? Die Schule beginnt bald.",
        "Welche Unterlagen brauchen Sie für den Antrag auf {benefit}?",
        "Ist unser Antrag auf {benefit} schon bearbeitet?",
        "Wie funktioniert ein Persönliches Budget und wer berät dazu?",
        "Muss ich für die Eingliederungshilfe mein Einkommen offenlegen?",
    ],
    "wohngeld": [
        "Wie lange dauert die Bearbeitung meines Wohngeldantrags?",
        "Wie ist der Stand meines Antrags auf {benefit}? Wohngeldnummer {wg}.",
        "Bekomme ich Bildung und Teilhabe, wenn wir Wohngeld beziehen?",
        "Wann muss ich den Weiterleistungsantrag für das Wohngeld stellen?",
    ],
}

BESCHWERDE: dict[str, list[str]] = {
    "jobcenter": [
        "seit Wochen erreiche ich niemanden im Jobcenter, keiner ruft zurück",
        "mein Sachbearbeiter war beim letzten Termin unfreundlich und respektlos",
        "ich habe die Unterlagen jetzt zum dritten Mal eingereicht, sie gehen immer verloren",
        "mein Geld kommt jeden Monat zu spät, das ist nicht mehr hinnehmbar",
    ],
    "sozialamt": [
        "mein Antrag auf Grundsicherung liegt seit vier Monaten unbearbeitet beim Sozialamt",
        "die Mitarbeiterin im Sozialamt hat mich am Telefon angeschrien",
        "ich bekomme vom Sozialamt keine Antwort auf meine Briefe",
    ],
    "eingliederungshilfe": [
        "seit Monaten warten wir auf eine Entscheidung zur Schulbegleitung, unser Kind kann nicht zur Schule",
        "niemand in der Eingliederungshilfe ist für uns erreichbar",
    ],
    "wohngeld": [
        "mein Wohngeldantrag liegt seit fünf Monaten bei der Wohngeldstelle und nichts passiert",
        "die Wohngeldstelle ist telefonisch nie erreichbar",
    ],
}

# Identifier placeholders that fit each queue (filled with random valid values).
IDENTIFIER_LINES: dict[str, list[str]] = {
    "jobcenter": ["BG-Nummer: {bg}", "Kundennummer {kd}", "BG-Nr. {bg}", "Kd-Nr. {kd}",
                  "Meine Nummer ist {bg}", "Nummer der Bedarfsgemeinschaft {bg}"],
    "sozialamt": ["Aktenzeichen {az_sa}", "Az.: {az_sa}", "Unser Zeichen {az_sa}", "Az {az_hzp}"],
    "eingliederungshilfe": ["Aktenzeichen {az_egh}", "Az.: {az_egh}", "Ihr Zeichen: {az_egh}"],
    "wohngeld": ["Wohngeldnummer {wg}", "Wohngeld-Nr. {wg}", "Az.: {wg}"],
}

# Queues with their own, specific request texts (no generic benefit frames).
SCHULDNER: dict[str, list[str]] = {
    "termin": [
        "ich habe Schulden bei mehreren Versandhändlern und einem Inkassobüro und brauche dringend einen Termin bei der Schuldnerberatung.",
        "ich würde gern einen Beratungstermin wegen meiner Schulden vereinbaren. Es sind ungefähr 14.000 Euro.",
        "können Sie mir einen Termin geben? Ich bekomme ständig Mahnungen und weiß nicht mehr weiter.",
        "ich brauche Hilfe wegen einer Privatinsolvenz und möchte einen Termin.",
        "ich kann meinen Termin bei der Schuldnerberatung am {date} nicht wahrnehmen, bitte verschieben.",
        "mein Mann und ich haben einen Kredit nicht mehr bezahlt, wir brauchen einen Termin zur Beratung.",
        "der Gerichtsvollzieher hat sich angekündigt. Ich brauche schnell einen Termin.",
        "ich habe Handyschulden und Mietschulden und brauche eine Beratung, wann geht das?",
    ],
    "antrag": [
        "ich brauche eine Bescheinigung für mein P-Konto, damit mehr Geld geschützt ist.",
        "bitte stellen Sie mir eine P-Konto-Bescheinigung aus, ich habe zwei Kinder.",
        "ich möchte ein Insolvenzverfahren beginnen und brauche die Bescheinigung über den außergerichtlichen Einigungsversuch.",
        "ich möchte mich zur Schuldnerberatung anmelden.",
    ],
    "auskunft": [
        "was kann ich tun, wenn ein Inkassobüro mir mit dem Gerichtsvollzieher droht?",
        "kostet die Schuldnerberatung etwas? Ich habe Schulden bei der Bank.",
        "wie lange dauert eine Privatinsolvenz und wer hilft beim Antrag?",
        "mein Lohn wird gepfändet. Wie viel bleibt mir?",
        "ich habe eine Mahnung von einem Inkassounternehmen bekommen, die ich nicht verstehe. Muss ich zahlen?",
    ],
    "unterlagen": [
        "anbei die Gläubigerliste und die Mahnungen, um die Sie bei der Schuldnerberatung gebeten haben.",
        "hier die Kopien der Pfändungs- und Überweisungsbeschlüsse für unseren Beratungstermin.",
    ],
}

SUCHT: dict[str, list[str]] = {
    "termin": [
        "ich trinke seit Jahren zu viel Alkohol und möchte das ändern. Kann ich einen Termin bekommen?",
        "mein Mann ist alkoholabhängig. Ich brauche als Angehörige einen Gesprächstermin.",
        "ich komme vom Glücksspiel nicht los und habe schon alles verspielt. Bitte um einen Termin.",
        "mein Sohn nimmt Drogen, Cannabis und wohl auch mehr. Wir brauchen dringend ein Gespräch.",
        "ich bin abhängig von Schlaftabletten und möchte mich beraten lassen.",
        "bitte verlegen Sie meinen Termin in der Suchtberatung vom {date} auf die nächste Woche.",
        "ich spiele jeden Abend Sportwetten und Online-Casino und kann nicht aufhören. Wann haben Sie einen Termin frei?",
        "ich möchte nach der Entgiftung eine Nachsorge bei Ihnen machen, wann ist ein Termin möglich?",
    ],
    "auskunft": [
        "gibt es bei Ihnen eine Gruppe für Angehörige von Suchtkranken?",
        "ich glaube meine Tochter ist spielsüchtig (Computerspiele). Wo bekomme ich Hilfe?",
        "ist die Suchtberatung anonym und kostenlos?",
        "wie komme ich an eine Therapie wegen meiner Alkoholsucht?",
        "mein Vater trinkt jeden Tag eine Flasche Schnaps, was kann ich als Tochter tun?",
    ],
    "antrag": [
        "ich möchte eine ambulante Suchttherapie beginnen und brauche Ihre Unterstützung beim Antrag.",
        "für die Entwöhnungsbehandlung brauche ich einen Sozialbericht der Suchtberatung.",
    ],
}

# External bodies: (referral_to, [(intent, text), ...]).
EXTERN: dict[str, list[tuple[str, str]]] = {
    "Agentur für Arbeit": [
        ("antrag", "mir wurde zum {date} gekündigt. Wo melde ich mich arbeitslos und beantrage Arbeitslosengeld?"),
        ("antrag", "ich möchte Arbeitslosengeld I beantragen, ich habe 12 Jahre in Vollzeit gearbeitet."),
        ("auskunft", "mein befristeter Vertrag endet in drei Monaten. Muss ich mich jetzt schon arbeitssuchend melden?"),
        ("antrag", "ich brauche einen Bildungsgutschein für eine Umschulung, ich bekomme Arbeitslosengeld 1."),
        ("auskunft", "wie hoch ist mein Arbeitslosengeld, wenn ich vorher 2.800 Euro brutto verdient habe?"),
        ("aenderung", "ich beziehe Arbeitslosengeld und habe eine neue Stelle ab dem {date}."),
        ("antrag", "ich werde ab nächsten Monat arbeitslos und möchte mich arbeitslos melden."),
    ],
    "Familienkasse": [
        ("antrag", "wir haben am {date} ein Baby bekommen und möchten Kindergeld beantragen."),
        ("antrag", "ich möchte Kinderzuschlag beantragen, wir verdienen wenig und haben drei Kinder."),
        ("auskunft", "warum wurde das Kindergeld für meine Tochter eingestellt? Sie macht eine Ausbildung."),
        ("aenderung", "meine Kinder wohnen jetzt bei mir und nicht mehr beim Vater, das Kindergeld soll an mich gehen."),
        ("widerspruch", "gegen die Rückforderung des Kindergeldes lege ich Einspruch ein."),
        ("auskunft", "bekomme ich Kindergeld für meinen Sohn, der studiert und 24 ist?"),
    ],
    "Deutsche Rentenversicherung": [
        ("antrag", "ich werde nächstes Jahr 67 und möchte meine Altersrente beantragen."),
        ("antrag", "ich bin seit zwei Jahren krank und möchte eine Erwerbsminderungsrente beantragen."),
        ("antrag", "mein Arzt hat mir eine Reha empfohlen. Wo beantrage ich die medizinische Rehabilitation?"),
        ("auskunft", "in meinem Rentenverlauf fehlen Zeiten aus den 90er Jahren, wer kann das klären?"),
        ("antrag", "mein Mann ist verstorben, ich möchte Witwenrente beantragen."),
        ("auskunft", "wie hoch wird meine Rente sein, wenn ich mit 63 aufhöre?"),
    ],
    "Krankenkasse": [
        ("antrag", "ich bin seit sieben Wochen krankgeschrieben, wo beantrage ich Krankengeld?"),
        ("antrag", "mein Arzt hat mir einen Rollator verschrieben, wer bezahlt das Hilfsmittel?"),
        ("auskunft", "mein Krankengeld kommt nicht, ich bin seit Wochen krank."),
        ("antrag", "ich brauche ein neues Hörgerät und möchte die Kostenübernahme beantragen."),
        ("auskunft", "ich habe keine Krankenversicherung mehr, was soll ich tun?"),
    ],
    "Pflegekasse": [
        ("antrag", "meine Mutter braucht Hilfe im Alltag. Wie beantragen wir einen Pflegegrad?"),
        ("antrag", "wir möchten eine Höherstufung des Pflegegrades für meinen Vater beantragen."),
        ("auskunft", "wie hoch ist das Pflegegeld bei Pflegegrad 2, wenn ich meinen Mann zu Hause pflege?"),
        ("antrag", "ich pflege meine Oma und möchte Verhinderungspflege beantragen."),
        ("widerspruch", "die Einstufung in Pflegegrad 1 ist viel zu niedrig, ich lege Widerspruch gegen das Gutachten des Medizinischen Dienstes ein."),
    ],
    "BAföG-Amt": [
        ("antrag", "ich fange im Oktober an zu studieren und möchte BAföG beantragen."),
        ("auskunft", "mein BAföG-Antrag liegt seit drei Monaten beim Studierendenwerk, wann kommt das Geld?"),
        ("antrag", "ich mache eine schulische Ausbildung und möchte Schüler-BAföG beantragen."),
        ("auskunft", "bekomme ich BAföG für ein Masterstudium mit 31?"),
    ],
    "Elterngeldstelle": [
        ("antrag", "unser Sohn ist am {date} geboren, wir möchten Elterngeld beantragen."),
        ("auskunft", "wie viel Elterngeld bekomme ich, wenn ich vorher in Teilzeit gearbeitet habe?"),
        ("antrag", "ich möchte ElterngeldPlus beantragen, mein Partner nimmt die Partnerschaftsmonate."),
        ("auskunft", "wir haben den Elterngeldantrag vor acht Wochen geschickt und noch keinen Bescheid."),
    ],
    "andere Kommune": [
        ("antrag", "ich wohne in {other_town} ({other_pc}) und möchte Wohngeld beantragen."),
        ("antrag", "ich lebe in {other_pc} {other_town} und brauche Grundsicherung im Alter."),
        ("auskunft", "ich bin nach {other_town} gezogen, wer ist jetzt für meine Sozialhilfe zuständig?"),
        ("antrag", "wir wohnen in {other_town}, {other_pc}, und brauchen eine Schulbegleitung für unseren Sohn."),
        ("termin", "ich wohne in {other_pc} {other_town} und möchte einen Termin bei der Schuldnerberatung."),
    ],
}

OTHER_TOWNS: list[tuple[str, str]] = [
    ("Bad Zwischenahn", "26160"), ("Rastede", "26180"), ("Edewecht", "26188"),
    ("Wardenburg", "26203"), ("Hatten", "26209"), ("Hude", "27798"), ("Westerstede", "26655"),
    ("Delmenhorst", "27749"), ("Bremen", "28195"), ("Wiefelstede", "26215"),
    ("Ganderkesee", "27777"), ("Cloppenburg", "49661"),
]

# Requests nobody can place without asking back: these are the Clearing-Stelle's.
CLEARING: list[tuple[str, str]] = [
    ("auskunft", "ich habe einen Brief von Ihnen bekommen und verstehe ihn nicht. Was soll ich machen?"),
    ("auskunft", "bitte rufen Sie mich zurück, es ist wichtig."),
    ("auskunft", "ich brauche Hilfe. Wer ist bei Ihnen zuständig?"),
    ("auskunft", "ist das hier die richtige Adresse für mein Anliegen?"),
    ("auskunft", "ich war letzte Woche bei Ihnen und sollte mich nochmal melden. Hiermit melde ich mich."),
    ("unterlagen", "anbei das Dokument wie besprochen."),
    ("unterlagen", "hier die Unterlagen, die Sie wollten."),
    ("auskunft", "welche Öffnungszeiten hat das Rathaus am Samstag?"),
    ("auskunft", "ich habe eine Frage, bitte melden Sie sich bei mir."),
    ("beschwerde", "ich bin sehr unzufrieden mit Ihrer Behörde. Niemand hilft einem."),
    ("auskunft", "asdf test test 123"),
    ("auskunft", "Gewinnen Sie jetzt ein iPhone! Klicken Sie hier."),
    ("auskunft", "ich weiß nicht, an wen ich mich wenden soll. Mir geht es schlecht."),
    ("termin", "ich möchte einen Termin."),
    ("auskunft", "was ist mit meiner Sache? Ich warte immer noch."),
    ("auskunft", "Sehr geehrte Damen und Herren, siehe Anhang."),
    ("auskunft", "wo kann ich meinen Personalausweis verlängern?"),
    ("auskunft", "ich habe meinen Hund verloren, haben Sie ihn gesehen?"),
    ("auskunft", "Ihre Rechnung Nr. 4471 ist bereit zum Download."),
    ("auskunft", "können Sie mir sagen, wer mir helfen kann? Ich komme mit allem nicht mehr klar."),
]

# Emergencies: (sentence, trigger kind). Appended to items that become urgent.
NOTLAGEN: dict[str, list[str]] = {
    "jobcenter": [
        "Die Stadtwerke haben die Stromsperre für nächste Woche angekündigt.",
        "Der Vermieter hat Räumungsklage eingereicht, weil die Miete nicht bezahlt wurde.",
        "Ich habe kein Geld mehr für Essen, der Kühlschrank ist leer.",
        "Mir droht die Wohnungslosigkeit, ich muss am Monatsende raus.",
        "Das Gas wird abgestellt, wenn ich nicht bis Freitag zahle.",
        "Wir haben seit zwei Tagen nichts mehr zu essen im Haus.",
        "Ab Montag bin ich obdachlos.",
    ],
    "sozialamt": [
        "Die Beerdigung ist schon am Freitag und das Bestattungsinstitut will eine Zusage.",
        "Der Strom wurde heute abgestellt.",
        "Das Heim droht mit Kündigung des Heimplatzes, wenn nicht gezahlt wird.",
        "Ich habe nichts mehr zu essen und die Rente kommt erst in zwei Wochen.",
    ],
    "wohngeld": [
        "Der Vermieter droht mit fristloser Kündigung und Räumung.",
        "Wir haben eine Mahnung mit Androhung der Stromsperre bekommen.",
    ],
    "schuldnerberatung": [
        "Mein Konto wurde gepfändet und ich komme an kein Geld mehr, nicht einmal für Lebensmittel.",
        "Die Stadtwerke drohen mit einer Stromsperre wegen der Schulden.",
        "Die Räumung der Wohnung ist für den {date} angesetzt.",
        "Mein Konto ist gesperrt (Kontopfändung), ich kann die Miete nicht zahlen.",
    ],
    "suchtberatung": [
        "Ich habe Angst, dass ich mir sonst etwas antue.",
    ],
    "eingliederungshilfe": [
        "Ohne Schulbegleitung darf unser Sohn ab Montag nicht mehr in die Schule.",
    ],
}

FRISTEN: list[str] = [
    "Die Frist läuft am {date} ab.",
    "Ich muss das bis zum {date} erledigen, sonst verfällt der Anspruch.",
    "Bitte dringend bearbeiten, Frist bis {date}!",
]

FIRST_NAMES = [
    "Anna", "Mehmet", "Olga", "Jürgen", "Fatma", "Sven", "Maria", "Ali", "Sabine", "Thomas",
    "Aylin", "Dieter", "Katarzyna", "Heike", "Ahmad", "Lena", "Wolfgang", "Ines", "Yusuf",
    "Brigitte", "Oksana", "Kevin", "Renate", "Hassan", "Monika", "Jan", "Svetlana", "Uwe",
]
LAST_NAMES = [
    "Müller", "Yilmaz", "Petrova", "Janssen", "Schröder", "Kaya", "Meyer", "Hoffmann",
    "Nowak", "Gerdes", "Oltmanns", "Wübbena", "Haddad", "Schulz", "Kowalski", "Becker",
    "Ahlers", "Schmidt", "Demir", "Lüers", "Bruns", "Ivanova", "Popescu", "Wessels",
]
STREETS = [
    "Alexanderstraße", "Donnerschweer Straße", "Nadorster Straße", "Cloppenburger Straße",
    "Bremer Heerstraße", "Ammerländer Heerstraße", "Hauptstraße", "Kaiserstraße",
    "Friedrich-August-Straße", "Bürgerfelder Straße", "Eichenstraße", "Am Schlossplatz",
]
OLDENBURG_PCS = ["26121", "26122", "26123", "26125", "26127", "26129", "26131", "26133", "26135"]
MONTHS = [
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
    "Oktober", "November", "Dezember",
]

# External bodies as topics, so that referrals come in the same many shapes as other requests.
EXTERN_TOPICS: dict[str, dict[str, list[str]]] = {
    "Agentur für Arbeit": {
        "benefits": ["Arbeitslosengeld", "Arbeitslosengeld I", "ALG 1", "einen Bildungsgutschein",
                     "Kurzarbeitergeld", "eine Umschulung über die Arbeitsagentur"],
        "contexts": ["Mein Arbeitgeber hat mir zum Monatsende gekündigt.",
                     "Ich habe 15 Jahre als Lagerist gearbeitet und wurde entlassen.",
                     "Mein befristeter Vertrag läuft im Sommer aus.",
                     "Ich muss mich wohl arbeitslos melden, die Firma schließt.",
                     "Ich war zwei Jahre sozialversicherungspflichtig beschäftigt."],
    },
    "Familienkasse": {
        "benefits": ["Kindergeld", "Kinderzuschlag", "Kindergeld für mein Neugeborenes",
                     "den Kinderzuschlag", "Kindergeld für meinen Sohn in Ausbildung"],
        "contexts": ["Unsere Tochter ist am {date} geboren.",
                     "Mein Sohn hat eine Ausbildung begonnen.",
                     "Wir haben drei Kinder und verdienen beide wenig.",
                     "Meine Tochter studiert jetzt in Hannover.",
                     "Das Kind lebt jetzt bei mir und nicht mehr beim Vater."],
    },
    "Deutsche Rentenversicherung": {
        "benefits": ["meine Altersrente", "eine Erwerbsminderungsrente", "eine Reha",
                     "die Witwenrente", "eine medizinische Rehabilitation", "die Rente"],
        "contexts": ["Ich werde im nächsten Frühjahr 67.",
                     "Ich bin seit zwei Jahren krank und kann nicht mehr arbeiten.",
                     "Mein Orthopäde empfiehlt eine Kur wegen meines Rückens.",
                     "Mein Mann ist im Sommer gestorben.",
                     "Ich habe 45 Beitragsjahre zusammen."],
    },
    "Krankenkasse": {
        "benefits": ["Krankengeld", "ein Hilfsmittel (Rollator)", "ein neues Hörgerät",
                     "die Kostenübernahme für einen Rollstuhl", "Krankengeld nach der Lohnfortzahlung"],
        "contexts": ["Ich bin seit sieben Wochen arbeitsunfähig geschrieben.",
                     "Mein Arzt hat mir ein Rezept ausgestellt.",
                     "Ich höre immer schlechter.",
                     "Die Lohnfortzahlung meines Arbeitgebers endet."],
    },
    "Pflegekasse": {
        "benefits": ["einen Pflegegrad", "Pflegegeld", "Verhinderungspflege",
                     "eine Höherstufung des Pflegegrades", "Pflegegrad 2 für meine Mutter"],
        "contexts": ["Meine Mutter kann sich nicht mehr allein waschen und anziehen.",
                     "Ich pflege meinen Mann seit einem Schlaganfall zu Hause.",
                     "Mein Vater ist dement und braucht ständig Aufsicht.",
                     "Der Medizinische Dienst war schon da."],
    },
    "BAföG-Amt": {
        "benefits": ["BAföG", "Schüler-BAföG", "Aufstiegs-BAföG", "BAföG für den Master"],
        "contexts": ["Ich fange im Oktober an der Uni an.",
                     "Ich mache eine schulische Ausbildung zur Erzieherin.",
                     "Meine Eltern verdienen nicht viel.",
                     "Ich studiere im dritten Semester."],
    },
    "Elterngeldstelle": {
        "benefits": ["Elterngeld", "ElterngeldPlus", "Elterngeld für die Partnermonate"],
        "contexts": ["Unser Baby ist am {date} zur Welt gekommen.",
                     "Ich bin in Elternzeit und habe vorher Vollzeit gearbeitet.",
                     "Mein Mann möchte auch zwei Monate zu Hause bleiben."],
    },
}

EXTERN_FRAMES: dict[str, list[str]] = {
    "antrag": [
        "{context} Ich möchte {benefit} beantragen.",
        "{context} Wo kann ich {benefit} beantragen?",
        "ich brauche {benefit}. {context} Bitte schicken Sie mir einen Antrag.",
        "{context} Wie beantrage ich {benefit}?",
        "{context} Habe ich Anspruch auf {benefit}?",
        "hiermit beantrage ich {benefit}. {context}",
    ],
    "auskunft": [
        "wie ist der Stand bei {benefit}? {context}",
        "welche Unterlagen brauche ich für {benefit}?",
        "{context} Wer ist für {benefit} zuständig?",
        "ich habe eine Frage zu {benefit}. {context}",
    ],
}

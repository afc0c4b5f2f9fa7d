"""Hand-written requests for the training corpus: the shapes templates do not produce (relatives,
legal guardians and lawyers writing, two topics in one mail, long stories, very short notes).

Written for this project; not taken from the evaluation data. Tuples: (queue, intent, urgent,
referral_to or None, channel, subject, text).
"""

from __future__ import annotations

HANDWRITTEN: list[tuple[str, str, bool, str | None, str, str, str]] = [
    # --- jobcenter ---------------------------------------------------------------------------
    ("jobcenter", "widerspruch", True, None, "letter", "",
     "Rechtsanwältin Dr. K. Meinders\nIn der Sache Yilmaz ./. Jobcenter Oldenburg\n"
     "legen wir namens und in Vollmacht unserer Mandantin gegen den Aufhebungs- und "
     "Erstattungsbescheid vom 04.05.2026 Widerspruch ein. Die Begründung folgt nach Akteneinsicht."),
    ("jobcenter", "antrag", False, None, "email", "Erstausstattung Baby",
     "Hallo, ich bin im 7. Monat schwanger und beziehe Bürgergeld. Ich habe noch keinen "
     "Kinderwagen, kein Bett und keine Babykleidung. Kann ich die Erstausstattung bei "
     "Schwangerschaft beantragen? Kundennummer 412B773190"),
    ("jobcenter", "antrag", False, None, "email", "Klassenfahrt",
     "Guten Tag, mein Sohn fährt im Juni mit der Klasse nach Borkum, Kosten 289 Euro. Wir "
     "bekommen Leistungen vom Jobcenter. Ich möchte die Übernahme über Bildung und Teilhabe "
     "beantragen, die Bestätigung der Schule hänge ich an."),
    ("jobcenter", "antrag", False, None, "webform", "Umzug",
     "Ich habe eine günstigere Wohnung gefunden (420 Euro warm statt 560). Ich brauche die "
     "Zusicherung zum Umzug und ein Darlehen für die Mietkaution. BG 26102BG0093321"),
    ("jobcenter", "auskunft", False, None, "email", "Sanktion?",
     "hi, ich hab den termin letzte woche verpennt, wird mir jetzt das geld gekürzt?? bekomme "
     "hartz 4 bzw bürgergeld oder wie das jetzt heisst"),
    ("jobcenter", "aenderung", False, None, "email", "Arbeitsaufnahme",
     "Sehr geehrte Damen und Herren, ich teile mit, dass ich ab dem 01.07. bei der Firma "
     "Nordlicht Logistik in Vollzeit arbeite. Das erste Gehalt kommt Ende Juli. Brauche ich "
     "dann noch Grundsicherungsgeld für Juli? Mit freundlichen Grüßen, S. Janssen"),
    ("jobcenter", "antrag", True, None, "phone", "Telefonnotiz",
     "Hr. Gerdes rief an, Stadtwerke sperren am Donnerstag den Strom, 640 € Rückstand. "
     "Bezieht ALG II. Bittet um Darlehen für die Stromschulden. RR dringend."),
    ("jobcenter", "unterlagen", False, None, "email", "Nachweise",
     "Hallo Frau Bruns, wie gewünscht die Lohnabrechnungen Mai und Juni und den neuen "
     "Mietvertrag. Die Nebenkostenabrechnung kommt, sobald ich sie vom Vermieter habe. Gruß"),
    ("jobcenter", "termin", False, None, "email", "Einladung 14.8.",
     "Ich habe eine Einladung zum Gespräch bei meiner Arbeitsvermittlerin am 14.8. um 9 Uhr. "
     "An dem Tag habe ich ein Vorstellungsgespräch in Bremen. Kann ich einen anderen Termin "
     "bekommen?"),
    ("jobcenter", "beschwerde", False, None, "email", "Unmöglich",
     "Seit sechs Wochen warte ich auf die Bearbeitung meines Weiterbewilligungsantrags. Am "
     "Telefon heißt es nur, es sei in Bearbeitung. Ich habe Miete zu zahlen. Das ist eine "
     "Beschwerde über das Jobcenter."),
    ("jobcenter", "antrag", False, None, "email", "",
     "Good afternoon, I came from Syria one year ago and now I have a residence permit. I have "
     "no work and my wife and two children live with me. I need money for living and rent."),
    ("jobcenter", "weiterbewilligung", False, None, "letter", "",
     "Betreff: WBA\nanbei der ausgefüllte Weiterbewilligungsantrag für die Zeit ab 1. "
     "September. Bei uns hat sich nichts verändert. Nummer der BG: 26101BG0012455"),
    ("jobcenter", "antrag", False, None, "email", "Aufstocken",
     "Ich arbeite als Reinigungskraft 25 Stunden und bekomme 1.150 Euro netto. Mit zwei "
     "Kindern reicht das nicht. Kann ich ergänzend Bürgergeld bekommen?"),
    # --- sozialamt ---------------------------------------------------------------------------
    ("sozialamt", "antrag", False, None, "letter", "",
     "Betreuungsverein Oldenburg e.V.\nals rechtliche Betreuerin von Frau Elfriede Wessels, geb. "
     "03.02.1941, beantrage ich die Übernahme der ungedeckten Heimkosten im Rahmen der Hilfe "
     "zur Pflege. Das Vermögen der Betreuten ist bis auf den Schonbetrag aufgebraucht."),
    ("sozialamt", "antrag", True, None, "email", "Beerdigung meiner Mutter",
     "Meine Mutter ist am Montag gestorben. Die Beisetzung soll nächste Woche Mittwoch sein. "
     "Ich selbst beziehe nur eine kleine Rente und kann die Kosten des Bestatters (ca. 3.800 "
     "Euro) nicht tragen. Wer übernimmt das?"),
    ("sozialamt", "antrag", False, None, "webform", "Grundsicherung",
     "Ich bekomme seit März eine volle Erwerbsminderungsrente von 712 Euro. Die Rentenversicherung "
     "hat die Erwerbsminderung auf Dauer festgestellt. Reicht nicht für Miete und Leben. "
     "Bitte Antrag auf Grundsicherung zusenden."),
    ("sozialamt", "auskunft", False, None, "email", "Barbetrag",
     "Mein Vater lebt im Pflegeheim und das Sozialamt zahlt die Heimkosten. Wie hoch ist der "
     "Barbetrag (Taschengeld) und wann wird er ausgezahlt?"),
    ("sozialamt", "antrag", False, None, "phone", "Anruf",
     "Fr. Lüers, 79 J., rief an: Rente 590 €, Miete 480 €, möchte Grundsicherung im Alter, "
     "Unterlagen werden zugeschickt"),
    ("sozialamt", "aenderung", False, None, "letter", "",
     "Betr.: Az 50.2-GS-2231\nhiermit teile ich mit, dass meine Rente zum 1. Juli um 4,57 % "
     "erhöht wurde. Den Rentenanpassungsbescheid lege ich bei."),
    ("sozialamt", "antrag", False, None, "email", "Mehrbedarf",
     "Ich bekomme Grundsicherung und muss wegen Zöliakie glutenfrei essen. Mein Arzt hat das "
     "bescheinigt. Ich beantrage den Mehrbedarf für kostenaufwändige Ernährung."),
    # --- eingliederungshilfe -----------------------------------------------------------------
    ("eingliederungshilfe", "antrag", False, None, "email", "Schulbegleitung ab August",
     "Sehr geehrte Damen und Herren, unser Sohn Jonas (6) hat eine Autismus-Spektrum-Störung. "
     "Er wird im August an der Grundschule Bloherfelde eingeschult. Die Schule und das SPZ "
     "halten eine Schulbegleitung für notwendig. Wir beantragen hiermit Eingliederungshilfe."),
    ("eingliederungshilfe", "weiterbewilligung", False, None, "email", "Folgeantrag",
     "Die Bewilligung der Schulassistenz für unsere Tochter endet mit dem Schuljahr. Wir "
     "beantragen die Verlängerung für das nächste Schuljahr, der Bedarf ist unverändert. "
     "Az. EGH-2025-0712"),
    ("eingliederungshilfe", "termin", False, None, "email", "Gesamtplankonferenz",
     "Der Termin für die Gesamtplankonferenz am 12.09. passt uns leider nicht, da die "
     "Kita-Leitung im Urlaub ist. Können wir auf Ende September gehen?"),
    ("eingliederungshilfe", "antrag", False, None, "letter", "",
     "Ich heiße Marco Schmidt, bin 19 Jahre alt und habe eine Lernbehinderung. Nach der "
     "Förderschule möchte ich in der Werkstatt der Gemeinnützigen Werkstätten arbeiten. "
     "Meine Mutter hilft mir beim Schreiben."),
    ("eingliederungshilfe", "auskunft", False, None, "webform", "Persönliches Budget",
     "Ich habe Multiple Sklerose und bekomme Assistenzleistungen. Ich möchte die Assistenz "
     "lieber selbst organisieren. Geht das über ein Persönliches Budget und was muss ich tun?"),
    ("eingliederungshilfe", "antrag", False, None, "phone", "",
     "Mutter von Lea (3) rief an, Kita verlangt Integrationskraft, Kind hat Entwicklungsverzögerung "
     "und Epilepsie, möchte Antrag stellen"),
    # --- wohngeld ----------------------------------------------------------------------------
    ("wohngeld", "antrag", False, None, "email", "Zuschuss Miete",
     "Moin, ich bin Erzieherin in Teilzeit und alleinerziehend, meine Miete ist 690 Euro kalt. "
     "Eine Kollegin meinte, ich hätte Anspruch auf Wohngeld. Wie beantrage ich das?"),
    ("wohngeld", "antrag", False, None, "letter", "",
     "Wir sind Eigentümer einer kleinen Doppelhaushälfte in Kreyenbrück. Seit mein Mann in "
     "Rente ist, können wir die Belastungen kaum tragen. Wir bitten um einen Antrag auf "
     "Lastenzuschuss."),
    ("wohngeld", "weiterbewilligung", False, None, "email", "Weiterleistung",
     "Mein Wohngeld läuft Ende Oktober aus. Anbei der Weiterleistungsantrag mit den aktuellen "
     "Rentenbescheiden. Wohngeldnummer 62-WG-208817"),
    ("wohngeld", "auskunft", False, None, "email", "Bearbeitungsstand",
     "Ich habe im Mai den Wohngeldantrag abgegeben und noch nichts gehört. Fehlt noch etwas?"),
    ("wohngeld", "antrag", False, None, "email", "Bildung und Teilhabe",
     "Wir bekommen Wohngeld und Kinderzuschlag. Meine Tochter braucht Nachhilfe in Mathe. Kann "
     "die Stadt das über Bildung und Teilhabe bezahlen?"),
    ("wohngeld", "aenderung", False, None, "webform", "Änderung Haushalt",
     "Unsere älteste Tochter ist zum Studium nach Göttingen gezogen. Wir wohnen jetzt zu dritt. "
     "Az 62-WG-117730"),
    # --- schuldnerberatung -------------------------------------------------------------------
    ("schuldnerberatung", "termin", True, None, "email", "Konto gepfändet",
     "Meine Bank hat mir geschrieben, dass mein Konto gepfändet ist. Ich komme an mein Gehalt "
     "nicht ran und kann weder Miete noch Essen bezahlen. Ich brauche sofort einen Termin."),
    ("schuldnerberatung", "termin", False, None, "email", "Schulden",
     "Ich habe über die Jahre Kredite, Ratenkäufe und Handyverträge angesammelt, inzwischen "
     "ca. 23.000 €. Ich schaffe die Raten nicht mehr. Wann kann ich zur Beratung kommen?"),
    ("schuldnerberatung", "auskunft", False, None, "webform", "Verbraucherinsolvenz",
     "Lohnt sich für mich eine Verbraucherinsolvenz? Ich bin 58 und habe 40.000 Euro Schulden "
     "aus einer gescheiterten Selbständigkeit."),
    ("schuldnerberatung", "antrag", False, None, "phone", "",
     "Hr. Popescu rief an, braucht Bescheinigung für Pfändungsschutzkonto (Erhöhung Freibetrag, "
     "2 Kinder), Bank verlangt sie bis Monatsende"),
    ("schuldnerberatung", "termin", False, None, "email", "Inkasso",
     "Ich bekomme ständig Briefe von einem Inkassobüro wegen einer alten Rechnung, die ich "
     "längst bezahlt habe. Jetzt drohen sie mit Schufa-Eintrag. Ich brauche Hilfe."),
    # --- suchtberatung -----------------------------------------------------------------------
    ("suchtberatung", "termin", False, None, "email", "Hilfe",
     "Ich bin 34 und trinke fast jeden Abend eine Flasche Wein, manchmal mehr. Meine Frau "
     "sagt, ich hätte ein Problem. Ich glaube, sie hat recht. Kann ich vorbeikommen?"),
    ("suchtberatung", "termin", False, None, "webform", "Angehörige",
     "Unser 17-jähriger Sohn kifft täglich und hat die Schule abgebrochen. Wir Eltern sind "
     "ratlos und würden gern ein Beratungsgespräch vereinbaren."),
    ("suchtberatung", "auskunft", False, None, "email", "Spielen",
     "Mein Mann verzockt sein ganzes Gehalt an Spielautomaten. Gibt es bei Ihnen Beratung "
     "für Angehörige von Spielsüchtigen?"),
    ("suchtberatung", "termin", False, None, "phone", "",
     "Fr. Kowalski rief an, seit Jahren abhängig von Beruhigungsmitteln (Benzodiazepine), "
     "möchte Beratung, bittet um Termin"),
    # --- extern ------------------------------------------------------------------------------
    ("extern", "antrag", False, "Familienkasse", "email", "Kindergeld",
     "Unser Sohn Noah wurde am 2. Juni im Klinikum Oldenburg geboren. Wie bekommen wir "
     "Kindergeld und wo schicken wir die Geburtsurkunde hin?"),
    ("extern", "auskunft", False, "Familienkasse", "email", "Kinderzuschlag",
     "Ich habe gehört, dass es einen Kinderzuschlag für Familien mit wenig Einkommen gibt. Wer "
     "zahlt den und wo stelle ich den Antrag?"),
    ("extern", "antrag", False, "Agentur für Arbeit", "webform", "Kündigung",
     "Ich habe heute die Kündigung zum 30. September bekommen. Ich war 9 Jahre im Betrieb. Was "
     "muss ich jetzt machen, damit ich Arbeitslosengeld bekomme?"),
    ("extern", "auskunft", False, "Krankenkasse", "email", "Krankengeld",
     "Ich bin seit dem 3. März krankgeschrieben, mein Arbeitgeber zahlt nur sechs Wochen. "
     "Wer zahlt danach mein Geld weiter?"),
    ("extern", "antrag", False, "Pflegekasse", "phone", "",
     "Sohn rief an für Vater (88), nach Sturz pflegebedürftig, Einstufung fehlt, möchte "
     "Pflegegrad beantragen"),
    ("extern", "antrag", False, "Deutsche Rentenversicherung", "email", "Reha",
     "Nach meiner Krebsbehandlung hat mir die Klinik eine Anschlussheilbehandlung empfohlen. "
     "Bei wem muss ich die beantragen?"),
    ("extern", "antrag", False, "BAföG-Amt", "email", "Ausbildungsförderung",
     "Ich beginne im Herbst ein Studium an der Jade Hochschule und meine Eltern können mich "
     "kaum unterstützen. Ich möchte Ausbildungsförderung beantragen."),
    ("extern", "antrag", False, "Elterngeldstelle", "webform", "Elternzeit",
     "Ich gehe nach der Geburt unserer Tochter 12 Monate in Elternzeit und möchte Elterngeld "
     "beantragen. Welche Unterlagen brauche ich?"),
    ("extern", "antrag", False, "andere Kommune", "email", "Bürgergeld",
     "Ich wohne seit März in Rastede und möchte Bürgergeld beantragen. Ist das bei Ihnen "
     "richtig?\nMfG Peter Harms\nOldenburger Straße 12\n26180 Rastede"),
    ("extern", "antrag", False, "andere Kommune", "letter", "",
     "Uwe Behrens\nDorfstraße 3\n26203 Wardenburg\n\nBetreff: Wohngeld\nich möchte Wohngeld "
     "beantragen. Meine Miete ist 520 Euro."),
    # --- clearing ----------------------------------------------------------------------------
    ("clearing", "auskunft", False, None, "email", "",
     "Ich habe heute ein Schreiben von der Stadt bekommen mit einer Zahlungsaufforderung, weiß "
     "aber nicht, wofür. Bitte rufen Sie mich an."),
    ("clearing", "auskunft", False, None, "phone", "",
     "Anrufer wollte nur mit Fr. Meyer sprechen, kein Anliegen genannt, ruft morgen wieder an"),
    ("clearing", "unterlagen", False, None, "email", "Scan",
     "Anbei wie telefonisch besprochen."),
    ("clearing", "auskunft", False, None, "webform", "Hilfe",
     "Mir geht es finanziell schlecht und ich weiß nicht, ob ich zu Ihnen kommen muss oder "
     "woanders hin. Wer kann mir sagen, was mir zusteht?"),
    ("clearing", "beschwerde", False, None, "email", "Parkplatz",
     "Vor dem Rathaus gibt es nie Parkplätze. Das ist eine Zumutung für ältere Menschen."),
    ("clearing", "widerspruch", True, None, "email", "Re: Ihr Schreiben",
     "Sehr geehrte Damen und Herren, bezugnehmend auf Ihr Schreiben teile ich Ihnen mit, dass "
     "ich damit nicht einverstanden bin. Mit freundlichen Grüßen"),
    ("clearing", "auskunft", False, None, "email", "Newsletter",
     "Sie erhalten diese E-Mail, weil Sie sich für unseren Newsletter angemeldet haben. "
     "Abmelden können Sie sich hier."),
]

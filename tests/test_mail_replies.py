"""What the citizen wrote now, apart from quoted history and signatures."""

from __future__ import annotations

from extraction import extract
from extraction.quotes import split_reply
from tests.mailgen import mail


def test_outlook_german_reply_header_block():
    body = (
        "Guten Tag,\n\nich habe die Unterlagen jetzt eingereicht.\n\nMit freundlichen Grüßen\n"
        "Erika Mustermann\n\n"
        "Von: Jobcenter Musterstadt <jobcenter@musterstadt.de>\n"
        "Gesendet: Montag, 3. November 2025 10:00\n"
        "An: Erika Mustermann <erika@example.org>\n"
        "Betreff: Fehlende Unterlagen\n\n"
        "Bitte reichen Sie die Kontoauszüge ein, sonst wird die Leistung versagt."
    )
    reply = split_reply(body)
    assert reply.new_text == (
        "Guten Tag,\n\nich habe die Unterlagen jetzt eingereicht.\n\nMit freundlichen Grüßen\n"
        "Erika Mustermann"
    )
    assert "Kontoauszüge" in reply.quoted and "Kontoauszüge" not in reply.new_text


def test_original_message_separator():
    reply = split_reply("Danke!\n\n-----Ursprüngliche Nachricht-----\nVon: a@b.de\nAlter Text")
    assert reply.new_text == "Danke!"
    reply = split_reply("Thanks\n\n-------- Original Message --------\nSubject: x\n\nold")
    assert reply.new_text == "Thanks"


def test_gmail_attribution_wrapped_over_two_lines():
    body = (
        "Ja, der Termin am Freitag passt mir.\n\n"
        "Am Mo., 3. Nov. 2025 um 10:00 Uhr schrieb Sozialamt Musterstadt <\n"
        "sozialamt@musterstadt.de>:\n\n"
        "> Wir bieten Ihnen einen Termin an.\n> Bitte bestätigen Sie.\n"
    )
    reply = split_reply(body)
    assert reply.new_text == "Ja, der Termin am Freitag passt mir."
    assert "Wir bieten Ihnen einen Termin an." in reply.quoted


def test_english_attribution_and_interleaved_quotes():
    assert split_reply("Fine.\n\nOn Mon, Nov 3, 2025 at 10:00 AM Office <o@x.de> wrote:\n> old").new_text == "Fine."
    body = "> Haben Sie ein Konto?\nJa, bei der Sparkasse.\n> Wie hoch ist die Miete?\n600 Euro warm.\n"
    reply = split_reply(body)
    assert reply.new_text == "Ja, bei der Sparkasse.\n600 Euro warm."
    assert "Wie hoch ist die Miete?" in reply.quoted


def test_dash_dash_signature_is_cut():
    reply = split_reply("Bitte um Rückruf.\n\n-- \nMax Muster\nTel. 0123 456789\nwww.muster.de")
    assert reply.new_text == "Bitte um Rückruf."
    assert reply.signature.startswith("Max Muster")


def test_closing_keeps_the_citizens_name_and_address_but_not_a_company_footer():
    body = (
        "ich beantrage Wohngeld.\n\nMit freundlichen Grüßen\nErika Mustermann\n"
        "Hauptstraße 5\n12345 Musterstadt\n\n"
        "Muster GmbH | Geschäftsführer: Hans Muster | Amtsgericht Musterstadt HRB 1234\n"
        "Tel: +49 123 4567 | www.muster-gmbh.de\n"
    )
    reply = split_reply(body)
    assert reply.new_text.endswith("Erika Mustermann\nHauptstraße 5\n12345 Musterstadt")
    assert "HRB 1234" in reply.signature


def test_closing_followed_by_more_own_text_is_kept():
    body = "Viele Grüße\nEva\n\nPS: Mein Kind ist krank, ich kann erst nächste Woche kommen."
    assert split_reply(body).new_text == body


def test_mobile_boilerplate_is_dropped():
    assert split_reply("Brauche einen Termin.\n\nGesendet von meinem iPhone").new_text == "Brauche einen Termin."
    assert split_reply("Hallo\nVon meinem Samsung Galaxy Smartphone gesendet.").new_text == "Hallo"


def test_mail_text_is_new_text_and_full_text_has_the_history():
    raw = mail(
        "Subject: Re: Termin\nContent-Type: text/plain; charset=utf-8",
        "Passt.\n\nAm 03.11.2025 um 10:00 schrieb Sozialamt:\n> Termin am Freitag?\n",
    )
    result = extract(raw, "message/rfc822")
    assert result.text == "Passt."
    assert "> Termin am Freitag?" in result.full_text and result.quoted.endswith("> Termin am Freitag?")


def test_html_reply_from_gmail_is_split():
    html = (
        '<div dir="ltr">Ich widerspreche dem Bescheid.</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">Am Di., 4. Nov. 2025 um 09:00 Uhr schrieb Amt '
        '&lt;amt@musterstadt.de&gt;:<br></div><blockquote class="gmail_quote">'
        "Ihr Antrag wurde abgelehnt.</blockquote></div>"
    )
    raw = mail("Subject: Re: Bescheid\nContent-Type: text/html; charset=utf-8", html)
    result = extract(raw, "message/rfc822")
    assert result.text == "Ich widerspreche dem Bescheid."
    assert "Ihr Antrag wurde abgelehnt." in result.full_text


def test_a_mail_that_is_only_quotes_keeps_its_text():
    raw = mail("Content-Type: text/plain", "> nur zitiert\n> sonst nichts\n")
    assert "nur zitiert" in extract(raw, "message/rfc822").text

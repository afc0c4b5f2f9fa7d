"""Reading mails of every shape: headers, charsets, transfer encodings, structure, attachments."""

from __future__ import annotations

import pytest

from extraction import Limits, extract
from extraction.charset import decode_text
from extraction.dispatch import extract_email
from extraction.headers import decode_words
from extraction.html import html_to_text, sanitize_html
from extraction.names import safe_filename
from tests.mailgen import b64, mail, multipart, part

# --- headers --------------------------------------------------------------------------------


def test_encoded_word_subjects_in_all_common_forms():
    assert decode_words("=?iso-8859-1?Q?Antrag_auf_B=FCrgergeld?=") == "Antrag auf Bürgergeld"
    assert decode_words("=?UTF-8?B?V29obmdlbGQgZsO8ciBNw6Ryeg==?=") == "Wohngeld für März"
    # adjacent words: the whitespace between them vanishes
    assert decode_words("=?utf-8?q?Wohn?= =?utf-8?q?geld?=") == "Wohngeld"
    # plain text around words keeps its spaces
    assert decode_words("Re: =?utf-8?q?M=C3=A4rz?= 2026") == "Re: März 2026"


def test_broken_encoded_words_are_still_readable():
    # a UTF-8 character split across two words (long subjects from some mailers)
    assert decode_words("=?utf-8?B?R3LDvA==?= =?utf-8?B?w59l?=") == "Grüße"
    assert decode_words("=?utf-8?Q?Gr=C3?= =?utf-8?Q?=BC=C3=9Fe?=") == "Grüße"
    # missing base64 padding, unknown charset, lower-case encoding letter
    assert decode_words("=?utf-8?b?SGFsbG8gV2VsdA?=") == "Hallo Welt"
    assert decode_words("=?x-unknown?q?K=FCndigung?=") == "Kündigung"
    # glued to text without a space
    assert decode_words("Betreff:=?iso-8859-15?Q?=A4uro?=") == "Betreff:€uro"


def test_raw_8bit_headers_are_decoded():
    raw = mail("Subject: Bescheid f\xfcr M\xe4rz", "x").replace(b"f\xc3\xbcr M\xc3\xa4rz", "für März".encode("latin-1"))
    result = extract(raw, "message/rfc822")
    assert result.headers.subject == "Bescheid für März"

    utf8 = mail("Subject: Bescheid für März", "x")
    assert extract(utf8, "message/rfc822").headers.subject == "Bescheid für März"


def test_address_headers_ids_and_date():
    raw = mail(
        "Subject: x\n"
        'Cc: "M=?utf-8?q?=C3=BC?=ller, Hans" <hans@example.org>, b@example.org\n'
        "Reply-To: antwort@example.org\n"
        "In-Reply-To: <EIN-2026-000123@musterstadt.de>\n"
        "References: <a@x> <b@y>\n <EIN-2026-000123@musterstadt.de>\n"
        "Auto-Submitted: auto-replied",
        "x",
        head="From: =?utf-8?q?J=C3=BCrgen_Wei=C3=9F?= <jw@example.org>\nMessage-ID: <id-1@example.org>\nDate: Mon, 3 Nov 2025 10:00:00 +0100\n",
    )
    headers = extract(raw, "message/rfc822").headers
    assert (headers.sender, headers.sender_name) == ("jw@example.org", "Jürgen Weiß")
    assert headers.cc == ["hans@example.org", "b@example.org"]
    assert headers.reply_to == "antwort@example.org"
    assert headers.message_id == "<id-1@example.org>"
    assert headers.in_reply_to == "<EIN-2026-000123@musterstadt.de>"
    assert headers.references == ["<a@x>", "<b@y>", "<EIN-2026-000123@musterstadt.de>"]
    assert headers.date is not None and headers.date.utcoffset().total_seconds() == 3600
    assert headers.auto_submitted is True


# --- charsets and transfer encodings --------------------------------------------------------


def test_charsets_declared_missing_and_mislabelled():
    text = "Sehr geehrte Damen und Herren, für März „dringend“ 50 €."
    assert decode_text(text.encode("cp1252"), "windows-1252") == text
    assert decode_text(text.encode("cp1252"), "iso-8859-1") == text  # latin-1 label, cp1252 bytes
    assert decode_text(text.encode("utf-8"), "iso-8859-1") == text  # UTF-8 labelled latin-1
    assert decode_text(text.encode("cp1252"), "utf-8") == text  # latin bytes labelled UTF-8
    assert decode_text(text.encode("utf-8"), None) == text
    assert decode_text(text.encode("cp1252"), "us-ascii") == text
    assert decode_text(text.encode("utf-8"), "gibberish-charset") == text
    # UTF-8 once decoded as Windows-1252 (mojibake) is repaired
    assert decode_text("FÃ¼r MÃ¤rz".encode(), "utf-8") == "Für März"


def test_quoted_printable_and_base64_bodies():
    qp = mail(
        "Subject: qp\nContent-Type: text/plain; charset=iso-8859-1\n"
        "Content-Transfer-Encoding: quoted-printable",
        "Ich beantrage Wohngeld f=FCr die Wohnung in der Hauptstra=DFe 5, die Miete =\nbetr=E4gt 600 =80.",
    )
    assert extract(qp, "message/rfc822").text == (
        "Ich beantrage Wohngeld für die Wohnung in der Hauptstraße 5, die Miete beträgt 600 €."
    )
    body = "Ich brauche einen Termin beim Jobcenter, mein Bürgergeld ist nicht gekommen."
    encoded = b64(body.encode("utf-8"))
    b = mail("Subject: b64\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64", encoded)
    assert extract(b, "message/rfc822").text == body
    # broken base64: stray characters, missing padding
    broken = encoded.replace("\n", "\n!!").rstrip("=\n")
    c = mail("Subject: b64\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64", broken)
    assert "Bürgergeld" in extract(c, "message/rfc822").text


def test_format_flowed_lines_are_joined():
    raw = mail(
        "Content-Type: text/plain; charset=utf-8; format=flowed",
        "Ich bitte um einen \nRückruf wegen meines \nAntrags.\n",
    )
    assert extract(raw, "message/rfc822").text == "Ich bitte um einen Rückruf wegen meines Antrags."


# --- HTML -----------------------------------------------------------------------------------

HTML = (
    "<html><head><title>T</title><style>p{color:red}</style>"
    "<script>alert('x')</script></head><body>"
    "<p>Sehr geehrte Damen und Herren,</p><p>ich bitte um R&uuml;ckruf.<br>Danke</p>"
    "<ul><li>Mietvertrag</li><li>Kontoauszug</li></ul>"
    "<img src='https://tracker.example/p.gif' onerror='steal()'>"
    "<a href='javascript:alert(1)' onclick='x()'>hier</a> <a href='https://musterstadt.de'>Link</a>"
    "</body></html>"
)


def test_html_only_mail_becomes_text_without_scripts():
    raw = mail("Subject: h\nContent-Type: text/html; charset=utf-8", HTML)
    result = extract(raw, "message/rfc822")
    assert "ich bitte um Rückruf.\nDanke" in result.text
    assert "- Mietvertrag\n- Kontoauszug" in result.text
    assert "alert" not in result.full_text and "color" not in result.full_text
    assert result.html and "<script" not in result.html


def test_sanitised_html_for_display_has_nothing_active():
    clean = sanitize_html(HTML)
    for forbidden in ("<script", "<style", "onerror", "onclick", "javascript:", "<img", "tracker"):
        assert forbidden not in clean
    assert "Rückruf" in clean or "R&uuml;ckruf" in clean
    assert 'href="https://musterstadt.de"' in clean and "noreferrer" in clean


def test_html_blockquote_becomes_quoting():
    text = html_to_text("<p>Neu</p><blockquote><p>Alt</p><p>Älter</p></blockquote>")
    lines = [line for line in text.splitlines() if line.strip(" >")]
    assert lines == ["Neu", "> Alt", "> Älter"]


def test_alternative_prefers_plain_unless_it_is_a_stub():
    ctype, body = multipart(
        "alternative",
        [
            part("Content-Type: text/plain; charset=utf-8", "Hallo, ich habe eine Frage zum Wohngeld."),
            part("Content-Type: text/html; charset=utf-8", "<p>Hallo, ich habe eine <b>Frage</b> zum Wohngeld.</p>"),
        ],
    )
    result = extract(mail(ctype, body), "message/rfc822")
    assert result.text == "Hallo, ich habe eine Frage zum Wohngeld."
    assert "<b>Frage</b>" in result.html  # the HTML alternative is kept for display

    long_html = "<p>" + "Ich beantrage Hilfe zur Pflege für meine Mutter. " * 5 + "</p>"
    ctype, body = multipart(
        "alternative",
        [
            part("Content-Type: text/plain", "Bitte HTML aktivieren."),
            part("Content-Type: text/html; charset=utf-8", long_html),
        ],
    )
    assert extract(mail(ctype, body), "message/rfc822").text.startswith("Ich beantrage Hilfe zur Pflege")


# --- structure and attachments --------------------------------------------------------------


def _forward(inner: bytes, outer_text: str = "Zur Kenntnis, siehe unten.") -> bytes:
    ctype, body = multipart(
        "mixed",
        [
            part("Content-Type: text/plain; charset=utf-8", outer_text),
            part("Content-Type: message/rfc822\nContent-Disposition: attachment", inner),
        ],
        boundary=f"fwd-{len(inner)}",  # unique per nesting level, as mail programs do
    )
    return mail("Subject: Fwd: Bescheid\n" + ctype, body)


def test_forwarded_mail_is_read_recursively():
    inner = mail(
        "Subject: =?utf-8?q?Ihr_Antrag_vom_M=C3=A4rz?=\nContent-Type: text/plain; charset=iso-8859-1",
        "Ihr Antrag auf Wohngeld wurde abgelehnt.".encode("latin-1"),
        head="From: Wohngeldstelle <wohngeld@amt.example>\nDate: Tue, 4 Nov 2025 09:00:00 +0100\n",
    )
    result = extract(_forward(inner), "message/rfc822")
    assert result.text == "Zur Kenntnis, siehe unten."
    assert "Ihr Antrag auf Wohngeld wurde abgelehnt." in result.full_text
    attached = result.attachments[0]
    assert attached.media_type == "message/rfc822"
    assert attached.filename == "Ihr Antrag vom März.eml"
    assert attached.extraction.headers.sender == "wohngeld@amt.example"


def test_forward_without_own_words_reads_the_forwarded_text():
    inner = mail("Subject: Mahnung\nContent-Type: text/plain", "Zahlen Sie bis Freitag.")
    result = extract(_forward(inner, outer_text=""), "message/rfc822")
    assert "Zahlen Sie bis Freitag." in result.text


def test_attachment_names_with_umlauts_and_paths_are_safe():
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    ctype, body = multipart(
        "mixed",
        [
            part("Content-Type: text/plain; charset=utf-8", "Anbei die Unterlagen."),
            part(
                "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
                "Content-Disposition: attachment; filename*=utf-8''Mietbescheinigung%20M%C3%A4rz.pdf",
                b64(pdf),
            ),
            part(
                'Content-Type: application/octet-stream; name="=?iso-8859-1?Q?Geh=E4ltsnachweis.pdf?="\n'
                "Content-Transfer-Encoding: base64\n"
                'Content-Disposition: attachment; filename="=?iso-8859-1?Q?Geh=E4ltsnachweis.pdf?="',
                b64(pdf),
            ),
            part(
                'Content-Type: text/plain\nContent-Disposition: attachment; filename="../../etc/passwd"',
                "root:x:0:0",
            ),
            part(
                'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="C:\\\\Users\\\\Eva\\\\Lebenslauf.docx"',
                "x",
            ),
        ],
    )
    result = extract(mail(ctype, body), "message/rfc822")
    names = [a.filename for a in result.attachments]
    assert names == ["Mietbescheinigung März.pdf", "Gehältsnachweis.pdf", "passwd", "Lebenslauf.docx"]
    # declared octet-stream, but the bytes are a PDF: read as one
    assert result.attachments[1].media_type == "application/pdf"
    assert result.attachments[1].extraction is not None
    # a text attachment is read: in full_text, not in what the citizen wrote now
    assert "root:x:0:0" in result.full_text and "root" not in result.text


def test_safe_filename_drops_tricks():
    assert safe_filename("rechnung\u202efdp.exe") == "rechnungfdp.exe"
    assert safe_filename("CON.txt") == "_CON.txt"
    assert safe_filename("..") is None
    assert safe_filename("a" * 300 + ".pdf").endswith(".pdf")


def test_inline_images_are_kept_as_inline_attachments():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    ctype, body = multipart(
        "related",
        [
            part("Content-Type: text/html; charset=utf-8", '<p>Foto vom Schimmel: <img src="cid:img1"></p>'),
            part("Content-Type: image/png\nContent-ID: <img1>\nContent-Transfer-Encoding: base64", b64(png)),
        ],
    )
    result = extract(mail(ctype, body), "message/rfc822")
    assert result.text == "Foto vom Schimmel:"
    assert len(result.attachments) == 1
    image = result.attachments[0]
    assert (image.media_type, image.inline, image.content) == ("image/png", True, png)


def text_pdf(line: str) -> bytes:
    """A one-page PDF with ``line`` as real text (WinAnsi, so umlauts work)."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica,
        Encoding=pikepdf.Name.WinAnsiEncoding,
    ))
    content = b"BT /F1 12 Tf 72 720 Td (" + line.encode("cp1252") + b") Tj ET"
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(content)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


OUTLOOK_BODY = (
    "Sehr geehrte Damen und Herren,\r\n\r\nanbei die Mietbescheinigung für März, "
    "ich beantrage Wohngeld.\r\n\r\nMit freundlichen Grüßen\r\nJürgen Weiß"
)


def outlook_mail(winmail: bytes, plain: str = "") -> bytes:
    """What Outlook in Rich-Text mode sends: a (often empty) text part and winmail.dat."""
    ctype, body = multipart(
        "mixed",
        [
            part("Content-Type: text/plain; charset=windows-1252", plain),
            part(
                'Content-Type: application/ms-tnef; name="winmail.dat"\n'
                "Content-Transfer-Encoding: base64\n"
                'Content-Disposition: attachment; filename="winmail.dat"',
                b64(winmail),
            ),
        ],
    )
    return mail(ctype, body)


def test_winmail_dat_from_outlook_is_unpacked_into_text_and_documents():
    from tests.tnef import winmail_dat

    pdf = text_pdf("Mietbescheinigung für Jürgen Weiß, Kaltmiete 480 Euro")
    winmail = winmail_dat(OUTLOOK_BODY, [
        ("Mietbescheinigung_Müller.pdf", pdf),
        ("Lohnabrechnung_März.txt", "Nettolohn März: 1.234,56 €".encode("cp1252")),
    ])
    result = extract(outlook_mail(winmail), "message/rfc822")
    # The body inside winmail.dat is the mail's text (the outer text part is empty)
    assert "ich beantrage Wohngeld" in result.text and "Grüßen" in result.full_text
    # winmail.dat is kept as it came, and its files become documents with their names
    names = [a.filename for a in result.attachments]
    assert names == ["winmail.dat", "Mietbescheinigung_Müller.pdf", "Lohnabrechnung_März.txt"]
    pdf_doc, txt_doc = result.attachments[1], result.attachments[2]
    assert pdf_doc.media_type == "application/pdf" and pdf_doc.content == pdf
    assert "Kaltmiete 480 Euro" in pdf_doc.extraction.text
    assert "Nettolohn März: 1.234,56 €" in txt_doc.extraction.text
    assert "Kaltmiete 480 Euro" in result.full_text
    assert not result.problems


def test_winmail_dat_of_older_outlook_with_only_a_short_umlaut_name():
    from tests.tnef import winmail_dat

    # No Unicode long name: the only name is attAttachTitle in cp1252 (tnefparse's own
    # ``name`` would decode it as UTF-8 and fail)
    winmail = winmail_dat("Siehe Anhang.", [("Bescheid_Müller.pdf", text_pdf("Bescheid"))],
                          long_filenames=False)
    result = extract(outlook_mail(winmail, plain="Siehe Anhang."), "message/rfc822")
    assert [a.filename for a in result.attachments] == ["winmail.dat", "Bescheid_Müller.pdf"]
    assert result.text == "Siehe Anhang."


@pytest.mark.parametrize("blob", [
    b"\x78\x9f\x3e\x22" + b"\x00" * 40,  # TNEF signature, nothing behind it
    b"\x78\x9f\x3e\x22\x00\x00\x01\x06\x90\x08\x00\xff\xff\xff\x7f",  # cut off
    b"kein TNEF \x00\x01\x02" * 10,  # not TNEF at all
])
def test_winmail_dat_is_kept_even_when_it_cannot_be_unpacked(blob):
    ctype, body = multipart(
        "mixed",
        [
            part("Content-Type: text/plain", "Siehe Anhang."),
            part(
                'Content-Type: application/ms-tnef; name="winmail.dat"\nContent-Transfer-Encoding: base64',
                b64(blob),
            ),
        ],
    )
    result = extract(mail(ctype, body), "message/rfc822")
    assert [a.filename for a in result.attachments] == ["winmail.dat"]
    assert result.attachments[0].media_type == "application/ms-tnef"
    assert result.text == "Siehe Anhang."
    assert result.problems == [
        "Anhang winmail.dat (Outlook-Format) konnte nicht entpackt werden; er ist unverändert beigefügt."
    ]


def test_smime_signed_mail_is_read_and_the_signature_kept():
    inner_ctype, inner_body = multipart(
        "mixed", [part("Content-Type: text/plain; charset=utf-8", "Widerspruch gegen den Bescheid.")], boundary="in"
    )
    ctype, body = multipart(
        "signed",
        [
            part(inner_ctype, inner_body),
            part(
                'Content-Type: application/pkcs7-signature; name="smime.p7s"\n'
                "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=smime.p7s",
                b64(b"0\x82\x01\x00fake-signature"),
            ),
        ],
        extra='; protocol="application/pkcs7-signature"; micalg=sha-256',
    )
    result = extract(mail(ctype, body), "message/rfc822")
    assert result.text == "Widerspruch gegen den Bescheid."
    assert [a.filename for a in result.attachments] == ["smime.p7s"]
    assert result.problems == []


def test_encrypted_mail_is_kept_with_a_german_problem():
    ctype, body = multipart(
        "encrypted",
        [
            part("Content-Type: application/pgp-encrypted", "Version: 1"),
            part(
                'Content-Type: application/octet-stream; name="encrypted.asc"',
                "-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----",
            ),
        ],
        extra='; protocol="application/pgp-encrypted"',
    )
    result = extract(mail(ctype, body), "message/rfc822")
    assert any("verschlüsselt (PGP/MIME)" in p for p in result.problems)
    assert len(result.attachments) == 2


def test_missing_boundary_is_read_as_text():
    raw = mail('Content-Type: multipart/mixed; boundary="nope"', "Nur Text, keine Teile.")
    assert "Nur Text, keine Teile." in extract(raw, "message/rfc822").text


# --- limits: problems, never exceptions ----------------------------------------------------


def test_too_deep_nesting_is_a_problem():
    inner = mail("Subject: 0\nContent-Type: text/plain", "innen")
    for i in range(6):
        inner = _forward(inner, outer_text=f"Ebene {i}")
    result = extract(inner, "message/rfc822", Limits(max_mime_depth=4))
    assert any("verschachtelt" in p for p in result.problems)
    assert result.text == "Ebene 5"


def test_too_many_attachments_is_a_problem():
    parts = [part("Content-Type: text/plain", "Text")]
    parts += [
        part(f'Content-Type: application/octet-stream\nContent-Disposition: attachment; filename="a{i}.bin"', "x")
        for i in range(5)
    ]
    ctype, body = multipart("mixed", parts)
    result = extract(mail(ctype, body), "message/rfc822", Limits(max_attachments=3))
    assert len(result.attachments) == 3
    assert any("Zu viele Anhänge" in p for p in result.problems)


def test_too_large_attachment_is_a_problem_of_that_attachment():
    ctype, body = multipart(
        "mixed",
        [
            part("Content-Type: text/plain", "Text"),
            part('Content-Type: text/plain\nContent-Disposition: attachment; filename="gross.txt"', "y" * 5000),
        ],
    )
    # the mail itself is checked by the dispatcher; each attachment again on its own
    result = extract_email(mail(ctype, body), Limits(max_bytes=3000))
    assert any("gross.txt" in p and "zu groß" in p for p in result.problems)


def test_opaque_smime_signed_mail_is_read_from_inside_the_signature(tmp_path):
    import subprocess

    key, cert, body = tmp_path / "k.pem", tmp_path / "c.pem", tmp_path / "in.txt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=amt", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    body.write_bytes("Content-Type: text/plain; charset=utf-8\r\n\r\nWiderspruch vom 1. März.\r\n".encode())
    for streaming in ([], ["-stream"]):  # DER and BER with indefinite lengths
        signed = subprocess.run(
            ["openssl", "smime", "-sign", "-nodetach", "-outform", "SMIME", "-in", str(body),
             "-signer", str(cert), "-inkey", str(key), *streaming],
            check=True, capture_output=True, timeout=60,
        ).stdout
        result = extract(HEAD_ONLY + signed, "message/rfc822")
        assert result.text == "Widerspruch vom 1. März."
        assert [a.filename for a in result.attachments] == ["smime.p7m"]
        assert result.problems == []


def test_smime_encrypted_mail_is_a_problem():
    raw = mail(
        'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\n'
        "Content-Transfer-Encoding: base64",
        b64(b"0\x80\x06\x09*\x86H\x86\xf7\r\x01\x07\x03"),
    )
    result = extract(raw, "message/rfc822")
    assert any("verschlüsselt (S/MIME)" in p for p in result.problems)
    assert result.attachments[0].filename == "smime.p7m"


HEAD_ONLY = b"From: amt@example.org\r\nTo: sozialamt@musterstadt.de\r\nSubject: signiert\r\n"

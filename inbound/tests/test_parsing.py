"""Reading a raw mail: its new text, its sender, its attachments, whether a machine wrote it, and
the mails that cannot be read."""

from email.message import EmailMessage

import pytest

from inbound import parsing

THUNDERBIRD = """Bonjour,

C'est réglé de mon côté, merci.
- étape 1 : relancer
- étape 2 : vérifier

Cordialement,
Alice Agent
Centre Hospitalier Alpha

Le 28/11/2026 à 10:15, Espace Clients CEGAPE a écrit :
> Bonjour Alice,
> Sam Support (CEGAPE) a répondu à votre demande DI-2026-000001
"""

GMAIL = """Merci, je teste demain.

--\u0020
Alice Agent
Tél. 01 02 03 04 05

Le ven. 28 nov. 2026 à 10:15, Espace Clients CEGAPE <noreply@espaceclients.example> a écrit :

> Bonjour
> Le support attend votre réponse
"""

OUTLOOK = """Ok pour moi, la paie est partie.

________________________________
De : Espace Clients CEGAPE <noreply@espaceclients.example>
Envoyé : vendredi 28 novembre 2026 10:15
À : Alice Agent <agent@alpha.example>
Objet : [DI-2026-000001] Nouvelle réponse du support

Bonjour Alice,
Sam Support a répondu.
"""

IPHONE = """Réponse en haut.

Envoyé depuis mon iPhone

Le 28 nov. 2026 à 10:15, Espace Clients <noreply@espaceclients.example> a écrit :
> Bonjour
"""


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            THUNDERBIRD,
            "Bonjour,\n\nC'est réglé de mon côté, merci.\n- étape 1 : relancer\n- étape 2 : vérifier",
        ),
        (GMAIL, "Merci, je teste demain."),
        (OUTLOOK, "Ok pour moi, la paie est partie."),
        (IPHONE, "Réponse en haut."),
        ("Voici ma réponse\n> une citation sans en-tête\n> suite\n", "Voici ma réponse"),
        ("Just English.\n\nOn Fri, Nov 28, 2026 at 10:15 AM Espace <x@y.example> wrote:\n> old\n", "Just English."),
    ],
    ids=["thunderbird", "gmail", "outlook", "iphone", "quoted-lines", "english"],
)
def test_the_quoted_history_and_the_signature_are_removed(text, expected):
    """M12.3: « Le … a écrit : », Outlook's « De : » block, « > » lines, « -- » and « Cordialement » go"""
    assert parsing.latest_reply(text) == expected


def message(**headers):
    mail = EmailMessage()
    mail["From"] = headers.pop("From", "Alice Agent <agent@alpha.example>")
    mail["To"] = headers.pop("To", "support+1-1-aaaaaaaaaaaaaaaaaaaa@reponses.example")
    mail["Subject"] = headers.pop("Subject", "Re: [DI-2026-000001] Nouvelle réponse")
    mail["Message-ID"] = "<m1@client.example>"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content("Réponse.")
    return parsing.parse(mail.as_bytes())


def test_an_html_only_mail_becomes_plain_text_without_its_markup():
    """M12.3: an HTML-only mail becomes safe text: no tag, no style, entities decoded, quote marked"""
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<p>Bonjour,</p><p>Voici <b>la</b> réponse&nbsp;: ok &amp; merci &lt;3</p>"
        "<ul><li>un</li><li>deux</li></ul>"
        '<div class="gmail_quote">Le 28 nov. 2026 à 10:15, X &lt;a@b.example&gt; a écrit :'
        "<blockquote>ancien<br>texte</blockquote></div></body></html>"
    )
    text, active = parsing.text_of_html(html)
    assert active == []
    assert "<" not in text.replace("&lt;3", "").replace("<3", "").replace("<a@b.example>", "")
    assert "color:red" not in text and "Voici la réponse : ok & merci <3" in text
    assert "- un\n- deux" in text
    assert parsing.latest_reply(text) == "Bonjour,\n\nVoici la réponse : ok & merci <3\n\n- un\n- deux"


@pytest.mark.parametrize(
    "html,found",
    [
        ("<p>hi</p><script>alert(1)</script>", "<script>"),
        ('<p>hi</p><img src="x.png" onerror="alert(1)">', "attribut onerror"),
        ('<a href=" JavaScript:alert(1)">lien</a>', "lien javascript:"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe>"),
        ("<object data='x.swf'></object>", "<object>"),
    ],
)
def test_active_content_in_html_is_found_and_its_script_never_kept(html, found):
    """M12.5: scripts, handlers, frames and javascript: links are found (the mail is set aside)"""
    text, active = parsing.text_of_html(html)
    assert found in active
    assert "alert" not in text


def test_an_html_only_mail_with_a_script_is_unreadable():
    """M12.5: HTML with scripts ends in error, its text never reaches a DI"""
    mail = EmailMessage()
    mail["From"] = "agent@alpha.example"
    mail.set_content("<p>Bonjour</p><script>document.location='https://evil.example'</script>", subtype="html")
    with pytest.raises(parsing.Unreadable, match="Contenu actif"):
        parsing.body_text(parsing.parse(mail.as_bytes()))


def test_plain_text_is_preferred_to_html_and_format_flowed_is_joined():
    """M12.3: the plain-text part is read; format=flowed soft breaks are joined"""
    raw = (
        b"From: agent@alpha.example\r\nMessage-ID: <f@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        b"Une ligne longue coup\xc3\xa9e \r\npar le client.\r\n--b\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>autre</p>\r\n--b--\r\n"
    )
    assert parsing.body_text(parsing.parse(raw)).strip() == "Une ligne longue coupée par le client."


@pytest.mark.parametrize(
    "raw",
    [
        # multipart without a boundary
        b"From: a@alpha.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nbody\r\n",
        # the boundary announced never appears
        b'From: a@alpha.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\nbody\r\n',
        # a header line without a colon before the body
        b"From: a@alpha.example\r\nSubject: x\r\nthis is not a header\r\n\r\nbody\r\n",
    ],
    ids=["no-boundary", "boundary-not-found", "broken-headers"],
)
def test_malformed_mime_is_unreadable(raw):
    """M12.5: malformed MIME gives a clear reason, never a crash"""
    with pytest.raises(parsing.Unreadable, match="MIME invalide"):
        parsing.parse(raw)


def test_an_unknown_charset_is_unreadable():
    """M12.5: a text in an unknown charset is not guessed"""
    raw = b"From: a@alpha.example\r\nContent-Type: text/plain; charset=x-inconnu-42\r\n\r\nR\xe9ponse\r\n"
    with pytest.raises(parsing.Unreadable, match="Jeu de caractères inconnu"):
        parsing.body_text(parsing.parse(raw))


def test_a_known_legacy_charset_is_read():
    """M12.3: Windows-1252 and ISO-8859-1 mails are read"""
    raw = b"From: a@alpha.example\r\nContent-Type: text/plain; charset=windows-1252\r\n\r\nR\xe9ponse \x80\r\n"
    assert parsing.body_text(parsing.parse(raw)).strip() == "Réponse €"


@pytest.mark.parametrize(
    "value",
    [
        "a@alpha.example, b@alpha.example",  # two senders
        "",  # none
        "pas une adresse",
    ],
)
def test_a_from_with_no_or_several_addresses_is_unreadable(value):
    """M12.5: the sender must be one address"""
    raw = f"From: {value}\r\nSubject: x\r\n\r\nbody\r\n".encode()
    with pytest.raises(parsing.Unreadable, match="Expéditeur"):
        parsing.sender(parsing.parse(raw))


def test_a_display_name_that_looks_like_an_address_is_not_the_sender():
    """M12.3: « "agent@alpha.example" <intrus@evil.example> » is intrus@evil.example"""
    parsed = message(From='"agent@alpha.example" <intrus@evil.example>')
    assert parsing.sender(parsed) == "intrus@evil.example"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "1"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Precedence": "junk"},
        {"List_Id": "<annonces.alpha.example>"},
        {"Subject": "Réponse automatique : [DI-2026-000001] Nouvelle réponse"},
        {"Subject": "Absence du bureau : retour le 5 janvier"},
        {"Subject": "Automatic reply: [DI-2026-000001]"},
        {"Subject": "Out of Office: back Monday"},
        {"From": "MAILER-DAEMON@alpha.example"},
    ],
)
def test_auto_replies_bulk_mail_and_bounces_are_recognised(headers):
    """M12.4: Auto-Submitted, X-Autoreply, Precedence: bulk|auto_reply, lists, out-of-office, bounces"""
    parsed = message(**headers)
    assert parsing.automatic(parsed, parsing.sender(parsed))


@pytest.mark.parametrize(
    "headers",
    [{}, {"Auto_Submitted": "no"}, {"Subject": "Re: absence de bulletin en janvier"}, {"Precedence": "normal"}],
)
def test_a_person_s_mail_is_not_taken_for_a_machine(headers):
    """M12.4: « Auto-Submitted: no » and a subject that merely mentions an absence are a person's"""
    parsed = message(**headers)
    assert parsing.automatic(parsed, parsing.sender(parsed)) == ""


def test_attachments_are_the_attached_files_not_the_body_nor_the_signature_logo():
    """M12.3: attachments are found; the HTML body's inline images (signature logos) are not"""
    mail = EmailMessage()
    mail["From"] = "agent@alpha.example"
    mail.set_content("Ci-joint la capture.")
    mail.add_alternative('<p>Ci-joint la capture.</p><img src="cid:logo@alpha">', subtype="html")
    mail.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\nlogo", "image", "png", cid="<logo@alpha>")
    mail.add_attachment(b"%PDF-1.4 capture", maintype="application", subtype="pdf", filename="capture écran.pdf")
    mail.add_attachment(b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="outil.exe")
    parsed = parsing.parse(mail.as_bytes())
    found = parsing.attachments(parsed)
    assert [(a.name, a.content_type) for a in found] == [
        ("capture écran.pdf", "application/pdf"),
        ("outil.exe", "application/octet-stream"),
    ]
    assert found[0].content == b"%PDF-1.4 capture"
    assert parsing.body_text(parsed).strip() == "Ci-joint la capture."


def test_nul_characters_are_removed_from_the_text():
    """M12.5: no NUL reaches a DI (PostgreSQL's text cannot hold it; the portal's forms refuse it)"""
    raw = b"From: a@alpha.example\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTexte\x00 avec NUL\r\n"
    assert parsing.body_text(parsing.parse(raw)).strip() == "Texte avec NUL"

"""Reading one raw mail as a person's reply: who sent it, to which address, whether a machine
wrote it, its new text (quoted history and signature removed, HTML made plain text) and its
attachments. Everything that makes a mail unusable raises ``Unreadable`` with a French reason."""

import re
from dataclasses import dataclass
from email import errors, policy
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from mailparser_reply.parser import EmailMessage as ReplyText


class Unreadable(Exception):
    """The mail cannot be taken as a person's reply; ``str()`` is the French reason."""


# Defects after which the parts of a mail cannot be told apart: its text would be wrong.
FATAL_DEFECTS = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.MissingHeaderBodySeparatorDefect,
)


def parse(raw):
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        for part in message.walk():
            for defect in part.defects:
                if isinstance(defect, FATAL_DEFECTS):
                    raise Unreadable(f"Structure MIME invalide ({type(defect).__name__}).")
    except Unreadable:
        raise
    except Exception as exc:  # the parser itself gave up: any error means "cannot be read"
        raise Unreadable(f"Message illisible ({type(exc).__name__}).") from exc
    return message


def header(message, name):
    """A header as text, "" when absent or unreadable."""
    try:
        value = message.get(name)
        return "" if value is None else " ".join(str(value).split())
    except Exception:  # a malformed header must not stop the reading
        return ""


def addresses(message, name):
    """Every address of every ``name`` header, in order."""
    found = []
    try:
        values = message.get_all(name) or []
    except Exception:
        return found
    for value in values:
        try:
            listed = [a.addr_spec for a in value.addresses] if hasattr(value, "addresses") else None
        except Exception:
            listed = None
        if listed is None:
            listed = [address for _, address in getaddresses([str(value)])]
        found.extend(a.strip() for a in listed if a and "@" in a)
    return found


def sender(message):
    """The one address of the From header."""
    senders = addresses(message, "From")
    if len(senders) != 1 or len(message.get_all("From") or []) != 1:
        raise Unreadable("Expéditeur (From) absent, multiple ou illisible.")
    return senders[0]


# Where the address the mail was sent to may be, the most reliable first (set by our mail server).
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")


def recipients(message):
    seen = []
    for name in RECIPIENT_HEADERS:
        for address in addresses(message, name):
            if address.lower() not in seen:
                seen.append(address.lower())
    return seen


# --- Machines: auto-replies, bulk mail, bounces ----------------------------------------------

OUT_OF_OFFICE = re.compile(
    r"^\s*(?:(?:re|tr|fw|fwd)\s*:\s*)*(?:"
    r"r[ée]ponse\s+automatique|message\s+d'absence|absence\s+du\s+bureau|absent(?:e)?\b|en\s+cong[ée]s?\b|"
    r"automatic\s+reply|auto(?:matic)?[-\s]?(?:reply|response)|out\s+of\s+(?:the\s+)?office|"
    r"auto\s*:|autoreply|abwesenheit|automatische\s+antwort)",
    re.IGNORECASE,
)


def automatic(message, sender_address):
    """Why a machine wrote this mail (auto-reply, list, bounce), or "" for a person's mail."""
    auto_submitted = header(message, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Réponse automatique (Auto-Submitted: {auto_submitted})."
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-AutoReply-From"):
        if message.get(name) is not None:
            return f"Réponse automatique ({name})."
    precedence = header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Envoi en nombre ou automatique (Precedence: {precedence})."
    if message.get("List-Id") is not None or message.get("List-Unsubscribe") is not None:
        return "Message de liste de diffusion (List-Id)."
    if message.get_content_type() == "multipart/report" or header(message, "Return-Path") == "<>":
        return "Avis de non-remise (message d'erreur d'un serveur)."
    if sender_address.split("@")[0].lower() in ("mailer-daemon", "postmaster", "noreply", "no-reply"):
        return f"Message d'un automate ({sender_address})."
    if OUT_OF_OFFICE.match(header(message, "Subject")):
        return "Message d'absence (objet)."
    return ""


# --- The text ---------------------------------------------------------------------------------


def _unflow(text, delsp):
    """format=flowed (RFC 3676): a line ending with a space goes on with the next one."""
    lines, current = [], ""
    for line in text.split("\n"):
        if line != "-- " and line.endswith(" "):
            current += line[:-1] if delsp else line
        else:
            lines.append(current + line)
            current = ""
    if current:
        lines.append(current)
    return "\n".join(lines)


class _TextOfHtml(HTMLParser):
    """Plain text of an HTML body: tags dropped, the content of script/style dropped, blocks on
    their own lines, quotations (blockquote, Gmail's quote) prefixed with « > »."""

    SKIP = {"script", "style", "head", "title", "template", "noscript", "xml"}
    ACTIVE = {"script", "iframe", "object", "embed", "applet", "frame", "frameset"}
    BLOCK = {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "ul", "ol"}
    VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = [""]
        self.depth = 0  # quotation depth
        self.stack = []  # (tag, was_quote)
        self.skipping = 0
        self.pre = 0
        self.active = []

    def _newline(self):
        if self.lines[-1].strip(" >"):
            self.lines.append("")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.ACTIVE:
            self.active.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.active.append(f"attribut {name}")
            elif name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.active.append("lien javascript:")
        if tag in self.SKIP:
            if tag not in self.VOID:
                self.skipping += 1
            return
        quote = tag == "blockquote" or (tag == "div" and "gmail_quote" in (attrs.get("class") or ""))
        if tag in self.BLOCK or quote:
            self._newline()
        if tag == "li":
            self._text("- ")
        if tag == "pre":
            self.pre += 1
        if tag not in self.VOID:
            self.stack.append((tag, quote))
            if quote:
                self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
            return
        while self.stack:
            open_tag, quote = self.stack.pop()
            if quote:
                self.depth -= 1
            if open_tag == "pre":
                self.pre = max(0, self.pre - 1)
            if open_tag == tag:
                break
        if tag in self.BLOCK or tag == "blockquote":
            self._newline()
        if tag == "p" and self.lines[-1] == "" and len(self.lines) > 1 and self.lines[-2].strip(" >"):
            self.lines.append("")  # a blank line between paragraphs

    def _text(self, text):
        if not self.lines[-1] and self.depth:
            self.lines[-1] = "> " * self.depth
        self.lines[-1] += text

    def handle_data(self, data):
        if self.skipping:
            return
        if self.pre:
            for i, piece in enumerate(data.split("\n")):
                if i:
                    self.lines.append("")
                self._text(piece)
            return
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1].strip(" >"):
            text = text.lstrip()
        if text:
            self._text(text)

    def text(self):
        text = "\n".join(line.rstrip() for line in self.lines).strip()
        return re.sub(r"\n{3,}", "\n\n", text)


def text_of_html(html):
    """(plain text, the active content found: scripts, frames, handlers, javascript: links)."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return parser.text(), parser.active


def body_text(message):
    """The text of the mail's body, plain text preferred; an HTML-only mail made plain text.
    Refuses an unknown charset and active content (scripts…) in an HTML-only mail."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    charset = part.get_content_charset() or "us-ascii"
    try:
        content = part.get_content()
    except LookupError as exc:
        raise Unreadable(f"Jeu de caractères inconnu ({charset[:40]}).") from exc
    except Exception as exc:
        raise Unreadable(f"Texte illisible ({type(exc).__name__}).") from exc
    # No NUL (the portal's forms refuse it, PostgreSQL's text cannot hold it), one kind of line end.
    content = content.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "html":
        content, active = text_of_html(content)
        if active:
            raise Unreadable(f"Contenu actif refusé dans le HTML ({', '.join(sorted(set(active)))[:200]}).")
        return content
    if part.get_param("format", "").lower() == "flowed":
        content = _unflow(content, part.get_param("delsp", "").lower() == "yes")
    return content


def latest_reply(text):
    """The new text of a reply: the quoted history (« Le … a écrit : », Outlook's « De : … »
    block, lines starting with « > ») and the signature removed."""
    parsed = ReplyText(text=text, languages=["fr"], keep_hyphen_lists=True).read()
    body = parsed.replies[0].body if parsed.replies else ""
    lines = [line for line in body.split("\n") if not line.lstrip().startswith(">")]
    body = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", body)


# --- Attachments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes


def attachments(message):
    """The files attached to the mail. The body's parts and the images of an HTML signature
    (inline parts of a multipart/related, referenced by Content-ID) are not attachments."""
    body = message.get_body(preferencelist=("plain", "html"))
    found = []

    def visit(part, in_related):
        if part.is_multipart():
            related = part.get_content_type() == "multipart/related"
            for child in part.iter_parts():
                visit(child, in_related or related)
            return
        if part is body:
            return
        disposition = part.get_content_disposition()
        name = part.get_filename()
        if disposition != "attachment":
            if part.get_content_maintype() == "text" and not name:
                return  # another form of the body (the HTML of a plain-text mail)
            if in_related and part.get("Content-ID"):
                return  # an image of the HTML body (a signature's logo)
        content = part.get_payload(decode=True)
        if part.get_content_type() == "message/rfc822":
            content = part.as_bytes()
            name = name or "message.eml"
        found.append(Attachment(name or "fichier", part.get_content_type(), content or b""))

    visit(message, False)
    return found

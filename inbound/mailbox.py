"""The replies' mailbox over IMAP (imap-tools): connect from ``INBOUND_IMAP_URL``, list what
waits, fetch one mail, file it in the processed or the failed folder."""

import contextlib
import hashlib
import imaplib
import logging
import ssl
from urllib.parse import unquote, urlsplit

from django.conf import settings
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxFolderCreateError, MailboxMoveError
from imap_tools.query import Header

logger = logging.getLogger(__name__)


class MailboxUnavailable(Exception):
    """The mailbox cannot be reached, or refused the login or a command: try again later."""


MAILBOX_ERRORS = (OSError, imaplib.IMAP4.error, ImapToolsError, EOFError)


def _describe(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"


@contextlib.contextmanager
def open_mailbox(url=None):
    """A logged-in mailbox, the folder of the URL selected (INBOX by default); the processed and
    failed folders exist. Every failure to reach or use it raises MailboxUnavailable."""
    url = url or settings.INBOUND_IMAP_URL
    parts = urlsplit(url)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    timeout = settings.INBOUND_IMAP_TIMEOUT
    box = None
    try:
        tls = ssl.create_default_context(cafile=settings.INBOUND_IMAP_CA_FILE or None)
        if parts.scheme == "imaps":
            box = MailBox(parts.hostname, parts.port or 993, timeout=timeout, ssl_context=tls)
        elif parts.scheme == "imap+starttls":
            box = MailBoxStartTls(parts.hostname, parts.port or 143, timeout=timeout, ssl_context=tls)
        else:
            box = MailBoxUnencrypted(parts.hostname, parts.port or 143, timeout=timeout)
        box.login(unquote(parts.username or ""), unquote(parts.password or ""), initial_folder=None)
        # imaplib keeps the capabilities announced before the login; the server's MOVE shows after it.
        _typ, data = box.client.capability()
        box.client.capabilities = tuple(data[-1].decode().upper().split())
        for name in (settings.INBOUND_PROCESSED_FOLDER, settings.INBOUND_FAILED_FOLDER):
            if not box.folder.exists(name):
                try:
                    box.folder.create(name)
                except MailboxFolderCreateError:
                    if not box.folder.exists(name):  # else: another worker created it meanwhile
                        raise
        box.folder.set(folder)
        yield Mailbox(box, folder)
    except MAILBOX_ERRORS as exc:
        raise MailboxUnavailable(f"{_describe(url)} : {type(exc).__name__}: {exc}") from exc
    finally:
        if box is not None:
            with contextlib.suppress(*MAILBOX_ERRORS):
                box.logout()


SYNTHETIC_SUFFIX = "@sans-message-id.invalid>"


def _quietly(read, default=""):
    """A header as imap-tools reads it; a malformed one must not stop the listing."""
    try:
        return read()
    except Exception:  # imap-tools' own parsing of a broken header
        return default


def message_key(head):
    """What identifies a mail: its Message-ID, or a digest of its headers when it has none."""
    values = _quietly(lambda: head.headers.get("message-id"), ()) or ()
    message_id = "".join(ch for ch in values[0] if ch.isprintable() and not ch.isspace()) if values else ""
    if message_id and len(message_id) <= 255:
        return message_id
    digest = hashlib.sha256(message_id.encode() if message_id else head.obj.as_bytes()).hexdigest()
    return f"<sha256-{digest}{SYNTHETIC_SUFFIX}"


class Mailbox:
    def __init__(self, box, inbox):
        self.box = box
        self.inbox = inbox
        self.current = inbox

    def select(self, folder):
        self.box.folder.set(folder)
        self.current = folder

    def heads(self, limit, message_ids=None):
        """The mails of the current folder, oldest first: headers, UID and size only; only those of
        ``message_ids`` (searched on the server) when given, unless one is a digest of ours."""
        if message_ids is None or any(key.endswith(SYNTHETIC_SUFFIX) for key in message_ids):
            return list(self.box.fetch("ALL", headers_only=True, mark_seen=False, bulk=50, limit=limit))
        heads = []
        for message_id in sorted(message_ids)[:limit]:
            criteria = AND(header=Header("Message-ID", message_id))
            heads.extend(self.box.fetch(criteria, charset=None, headers_only=True, mark_seen=False))
        return heads

    @staticmethod
    def sender(head):
        return _quietly(lambda: head.from_)

    @staticmethod
    def subject(head):
        return _quietly(lambda: head.subject)

    def raw(self, uid):
        """The whole mail, as the server holds it; None if it is gone (moved by another worker)."""
        typ, data = self.box.client.uid("FETCH", uid, "(BODY.PEEK[])")
        if typ != "OK":
            raise imaplib.IMAP4.error(f"FETCH {uid}: {typ} {data!r}")
        for item in data or ():
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def move(self, uid, folder):
        """Moves one mail (MOVE when the server has it); returns whether this session moved it. A
        mail another worker moved first is no error: the server answers NO [EXPUNGEISSUED] (RFC
        5530), or OK without the COPYUID (RFC 4315) of a mail moved."""
        client = self.box.client
        client.untagged_responses.pop("COPYUID", None)
        try:
            self.box.move(uid, folder)
        except MailboxMoveError:
            client.noop()  # hear of the other sessions' expunges
            if uid in self.box.uids(AND(uid=uid)):
                raise  # still here: a real failure
            return False
        if "UIDPLUS" in client.capabilities:
            return client.untagged_responses.pop("COPYUID", None) is not None
        return True

"""Reply addresses: one per (DI, recipient), signed, on the replies' mailbox.

``support+<DI id>-<person id>-<signature>@domain``: plus-addressing on the one mailbox of
``INBOUND_REPLY_ADDRESS``. The signature is an HMAC-SHA256 (key ``INBOUND_TOKEN_KEY``) of the DI
and the person, cut to 100 bits, in lower-case base32 (mail systems may change the case of a
local part): it cannot be guessed, and changing the DI or the person voids it. The address stays
valid while the DI is open and ``INBOUND_TOKEN_DAYS_AFTER_CLOSE`` days after it is closed or
cancelled (``expired``).
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

SIGNATURE_LENGTH = 20  # base32 characters: 100 bits
TOKEN_RE = re.compile(r"^(?P<ticket>[1-9][0-9]{0,17})-(?P<person>[1-9][0-9]{0,17})-(?P<signature>[a-z2-7]{20})$")


class BadToken(Exception):
    """The address carries no token of ours, or a token whose signature does not match."""


@dataclass(frozen=True)
class Token:
    ticket_id: int
    person_id: int


def enabled():
    """Replies by e-mail are on only when the mailbox and its address are configured."""
    return bool(settings.INBOUND_IMAP_URL and settings.INBOUND_REPLY_ADDRESS)


def _key():
    if settings.INBOUND_TOKEN_KEY:
        return settings.INBOUND_TOKEN_KEY.encode()
    # The embedded default and the tests: a key derived from SECRET_KEY (production requires its own).
    return salted_hmac("espace-clients.inbound.token-key", "", secret=settings.SECRET_KEY).hexdigest().encode()


def signature(ticket_id, person_id):
    mac = hmac.new(_key(), f"espace-clients.reply:{ticket_id}:{person_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode().lower()[:SIGNATURE_LENGTH]


def _mailbox_parts():
    local, _, domain = settings.INBOUND_REPLY_ADDRESS.rpartition("@")
    return local.lower(), domain.lower()


def reply_address(ticket_id, person_id):
    local, domain = _mailbox_parts()
    return f"{local}+{ticket_id}-{person_id}-{signature(ticket_id, person_id)}@{domain}"


def reply_address_provider(obj, person):
    """For ``notifications.replies``: the reply address of a DI's e-mail to ``person``."""
    from support.models import Ticket

    if not enabled() or not isinstance(obj, Ticket) or obj.pk is None or getattr(person, "pk", None) is None:
        return ""
    return reply_address(obj.pk, person.pk)


def is_ours(address):
    """Whether ``address`` is on the replies' mailbox (with or without a token)."""
    local, domain = _mailbox_parts()
    got_local, _, got_domain = address.lower().rpartition("@")
    return got_domain == domain and (got_local == local or got_local.startswith(local + "+"))


def read(address):
    """The token of a reply address; BadToken if it is not one of ours or its signature is wrong."""
    local, domain = _mailbox_parts()
    got_local, _, got_domain = address.strip().lower().rpartition("@")
    if got_domain != domain or not got_local.startswith(local + "+"):
        raise BadToken("not our mailbox")
    match = TOKEN_RE.match(got_local[len(local) + 1 :])
    if match is None:
        raise BadToken("malformed")
    ticket_id, person_id = int(match["ticket"]), int(match["person"])
    if not hmac.compare_digest(match["signature"], signature(ticket_id, person_id)):
        raise BadToken("bad signature")
    return Token(ticket_id, person_id)


def expired(ticket, now=None):
    """A DI closed or cancelled more than INBOUND_TOKEN_DAYS_AFTER_CLOSE days ago no longer takes replies."""
    if ticket.is_open or ticket.closed_at is None:
        return False
    now = now or timezone.now()
    return ticket.closed_at + timedelta(days=settings.INBOUND_TOKEN_DAYS_AFTER_CLOSE) < now

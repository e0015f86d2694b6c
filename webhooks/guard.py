"""The SSRF guard of the webhooks (SPEC M15.4): a delivery reaches only public addresses.

Loopback, private, link-local (the clouds' metadata address 169.254.169.254 among them), shared,
multicast, reserved and unspecified addresses are refused, unless a network of the setting
``WEBHOOKS_ALLOWED_NETWORKS`` holds them (the tests' receiver on 127.0.0.1). The name is resolved
once, every address it resolves to is checked, and the connection is made to the address checked
(no second resolution for a rebinding DNS to answer differently); each redirect is checked anew."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class Refused(Exception):
    """The address may not be reached (the reason, in French)."""


def resolve(host, port):
    """The addresses ``host`` resolves to (a function of its own: the tests replace the DNS)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _allowed_networks():
    return [ipaddress.ip_network(net.strip(), strict=False) for net in settings.WEBHOOKS_ALLOWED_NETWORKS if net]


def is_public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_address(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if is_public(address) or any(ip in network for network in _allowed_networks()):
        return
    raise Refused(
        _("L'adresse %(address)s n'est pas publique (boucle locale, réseau privé ou métadonnées).")
        % {"address": address}
    )


def target(url):
    """(scheme, host, port, path with query, the checked address) of ``url``; Refused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(_("Seules les adresses http et https sont acceptées."))
    if not parts.hostname:
        raise Refused(_("L'adresse n'a pas de nom d'hôte."))
    if parts.username or parts.password:
        raise Refused(_("L'adresse ne doit pas contenir d'identifiants."))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        raise Refused(_("Le nom %(host)s ne se résout pas.") % {"host": parts.hostname}) from None
    if not addresses:
        raise Refused(_("Le nom %(host)s ne se résout pas.") % {"host": parts.hostname})
    for address in addresses:
        check_address(address)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path, addresses[0]

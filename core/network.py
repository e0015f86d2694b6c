"""The client's address: the one function every part of the portal asks (lockout, security log,
downloads' log, and any per-address limit).

Behind the reverse proxy, ``REMOTE_ADDR`` is the proxy's address; the client's is the entry the
proxy appended to ``X-Forwarded-For``. That header is believed only when the connection comes from a
trusted proxy (``TRUSTED_PROXIES``: addresses or networks, empty by default). A client that reaches
the application server directly, or any client when no proxy is configured, is known by its own
connection: whatever ``X-Forwarded-For`` it sends is ignored.

``PROXY_COUNT`` is the number of proxies that each append one entry (1: nginx alone; 2: a load
balancer, then nginx). The chain ``X-Forwarded-For`` + the connection's address is read from the
right by django-ipware with that count: entries further left were written by the client and are
never taken.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from ipware import get_client_ip

HEADER = "HTTP_X_FORWARDED_FOR"


@lru_cache(maxsize=8)
def _trusted_networks(entries):
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _parse(address):
    try:
        return ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None


def is_trusted_proxy(address):
    """Whether a connection from ``address`` may tell the client's address (``TRUSTED_PROXIES``)."""
    ip = _parse(address)
    if ip is None:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request):
    """The address of the client that sent ``request`` (a string), or None without one."""
    peer = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get(HEADER, "")
    if peer is None or not forwarded.strip() or not is_trusted_proxy(peer):
        return peer
    # Only the right-most PROXY_COUNT entries were written by our proxies; everything to their left
    # came from the client and may hold anything (an unclosed quote would change how a parser
    # splits the whole chain), so it is cut off before django-ipware reads the chain, strictly.
    count = settings.PROXY_COUNT
    written_by_proxies = [entry.strip() for entry in forwarded.split(",")][-count:] if count else []
    chain = ", ".join([*written_by_proxies, peer])
    ip, _routable = get_client_ip(
        request=_Chain(chain),
        proxy_order="left-most",
        proxy_count=count,
        request_header_order=[HEADER],
        strict=True,
    )
    return ip or peer


class _Chain:
    """What django-ipware reads: the chain alone, the connection's address as its last hop."""

    def __init__(self, chain):
        self.META = {HEADER: chain}

from core.network import client_address

from .models import Event

# Keys a detail may never carry: the log holds who, what, when and from where, never a secret.
FORBIDDEN_KEY_PARTS = ("password", "token", "secret", "session", "csrf", "otp")


def client_ip(request):
    """Where the request came from (``core.network.client_address``: the client behind the trusted
    proxy). Without a request, the one being served, if any."""
    if request is None:
        from .middleware import current_request

        request = current_request.get()
    if request is None:
        return None
    return client_address(request)


def record(action, *, actor=None, request=None, establishment=None, target="", **data):
    """Write one audit event (when: ``created_at``, UTC). ``actor`` may be None (anonymous or system)."""
    forbidden = [key for key in data if any(part in key.lower() for part in FORBIDDEN_KEY_PARTS)]
    if forbidden:
        raise ValueError(f"An audit event never holds a secret: {', '.join(forbidden)}")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return Event.objects.create(
        action=action,
        actor=actor,
        actor_email=getattr(actor, "email", "") or data.pop("actor_email", ""),
        establishment=establishment if establishment is not None else getattr(actor, "establishment", None),
        target=str(target)[:200],
        ip_address=client_ip(request),
        data=data,
    )

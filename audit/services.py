from .models import Event


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(action, *, actor=None, request=None, establishment=None, target="", **data):
    """Write one audit event. ``actor`` may be None (anonymous or system)."""
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

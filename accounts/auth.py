from .models import normalize_email


def axes_username(request, credentials):
    """The lockout key's username part: the e-mail as stored (lower case, trimmed)."""
    if credentials is not None and "username" in credentials:
        return normalize_email(credentials.get("username"))
    return normalize_email(request.POST.get("username", "")) if request is not None else ""

from django.shortcuts import render

from core.refusals import refuse


def _error(request, status, template):
    return render(request, f"errors/{template}", status=status)


def bad_request(request, exception=None):
    return _error(request, 400, "400.html")


def permission_denied(request, exception=None):
    """A PermissionDenied that no view turned into its own refusal: the one refusal page."""
    return refuse(request, str(exception or ""))


def page_not_found(request, exception=None):
    return _error(request, 404, "404.html")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a French page instead of Django's built-in English one."""
    return _error(request, 403, "403_csrf.html")


def server_error(request):
    return _error(request, 500, "500.html")

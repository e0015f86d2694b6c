"""The framework's own ceilings, measured by the benchmark in the same run on the same server.

Served only by the benchmark's own URLconf (``bench.urls``, through ``bench.server_settings``);
the portal's URLconf (``config/urls.py``) never includes them. The bare Django project
(``bench/bare/``) serves the same two pages without the portal (docs/performance.md).
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines

from support.models import Ticket

from .pages import FIXED_PAGE, ONE_ROW_TEMPLATE

ONE_ROW = engines["django"].from_string(ONE_ROW_TEMPLATE)


def fixed(request):
    """A fixed 2 KB page: the cost of the request/response cycle and the middleware alone."""
    return HttpResponse(FIXED_PAGE)


def one_row(request, pk):
    """One DI by primary key, rendered in a small template."""
    ticket = get_object_or_404(Ticket, pk=pk)
    return HttpResponse(ONE_ROW.render({"ticket": ticket}, request))

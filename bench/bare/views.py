"""The bare project's two pages: the same bytes as the portal's ceilings (bench/pages.py); they
read neither the session nor the user."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines

from bench.pages import FIXED_PAGE, ONE_ROW_TEMPLATE

from .models import Ticket

ONE_ROW = engines["django"].from_string(ONE_ROW_TEMPLATE)


def fixed(request):
    """A fixed 2 KB page."""
    return HttpResponse(FIXED_PAGE)


def one_row(request, pk):
    """One DI by primary key, rendered in a small template."""
    ticket = get_object_or_404(Ticket, pk=pk)
    return HttpResponse(ONE_ROW.render({"ticket": ticket}, request))

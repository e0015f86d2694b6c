"""A DI's status as a badge (``{% status_badge ticket %}``): the markup the include wrote."""

from django.template import Context, Template

from support.models import Status, Ticket

# What support/includes/status_badge.html wrote, for each status (the extra class by status).
EXTRA = {Status.CLOSURE_PENDING: " warn", Status.CLOSED: " ok", Status.CANCELLED: " off"}


def test_every_status_reads_as_the_include_wrote_it():
    """M3.2 M8.1"""
    template = Template("{% load support_rows %}{% status_badge ticket %}")
    for status in Status:
        written = template.render(Context({"ticket": Ticket(status=status)}))
        assert written == f'<span class="badge status-{status.value}{EXTRA.get(status, "")}">{status.label}</span>'

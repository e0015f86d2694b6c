from django import template

from support import due

register = template.Library()


@register.inclusion_tag("support/includes/due_sheet.html")
def due_sheet(ticket, desk=False):
    """The service level's dates on a DI's page (SPEC M13.3, M13.4): nothing without a level."""
    now, tz, end_of_day = due.local_now()
    state = due.due_of(ticket, now, tz, end_of_day)
    return {
        "ticket": ticket,
        "desk": desk,
        "state": state.state,
        "due": state,
        "left": due.duration_text(state.left) if state.left is not None else "",
        "open": ticket.is_open,
    }


@register.inclusion_tag("support/includes/due_counts.html")
def due_counts():
    """The vendor's home: per team, the DIs due today and the late ones (SPEC M13.4). A block of
    its own, to sit in any vendor home page."""
    from support.selectors import due_counts_by_team

    return {"teams": due_counts_by_team()}

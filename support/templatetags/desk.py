from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def age_in_days(moment):
    """« 3 j »: whole days elapsed since a date (the age of a DI on the support desk)."""
    return _("%(days)s j") % {"days": max((timezone.now() - moment).days, 0)}

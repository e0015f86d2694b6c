from django import template

from .. import policy

register = template.Library()


@register.inclusion_tag("twofactor/profile_section.html")
def twofactor_profile_section(user):
    """« Double authentification » on « Mon profil »: state and a link to manage it."""
    return {"enrolled": policy.is_enrolled(user), "required": policy.is_required(user)}

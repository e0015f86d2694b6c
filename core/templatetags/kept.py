"""``{% kept key … %}…{% endkept %}``: a fragment written once per process for each language and
each value of its keys, then given again as written — Django's ``{% cache %}`` without the round
trip to the cache server, for the fragments of a hot page that follow from its query string alone
(the client list's filters, sort links and export links: ~0.8 ms of template a page).

What the fragment shows must follow from its keys and the language: a fragment that names the
user, a count, the time or a token is not one to keep. The keys' values are compared as they are
(texts); the process keeps at most ``BOUND`` fragments and forgets them all when it is reached.
"""

from django import template
from django.utils.translation import get_language

from core.memo import Memo

register = template.Library()

BOUND = 1024
KEPT = Memo(BOUND)


class KeptNode(template.Node):
    def __init__(self, nodelist, keys):
        self.nodelist, self.keys = nodelist, keys

    def render(self, context):
        key = (self, get_language(), *(str(key.resolve(context)) for key in self.keys))
        written = KEPT.get(key)
        if written is None:
            written = KEPT.keep(key, self.nodelist.render(context))
        return written


@register.tag
def kept(parser, token):
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    if not keys:
        raise template.TemplateSyntaxError("{% kept %} needs at least one key")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, keys)

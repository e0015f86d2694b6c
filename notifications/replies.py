"""Reply addresses: which address a recipient's answer to an e-mail goes to.

``notifications`` knows no DI. An app of a higher layer that reads answers (``inbound``) plugs a
provider in at start-up (``register``); the app that queues an e-mail about an object asks
``reply_address(obj, person)`` and passes the answer to ``email_queue``. Without a provider, or
when the provider has no address for this object and person, the e-mail says « Merci de ne pas y
répondre ».
"""

_providers = []


def register(provider):
    """``provider(obj, person)`` returns the reply address for ``person`` about ``obj``, or ""."""
    if provider not in _providers:
        _providers.append(provider)


def reply_address(obj, person):
    for provider in _providers:
        address = provider(obj, person)
        if address:
            return address
    return ""

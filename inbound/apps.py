from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "inbound"
    verbose_name = _("Réponses par mail")

    def ready(self):
        # The e-mails about a DI get a reply address of their own (notifications knows no DI).
        from notifications import replies

        from .tokens import reply_address_provider

        replies.register(reply_address_provider)

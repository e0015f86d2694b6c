from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _message_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .services import reply_links_record

        reply_links_record(instance)


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Base de connaissances")

    def ready(self):
        # support sits below knowledge and does not know it: the links a reply of the desk makes
        # to articles are read here, as each message is saved (inside the reply's transaction).
        post_save.connect(_message_saved, sender="support.Message", dispatch_uid="knowledge_reply_links")

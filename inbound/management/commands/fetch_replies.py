from django.core.management.base import BaseCommand, CommandError

from inbound import services, tokens


class Command(BaseCommand):
    help = "Lit la boîte des réponses par mail (INBOUND_IMAP_URL) et ajoute chaque réponse à sa DI."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="Nombre de messages lus au plus.")

    def handle(self, *args, limit=None, **options):
        if not tokens.enabled():
            raise CommandError(
                "Les réponses par mail sont désactivées : définissez INBOUND_IMAP_URL et INBOUND_REPLY_ADDRESS."
            )
        try:
            counts = services.fetch_replies(limit=limit)
        except services.MailboxUnavailable as exc:
            raise CommandError(f"Boîte de réception injoignable, rien n'a été lu : {exc}") from exc
        labels = dict(services.InboundMail.Status.choices)
        summary = ", ".join(f"{labels[status]} : {count}" for status, count in sorted(counts.items())) or "aucun"
        self.stdout.write(f"Messages lus : {sum(counts.values())} ({summary}).")

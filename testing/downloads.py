"""Files of « Téléchargements » published through the services, as the back office does; a contract ended."""

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from downloads.models import DownloadFile
from downloads.services import download_file_publish
from establishments.models import Contract

ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # 36 bytes: ranges are easy to read


def publish(product, name="Guide", *, version="1.0", published_on=date(2026, 1, 15), content=ALPHABET, **fields):
    fields.setdefault("description", f"Description de {name}")
    filename = fields.pop("filename", f"{name.lower().replace(' ', '-')}.txt")
    return download_file_publish(
        DownloadFile(product=product, name=name, version=version, published_on=published_on, **fields),
        acting_user=None,
        upload=ContentFile(content, name=filename),
    )


def end_contract(establishment, product):
    """The establishment's contract on the product ended yesterday."""
    yesterday = timezone.localdate() - timedelta(days=1)
    Contract.objects.filter(establishment=establishment, product=product).update(end_date=yesterday)

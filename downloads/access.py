"""Scoped reads of downloadable files: the list and every download go through these functions.

A client sees the published files of the products on which their establishment holds a contract
in force today; the vendor's staff see the published files of every product. The right is
evaluated at each call, so a copied link stops working as soon as the contract ends or the account
is deactivated. "Does not exist" and "not yours" get the same 404.
"""

from django.db.models import Prefetch
from django.http import Http404

from establishments.access import entitled_products

from .models import DownloadFile


def files_for(user):
    return DownloadFile.objects.published().filter(product__in=entitled_products(user))


def get_file_for_user(user, file_uuid):
    try:
        return files_for(user).select_related("product").get(uuid=file_uuid)
    except DownloadFile.DoesNotExist:
        raise Http404("Fichier introuvable") from None


def products_with_files(user):
    """The products the user is entitled to, by name, each with its published files newest first
    (``product.files``): the « Téléchargements » page, in two queries."""
    newest_first = DownloadFile.objects.published().order_by("-published_on", "-created_at", "-pk")
    return (
        entitled_products(user)
        .order_by("name")
        .prefetch_related(Prefetch("downloads", queryset=newest_first, to_attr="files"))
    )

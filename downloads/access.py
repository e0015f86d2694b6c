"""Scoped reads of downloadable files: the list and every download go through these functions.

A client sees the published files of the products on which their establishment holds a contract
in force today; the vendor's staff see the published files of every product. The right is
evaluated at each call, so a copied link stops working as soon as the contract ends or the account
is deactivated. "Does not exist" and "not yours" get the same 404.
"""

from django.http import Http404

from establishments.models import Contract, Product

from .models import DownloadFile


def entitled_products(user):
    """The products whose files the user may see and download."""
    if not user.is_authenticated or not user.is_active:
        return Product.objects.none()
    if user.is_vendor:
        return Product.objects.all()
    if user.establishment_id is None:
        return Product.objects.none()
    in_force = Contract.objects.active().filter(establishment_id=user.establishment_id)
    return Product.objects.filter(pk__in=in_force.values("product_id"))


def files_for(user):
    return DownloadFile.objects.published().filter(product__in=entitled_products(user))


def get_file_for_user(user, file_uuid):
    try:
        return files_for(user).select_related("product").get(uuid=file_uuid)
    except DownloadFile.DoesNotExist:
        raise Http404("Fichier introuvable") from None

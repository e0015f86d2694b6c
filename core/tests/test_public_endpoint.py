"""Signed download URLs name the bucket's public address (M16.1): the portal talks to the store at
an internal address (``http://objects:9000`` in the compose file) that no browser can reach."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.test import override_settings
from storages.backends.s3 import S3Storage

from core import serving

OPTIONS = {
    "bucket_name": "espace-clients",
    "endpoint_url": "http://objects:9000",
    "region_name": "us-east-1",
    "access_key": "cle",
    "secret_key": "secret",
    "querystring_auth": True,
    "addressing_style": "path",
}
STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": OPTIONS}}


def stored(storage):
    return SimpleNamespace(
        file=SimpleNamespace(storage=storage, name="pj/2026/rapport.pdf"),
        name="rapport.pdf",
        content_type="application/pdf",
    )


@override_settings(STORAGES=STORAGES, S3_PUBLIC_ENDPOINT_URL="https://fichiers.espaceclients.example")
def test_a_signed_url_names_the_public_endpoint_not_the_internal_one():
    """M16.1"""
    url = serving._presigned_url(stored(S3Storage(**OPTIONS)))
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "fichiers.espaceclients.example")
    assert parts.path == "/espace-clients/pj/2026/rapport.pdf"
    assert "Signature=" in parts.query and "response-content-disposition=attachment" in parts.query
    assert "objects" not in url


@override_settings(STORAGES=STORAGES, S3_PUBLIC_ENDPOINT_URL="")
def test_without_a_public_endpoint_the_storage_endpoint_signs():
    """M16.1"""
    url = serving._presigned_url(stored(S3Storage(**OPTIONS)))
    assert url.startswith("http://objects:9000/espace-clients/pj/2026/rapport.pdf?")

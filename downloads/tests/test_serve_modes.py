"""Production hand-offs (SPEC M6): after the same permission check, the file is served by nginx
(``X-Accel-Redirect``) or from a short-lived signed URL of the storage (S3)."""

import logging
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from downloads.models import DownloadEvent, DownloadFile
from testing.downloads import ALPHABET


class FakeS3Storage(FileSystemStorage):
    """Stands for django-storages' S3Storage: its url() signs a link with parameters and a lifetime."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        self.signed = {"name": name, "parameters": parameters, "expire": expire}
        return f"https://bucket.s3.example/{name}?X-Amz-Expires={expire}&X-Amz-Signature=abc"


def url(download_file):
    return reverse("downloads:download", args=[download_file.uuid])


def storage_of_files(storage):
    return mock.patch.object(DownloadFile._meta.get_field("file"), "storage", storage)


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent)
    return client


def test_x_accel_hands_the_file_to_nginx_after_the_check(signed_in, settings, files):
    """M6"""
    settings.FILE_SERVE_MODE = "x-accel"
    settings.FILE_X_ACCEL_PREFIX = "/interne/"
    guide = files["indeline_new"]
    response = signed_in.get(url(guide))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/interne/{guide.file.name}"
    assert guide.file.name.startswith("downloads/")
    assert response.content == b""
    assert response["Content-Disposition"] == 'attachment; filename="guide.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert DownloadEvent.objects.filter(file=guide).count() == 1


def test_x_accel_uses_the_default_prefix(signed_in, settings, files):
    """M6"""
    settings.FILE_SERVE_MODE = "x-accel"
    guide = files["indeline_new"]
    assert signed_in.get(url(guide))["X-Accel-Redirect"] == f"/fichiers-proteges/{guide.file.name}"


def test_x_accel_still_refuses_a_product_without_an_active_contract(signed_in, settings, files):
    """M6"""
    settings.FILE_SERVE_MODE = "x-accel"
    response = signed_in.get(url(files["winpaie"]))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_x_accel_records_the_requested_range(signed_in, settings, files):
    """M6"""
    settings.FILE_SERVE_MODE = "x-accel"
    signed_in.get(url(files["indeline_new"]), HTTP_RANGE="bytes=10-")
    assert DownloadEvent.objects.get().byte_range == "10-35"


def test_s3_redirects_to_a_short_lived_signed_url(signed_in, settings, files):
    """M6"""
    settings.FILE_SERVE_MODE = "s3"
    settings.FILE_URL_EXPIRE = 30
    guide = files["indeline_new"]
    storage = FakeS3Storage(location=settings.MEDIA_ROOT)
    with storage_of_files(storage):
        response = signed_in.get(url(guide))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.netloc, location.path) == ("bucket.s3.example", f"/{guide.file.name}")
    assert parse_qs(location.query)["X-Amz-Expires"] == ["30"]
    assert storage.signed["parameters"] == {
        "ResponseContentDisposition": 'attachment; filename="guide.pdf"',
        "ResponseContentType": "application/pdf",
        "ResponseCacheControl": "private, no-store",
    }
    assert DownloadEvent.objects.filter(file=guide).count() == 1


def test_s3_still_refuses_a_product_without_an_active_contract(signed_in, settings, files):
    """M6"""
    settings.FILE_SERVE_MODE = "s3"
    storage = FakeS3Storage(location=settings.MEDIA_ROOT)
    with storage_of_files(storage):
        response = signed_in.get(url(files["winpaie"]))
    assert response.status_code == 404
    assert not hasattr(storage, "signed")


def test_s3_with_a_storage_that_cannot_sign_streams_and_warns(signed_in, settings, files, caplog):
    """M6: a misconfiguration never breaks the download (no 500)."""
    settings.FILE_SERVE_MODE = "s3"
    with caplog.at_level(logging.WARNING, logger="core.serving"):
        response = signed_in.get(url(files["indeline_new"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ALPHABET
    assert "cannot sign URLs" in caplog.text

"""Private files are sandboxed in the browser in the three serving modes (issue 12, item 6)."""

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from downloads.models import DownloadFile
from support.models import Attachment
from testing import nginx
from testing.downloads import publish
from testing.tickets import PDF, file_di, pdf

NGINX_POLICY_PARTS = ("sandbox", "frame-ancestors 'none'")


class SigningStorage(FileSystemStorage):
    """Stands for django-storages' S3Storage: url() signs a link with response overrides."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        self.signed = parameters
        return f"https://fichiers.espaceclients.example/{name}?X-Amz-Signature=abc"


def directives(header):
    return {part.strip().split()[0] for part in header.split(";") if part.strip()}


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("mode", ["django", "x-accel"])
def test_asvs_12_5_2_a_download_carries_csp_sandbox(client, agent, products, settings, mode):
    """M6 M10 (ASVS 12.5.2): the portal's policy plus sandbox, with attachment and nosniff"""
    settings.FILE_SERVE_MODE = mode
    guide = publish(products["software"], "Guide", filename="guide.html", content=b"<script>alert(1)</script>")
    response = signed_in(client, agent).get(reverse("downloads:download", args=[guide.uuid]))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "sandbox" in directives(policy) and "default-src 'self'" in policy
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("range_header", [None, "bytes=0-9", "bytes=999999-"])
def test_asvs_12_5_2_an_attachment_carries_csp_sandbox_whole_in_part_or_refused(client, agent, range_header):
    """M3.4 M10 (ASVS 12.5.2)"""
    ticket = file_di(agent, subject="Bulletins", description="Depuis ce matin.", files=[pdf()])
    attachment = Attachment.objects.get(ticket=ticket)
    extra = {"HTTP_RANGE": range_header} if range_header else {}
    response = signed_in(client, agent).get(
        reverse("support:attachment", args=[ticket.number, attachment.uuid]), **extra
    )
    assert response.status_code in (200, 206, 416)
    assert "sandbox" in directives(response["Content-Security-Policy"])


def test_asvs_12_5_2_nginx_adds_sandbox_to_the_files_it_serves_after_x_accel(settings):
    """M6 M16.1 (ASVS 12.5.2): nginx drops the portal's CSP across the internal redirect"""
    portal = nginx.shipped().all("server")[1]
    internal = next(loc for loc in portal.all("location") if loc.args == ["/fichiers-proteges/"])
    headers = {d.args[0]: d.args[1] for d in internal.all("add_header")}
    assert all(part in headers["Content-Security-Policy"] for part in NGINX_POLICY_PARTS)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert all(d.args[-1] == "always" for d in internal.all("add_header"))


def test_asvs_12_5_2_s3_signed_urls_override_what_s3_can_and_nginx_adds_sandbox(client, agent, products, settings):
    """M6 M16.1 (ASVS 12.5.2): S3 overrides only Content-Type/-Disposition/Cache-Control… on a signed
    URL, never CSP: the shipped server in front of the bucket adds it"""
    from unittest import mock

    settings.FILE_SERVE_MODE = "s3"
    guide = publish(products["software"], "Guide", filename="guide.pdf", content=PDF)
    storage = SigningStorage(location=settings.MEDIA_ROOT)
    with mock.patch.object(DownloadFile._meta.get_field("file"), "storage", storage):
        response = signed_in(client, agent).get(reverse("downloads:download", args=[guide.uuid]))
    assert response.status_code == 302
    assert storage.signed["ResponseContentDisposition"].startswith("attachment")
    assert storage.signed["ResponseContentType"] == "application/pdf"
    objects = nginx.shipped().all("server")[2]
    assert objects.value("server_name") == "fichiers.espaceclients.example"
    location = objects.one("location")
    headers = {d.args[0]: d.args[1] for d in location.all("add_header")}
    assert all(part in headers["Content-Security-Policy"] for part in NGINX_POLICY_PARTS)
    assert headers["X-Content-Type-Options"] == "nosniff"

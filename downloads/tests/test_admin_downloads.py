"""Publishing files in the back office (SPEC M6, M8.2): the size and the SHA-256 are computed
while streaming the upload, which a large file reaches on disk, never whole in memory."""

import hashlib
import os
from datetime import date
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse

from audit.models import Event
from downloads import services
from downloads.models import DownloadFile
from testing.downloads import publish

ADD_URL = reverse("admin:downloads_downloadfile_add")
LIST_URL = reverse("admin:downloads_downloadfile_changelist")


def big_content(size=3 * 1024 * 1024):
    """Several megabytes of varied bytes (more than FILE_UPLOAD_MAX_MEMORY_SIZE)."""
    block = hashlib.sha256(b"seed").digest() * 32  # 1 KiB
    return bytes(b ^ (i % 251) for i, b in enumerate(block)) * (size // len(block))


def form_data(product, **overrides):
    data = {
        "product": product.pk,
        "name": "Package d'installation",
        "version": "2026.4",
        "published_on": "01/04/2026",
        "description": "Mise à jour du serveur.",
        "is_published": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, vendor_admin):
    client.force_login(vendor_admin)
    return client


def test_uploading_a_multi_megabyte_file_computes_size_and_sha256_from_chunks(admin_client, products):
    """M6 M8.2: the upload goes through the temporary-file handler and is hashed chunk by chunk."""
    content = big_content()
    assert len(content) > django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    upload = SimpleUploadedFile("winpaie-2026.4.zip", content, content_type="application/zip")
    with mock.patch("downloads.services.file_digest", wraps=services.file_digest) as digest:
        response = admin_client.post(ADD_URL, {**form_data(products["software2"]), "upload": upload})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert isinstance(digest.call_args.args[0], TemporaryUploadedFile)
    package = DownloadFile.objects.get()
    assert package.size == len(content)
    assert package.sha256 == hashlib.sha256(content).hexdigest()
    assert package.original_name == "winpaie-2026.4.zip"
    assert package.content_type == "application/zip"
    assert (package.name, package.version, package.published_on) == (
        "Package d'installation",
        "2026.4",
        date(2026, 4, 1),
    )
    with package.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == package.sha256


def test_the_stored_name_is_random_without_extension(admin_client, products):
    """M6 STYLE Files"""
    admin_client.post(ADD_URL, {**form_data(products["software"]), "upload": SimpleUploadedFile("guide.pdf", b"%PDF")})
    stored = DownloadFile.objects.get().file.name
    assert stored.startswith("downloads/")
    assert "guide" not in stored and "." not in os.path.basename(stored)
    assert len(os.path.basename(stored)) == 32


def test_the_digest_reads_only_chunks():
    """M6: file_digest never calls read(); only chunks()."""

    class ChunksOnly:
        def chunks(self):
            yield b"a" * 10
            yield b"b" * 5

        def read(self, *args):
            raise AssertionError("read() must not be called")

        def seek(self, position):
            pass

    assert services.file_digest(ChunksOnly()) == (15, hashlib.sha256(b"a" * 10 + b"b" * 5).hexdigest())


def test_adding_without_a_file_or_with_an_empty_one_is_refused_next_to_the_field(admin_client, products):
    """M6 M8.2"""
    response = admin_client.post(ADD_URL, form_data(products["software"]))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["upload"] == ["Choisissez le fichier à publier."]
    response = admin_client.post(
        ADD_URL, {**form_data(products["software"]), "upload": SimpleUploadedFile("x.txt", b"")}
    )
    assert response.status_code == 200
    assert "upload" in response.context["adminform"].form.errors
    assert not DownloadFile.objects.exists()


def test_editing_without_a_new_file_keeps_the_content(admin_client, products):
    """M8.2"""
    guide = publish(products["software"], "Guide")
    before = (guide.file.name, guide.sha256, guide.size)
    change_url = reverse("admin:downloads_downloadfile_change", args=[guide.pk])
    response = admin_client.post(change_url, form_data(products["software"], name="Guide mis à jour"))
    assert response.status_code == 302
    guide.refresh_from_db()
    assert guide.name == "Guide mis à jour"
    assert (guide.file.name, guide.sha256, guide.size) == before
    assert Event.objects.filter(action="download_file_changed").exists()


def test_replacing_the_file_recomputes_and_deletes_the_old_content(admin_client, products):
    """M6 M8.2"""
    guide = publish(products["software"], "Guide")
    old_name = guide.file.name
    storage = guide.file.storage
    change_url = reverse("admin:downloads_downloadfile_change", args=[guide.pk])
    response = admin_client.post(
        change_url, {**form_data(products["software"]), "upload": SimpleUploadedFile("v2.txt", b"nouveau contenu")}
    )
    assert response.status_code == 302
    guide.refresh_from_db()
    assert (guide.original_name, guide.size) == ("v2.txt", 15)
    assert guide.sha256 == hashlib.sha256(b"nouveau contenu").hexdigest()
    assert guide.file.name != old_name
    assert not storage.exists(old_name)
    assert storage.exists(guide.file.name)


def test_the_change_page_shows_size_and_checksum(admin_client, products):
    """M8.2"""
    guide = publish(products["software"], "Guide")
    response = admin_client.get(reverse("admin:downloads_downloadfile_change", args=[guide.pk]))
    html = response.content.decode()
    assert guide.sha256 in html
    assert "36\xa0octets" in html


def test_deleting_removes_the_stored_content(admin_client, products):
    """M8.2"""
    guide = publish(products["software"], "Guide")
    name, storage = guide.file.name, guide.file.storage
    response = admin_client.post(reverse("admin:downloads_downloadfile_delete", args=[guide.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not DownloadFile.objects.exists()
    assert not storage.exists(name)
    assert Event.objects.filter(action="download_file_deleted").exists()


def test_the_withdraw_and_publish_actions_use_the_services(admin_client, products):
    """M8.2"""
    first, second = publish(products["software"], "Un"), publish(products["legal"], "Deux")
    response = admin_client.post(LIST_URL, {"action": "withdraw", "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    assert not DownloadFile.objects.filter(is_published=True).exists()
    assert Event.objects.filter(action="download_file_withdrawn").count() == 2
    admin_client.post(LIST_URL, {"action": "publish", "_selected_action": [first.pk]})
    assert list(DownloadFile.objects.filter(is_published=True)) == [first]


@pytest.fixture
def many_files(products, agent, client):
    rows = []
    for i in range(12):
        rows.append(publish(products[["software", "software2", "legal"][i % 3]], f"Fichier {i}"))
    client.force_login(agent)
    for row in rows[:6]:
        client.get(reverse("downloads:download", args=[row.uuid]))
    return rows


@pytest.mark.parametrize("model", ["downloadfile", "downloadevent"])
def test_the_back_office_lists_in_bounded_queries(
    client, vendor_admin, many_files, model, django_assert_max_num_queries
):
    """M8.2 M10"""
    client.force_login(vendor_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse(f"admin:downloads_{model}_changelist"))
    assert response.status_code == 200


def test_the_file_list_shows_human_sizes_and_filters_and_searches(client, vendor_admin, many_files, products):
    """M8.2"""
    client.force_login(vendor_admin)
    response = client.get(LIST_URL)
    assert "36\xa0octets" in response.content.decode()
    assert client.get(LIST_URL, {"product__id__exact": products["legal"].pk}).context["cl"].result_count == 4
    assert client.get(LIST_URL, {"q": "Fichier 11"}).context["cl"].result_count == 1
    assert client.get(LIST_URL, {"q": many_files[0].sha256}).context["cl"].result_count == 12


def test_the_download_log_is_read_only(client, vendor_admin, many_files):
    """M8.2"""
    client.force_login(vendor_admin)
    assert client.get(reverse("admin:downloads_downloadevent_add")).status_code == 403


@pytest.mark.parametrize("persona", ["agent", "est_admin", "support"])
def test_only_the_vendor_administrators_reach_the_back_office(client, request, persona):
    """M8.2"""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(ADD_URL).status_code == 302


def test_the_add_page_offers_the_file_field_in_a_multipart_form(admin_client):
    """M8.2"""
    html = admin_client.get(ADD_URL).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="upload"' in html

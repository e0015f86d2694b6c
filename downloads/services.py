"""Writes of the downloads area: publishing files (back office, demo) and recording downloads.

Files may weigh several gigabytes: they are never read whole. The size and the SHA-256 are
computed over ``upload.chunks()``; Django's TemporaryFileUploadHandler has already put a large
upload on disk, and FileSystemStorage then moves that temporary file in place instead of copying it.
"""

import hashlib
import mimetypes

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import client_ip, record
from support.attachments import clean_filename

from .models import DownloadEvent, DownloadFile


def file_digest(upload):
    """(size in bytes, SHA-256 hex digest) of an uploaded or stored file, read chunk by chunk."""
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return size, digest.hexdigest()


def _delete_stored(storage, name):
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def download_file_publish(download_file, *, acting_user, upload=None):
    """Save a downloadable file (new, or edited in the back office).

    With ``upload``, its content is stored under a random name (replacing any previous content,
    which is deleted once the change is committed), and its original name, size, SHA-256 and
    content type are recorded. A new file needs an upload.
    """
    created = download_file.pk is None
    if upload is None and created:
        raise ValidationError({"upload": _("Choisissez le fichier à publier.")})
    previous_name = None
    if upload is not None:
        size, sha256 = file_digest(upload)
        if size == 0:
            raise ValidationError({"upload": _("Le fichier est vide.")})
        original_name = clean_filename(upload.name or "")
        previous_name = download_file.file.name if not created else None
        download_file.original_name = original_name
        download_file.size = size
        download_file.sha256 = sha256
        download_file.content_type = mimetypes.guess_type(original_name)[0] or "application/octet-stream"
        download_file.file.save(original_name, upload, save=False)
    stored = download_file.file
    try:
        download_file.full_clean(exclude=["file"])
        download_file.save()
    except Exception:
        if upload is not None:
            stored.storage.delete(stored.name)
        raise
    if previous_name and previous_name != stored.name:
        _delete_stored(stored.storage, previous_name)
    record(
        "download_file_published" if created else "download_file_changed",
        actor=acting_user,
        target=_label(download_file),
        file=str(download_file.uuid),
        product=download_file.product.name,
        is_published=download_file.is_published,
        **({"size": download_file.size, "sha256": download_file.sha256} if upload is not None else {}),
    )
    return download_file


@transaction.atomic
def download_file_set_published(files, *, acting_user, published):
    """Show (``published=True``) or withdraw files from the portal; returns how many changed."""
    changed = 0
    chosen = DownloadFile.objects.filter(pk__in=list(files.values_list("pk", flat=True)))
    for download_file in chosen.select_related("product").select_for_update(of=("self",)):
        if download_file.is_published == published:
            continue
        download_file.is_published = published
        download_file.save(update_fields=["is_published"])
        record(
            "download_file_published" if published else "download_file_withdrawn",
            actor=acting_user,
            target=_label(download_file),
            file=str(download_file.uuid),
            product=download_file.product.name,
        )
        changed += 1
    return changed


@transaction.atomic
def download_file_delete(download_file, *, acting_user):
    """Delete a file; its stored content goes once the deletion is committed. The download log
    keeps its lines (they name the file in words)."""
    label, name, storage = _label(download_file), download_file.file.name, download_file.file.storage
    record("download_file_deleted", actor=acting_user, target=label, file=str(download_file.uuid))
    download_file.delete()
    _delete_stored(storage, name)


def download_record(download_file, *, acting_user, request=None, first_byte=None, last_byte=None):
    """Log one served download (the whole file, or the bytes first_byte..last_byte)."""
    label = _label(download_file)
    establishment = acting_user.establishment
    event = DownloadEvent.objects.create(
        user=acting_user,
        user_email=acting_user.email,
        file=download_file,
        file_label=label,
        establishment=establishment,
        ip_address=client_ip(request),
        first_byte=first_byte,
        last_byte=last_byte,
    )
    byte_range = {} if first_byte is None else {"range": event.byte_range}
    record(
        "download",
        actor=acting_user,
        request=request,
        establishment=establishment,
        target=label,
        file=str(download_file.uuid),
        product=download_file.product.name,
        **byte_range,
    )
    return event


def _label(download_file):
    return f"{download_file.product.name} — {download_file} ({download_file.original_name})"

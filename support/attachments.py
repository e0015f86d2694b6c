"""Attachment checks: size, count, and a type allow-list verified on the content, not the name."""

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from audit.services import record
from core.serving import PrivateFile, serve

# extension -> (content type sent on download, content check)
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _is_text(head):
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1252")
        except UnicodeDecodeError:
            return False
    # A byte-order mark before the markup must not hide it.
    lowered = text.lstrip().lstrip("\ufeff").lstrip().lower()
    return not lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script"))


FILE_TYPES = {
    "pdf": ("application/pdf", lambda h: h.startswith(b"%PDF-")),
    "png": ("image/png", lambda h: h.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda h: h.startswith(b"\xff\xd8\xff")),
    "gif": ("image/gif", lambda h: h.startswith((b"GIF87a", b"GIF89a"))),
    "txt": ("text/plain", _is_text),
    "log": ("text/plain", _is_text),
    "csv": ("text/csv", _is_text),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", lambda h: h.startswith(ZIP)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", lambda h: h.startswith(ZIP)),
    "odt": ("application/vnd.oasis.opendocument.text", lambda h: h.startswith(ZIP)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", lambda h: h.startswith(ZIP)),
    "zip": ("application/zip", lambda h: h.startswith(ZIP)),
    "doc": ("application/msword", lambda h: h.startswith(OLE)),
    "xls": ("application/vnd.ms-excel", lambda h: h.startswith(OLE)),
}


def allowed_extensions():
    return [ext for ext in settings.ATTACHMENT_ALLOWED_EXTENSIONS if ext in FILE_TYPES]


def clean_filename(name):
    """The name shown to people: no path, no control characters, bounded length."""
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext) if dot else name[:150]
    return name or "fichier"


def check_upload(upload):
    """Raise ValidationError (French) unless the file is acceptable; return (name, content type)."""
    name = clean_filename(upload.name)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed_extensions():
        raise ValidationError(
            _("« %(name)s » : ce type de fichier n'est pas accepté. Types acceptés : %(types)s.")
            % {"name": name, "types": ", ".join(allowed_extensions())}
        )
    if upload.size > settings.ATTACHMENT_MAX_SIZE:
        raise ValidationError(
            _("« %(name)s » dépasse la taille maximale de %(max)s.")
            % {"name": name, "max": filesizeformat(settings.ATTACHMENT_MAX_SIZE)}
        )
    if upload.size == 0:
        raise ValidationError(_("« %(name)s » est vide.") % {"name": name})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    content_type, matches = FILE_TYPES[ext]
    if not matches(head):
        raise ValidationError(
            _("« %(name)s » : son contenu ne correspond pas à un fichier .%(ext)s.") % {"name": name, "ext": ext}
        )
    return name, content_type


def check_uploads(uploads):
    if len(uploads) > settings.ATTACHMENT_MAX_COUNT:
        raise ValidationError(
            _("Vous pouvez joindre au plus %(count)s fichiers à la fois.") % {"count": settings.ATTACHMENT_MAX_COUNT}
        )
    errors, checked = [], []
    for upload in uploads:
        try:
            checked.append((upload, *check_upload(upload)))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def sha256_of(upload):
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def serve_attachment(request, attachment):
    """The response that sends ``attachment`` (already read through ``get_attachment_for_user``),
    with Range and ETag, and records its download: the page's and the API's one way."""
    return serve(
        request,
        PrivateFile(
            file=attachment.file,
            name=attachment.original_name,
            content_type=attachment.content_type,
            size=attachment.size,
            etag=attachment.sha256,
        ),
        on_served=lambda byte_range: record(
            "attachment_download",
            actor=request.user,
            request=request,
            establishment=attachment.ticket.establishment,
            target=f"{attachment.ticket.number} · {attachment.original_name}",
        ),
    )

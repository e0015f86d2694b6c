"""Serving a file the user is entitled to: streamed by Django (with HTTP Range), or handed to the
web server (``X-Accel-Redirect``) or to a short-lived signed URL of the storage (S3).

Settings (read at each request, with these defaults):
- ``DOWNLOADS_SERVE_MODE``: "django" (stream from the storage), "x-accel" (nginx serves the file
  from an ``internal`` location) or "s3" (redirect to a presigned URL).
- ``DOWNLOADS_X_ACCEL_PREFIX``: the nginx internal location mapped to MEDIA_ROOT
  ("/fichiers-proteges").
- ``DOWNLOADS_S3_URL_EXPIRE``: lifetime of a presigned URL, in seconds (60).
"""

import inspect
import logging
import re
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from .services import download_record

logger = logging.getLogger(__name__)

SERVE_MODES = ("django", "x-accel", "s3")
BLOCK_SIZE = 64 * 1024
RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.IGNORECASE)


class Unsatisfiable(Exception):
    """The requested range starts beyond the end of the file (HTTP 416)."""


def parse_range(header, size):
    """The single byte range ``header`` asks for, as inclusive (first, last), or None for the
    whole file (no header, a malformed one, another unit, or several ranges: all ignored).
    Raises Unsatisfiable when the range lies beyond the end of the file."""
    match = RANGE.fullmatch((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    first = int(first)
    if last != "" and int(last) < first:
        return None
    if first >= size:
        raise Unsatisfiable
    return first, size - 1 if last == "" else min(int(last), size - 1)


def serve_mode():
    mode = getattr(settings, "DOWNLOADS_SERVE_MODE", "django")
    return mode if mode in SERVE_MODES else "django"


def serve(request, download_file):
    """The response for a download the caller has already authorised; records it."""
    mode = serve_mode()
    if mode == "x-accel":
        return _hand_to_web_server(request, download_file)
    if mode == "s3":
        url = _presigned_url(download_file)
        if url is not None:
            _record(request, download_file, _requested_range(request, download_file.size))
            return HttpResponseRedirect(url)
    return _stream(request, download_file)


def _etag(download_file):
    return f'"{download_file.sha256}"'


def _requested_range(request, size):
    try:
        return parse_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        return None


def _record(request, download_file, byte_range):
    first, last = byte_range or (None, None)
    download_record(download_file, acting_user=request.user, request=request, first_byte=first, last_byte=last)


def _protect(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class WholeFileResponse(FileResponse):
    block_size = BLOCK_SIZE


class RangeIterator:
    """Yields bytes first..first+length-1 of an open file, block by block; closes it at the end."""

    def __init__(self, handle, first, length):
        self.handle, self.first, self.length = handle, first, length

    def __iter__(self):
        self.handle.seek(self.first)
        remaining = self.length
        while remaining > 0:
            block = self.handle.read(min(BLOCK_SIZE, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block

    def close(self):
        self.handle.close()


def _stream(request, download_file):
    stored = download_file.file
    try:
        handle = stored.storage.open(stored.name, "rb")
    except FileNotFoundError:
        logger.error("Stored content missing for download %s (%s)", download_file.uuid, stored.name)
        raise Http404("Fichier introuvable") from None
    size = handle.size
    # A resumed download whose file changed since (If-Range no longer matches) gets the whole file.
    if_range = request.headers.get("If-Range")
    range_header = None if if_range and if_range != _etag(download_file) else request.headers.get("Range")
    try:
        byte_range = parse_range(range_header, size)
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _protect(response)
    if byte_range is None:
        response = WholeFileResponse(
            handle, as_attachment=True, filename=download_file.original_name, content_type=download_file.content_type
        )
    else:
        first, last = byte_range
        response = StreamingHttpResponse(
            RangeIterator(handle, first, last - first + 1), status=206, content_type=download_file.content_type
        )
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Disposition"] = content_disposition_header(True, download_file.original_name)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = _etag(download_file)
    _record(request, download_file, byte_range)
    return _protect(response)


def _hand_to_web_server(request, download_file):
    """nginx serves the file (and its ranges) from an ``internal`` location after this check."""
    prefix = getattr(settings, "DOWNLOADS_X_ACCEL_PREFIX", "/fichiers-proteges").rstrip("/")
    response = HttpResponse(content_type=download_file.content_type)
    response["X-Accel-Redirect"] = f"{prefix}/{quote(download_file.file.name)}"
    response["Content-Disposition"] = content_disposition_header(True, download_file.original_name)
    _record(request, download_file, _requested_range(request, download_file.size))
    return _protect(response)


def _presigned_url(download_file):
    """A short-lived signed URL from a storage whose ``url()`` takes ``parameters`` and ``expire``
    (django-storages' S3Storage), or None (logged) when the storage cannot sign one."""
    storage = download_file.file.storage
    url = getattr(storage, "url", None)
    try:
        accepted = inspect.signature(url).parameters if url else {}
    except (TypeError, ValueError):
        accepted = {}
    if "parameters" not in accepted or "expire" not in accepted:
        logger.warning(
            "DOWNLOADS_SERVE_MODE is « s3 » but %s cannot sign URLs: the file is streamed by Django.",
            type(storage).__name__,
        )
        return None
    return url(
        download_file.file.name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(True, download_file.original_name),
            "ResponseContentType": download_file.content_type,
            "ResponseCacheControl": "private, no-store",
        },
        expire=int(getattr(settings, "DOWNLOADS_S3_URL_EXPIRE", 60)),
    )

"""Serving a private file after the caller checked the right to it.

Attachments and downloads both come through here. Three modes (setting ``FILE_SERVE_MODE``):
- "django": streamed from the storage by the application, with HTTP Range (resume);
- "x-accel": handed to nginx (``X-Accel-Redirect`` to an ``internal`` location mapped to
  MEDIA_ROOT, ``FILE_X_ACCEL_PREFIX``), which serves the bytes and the ranges itself;
- "s3": a redirect to a short-lived signed URL of the object store (``FILE_URL_EXPIRE``
  seconds), carrying the download name and ``no-store``.
Every response says ``attachment``, ``nosniff``, ``private, no-store`` and carries the portal's
Content-Security-Policy with ``sandbox`` (ASVS 12.5.2: a file opened in the browser anyway runs no
script, submits no form, has an opaque origin):
- "django": set here;
- "x-accel": nginx does not pass an upstream's CSP or nosniff on through an internal redirect, so the
  shipped ``/fichiers-proteges/`` location adds both itself (deploy/nginx/espace-clients.conf);
- "s3": a signed URL can only override the headers S3 lets a request override (``response-content-
  type``, ``-disposition``, ``-cache-control``, ``-expires``, ``-language``, ``-encoding``): S3 cannot
  be made to send Content-Security-Policy or X-Content-Type-Options. The shipped nginx server that
  fronts the bucket (``fichiers.…``, S3_PUBLIC_ENDPOINT_URL) adds them; a bucket reached without it
  serves the file with ``attachment`` and the type recorded, without the sandbox.
"""

import inspect
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SERVE_MODES = ("django", "x-accel", "s3")
BLOCK_SIZE = 64 * 1024
RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.IGNORECASE)


@dataclass
class PrivateFile:
    file: FieldFile
    name: str  # the name the browser saves it under
    content_type: str
    size: int
    etag: str = ""  # a strong validator (the SHA-256), for If-Range


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
    mode = settings.FILE_SERVE_MODE
    return mode if mode in SERVE_MODES else "django"


def requested_range(request, size):
    try:
        return parse_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        return None


def serve(request, private_file, *, on_served=None):
    """The response for a file the caller has already authorised.

    ``on_served(byte_range)`` is called once the response is decided (to record the download);
    ``byte_range`` is (first, last) or None for the whole file.
    """
    on_served = on_served or (lambda byte_range: None)
    mode = serve_mode()
    if mode == "x-accel":
        on_served(requested_range(request, private_file.size))
        return _hand_to_web_server(private_file)
    if mode == "s3":
        url = _presigned_url(private_file)
        if url is not None:
            on_served(requested_range(request, private_file.size))
            return HttpResponseRedirect(url)
    return _stream(request, private_file, on_served)


def _protect(response):
    response["X-Content-Type-Options"] = "nosniff"
    response._csp_update = {"sandbox": True}  # the portal's policy, plus sandbox (csp.middleware)
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


def _stream(request, private_file, on_served):
    stored = private_file.file
    try:
        handle = stored.storage.open(stored.name, "rb")
    except FileNotFoundError:
        logger.error("Stored content missing: %s", stored.name)
        raise Http404("Fichier introuvable") from None
    size = handle.size
    etag = f'"{private_file.etag}"' if private_file.etag else ""
    # A resumed download whose file changed since (If-Range no longer matches) gets the whole file.
    if_range = request.headers.get("If-Range")
    range_header = None if if_range and if_range != etag else request.headers.get("Range")
    try:
        byte_range = parse_range(range_header, size)
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _protect(response)
    if byte_range is None:
        response = WholeFileResponse(
            handle, as_attachment=True, filename=private_file.name, content_type=private_file.content_type
        )
    else:
        first, last = byte_range
        response = StreamingHttpResponse(
            RangeIterator(handle, first, last - first + 1), status=206, content_type=private_file.content_type
        )
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Disposition"] = content_disposition_header(True, private_file.name)
    response["Accept-Ranges"] = "bytes"
    if etag:
        response["ETag"] = etag
    on_served(byte_range)
    return _protect(response)


def _hand_to_web_server(private_file):
    """nginx serves the file (and its ranges) from an ``internal`` location after this check."""
    prefix = settings.FILE_X_ACCEL_PREFIX.rstrip("/")
    response = HttpResponse(content_type=private_file.content_type)
    response["X-Accel-Redirect"] = f"{prefix}/{quote(private_file.file.name)}"
    response["Content-Disposition"] = content_disposition_header(True, private_file.name)
    return _protect(response)


@lru_cache(maxsize=4)
def _public_signer(backend, public_endpoint):
    """The default storage as browsers reach it: the same bucket and keys, the public endpoint.
    Signing is computed locally; this storage never connects anywhere."""
    options = {**settings.STORAGES["default"].get("OPTIONS", {}), "endpoint_url": public_endpoint}
    return import_string(backend)(**options)


def _signing_storage(storage):
    public = getattr(settings, "S3_PUBLIC_ENDPOINT_URL", "")
    backend = settings.STORAGES["default"]["BACKEND"]
    if public and isinstance(storage, import_string(backend)) and hasattr(storage, "bucket_name"):
        return _public_signer(backend, public)
    return storage


def _presigned_url(private_file):
    """A short-lived signed URL from a storage whose ``url()`` takes ``parameters`` and ``expire``
    (django-storages' S3Storage), or None (logged) when the storage cannot sign one. With
    S3_PUBLIC_ENDPOINT_URL, the URL names the public endpoint, not the portal's internal one."""
    storage = _signing_storage(private_file.file.storage)
    url = getattr(storage, "url", None)
    try:
        accepted = inspect.signature(url).parameters if url else {}
    except (TypeError, ValueError):
        accepted = {}
    if "parameters" not in accepted or "expire" not in accepted:
        logger.warning("FILE_SERVE_MODE is « s3 » but %s cannot sign URLs: streamed by Django.", type(storage).__name__)
        return None
    return url(
        private_file.file.name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(True, private_file.name),
            "ResponseContentType": private_file.content_type,
            "ResponseCacheControl": "private, no-store",
        },
        expire=int(settings.FILE_URL_EXPIRE),
    )

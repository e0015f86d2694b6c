"""A download the caller is entitled to, served by core.serving and recorded."""

from core.serving import PrivateFile
from core.serving import serve as serve_private_file

from .services import download_record


def serve(request, download_file):
    def record(byte_range):
        first, last = byte_range or (None, None)
        download_record(download_file, acting_user=request.user, request=request, first_byte=first, last_byte=last)

    private_file = PrivateFile(
        file=download_file.file,
        name=download_file.original_name,
        content_type=download_file.content_type,
        size=download_file.size,
        etag=download_file.sha256,
    )
    return serve_private_file(request, private_file, on_served=record)

"""Small real files for the demo data: a one-page PDF, text and log files, a zip archive."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf(*lines):
    """A small valid one-page PDF showing the given lines (Latin-1 characters only: no « € »)."""
    escaped = (line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines)
    text = " ".join(f"({line}) Tj 0 -18 Td" for line in escaped)
    content = f"BT /F1 12 Tf 56 780 Td {text} ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def log(*lines):
    return ("\n".join(lines) + "\n").encode()


def text(*lines):
    """A text file with Windows line endings, as the vendor's release notes are written."""
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def archive(files):
    """A zip archive of {name: bytes}, with a fixed date so that its checksum never changes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, content in files.items():
            zipped.writestr(zipfile.ZipInfo(name, date_time=(2026, 4, 1, 8, 0, 0)), content)
    return buffer.getvalue()


def uploads(builders, names):
    """Uploaded files named ``names``, their content built by ``builders[name]()``."""
    return [SimpleUploadedFile(name, builders[name]()) for name in names]

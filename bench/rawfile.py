"""The download's reference: gunicorn serving one file through ``wsgi.file_wrapper``, with no
Django at all (``gunicorn bench.rawfile:application``, file named by BENCH_RAW_FILE)."""

import os


def application(environ, start_response):
    path = os.environ["BENCH_RAW_FILE"]
    if environ.get("PATH_INFO") != "/fichier":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    handle = open(path, "rb")  # noqa: SIM115 (closed by the server through the wrapper)
    size = os.fstat(handle.fileno()).st_size
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/zip"),
            ("Content-Length", str(size)),
            ("Content-Disposition", 'attachment; filename="paquet.zip"'),
        ],
    )
    return environ["wsgi.file_wrapper"](handle, 64 * 1024)

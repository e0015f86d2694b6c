"""HTTP Range on downloads (SPEC M6: a download can be resumed): one range → 206 with exactly
those bytes, beyond the end → 416, malformed or several ranges → the whole file (200)."""

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from core.serving import BLOCK_SIZE, Unsatisfiable, parse_range
from downloads.models import DownloadEvent
from testing.downloads import ALPHABET, publish


@pytest.fixture
def guide(files):
    return files["indeline_new"]


@pytest.fixture
def get(client, agent, guide):
    client.force_login(agent)

    def get(range_header, **headers):
        return client.get(reverse("downloads:download", args=[guide.uuid]), HTTP_RANGE=range_header, **headers)

    return get


@pytest.mark.parametrize(
    "header, first, last",
    [("bytes=0-9", 0, 9), ("bytes=10-", 10, 35), ("bytes=-5", 31, 35), ("bytes=30-99", 30, 35), ("bytes=7-7", 7, 7)],
)
def test_a_single_range_is_206_with_exactly_those_bytes(get, guide, header, first, last):
    """M6"""
    response = get(header)
    assert response.status_code == 206
    assert response.streaming
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == ALPHABET[first : last + 1]
    assert response["Content-Range"] == f"bytes {first}-{last}/36"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Content-Disposition"] == 'attachment; filename="guide.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Accept-Ranges"] == "bytes"


def test_the_range_served_is_recorded(get, guide):
    """M6"""
    b"".join(get("bytes=10-").streaming_content)
    event = DownloadEvent.objects.get()
    assert (event.first_byte, event.last_byte, event.byte_range) == (10, 35, "10-35")


@pytest.mark.parametrize("header", ["bytes=36-", "bytes=100-200", "bytes=-0"])
def test_a_range_beyond_the_end_is_416(get, header):
    """M6"""
    response = get(header)
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */36"
    assert response.content == b""
    assert not DownloadEvent.objects.exists()


@pytest.mark.parametrize(
    "header", ["bytes=abc", "bytes=9-2", "bytes=0-1,4-5", "items=0-9", "bytes=-", "bytes 0-9", "bytes=0x1-2"]
)
def test_a_malformed_or_multiple_range_is_ignored(get, header):
    """M6"""
    response = get(header)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ALPHABET
    assert "Content-Range" not in response


def test_a_resume_honours_the_range_while_the_file_is_unchanged(get, guide):
    """M6: If-Range carries the ETag (the SHA-256) the client got with the first bytes."""
    response = get("bytes=30-", HTTP_IF_RANGE=f'"{guide.sha256}"')
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == ALPHABET[30:]


def test_a_resume_after_the_file_changed_gets_the_whole_new_file(get):
    """M6"""
    response = get("bytes=30-", HTTP_IF_RANGE='"' + "0" * 64 + '"')
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ALPHABET


def test_a_large_range_is_streamed_block_by_block(client, agent, products):
    """M6: the range is read from the storage in blocks, never whole."""
    content = bytes(range(256)) * (3 * BLOCK_SIZE // 256)
    package = publish(products["software"], "Package", content=content)
    client.force_login(agent)
    response = client.get(reverse("downloads:download", args=[package.uuid]), HTTP_RANGE="bytes=100-")
    blocks = list(response.streaming_content)
    assert len(blocks) == 3
    assert max(len(block) for block in blocks) <= BLOCK_SIZE
    assert b"".join(blocks) == content[100:]


@pytest.mark.parametrize(
    "header, size, expected",
    [
        (None, 10, None),
        ("", 10, None),
        ("bytes=0-0", 10, (0, 0)),
        ("BYTES=2-4", 10, (2, 4)),
        ("bytes=-20", 10, (0, 9)),
        ("bytes=5-", 10, (5, 9)),
        ("bytes=5-1000", 10, (5, 9)),
        ("bytes=5-4", 10, None),
        ("bytes=1-2, 5-6", 10, None),
    ],
)
def test_parse_range(header, size, expected):
    """M6"""
    assert parse_range(header, size) == expected


@pytest.mark.parametrize("header, size", [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=-5", 0), ("bytes=0-", 0)])
def test_parse_range_unsatisfiable(header, size):
    """M6"""
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)

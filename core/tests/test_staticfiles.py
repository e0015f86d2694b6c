"""core.staticfiles: whitenoise's manifest storage, each file's URL worked out once per process."""

import json
from unittest import mock

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from core.staticfiles import RememberedStaticFilesStorage


@pytest.fixture
def storages(tmp_path, settings):
    settings.DEBUG = False
    manifest = {"paths": {"portal/portal.css": "portal/portal.0123abcd.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    options = {"location": str(tmp_path), "base_url": "/static/"}
    return RememberedStaticFilesStorage(**options), CompressedManifestStaticFilesStorage(**options)


def test_a_url_is_whitenoise_s_and_worked_out_once(storages):
    """M10"""
    ours, whitenoise_s = storages
    assert (
        ours.url("portal/portal.css") == whitenoise_s.url("portal/portal.css") == "/static/portal/portal.0123abcd.css"
    )
    with mock.patch.object(CompressedManifestStaticFilesStorage, "url", side_effect=AssertionError):
        assert ours.url("portal/portal.css") == "/static/portal/portal.0123abcd.css"


def test_a_name_missing_from_the_manifest_raises_every_time(storages):
    """M10: as whitenoise's storage does (manifest_strict)"""
    ours, _ = storages
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            ours.url("portal/absent.css")


def test_debug_and_force_work_it_out_each_time(storages, settings):
    """M10"""
    ours, _ = storages
    ours.url("portal/portal.css")
    with mock.patch.object(CompressedManifestStaticFilesStorage, "url", return_value="/worked-out") as worked_out:
        assert ours.url("portal/portal.css", force=True) == "/worked-out"
        settings.DEBUG = True
        assert ours.url("portal/portal.css") == "/worked-out"
    assert worked_out.call_count == 2

"""The demo downloads (issue 4, point 11): small real files for each product, loaded once."""

import zipfile

import pytest

from demo import base as base_demo
from demo import downloads as demo
from downloads.models import DownloadFile


@pytest.fixture
def demo_data(db):
    base_demo.load()
    return demo.load()


def test_it_publishes_real_files_for_each_product(demo_data):
    """M6"""
    assert demo_data["downloads_created"] == len(demo.FILES)
    assert set(DownloadFile.objects.values_list("product__name", flat=True)) == {"Indeline", "Winpaie", "Juridem"}
    guide = DownloadFile.objects.get(name="Guide de démarrage Indeline")
    with guide.file.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"
    assert guide.content_type == "application/pdf"
    package = DownloadFile.objects.get(product__name="Winpaie", original_name__endswith=".zip")
    with package.file.open("rb") as stored, zipfile.ZipFile(stored) as archive:
        assert "winpaie-2026.4/LISEZMOI.txt" in archive.namelist()
    for product in ("Indeline", "Winpaie", "Juridem"):
        assert DownloadFile.objects.filter(product__name=product, original_name__endswith=".txt").exists()


def test_loading_twice_creates_nothing_more(demo_data):
    """M6"""
    assert demo.load() == {"downloads_created": 0}
    assert DownloadFile.objects.count() == len(demo.FILES)


def test_the_demo_ehpad_sees_no_indeline_file(client, demo_data):
    """M6: its Indeline contract ended in 2023."""
    from accounts.models import User

    client.force_login(User.objects.get(email="agent@ehpad-demo.example"))
    names = [product.name for product in client.get("/telechargements/").context["products"]]
    assert names == ["Winpaie"]

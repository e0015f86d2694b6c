from datetime import date

import pytest

from testing.downloads import end_contract, publish


@pytest.fixture
def files(products):
    """Published files of the three products (Indeline twice), and one withdrawn Indeline file.

    In the shared personas, « Centre Hospitalier Alpha » (est_a) holds active contracts on
    Indeline and Juridem and an expired one on Winpaie."""
    return {
        "indeline_old": publish(
            products["software"], "Notes de version", version="2025.4", published_on=date(2025, 10, 6)
        ),
        "indeline_new": publish(products["software"], "Guide de démarrage", version="2026.1", filename="guide.pdf"),
        "winpaie": publish(products["software2"], "Package Winpaie", version="2026.4", filename="winpaie.zip"),
        "juridem": publish(products["legal"], "Guide Juridem", version="2026", published_on=date(2026, 2, 2)),
        "withdrawn": publish(products["software"], "Ancien package", version="2019", is_published=False),
    }


@pytest.fixture
def ehpad_indeline_expired(est_b, products):
    """« EHPAD Bêta » (est_b): its Indeline contract has expired; Juridem is still in force."""
    end_contract(est_b, products["software"])
    return est_b

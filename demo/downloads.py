"""Demo downloads: small real files for each demo product (idempotent)."""

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import User
from downloads.models import DownloadFile
from downloads.services import download_file_publish
from establishments.models import Product

from .files import archive, pdf, text

DEMO_PUBLISHER = "superviseur@cegape.example"


WINPAIE_NOTES = text(
    "Winpaie 2026.4 - notes de version",
    "",
    "Nouveautés",
    "- Taux de cotisation CNRACL et IRCANTEC au 1er janvier 2026.",
    "- DSN : contrôle du dispositif de politique publique (rubrique S21.G00.40.008).",
    "- Bulletin : affichage du net social.",
    "",
    "Corrections",
    "- Chargement lent de l'historique des cotisations (index manquant sur HIST_COT).",
    "",
    "Installation : voir le fichier LISEZMOI.txt du package.",
)

# (product, name, version, published on, description, file name, content builder)
FILES = [
    (
        "Indeline",
        "Guide de démarrage Indeline",
        "2026.1",
        date(2026, 1, 15),
        "Premiers pas : connexion, paramétrage de l'exercice, saisie d'un engagement et d'un mandat.",
        "guide-demarrage-indeline-2026.1.pdf",
        lambda: pdf(
            "Guide de démarrage Indeline 2026.1",
            "1. Se connecter avec son identifiant",
            "2. Choisir l'exercice et le budget",
            "3. Saisir un engagement, puis le mandat correspondant",
            "4. Transmettre le bordereau au comptable (PES)",
        ),
    ),
    (
        "Indeline",
        "Notes de version Indeline",
        "2026.1",
        date(2026, 1, 15),
        "Nouveautés et corrections de la version 2026.1.",
        "notes-de-version-indeline-2026.1.txt",
        lambda: text(
            "Indeline 2026.1 - notes de version",
            "",
            "- Nomenclature M21 : mise à jour 2026.",
            "- PES V2 : nouveaux codes rejet du comptable affichés en clair.",
            "- Correction : connexion à la base de recette après changement de serveur.",
        ),
    ),
    (
        "Indeline",
        "Notes de version Indeline",
        "2025.4",
        date(2025, 10, 6),
        "Nouveautés et corrections de la version 2025.4.",
        "notes-de-version-indeline-2025.4.txt",
        lambda: text(
            "Indeline 2025.4 - notes de version",
            "",
            "- Clôture de l'exercice : état des restes à réaliser.",
            "- Correction : export des mandats au format tableur.",
        ),
    ),
    (
        "Winpaie",
        "Package d'installation Winpaie",
        "2026.4",
        date(2026, 4, 1),
        "Mise à jour à installer sur le serveur d'application, puis sur chaque poste. Lisez LISEZMOI.txt d'abord.",
        "winpaie-2026.4.zip",
        lambda: archive(
            {
                "winpaie-2026.4/LISEZMOI.txt": text(
                    "Winpaie 2026.4 - installation",
                    "1. Sauvegardez la base WINPAIE_PROD.",
                    "2. Sur le serveur : lancez installer-serveur.cmd en administrateur.",
                    "3. Sur chaque poste : lancez installer-poste.cmd.",
                ),
                "winpaie-2026.4/NOTES-DE-VERSION.txt": WINPAIE_NOTES,
                "winpaie-2026.4/installer-serveur.cmd": text("@echo off", "echo Mise a jour Winpaie 2026.4 (demo)"),
                "winpaie-2026.4/installer-poste.cmd": text("@echo off", "echo Poste Winpaie 2026.4 (demo)"),
            }
        ),
    ),
    (
        "Winpaie",
        "Notes de version Winpaie",
        "2026.4",
        date(2026, 4, 1),
        "Taux de cotisation 2026, contrôles DSN et corrections.",
        "notes-de-version-winpaie-2026.4.txt",
        lambda: WINPAIE_NOTES,
    ),
    (
        "Juridem",
        "Guide d'utilisation du service Juridem",
        "2026",
        date(2026, 2, 2),
        "Comment poser une question statutaire, délais de réponse et pièces à joindre.",
        "guide-juridem-2026.pdf",
        lambda: pdf(
            "Juridem - guide d'utilisation 2026",
            "Poser une question : déposer une DI sur le contrat Juridem",
            "Joindre l'arrêté ou le contrat concerné",
            "Délai de réponse habituel : 5 jours ouvrés",
        ),
    ),
    (
        "Juridem",
        "Notes de version Juridem",
        "2026",
        date(2026, 2, 2),
        "Ce qui change pour le service en 2026.",
        "notes-juridem-2026.txt",
        lambda: text(
            "Juridem 2026 - ce qui change",
            "",
            "- Fiches pratiques mises à jour : temps partiel thérapeutique, rupture conventionnelle.",
            "- Permanence téléphonique le mardi matin.",
        ),
    ),
]


@transaction.atomic
def load():
    """Publish the demo files of each product that exists; leave those already there as they are."""
    publisher = User.objects.filter(email=DEMO_PUBLISHER).first()
    products = {product.name: product for product in Product.objects.filter(name__in={row[0] for row in FILES})}
    created = 0
    for product_name, name, version, published_on, description, file_name, build in FILES:
        product = products.get(product_name)
        if product is None or DownloadFile.objects.filter(product=product, name=name, version=version).exists():
            continue
        download_file_publish(
            DownloadFile(
                product=product, name=name, version=version, published_on=published_on, description=description
            ),
            acting_user=publisher,
            upload=ContentFile(build(), name=file_name),
        )
        created += 1
    return {"downloads_created": created}

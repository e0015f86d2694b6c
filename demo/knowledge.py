"""Demo articles of the knowledge base for Indeline, Winpaie and Juridem (idempotent), written
through knowledge.services as the back office does; one carries an image, one stays a draft."""

import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from establishments.models import Product
from knowledge.models import Article
from knowledge.services import article_file_add, article_save

DEMO_AUTHOR = "superviseur@cegape.example"
PUBLISHED, DRAFT = Article.Status.PUBLISHED, Article.Status.DRAFT

# (product, title, tags, from version, to version, status, body)
ARTICLES = [
    (
        "Winpaie",
        "Les bulletins de paie restent bloqués à l'édition",
        "paie, bulletin, édition, PDF",
        "2025.1",
        "",
        PUBLISHED,
        """Après une mise à jour, l'édition des bulletins peut rester bloquée à 0 % pour tous les agents.

## Cause

Le dossier d'édition du serveur est plein ou n'est plus accessible en écriture.

## Solution

1. Ouvrez **Paramètres › Éditions** et notez le *dossier d'édition*.
2. Videz les fichiers temporaires de plus de 30 jours de ce dossier.
3. Relancez l'édition depuis **Paie › Bulletins › Éditer**.

Si l'édition reste bloquée, joignez à votre DI le journal `winpaie-edition.log`.""",
    ),
    (
        "Winpaie",
        "Le fichier DSN est rejeté par net-entreprises",
        "DSN, déclaration, rejet, net-entreprises",
        "2024.2",
        "",
        PUBLISHED,
        """Un rejet « bloquant » empêche le dépôt de la DSN mensuelle.

## Lire le compte rendu

Le compte rendu de net-entreprises donne la **rubrique** en cause (par exemple `S21.G00.40.008`).

| Rubrique | Cause fréquente | Où corriger |
|---|---|---|
| S21.G00.40.008 | dispositif de politique publique absent | fiche agent › contrat |
| S21.G00.78.004 | base de cotisation négative | rappels du mois |

Corrigez la fiche, générez à nouveau la DSN puis déposez-la avant l'échéance.""",
    ),
    (
        "Winpaie",
        "Appliquer les nouveaux taux de cotisation au 1er janvier",
        "cotisations, CNRACL, IRCANTEC, taux",
        "2026.4",
        "",
        PUBLISHED,
        """La version 2026.4 contient les taux CNRACL et IRCANTEC du 1er janvier.

- Installez la mise à jour (rubrique **Téléchargements**).
- Vérifiez dans **Paramètres › Cotisations** que la date d'effet est le 01/01.
- Calculez une paie de test avant la paie réelle.""",
    ),
    (
        "Winpaie",
        "Calculer le net social sur le bulletin",
        "bulletin, net social",
        "2026.1",
        "",
        DRAFT,
        """Brouillon en cours de relecture : le net social apparaît sous le net à payer.""",
    ),
    (
        "Indeline",
        "Un mandat est rejeté par le comptable (PES V2)",
        "PES, mandat, rejet, comptable",
        "2025.1",
        "",
        PUBLISHED,
        """Le comptable public rejette un mandat transmis par flux PES V2.

## Retrouver le motif

Ouvrez **Exécution › Flux PES › Acquittements** : le code rejet est affiché en clair depuis la
version 2026.1.

## Corriger

- *Pièce justificative manquante* : joignez-la au mandat puis transmettez à nouveau le bordereau.
- *Imputation erronée* : annulez le mandat, saisissez-en un nouveau sur la bonne imputation.

![Écran des acquittements PES](fichier:acquittements.png)""",
    ),
    (
        "Indeline",
        "Clôturer l'exercice comptable",
        "exercice, clôture, budget",
        "",
        "",
        PUBLISHED,
        """Avant la clôture de l'exercice :

1. Vérifiez qu'aucun engagement n'est en attente de mandatement.
2. Éditez la balance et le compte administratif provisoire.
3. Lancez **Exercice › Clôturer**, puis ouvrez l'exercice suivant.

Les reports de crédits sont repris automatiquement.""",
    ),
    (
        "Indeline",
        "Se connecter après le changement de mot de passe du domaine",
        "connexion, mot de passe, identifiant",
        "",
        "2025.4",
        PUBLISHED,
        """Depuis le changement du mot de passe du compte de service, Indeline affiche « Connexion
impossible ». Saisissez le nouveau mot de passe dans **Administration › Connexion à la base**,
puis redémarrez le service Indeline.""",
    ),
    (
        "Juridem",
        "Les congés de maladie ordinaire d'un agent contractuel",
        "congés, maladie, contractuel, statut",
        "",
        "",
        PUBLISHED,
        """Un agent contractuel a droit, après quatre mois de services, à un mois de congé de maladie
à plein traitement et un mois à demi-traitement ; ces durées augmentent avec l'ancienneté.

> Vérifiez l'ancienneté à la date du premier arrêt, pas à la date de la demande.

Pour un cas particulier, déposez une DI sur votre contrat **Juridem** en joignant le contrat de
l'agent.""",
    ),
    (
        "Juridem",
        "Rédiger un arrêté de mise en disponibilité",
        "arrêté, disponibilité, carrière",
        "",
        "",
        PUBLISHED,
        """L'arrêté vise la demande de l'agent, les textes applicables et précise la durée et le motif
de la disponibilité. Un modèle est disponible dans la rubrique **Téléchargements** de Juridem.""",
    ),
]

IMAGE = "acquittements.png"


def png(width=24, height=12):
    """A small real PNG (a grey band on white), built without an imaging library."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + (b"\xcc\xcc\xcc" if 4 <= y < 8 else b"\xff\xff\xff") * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@transaction.atomic
def load():
    """The demo articles that do not exist yet (by product and title)."""
    author = User.objects.filter(email=DEMO_AUTHOR).first()
    products = {product.name: product for product in Product.objects.filter(name__in={a[0] for a in ARTICLES})}
    created = 0
    for product_name, title, tags, version_from, version_to, status, body in ARTICLES:
        product = products.get(product_name)
        if product is None or Article.objects.filter(product=product, title=title).exists():
            continue
        article = article_save(
            Article(
                product=product,
                title=title,
                tags=tags,
                version_from=version_from,
                version_to=version_to,
                status=status,
                body=body,
            ),
            acting_user=author,
        )
        marker = f"fichier:{IMAGE}"
        if marker in body:
            stored = article_file_add(article, SimpleUploadedFile(IMAGE, png()), acting_user=author)
            article.body = body.replace(marker, reverse("knowledge:file", args=[stored.uuid]))
            article_save(article, acting_user=author)
        created += 1
    return {"articles_created": created}

"""French support text for the benchmark's data set: subjects, descriptions and messages built
from a vocabulary of the trade (payroll, accounting, public procurement, civil registry,
hospital admissions...), so that full-text search meets the word frequencies of a real desk.

Sentences are assembled once into pools (a few tens of thousands); each row then picks a few of
them, which keeps the generation of five million messages to seconds of Python.
"""

import random

MODULES = [
    "paie", "DSN", "congés", "absences", "comptabilité", "budget", "marchés publics", "état civil",
    "élections", "facturation", "GED", "planning", "gestion des lits", "admissions", "pharmacie",
    "dossier patient", "ressources humaines", "carrières", "formation", "régie", "trésorerie",
    "inventaire", "immobilisations", "recrutement", "frais de déplacement", "médecine du travail",
    "restauration scolaire", "urbanisme", "cimetière", "recensement", "courrier", "délibérations",
    "subventions", "taxe de séjour", "action sociale", "astreintes", "temps de travail",
    "gestion des stocks", "facturation hospitalière", "identitovigilance",
]  # fmt: skip

OBJECTS = [
    "le bulletin de paie", "l'export comptable", "le mandat", "le titre de recette", "le bordereau",
    "le fichier DSN", "l'état des charges", "l'attestation employeur", "l'arrêté", "la facture",
    "le bon de commande", "l'engagement", "le tableau de bord", "l'édition PDF", "la requête",
    "l'import des écritures", "le relevé d'identité bancaire", "le planning de garde", "la fiche agent",
    "l'acte de naissance", "la liste électorale", "le registre des délibérations", "la convention",
    "le certificat administratif", "le journal des opérations", "la balance comptable",
    "le compte administratif", "la déclaration préalable", "le contrat de travail", "l'avenant",
    "la prime de service", "le compte épargne-temps", "l'ordre de mission", "la note de frais",
    "le dossier de consultation", "la pièce justificative", "le flux PES", "l'état liquidatif",
    "la régularisation", "le prélèvement à la source", "le taux de cotisation", "la nomenclature",
    "le mouvement de stock", "la fiche de poste", "le bon de livraison", "l'échéancier",
    "le rapprochement bancaire", "la séance du conseil", "le passeport", "la carte d'identité",
]  # fmt: skip

PROBLEMS = [
    "reste bloqué", "affiche un message d'erreur", "ne se génère plus", "est rejeté par la plateforme",
    "sort avec des montants erronés", "prend plusieurs minutes", "plante à l'ouverture",
    "n'apparaît pas dans la liste", "est incomplet", "contient des doublons", "ne s'imprime pas",
    "est refusé par le comptable public", "affiche des dates incohérentes", "ne se met pas à jour",
    "provoque une déconnexion", "n'est pas transmis", "ne tient pas compte du paramétrage",
    "calcule un reliquat faux", "est illisible", "perd les accents",
]  # fmt: skip

CONTEXTS = [
    "depuis la mise à jour", "depuis ce matin", "lors de la clôture mensuelle", "sur le poste de l'accueil",
    "pour tous les agents", "uniquement en environnement de test", "après l'installation du correctif",
    "pour le mois de mars", "en fin d'exercice", "à chaque tentative", "pour les contractuels",
    "sur les postes en télétravail", "depuis le changement de serveur", "pour le budget annexe",
    "lors de la paie de décembre", "pour une partie des agents", "avec le navigateur Firefox",
    "depuis la nouvelle version", "lors de l'envoi mensuel", "pour les titulaires à temps partiel",
]  # fmt: skip

CLIENT_SENTENCES = [
    "Bonjour, {object} {problem} {context}.",
    "{Object} {problem} dans le module {module}.",
    "Le message indique : « {error} ».",
    "Nous avons redémarré le poste sans succès.",
    "Pouvez-vous nous aider rapidement, l'échéance approche ?",
    "Le problème touche {count} agents de notre service.",
    "Merci de nous rappeler dans la journée.",
    "Nous avons vérifié le paramétrage du module {module} sans trouver d'anomalie.",
    "Vous trouverez une capture d'écran en pièce jointe.",
    "La même opération fonctionnait le mois dernier.",
    "Le comptable public nous relance à ce sujet.",
    "Nous ne pouvons plus valider {object}.",
    "Est-il possible d'obtenir une procédure pour {object} ?",
    "Merci pour votre retour, le problème est résolu de notre côté.",
    "Le problème persiste malgré la manipulation proposée.",
    "Nous confirmons que {object} {problem} encore {context}.",
]  # fmt: skip

SUPPORT_SENTENCES = [
    "Bonjour, nous avons bien reçu votre demande concernant {object}.",
    "Pouvez-vous nous transmettre une capture d'écran du message d'erreur ?",
    "Le correctif {version} corrige ce comportement : nous vous invitons à l'installer.",
    "Nous avons reproduit le problème sur notre plateforme de test.",
    "Vérifiez le paramétrage du module {module} dans l'administration.",
    "Une intervention à distance est planifiée pour demain matin.",
    "Le service développement analyse le fichier transmis.",
    "Il s'agit d'une anomalie connue, corrigée dans la version {version}.",
    "Pouvez-vous préciser le nom de l'agent concerné et la période ?",
    "Nous avons régénéré {object} : merci de vérifier de votre côté.",
    "La procédure est décrite dans la documentation du module {module}.",
    "Nous vous proposons de clôturer la demande, le correctif étant installé.",
    "Après analyse, {object} {problem} à cause d'un paramétrage incomplet.",
    "Merci de relancer le traitement {context}.",
]  # fmt: skip

ERRORS = [f"Erreur {code} : {label}" for code, label in zip(
    range(1001, 1061),
    [
        "rubrique inconnue", "compte inexistant", "exercice clôturé", "droits insuffisants", "fichier verrouillé",
        "montant négatif interdit", "date hors période", "matricule en double", "échec de la signature",
        "délai dépassé", "serveur indisponible", "format invalide", "certificat expiré", "séquence rompue",
        "tiers introuvable", "imputation incorrecte", "quota atteint", "référence absente", "taux inconnu",
        "profil incomplet",
    ] * 3,
    strict=True,
)]  # fmt: skip

SUBJECTS = [
    "{Object} {problem}",
    "Problème sur {object}",
    "Question sur le module {module}",
    "Erreur lors de l'édition : {object}",
    "Demande de paramétrage du module {module}",
    "{Object} {problem} {context}",
    "Blocage du module {module}",
    "Anomalie de calcul sur {object}",
]  # fmt: skip


def _fill(template, rng):
    obj = rng.choice(OBJECTS)
    return template.format(
        object=obj,
        Object=obj[0].upper() + obj[1:],
        problem=rng.choice(PROBLEMS),
        context=rng.choice(CONTEXTS),
        module=rng.choice(MODULES),
        error=rng.choice(ERRORS),
        version=f"{rng.randint(2021, 2026)}.{rng.randint(1, 12)}.{rng.randint(0, 9)}",
        count=rng.randint(2, 60),
    )


class Pools:
    """Sentence pools, seeded: the same scale gives the same text."""

    def __init__(self, seed=2026, size=20_000):
        rng = random.Random(seed)
        self.rng = rng
        self.subjects = [_fill(rng.choice(SUBJECTS), rng)[:200] for _ in range(size // 4)]
        self.client = [_fill(rng.choice(CLIENT_SENTENCES), rng) for _ in range(size)]
        self.support = [_fill(rng.choice(SUPPORT_SENTENCES), rng) for _ in range(size)]

    def subject(self):
        return self.rng.choice(self.subjects)

    def description(self):
        return " ".join(self.rng.choices(self.client, k=self.rng.randint(2, 4)))

    def client_message(self):
        return " ".join(self.rng.choices(self.client, k=self.rng.randint(1, 3)))

    def support_message(self):
        return " ".join(self.rng.choices(self.support, k=self.rng.randint(1, 3)))

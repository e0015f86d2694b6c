"""Writes on trainings: « Valider la formation » (SPEC M8.3)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import user_invite
from audit.services import record

from .models import Participant, Training

Outcome = Participant.Outcome


@dataclass
class Plan:
    """What validating does for one participant: the outcome and the sentence that explains it."""

    participant: Participant
    account: User | None
    outcome: str
    message: str

    @property
    def outcome_label(self):
        return Outcome(self.outcome).label


@dataclass
class TrainingValidation:
    training: Training
    created: list = field(default_factory=list)
    linked: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)


def participant_plan(participant, account):
    """Decide, without writing anything, what validation does for ``participant`` given the account
    that already holds their e-mail address (or None). The confirmation page and the validation
    itself both use it, so what is announced is what happens."""
    if account is None:
        return Plan(
            participant,
            None,
            Outcome.CREATED,
            _("Nouveau compte « Agent d'établissement » ; lien pour choisir le mot de passe envoyé à %(email)s.")
            % {"email": participant.email},
        )
    if account.is_vendor:
        return Plan(
            participant,
            account,
            Outcome.CONFLICT,
            _("Adresse mail d'un compte du personnel de %(vendor)s : aucun compte créé ni modifié.")
            % {"vendor": settings.VENDOR_NAME},
        )
    if account.establishment_id != participant.establishment_id:
        return Plan(
            participant,
            account,
            Outcome.CONFLICT,
            _(
                "Adresse mail d'un compte de « %(other)s » : compte non déplacé. Vérifiez l'établissement du "
                "participant ou traitez une demande de mise à jour de compte."
            )
            % {"other": account.establishment},
        )
    if not account.is_active:
        return Plan(
            participant,
            account,
            Outcome.LINKED,
            _(
                "Rattachement au compte existant — compte désactivé : il ne pourra se connecter qu'une fois "
                "réactivé par un administrateur de l'établissement (« Activer »)."
            ),
        )
    return Plan(
        participant,
        account,
        Outcome.LINKED,
        _("Rattachement au compte existant (profil « %(role)s » inchangé).") % {"role": account.get_role_display()},
    )


def training_preview(training):
    """The plan of every participant of a training not yet validated, in the order of the list."""
    participants = list(training.participants.select_related("establishment"))
    accounts = {
        user.email: user
        for user in User.objects.filter(email__in=[p.email for p in participants]).select_related("establishment")
    }
    return [participant_plan(p, accounts.get(p.email)) for p in participants]


def _check_can_validate(training, acting_user):
    if not acting_user.is_vendor_admin:
        raise PermissionDenied(_("Seul un administrateur de l'éditeur peut valider une formation."))
    if training.validated_at is not None:
        by = training.validated_by.full_name if training.validated_by else _("un administrateur")
        raise ValidationError(
            _("La formation « %(title)s » a déjà été validée le %(date)s par %(by)s : elle ne peut l'être qu'une fois.")
            % {
                "title": training.title,
                "date": date_format(timezone.localtime(training.validated_at), "SHORT_DATETIME_FORMAT"),
                "by": by,
            }
        )


@transaction.atomic
def training_validate(training, *, acting_user, request=None):
    """« Valider la formation »: create an « Agent d'établissement » account for each participant
    who has none (and e-mail them a link to choose their password), link the training to the
    existing accounts of the same establishment, report the others. Runs once per training."""
    training = Training.objects.select_for_update(of=("self",)).select_related("validated_by").get(pk=training.pk)
    _check_can_validate(training, acting_user)
    participants = list(training.participants.select_related("establishment"))
    if not participants:
        raise ValidationError(_("La formation n'a aucun participant : ajoutez-les avant de la valider."))
    result = TrainingValidation(training=training)
    for participant in participants:
        accounts = User.objects.select_for_update(of=("self",)).select_related("establishment")
        plan = participant_plan(participant, accounts.filter(email=participant.email).first())
        if plan.outcome == Outcome.CREATED:
            plan.account = _account_create(participant, acting_user=acting_user, training=training, request=request)
            result.created.append(participant)
        elif plan.outcome == Outcome.LINKED:
            result.linked.append(participant)
        else:
            result.conflicts.append(participant)
        participant.account = plan.account if plan.outcome != Outcome.CONFLICT else None
        participant.outcome = plan.outcome
        participant.outcome_message = plan.message[:300]
        participant.save(update_fields=["account", "outcome", "outcome_message"])
    training.validated_at = timezone.now()
    training.validated_by = acting_user
    training.save(update_fields=["validated_at", "validated_by"])
    record(
        "training_validated",
        actor=acting_user,
        request=request,
        target=str(training),
        training=training.pk,
        created=[p.email for p in result.created],
        linked=[p.email for p in result.linked],
        conflicts=[p.email for p in result.conflicts],
    )
    return result


def _account_create(participant, *, acting_user, training, request):
    user = User(
        email=participant.email,
        first_name=participant.first_name,
        last_name=participant.last_name,
        function=participant.function,
        establishment=participant.establishment,
        role=Role.AGENT,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record(
        "account_created_by_training",
        actor=acting_user,
        request=request,
        establishment=participant.establishment,
        target=user.email,
        training=training.pk,
    )
    user_invite(user)
    return user

"""Every write on a DI: one function per action.

Each checks the workflow table (``support.workflow``), runs in one transaction, writes a
``TicketEvent`` (who, when, from → to) and queues its e-mails, sent after commit.
"""

import html
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from core.caching import forget_now_and_after_commit, remember
from core.prepared import Prepared, known_related
from notifications.replies import reply_address
from notifications.services import email_queue, email_queue_many, emails_together

from . import workflow
from .attachments import check_uploads, sha256_of
from .clock import run_clock
from .models import (
    Attachment,
    Message,
    Status,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    Team,
    Ticket,
    TicketCounter,
    TicketEvent,
)
from .selectors import forget_desk_counts, forget_work_counts
from .workflow import TEAM_OF_ROLE, TransitionRefused  # noqa: F401  (re-exported)

_check = workflow.ensure


def _lock(ticket):
    """Re-read the DI under a row lock so that two concurrent actions see each other's result
    (with its level and establishment, which its clock reads; only the DI's row is locked)."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("service_level", "establishment")
        .get(pk=ticket.pk)
    )


def _next_number(now):
    """The year's next DI number, in one statement: the counter's row is created or incremented
    and read back at once (``INSERT … ON CONFLICT … RETURNING``, PostgreSQL and SQLite ≥ 3.35),
    where a read, an update and a read again were three round trips. The row stays locked until
    the DI's transaction ends: two DIs filed at once wait for each other here, and a DI that fails
    gives its number back (no gap)."""
    year = timezone.localtime(now).year
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 (the model's own table name)
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"DI-{year}-{last:06d}"


def _event(ticket, action, actor, *, from_status="", to_status="", from_user=None, to_user=None, note=""):
    return TicketEvent.objects.create(
        ticket=ticket,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        from_user=from_user,
        to_user=to_user,
        note=note[:300],
    )


class _FileGuard:
    """Deletes the files written inside a block if the block fails: no file without its row."""

    def __init__(self):
        self.names = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            for name in self.names:
                default_storage.delete(name)
        return False

    def save(self, ticket, message, checked_upload):
        upload, name, content_type = checked_upload
        attachment = Attachment(
            ticket=ticket,
            message=message,
            original_name=name,
            content_type=content_type,
            size=upload.size,
            sha256=sha256_of(upload),
        )
        attachment.file.save("upload", upload, save=False)
        self.names.append(attachment.file.name)
        attachment.save()
        return attachment


def _add_message(ticket, author, body, kind, files, guard):
    message = Message.objects.create(ticket=ticket, author=author, body=body, kind=kind)
    for checked in check_uploads(files or []):
        guard.save(ticket, message, checked)
    return message


def _touch(ticket, now, **fields):
    fields["last_activity_at"] = now
    if "status" in fields:
        forget_desk_counts(ticket.team)
    elif fields.keys() & FOLLOW_UP_FIELDS:
        forget_work_counts(ticket.team)
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=list(fields))


_ROLE_OF_TEAM = {team: role for role, team in TEAM_OF_ROLE.items()}


def _members(role):
    return User.objects.filter(role=role, is_active=True)


def team_members(team):
    return _members(_ROLE_OF_TEAM[team])


# What an option shows of each member (``User.__str__``): not the whole row (its password hash, its
# dates…) of thirty people.
_OPTION_COLUMNS = ("first_name", "last_name", "email")
_TEAM_OPTIONS = Prepared(lambda role: _members(role).order_by("last_name", "first_name").only(*_OPTION_COLUMNS))


# « Personne en charge »'s options, kept in the cache: every view of a DI on the desk writes them.
# Any save or deletion of an account forgets them (a login's ``last_login`` aside); a change made
# behind the portal's back (``update()``) shows at most this long, and choosing a stale name is
# refused by the field, which finds the chosen person among the team's active members.
TEAM_OPTIONS_TTL = 60
_TEAM_MEMBER = Prepared(lambda role, pk: _members(role).filter(pk=pk))


def _team_options_key(role):
    return f"support:team-options:{role}"


def team_member_options(team):
    """(pk, name) of ``team``'s active members by name, the names escaped (safe strings): the
    « Personne en charge » select's options, from the cache when it has them."""
    role = _ROLE_OF_TEAM[team]

    def read():
        return [(member.pk, html.escape(str(member))) for member in _TEAM_OPTIONS.run(role=role)]

    return [(pk, SafeString(name)) for pk, name in remember(_team_options_key(role), TEAM_OPTIONS_TTL, read)]


def team_member(team, pk):
    """The active member ``pk`` of ``team`` (the whole row), or None: the choice of « Personne en
    charge » checked against the database, not against the cached options."""
    found = _TEAM_MEMBER.run(role=_ROLE_OF_TEAM[team], pk=pk)
    return found[0] if found else None


@receiver(post_save, sender=User, dispatch_uid="support.services.staff_saved")
@receiver(post_delete, sender=User, dispatch_uid="support.services.staff_deleted")
def _account_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    forget_now_and_after_commit(*(_team_options_key(role) for role in _ROLE_OF_TEAM.values()))


# Who a team's e-mails go to: what ``_notify`` and the e-mails read of a person (address, state,
# name, role), through a prepared query: filing a DI tells its whole team.
_TEAM_RECIPIENTS = Prepared(lambda role: _members(role).only("email", "is_active", "first_name", "last_name", "role"))


def team_recipients(team):
    """The active members of ``team``, as the e-mails telling them need them."""
    return _TEAM_RECIPIENTS.run(role=_ROLE_OF_TEAM[team])


def _notify(name, recipients, ticket, **context):
    # The e-mails list the attachments: read them once, not once per recipient and format.
    prefetch_related_objects([ticket], "attachments")
    if context.get("message") is not None:
        prefetch_related_objects([context["message"]], "attachments")
    people = list({r.email: r for r in recipients if r is not None and r.is_active}.values())
    # Each person may answer by e-mail, at an address of their own for this DI (when inbound is on).
    reply_to = {person.email: reply_address(ticket, person) for person in people}
    if len(people) == 1:  # one person: greeted by name
        email_queue(
            name,
            to=people[0].email,
            context={"ticket": ticket, "recipient": people[0], **context},
            reply_to=reply_to[people[0].email],
        )
    elif people:  # a team: one e-mail rendered once, « Bonjour, »
        email_queue_many(
            name, to=[person.email for person in people], context={"ticket": ticket, **context}, reply_to=reply_to
        )


# Who owes whom an answer (the vendor's home, M11.1): the client wrote, or the support answered.
NOBODY_WAITS = {"client_answered": False, "waiting_since": None}
# What the vendor's home counts besides the status (support.selectors.FOLLOW_UPS).
FOLLOW_UP_FIELDS = {"client_answered", "waiting_since", "awaiting_owner"}


def _client_wrote(ticket, when):
    """The owner wrote: the support owes an answer since ``when`` (or since earlier); once the
    support has spoken (« En cours »), the ball is theirs."""
    return {
        "client_answered": ticket.status == Status.IN_PROGRESS or ticket.client_answered,
        "waiting_since": ticket.waiting_since or when,
    }


def _notify_support(name, ticket, **context):
    """The person in charge if any, else the whole team."""
    recipients = [ticket.assignee] if ticket.assignee_id else team_recipients(ticket.team)
    _notify(name, recipients, ticket, **context)


# --- Client actions ------------------------------------------------------------------------


def _file(*, acting_user, owner, contract, subject, description, module, version, environment, files, follows):
    """A new DI, « A traiter », owned by ``owner``, routed to its team by the contract's product;
    its team is told, and so is its owner (an acknowledgement with its number)."""
    on_behalf = acting_user.pk != owner.pk
    if contract.establishment_id != owner.establishment_id or not contract.in_force:
        whose = _("de l'établissement") if on_behalf else _("de votre établissement")
        raise ValidationError({"contract": _("Choisissez un contrat actif %(whose)s.") % {"whose": whose}})
    if follows is not None and not workflow.can("follow_up", owner, follows):
        raise ValidationError({"follows": _("Une DI de suite se rattache à une DI clôturée de votre établissement.")})
    software = contract.product.kind == "software"
    with _FileGuard() as guard, transaction.atomic():
        now = timezone.now()
        ticket = Ticket.objects.create(
            number=_next_number(now),
            establishment=owner.establishment,  # the e-mails name it: already read with the owner
            contract=contract,
            team=Team.SOFTWARE if software else Team.LEGAL,
            owner=owner,
            author=acting_user,
            subject=subject.strip(),
            description=description.strip(),
            module=module.strip() if software else "",
            version=version.strip() if software else "",
            environment=environment if software else "",
            service_level_id=contract.service_level_id,
            waiting_since=now,
            follows=follows,
        )
        # The e-mails list the new DI's attachments: those just written, not read again.
        known_related(
            ticket, "attachments", [guard.save(ticket, None, checked) for checked in check_uploads(list(files))]
        )
        note = _("déposée par %(staff)s pour %(owner)s") % {"staff": acting_user, "owner": owner} if on_behalf else ""
        created = _event(
            ticket, TicketEvent.Action.CREATED, acting_user, to_status=Status.TO_PROCESS, to_user=owner, note=note
        )
        run_clock(
            ticket,
            level=contract.service_level if contract.service_level_id else None,
            department=owner.establishment.department,
            events=[(created.action, created.created_at)],
        )
        forget_desk_counts(ticket.team)
        team = [member for member in team_recipients(ticket.team) if member.pk != acting_user.pk]
        with emails_together():
            _notify("ticket_created", team, ticket)
            _notify("ticket_acknowledged", [owner], ticket, on_behalf=on_behalf)
    return ticket


def ticket_create(
    *, acting_user, contract, subject, description, module="", version="", environment="", files=(), follows=None
):
    """« Soumettre la DI »: a new DI, « A traiter », owned by its author, routed to its team.
    ``follows``: the closed DI this one follows up (« Créer une DI de suite »)."""
    if not workflow.can_file(acting_user):
        raise TransitionRefused(_("Seul un compte client actif peut déposer une DI."))
    return _file(
        acting_user=acting_user,
        owner=acting_user,
        contract=contract,
        subject=subject,
        description=description,
        module=module,
        version=version,
        environment=environment,
        files=files,
        follows=follows,
    )


def ticket_create_on_behalf(
    *, acting_user, owner, contract, subject, description, module="", version="", environment="", files=()
):
    """A DI filed by the vendor's staff for a client who phoned: owned by that client, « Déposée
    par » the staff member; the client receives the acknowledgement."""
    if not workflow.can_file_on_behalf(acting_user):
        raise TransitionRefused(_("Seul le personnel de l'éditeur peut déposer une DI pour un client."))
    if not (owner.is_active and owner.is_client):
        raise ValidationError({"owner": _("Choisissez un compte actif de l'établissement.")})
    return _file(
        acting_user=acting_user,
        owner=owner,
        contract=contract,
        subject=subject,
        description=description,
        module=module,
        version=version,
        environment=environment,
        files=files,
        follows=None,
    )


def ticket_post_message(ticket, *, acting_user, body, files=()):
    """« Envoyer »: the owner adds a message; it clears the awaiting-the-owner marker."""
    with _FileGuard() as guard, transaction.atomic():
        ticket = _lock(ticket)
        _check("owner_message", acting_user, ticket)
        was_waiting = ticket.awaiting_owner
        message = _add_message(ticket, acting_user, body, Message.Kind.MESSAGE, files, guard)
        _touch(ticket, message.created_at, awaiting_owner=False, **_client_wrote(ticket, message.created_at))
        _event(ticket, TicketEvent.Action.OWNER_MESSAGE, acting_user)
        if was_waiting:  # the client answered the question: the clock runs again
            run_clock(ticket)
        _notify_support("ticket_owner_message", ticket, message=message)
    return message


def ticket_validate_closure(ticket, *, acting_user, ratings, comment=""):
    """« Valider la clôture » with the satisfaction questionnaire: {question_id: 1..5}."""
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("validate_closure", acting_user, ticket)
        questions = list(SurveyQuestion.objects.filter(is_active=True))
        missing = [q.text for q in questions if ratings.get(q.pk) not in (1, 2, 3, 4, 5)]
        if missing:
            raise ValidationError(_("Répondez à chaque question du questionnaire."))
        response = SurveyResponse.objects.create(ticket=ticket, respondent=acting_user, comment=comment.strip())
        SurveyAnswer.objects.bulk_create(
            SurveyAnswer(response=response, question=q, rating=ratings[q.pk]) for q in questions
        )
        now = timezone.now()
        _touch(ticket, now, status=Status.CLOSED, closed_at=now, awaiting_owner=False, **NOBODY_WAITS)
        _event(
            ticket,
            TicketEvent.Action.CLOSURE_VALIDATED,
            acting_user,
            from_status=Status.CLOSURE_PENDING,
            to_status=Status.CLOSED,
        )
        run_clock(ticket)
    return response


def ticket_refuse_closure(ticket, *, acting_user, body):
    """« Refuser la clôture » with a message: back to « En cours »."""
    if not body.strip():
        raise ValidationError({"body": _("Expliquez pourquoi la DI n'est pas résolue.")})
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("refuse_closure", acting_user, ticket)
        message = Message.objects.create(
            ticket=ticket, author=acting_user, body=body, kind=Message.Kind.CLOSURE_REFUSED
        )
        _touch(
            ticket,
            message.created_at,
            status=Status.IN_PROGRESS,
            closure_proposed_at=None,
            awaiting_owner=False,
            client_answered=True,
            waiting_since=message.created_at,
        )
        _event(
            ticket,
            TicketEvent.Action.CLOSURE_REFUSED,
            acting_user,
            from_status=Status.CLOSURE_PENDING,
            to_status=Status.IN_PROGRESS,
        )
        run_clock(ticket)
        _notify_support("ticket_closure_refused", ticket, message=message)
    return message


def ticket_cancel(ticket, *, acting_user, reason):
    """« Annuler la DI » with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez pourquoi vous annulez la DI.")})
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("cancel", acting_user, ticket)
        from_status = ticket.status
        message = Message.objects.create(ticket=ticket, author=acting_user, body=reason, kind=Message.Kind.CANCELLATION)
        _touch(
            ticket,
            message.created_at,
            status=Status.CANCELLED,
            closed_at=message.created_at,
            awaiting_owner=False,
            **NOBODY_WAITS,
        )
        _event(ticket, TicketEvent.Action.CANCELLED, acting_user, from_status=from_status, to_status=Status.CANCELLED)
        run_clock(ticket)
        # The person in charge, or the whole team while nobody holds it: nobody works on it for nothing.
        _notify_support("ticket_cancelled", ticket, message=message)
    return ticket


def ticket_reassign(ticket, *, acting_user, new_owner):
    """« Réaffecter »: an administrator of the establishment gives the DI to another active colleague."""
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("reassign", acting_user, ticket)
        if not (new_owner.is_active and new_owner.is_client and new_owner.establishment_id == ticket.establishment_id):
            raise ValidationError(_("Choisissez un compte actif de votre établissement."))
        if new_owner.pk == ticket.owner_id:
            return ticket
        previous = ticket.owner
        _touch(ticket, timezone.now(), owner=new_owner)
        _event(ticket, TicketEvent.Action.REASSIGNED, acting_user, from_user=previous, to_user=new_owner)
        record(
            "ticket_reassigned",
            actor=acting_user,
            establishment=ticket.establishment,
            target=ticket.number,
            previous_owner=previous.email if previous else "",
            new_owner=new_owner.email,
        )
        _notify("ticket_reassigned", [new_owner], ticket, previous_owner=previous, acting_user=acting_user)
    return ticket


def ticket_hand_over(ticket, *, acting_user, new_owner):
    """« Confier à un collègue »: the owner gives their own DI to another active colleague of the
    establishment, who becomes its owner and is e-mailed."""
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("hand_over", acting_user, ticket)
        if not (new_owner.is_active and new_owner.is_client and new_owner.establishment_id == ticket.establishment_id):
            raise ValidationError({"new_owner": _("Choisissez un compte actif de votre établissement.")})
        if new_owner.pk == ticket.owner_id:
            raise ValidationError({"new_owner": _("Vous êtes déjà propriétaire de cette DI : choisissez un collègue.")})
        _touch(ticket, timezone.now(), owner=new_owner)
        _event(ticket, TicketEvent.Action.HANDED_OVER, acting_user, from_user=acting_user, to_user=new_owner)
        record(
            "ticket_handed_over",
            actor=acting_user,
            establishment=ticket.establishment,
            target=ticket.number,
            previous_owner=acting_user.email,
            new_owner=new_owner.email,
        )
        _notify("ticket_handed_over", [new_owner], ticket, previous_owner=acting_user)
    return ticket


def ticket_release_owner(ticket, *, acting_user):
    """The owner's account was deactivated: the DI goes to « Demande A Reaffecter »."""
    with transaction.atomic():
        ticket = _lock(ticket)
        if not ticket.is_open or ticket.owner_id is None:
            return ticket
        previous = ticket.owner
        ticket.owner = None
        ticket.save(update_fields=["owner"])
        _event(ticket, TicketEvent.Action.REASSIGNED, acting_user, from_user=previous, to_user=None)
    return ticket


# --- Vendor actions ------------------------------------------------------------------------


def ticket_take(ticket, *, acting_user):
    """« Prendre en charge »: the support person becomes « Support »; « A traiter » → « En cours »."""
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("take", acting_user, ticket)
        previous = ticket.assignee
        _touch(ticket, timezone.now(), status=Status.IN_PROGRESS, assignee=acting_user)
        _event(
            ticket,
            TicketEvent.Action.TAKEN,
            acting_user,
            from_status=Status.TO_PROCESS,
            to_status=Status.IN_PROGRESS,
            from_user=previous,
            to_user=acting_user,
        )
    return ticket


def ticket_reply(ticket, *, acting_user, body, question=False, files=()):
    """« Répondre » (public); « Question au demandeur » also sets the awaiting-the-owner marker."""
    with _FileGuard() as guard, transaction.atomic():
        ticket = _lock(ticket)
        _check("reply", acting_user, ticket)
        from_status = ticket.status
        kind = Message.Kind.QUESTION if question else Message.Kind.MESSAGE
        message = _add_message(ticket, acting_user, body, kind, files, guard)
        changes = {"status": Status.IN_PROGRESS, "awaiting_owner": bool(question), **NOBODY_WAITS}
        if ticket.assignee_id is None:
            changes["assignee"] = acting_user
        _touch(ticket, message.created_at, **changes)
        _event(
            ticket,
            TicketEvent.Action.QUESTION if question else TicketEvent.Action.REPLIED,
            acting_user,
            from_status=from_status,
            to_status=Status.IN_PROGRESS,
        )
        run_clock(ticket)
        _notify("ticket_question" if question else "ticket_reply", [ticket.owner], ticket, message=message)
    return message


def ticket_add_internal_note(ticket, *, acting_user, body, files=()):
    """« Note interne »: seen by the vendor's staff only; nobody is e-mailed."""
    with _FileGuard() as guard, transaction.atomic():
        ticket = _lock(ticket)
        _check("internal_note", acting_user, ticket)
        message = _add_message(ticket, acting_user, body, Message.Kind.INTERNAL, files, guard)
        _event(ticket, TicketEvent.Action.INTERNAL_NOTE, acting_user)
    return message


def ticket_propose_closure(ticket, *, acting_user, body):
    """« Proposer la clôture » with a closing message: « En cours » → « Clôture à valider »."""
    if not body.strip():
        raise ValidationError({"body": _("Rédigez le message de clôture : il résume la solution au demandeur.")})
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("propose_closure", acting_user, ticket)
        message = Message.objects.create(
            ticket=ticket, author=acting_user, body=body, kind=Message.Kind.CLOSURE_PROPOSED
        )
        changes = {
            "status": Status.CLOSURE_PENDING,
            "closure_proposed_at": message.created_at,
            "awaiting_owner": False,
            **NOBODY_WAITS,
        }
        if ticket.assignee_id is None:
            changes["assignee"] = acting_user
        _touch(ticket, message.created_at, **changes)
        _event(
            ticket,
            TicketEvent.Action.CLOSURE_PROPOSED,
            acting_user,
            from_status=Status.IN_PROGRESS,
            to_status=Status.CLOSURE_PENDING,
        )
        run_clock(ticket)
        _notify(
            "ticket_closure_proposed",
            [ticket.owner],
            ticket,
            message=message,
            closure_days=settings.TICKET_CLOSURE_VALIDATION_DAYS,
        )
    return message


def ticket_change_assignee(ticket, *, acting_user, new_assignee):
    """Give the DI to another support person of its team."""
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("change_assignee", acting_user, ticket)
        if not (new_assignee.is_active and TEAM_OF_ROLE.get(new_assignee.role) == ticket.team):
            raise ValidationError(_("Choisissez une personne active de l'équipe de la DI."))
        previous = ticket.assignee
        if previous is not None and previous.pk == new_assignee.pk:
            return ticket
        _touch(ticket, timezone.now(), assignee=new_assignee)
        _event(ticket, TicketEvent.Action.ASSIGNEE_CHANGED, acting_user, from_user=previous, to_user=new_assignee)
        if new_assignee.pk != acting_user.pk:
            _notify("ticket_assigned", [new_assignee], ticket, acting_user=acting_user)
    return ticket


def ticket_reroute(ticket, *, acting_user, contract, team):
    """« Réorienter »: the DI moves to another contract of its establishment and/or another team.
    A new team starts it again: « A traiter », nobody in charge, its members e-mailed. The owner
    is told where their DI went."""
    with transaction.atomic():
        ticket = _lock(ticket)
        _check("reroute", acting_user, ticket)
        if contract.establishment_id != ticket.establishment_id or not contract.in_force:
            raise ValidationError({"contract": _("Choisissez un contrat actif de l'établissement de la DI.")})
        if team not in Team.values:
            raise ValidationError({"team": _("Choisissez une équipe.")})
        if contract.pk == ticket.contract_id and team == ticket.team:
            raise ValidationError(_("La DI est déjà sur ce contrat et dans cette équipe : changez l'un ou l'autre."))
        previous_contract, previous_team, previous_status = ticket.contract, ticket.team, ticket.status
        changes = {"contract": contract, "team": team}
        team_changed = team != previous_team
        if team_changed:
            changes.update(status=Status.TO_PROCESS, assignee=None, awaiting_owner=False, client_answered=False)
            changes["waiting_since"] = ticket.waiting_since or timezone.now()
        _touch(ticket, timezone.now(), **changes)
        forget_desk_counts(previous_team)
        forget_desk_counts(team)
        parts = []
        if team_changed:
            parts.append(f"{Team(previous_team).label} → {Team(team).label}")
        if contract.pk != previous_contract.pk:
            parts.append(f"{previous_contract.reference} → {contract.reference}")
        _event(
            ticket,
            TicketEvent.Action.REROUTED,
            acting_user,
            from_status=previous_status,
            to_status=ticket.status,
            note=" ; ".join(parts),
        )
        with emails_together():  # the team's (or the person in charge's) and the owner's
            if team_changed:
                members = [m for m in team_recipients(team) if m.pk != acting_user.pk]
                _notify("ticket_rerouted", members, ticket, acting_user=acting_user, previous_team=Team(previous_team))
            elif ticket.assignee_id and ticket.assignee_id != acting_user.pk:
                _notify("ticket_rerouted", [ticket.assignee], ticket, acting_user=acting_user, previous_team=None)
            _notify("ticket_rerouted_owner", [ticket.owner], ticket, team_changed=team_changed)
    return ticket


MERGEABLE = (Status.TO_PROCESS, Status.IN_PROGRESS)


def ticket_merge(duplicate, *, acting_user, target):
    """« Fusionner »: ``duplicate`` joins ``target``, another open DI of the same establishment.
    Its messages and attachments move to ``target`` (its description becomes a message there);
    ``duplicate`` becomes « Annulée », linked to ``target``; both owners are e-mailed."""
    with transaction.atomic():
        first, second = sorted((duplicate.pk, target.pk))
        locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=(first, second)).order_by("pk")}
        duplicate, target = locked[duplicate.pk], locked.get(target.pk, target)
        _check("merge", acting_user, duplicate)
        if target.pk == duplicate.pk:
            raise ValidationError({"target": _("Une DI ne peut pas être fusionnée dans elle-même.")})
        if target.establishment_id != duplicate.establishment_id:
            raise ValidationError({"target": _("La DI à conserver doit être du même établissement.")})
        if target.status not in MERGEABLE:
            raise ValidationError(
                {
                    "target": _("La DI à conserver doit être « A traiter » ou « En cours » (elle est « %(status)s »).")
                    % {"status": target.get_status_display()}
                }
            )
        if not workflow.is_team_support(acting_user, target):
            raise ValidationError({"target": _("La DI à conserver relève d'une équipe qui n'est pas la vôtre.")})
        now = timezone.now()
        moved = list(Message.objects.filter(ticket=duplicate).values_list("pk", flat=True))
        Message.objects.filter(pk__in=moved).update(ticket=target)
        Attachment.objects.filter(ticket=duplicate, message__isnull=False).update(ticket=target)
        owner = duplicate.owner.full_name if duplicate.owner_id else _("« Demande A Reaffecter »")
        summary = Message.objects.create(
            ticket=target,
            author=acting_user,
            kind=Message.Kind.MERGED,
            body=_(
                "La %(number)s « %(subject)s » (de %(owner)s) a été fusionnée dans celle-ci : "
                "ses messages et pièces jointes y sont désormais.\n\nSa description :\n%(description)s"
            )
            % {
                "number": duplicate.number,
                "subject": duplicate.subject,
                "owner": owner,
                "description": duplicate.description,
            },
        )
        Attachment.objects.filter(ticket=duplicate, message__isnull=True).update(ticket=target, message=summary)
        Message.objects.create(
            ticket=duplicate,
            author=acting_user,
            kind=Message.Kind.MERGED,
            body=_("Cette DI a été fusionnée dans la %(number)s « %(subject)s » : la suite se passe sur celle-ci.")
            % {"number": target.number, "subject": target.subject},
        )
        waits = {}
        if duplicate.waiting_since and (target.waiting_since is None or duplicate.waiting_since < target.waiting_since):
            waits["waiting_since"] = duplicate.waiting_since
        if duplicate.client_answered and target.status == Status.IN_PROGRESS:
            waits["client_answered"] = True
        _touch(target, now, **waits)
        from_status = duplicate.status
        _touch(
            duplicate,
            now,
            status=Status.CANCELLED,
            closed_at=now,
            merged_into=target,
            awaiting_owner=False,
            **NOBODY_WAITS,
        )
        forget_desk_counts(target.team)
        _event(
            duplicate,
            TicketEvent.Action.MERGED,
            acting_user,
            from_status=from_status,
            to_status=Status.CANCELLED,
            note=_("fusionnée dans %(number)s") % {"number": target.number},
        )
        _event(
            target,
            TicketEvent.Action.MERGED,
            acting_user,
            note=_("%(number)s fusionnée dans celle-ci (%(count)s messages)")
            % {
                "number": duplicate.number,
                "count": len(moved),
            },
        )
        _notify("ticket_merged", [duplicate.owner, target.owner], target, duplicate=duplicate)
    return target


# --- System ---------------------------------------------------------------------------------


def tickets_auto_close(now=None):
    """Close the DIs left in « Clôture à valider » longer than the validation delay.

    Idempotent and safe with two workers: each DI is locked and re-checked before it changes.
    """
    now = now or timezone.now()
    deadline = now - timedelta(days=settings.TICKET_CLOSURE_VALIDATION_DAYS)
    due = list(
        Ticket.objects.filter(status=Status.CLOSURE_PENDING, closure_proposed_at__lte=deadline).values_list(
            "pk", flat=True
        )[:1000]
    )
    closed = 0
    for pk in due:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("service_level", "establishment")
                .filter(pk=pk, status=Status.CLOSURE_PENDING)
                .first()
            )
            if ticket is None or ticket.closure_proposed_at > deadline:
                continue
            _touch(ticket, now, status=Status.CLOSED, closed_at=now, awaiting_owner=False, **NOBODY_WAITS)
            _event(
                ticket,
                TicketEvent.Action.AUTO_CLOSED,
                None,
                from_status=Status.CLOSURE_PENDING,
                to_status=Status.CLOSED,
            )
            run_clock(ticket, now=now)
            closed += 1
    return closed


LATE_DIGEST_LINES = 100


def team_leads(team):
    """The active leads of a team (``User.is_team_lead``, SPEC M13.4)."""
    return _members(_ROLE_OF_TEAM[team]).filter(is_team_lead=True)


def late_digest_send(now=None):
    """The daily e-mail to each team's lead listing the team's late DIs (their service-level
    deadline passed while their clock runs). Nothing is sent to a team with no late DI, and a lead
    gets at most one such e-mail a day (a second run the same day skips them). Returns the
    number of e-mails queued."""
    from notifications.models import OutgoingEmail

    from .due import duration_text
    from .selectors import late_tickets

    now = now or timezone.now()
    local = timezone.localtime(now)
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    sent = 0
    for team in Team:
        leads = list(team_leads(team))
        if not leads:
            continue
        already = set(
            OutgoingEmail.objects.filter(
                template="late_digest", to__in=[lead.email for lead in leads], created_at__gte=start_of_day
            ).values_list("to", flat=True)
        )
        leads = [lead for lead in leads if lead.email not in already]
        if not leads:
            continue
        rows, total = late_tickets(team, now, LATE_DIGEST_LINES)
        if not total:
            continue
        lines = [
            {
                "number": ticket.number,
                "establishment": ticket.establishment.name,
                "subject": ticket.subject,
                "which": _("Réponse") if ticket.first_response_at is None else _("Résolution"),
                "due": ticket.due_at,
                "late": duration_text(now - ticket.due_at),
                "assignee": ticket.assignee.full_name if ticket.assignee_id else "",
            }
            for ticket in rows
        ]
        context = {
            "team": team.value,
            "team_label": team.label,
            "lines": lines,
            "total": total,
            "more": total - len(lines),
            "today": local.date(),
            "now": local,
        }
        with transaction.atomic(), emails_together():  # one INSERT of bodies, one of rows, per team
            for lead in leads:
                email_queue("late_digest", to=lead.email, context={**context, "recipient": lead})
                sent += 1
    return sent

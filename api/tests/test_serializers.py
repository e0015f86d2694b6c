"""The API's serializers: a DI's status label read once per response, the model serializers'
fields worked out once per class (SPEC M15.1, M10)."""

from rest_framework import serializers

from api import serializers as s
from support.models import Status
from testing.tickets import file_di, take


def test_every_status_label_is_the_one_the_pages_show(agent, support):
    """M15.1"""
    tickets = [file_di(agent, subject=f"DI {n}") for n in range(2)]
    take(tickets[1], support)
    for ticket in tickets:
        ticket.refresh_from_db()
    data = s.TicketRowSerializer(tickets, many=True).data
    assert [row["status_label"] for row in data] == [ticket.get_status_display() for ticket in tickets]
    assert {row["status"] for row in data} == {Status.TO_PROCESS, Status.IN_PROGRESS}
    field = s.ChoiceLabelField(Status, source="status")
    assert [field.to_representation(code) for code, _label in Status.choices] == [
        str(label) for _code, label in Status.choices
    ]


def test_fields_worked_out_once_give_what_django_rest_framework_builds(agent, support):
    """M15.1 M10: same output as the plain ModelSerializer, and no field shared between responses"""
    ticket = take(file_di(agent, subject="Paie"), support)
    ticket.refresh_from_db()

    class Plain(serializers.ModelSerializer):
        status_label = serializers.CharField(source="get_status_display")
        contract = s.ContractBriefSerializer()
        establishment = s.EstablishmentBriefSerializer()
        owner = s.PersonSerializer(allow_null=True)
        assignee = s.PersonSerializer(allow_null=True)

        class Meta(s.DeskRowSerializer.Meta):
            pass

    assert s.DeskRowSerializer(ticket).data == Plain(ticket).data
    first, second = s.DeskRowSerializer(ticket), s.DeskRowSerializer(ticket)
    assert first.fields.keys() == second.fields.keys() == Plain(ticket).fields.keys()
    assert all(first.fields[name] is not second.fields[name] for name in first.fields)
    assert first.fields["number"].parent is first and second.fields["number"].parent is second
    kept = s.DeskRowSerializer.__dict__["_fields_worked_out"]  # what each response copies: never bound
    assert all(field.parent is None and field.field_name is None for field in kept.values())
    # Each class keeps its own: the desk's rows have the establishment, the client's do not.
    assert "establishment" not in s.TicketRowSerializer(ticket).data


def test_a_message_s_attachment_address_is_its_download(agent, support):
    """M15.1"""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from support import services

    ticket = take(file_di(agent, subject="Paie"), support)
    services.ticket_post_message(
        ticket,
        acting_user=agent,
        body="Voici la capture",
        files=[SimpleUploadedFile("notes.txt", b"Les bulletins de mars")],
    )
    from support.access import thread_for

    [message] = [m for m in thread_for(agent, ticket).messages if m.files]
    context = {"attachments_at": s.attachments_at(ticket.number)}
    [attachment] = s.MessageSerializer(message, context=context).data["attachments"]
    assert attachment["url"] == f"/api/v1/dis/{ticket.number}/pj/{message.files[0].uuid}/"

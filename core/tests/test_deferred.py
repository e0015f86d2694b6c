"""core.deferred: work run once the response is sent (issue 12, item 4)."""

import logging

from django.http import HttpResponse
from django.test import RequestFactory

from core.deferred import AfterResponseMiddleware, after_response


def test_outside_a_request_the_work_runs_at_once():
    """M10"""
    done = []
    after_response(lambda: done.append(1))
    assert done == [1]


def test_in_a_request_the_work_waits_for_the_response_to_be_closed(db):
    """M1.2 M10"""
    done = []

    def view(request):
        after_response(lambda: done.append("e-mail"))
        return HttpResponse("réponse")

    response = AfterResponseMiddleware(view)(RequestFactory().get("/"))
    assert response.content == "réponse".encode() and done == []
    response.close()  # what the WSGI server does once the last byte is sent
    assert done == ["e-mail"]


def test_a_failure_after_the_response_is_logged_not_raised(db, caplog):
    """M10"""

    def view(request):
        after_response(lambda: 1 / 0)
        return HttpResponse()

    response = AfterResponseMiddleware(view)(RequestFactory().get("/"))
    with caplog.at_level(logging.ERROR, logger="core.deferred"):
        response.close()
    assert "Work after the response failed" in caplog.text

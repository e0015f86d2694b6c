"""The API fuzzed from its own OpenAPI schema (schemathesis): whatever the fuzzer sends, as a client
or as the vendor's administrator, the API never answers a server error, and every answer matches
the schema (its status codes, content type and body)."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from testing.api import token_for
from testing.tickets import file_di

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_in_test_transaction():
    """Requests through the WSGI application inside the test's transaction: as Django's test client
    does, the handler must not close the connection at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _load_schema():
    """The schema that /api/v1/schema/ serves, generated in-process; the cases call the portal's
    WSGI application."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from config.wsgi import application

    spec = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(spec)
    loaded.app = application
    return loaded


schema = _load_schema()


@pytest.fixture
def client_token(agent, support, wsgi_in_test_transaction):
    file_di(agent)
    return token_for(agent)[1]


@pytest.fixture
def vendor_token(agent, vendor_admin, support, wsgi_in_test_transaction):
    file_di(agent)
    return token_for(vendor_admin)[1]


FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)


@schema.parametrize()
@FUZZ
def test_the_api_answers_a_fuzzing_client_without_a_server_error_and_as_its_schema_says(case, client_token):
    """M15.7"""
    case.call_and_validate(headers={"Authorization": f"Bearer {client_token}"}, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_the_api_answers_a_fuzzing_vendor_without_a_server_error_and_as_its_schema_says(case, vendor_token):
    """M15.7"""
    case.call_and_validate(headers={"Authorization": f"Bearer {vendor_token}"}, checks=CHECKS)

"""The test client and the captcha, as the portal's forms see them."""

import base64
import json

import altcha
import pytest
from django.conf import settings
from django.test import Client, TestCase


class CommitClient(Client):
    """A test client whose requests run their on-commit side effects (e-mails) as in production:
    the test's wrapping transaction never commits, so callbacks are run when the request ends."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommitClient()


def solve_captcha(cost=None):
    """A valid ALTCHA payload, solved in Python as a browser would (``cost``: the work the challenge
    asks, ALTCHA_MAX_NUMBER by default; the login asks more under attack)."""
    from accounts.captcha import make_challenge

    challenge = make_challenge(cost or settings.ALTCHA_MAX_NUMBER)
    solution = altcha.solve_challenge(challenge)
    payload = {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "number": solution.number,
        "salt": challenge.salt,
        "signature": challenge.signature,
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


@pytest.fixture
def captcha():
    return solve_captcha

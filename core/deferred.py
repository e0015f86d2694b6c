"""Work done once the response has been sent: the embedded default's stand-in for the worker.

``after_response(func)`` runs ``func`` when the WSGI server closes the response of the request being
served, after the last byte went out (Django calls a response's closers from ``close()``, before
``request_finished``: the database connection is still there). The person's answer never waits for
it, and takes as long whatever ``func`` does: « Mot de passe oublié » answers as fast for an address
that has an account as for one that has none (the e-mail is built after). Outside a request (a
command, a job, a test calling a service), ``func`` runs at once.

Needs ``core.deferred.AfterResponseMiddleware``. A failure is logged, never shown.
"""

import contextvars
import logging

logger = logging.getLogger(__name__)

_pending = contextvars.ContextVar("core_deferred_pending", default=None)


def after_response(func):
    pending = _pending.get()
    if pending is None:
        func()
    else:
        pending.append(func)


def _run(func):
    def closer():
        try:
            func()
        except Exception:
            logger.exception("Work after the response failed")

    return closer


class AfterResponseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pending = []
        token = _pending.set(pending)
        try:
            response = self.get_response(request)
        finally:
            _pending.reset(token)
        for func in pending:
            response._resource_closers.append(_run(func))
        return response

"""The one shape of an action view: check who acts, read the form, call the one service, then
redirect with a message — or show the page again with the errors, or the refusal page.

Every action of the desk, of the client pages and of « Collaborateurs » goes through
``perform_action``; the view itself only says which object, which form, which service.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .refusals import refuse


def attach_errors(form, error, field=None):
    """A service's ValidationError next to the field it names (a dict of errors), or next to
    ``field`` (``None``: at the top of the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else field, errors)
    else:
        form.add_error(field, error)


def perform_action(
    request,
    *,
    perform,
    on_invalid,
    success_url=None,
    form=None,
    check=None,
    error_field=None,
    refusal_back_url=None,
    refusal_back_label=None,
):
    """Run one action.

    - ``check()`` raises PermissionDenied (the workflow's TransitionRefused, a role rule) when the
      person may not act: the refusal page (403) names the reason, before the form is even read;
    - ``form``: the action's bound form, or None when it takes none;
    - ``perform(cleaned_data)`` calls the service and returns the success message, or
      ``(message, url)`` when the page to go to depends on what was done;
    - ``on_invalid(form, service_error)`` renders the page again: the form with its errors, and
      ``service_error`` (the service's ValidationError, already attached to the form if any).
    """
    try:
        if check is not None:
            check()
        if form is not None and not form.is_valid():
            return on_invalid(form, None)
        try:
            result = perform(form.cleaned_data if form is not None else {})
        except ValidationError as error:
            if form is not None:
                attach_errors(form, error, error_field)
            return on_invalid(form, error)
    except PermissionDenied as refusal:
        return refuse(
            request,
            str(refusal),
            title=_("Action refusée"),
            back_url=refusal_back_url,
            back_label=refusal_back_label,
        )
    message, url = result if isinstance(result, tuple) else (result, success_url)
    messages.success(request, message)
    return redirect(url)

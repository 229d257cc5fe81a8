"""mops.core.views.call_service: a service's refusals become form errors or messages."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from mops.core.concurrency import StaleVersion
from mops.core.lifecycle import TransitionError
from mops.core.views import call_service


class NameForm(forms.Form):
    name = forms.CharField()


def _request():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _raise(exc):
    def service(**kwargs):
        raise exc

    return service


def test_success_returns_the_result():
    assert call_service(_request(), lambda x: x * 2, 21) == (True, 42)


def test_field_errors_land_on_the_form_and_unknown_fields_in_messages():
    request, form = _request(), NameForm(data={"name": "x"})
    form.is_valid()
    exc = ValidationError({"name": "Taken.", "__all__": "Closed.", "owner": "Gone."})
    assert call_service(request, _raise(exc), form=form) == (False, None)
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Closed."]
    assert [str(m) for m in get_messages(request)] == ["owner: Gone."]


def test_plain_validation_error_without_form_is_a_message():
    request = _request()
    ok, _ = call_service(request, _raise(ValidationError("Not now.")))
    assert not ok
    assert [str(m) for m in get_messages(request)] == ["Not now."]


@pytest.mark.parametrize(
    "exc,text",
    [
        (PermissionDenied("Only admins."), "Only admins."),
        (TransitionError("Cannot close a draft."), "Cannot close a draft."),
        (StaleVersion(), StaleVersion().message),
    ],
)
def test_refusals_become_non_field_errors_or_messages(exc, text):
    form = NameForm(data={"name": "x"})
    form.is_valid()
    assert call_service(_request(), _raise(exc), form=form)[0] is False
    assert form.non_field_errors() == [text]
    request = _request()
    call_service(request, _raise(exc))
    assert [str(m) for m in get_messages(request)] == [text]


def test_other_exceptions_propagate():
    with pytest.raises(KeyError):
        call_service(_request(), _raise(KeyError("bug")))


def test_field_map_puts_the_services_field_on_the_forms():
    form = NameForm(data={"name": "x"})
    form.is_valid()
    exc = ValidationError({"title": "Too long."})
    call_service(_request(), _raise(exc), form=form, field_map={"title": "name"})
    assert form.errors["name"] == ["Too long."]


def test_a_stale_refusal_keeps_its_code_for_the_status():
    form = NameForm(data={"name": "x"})
    form.is_valid()
    call_service(_request(), _raise(StaleVersion()), form=form)
    assert form.has_error(forms.forms.NON_FIELD_ERRORS, "stale")

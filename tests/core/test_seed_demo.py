"""`seed_demo` (what `make run` calls before starting) on a database whose demo rows were
edited since: the clashing app's demo set is skipped with a message, the rest loads, and the
command does not fail (it once stopped `make run` with a ValidationError)."""

import io

import pytest
from django.core.management import call_command

from catalog.models import Calendar, Service
from mops.accounts.models import User
from tests.factories import CalendarFactory

pytestmark = pytest.mark.django_db


def test_an_edited_demo_row_skips_its_app_and_the_rest_loads(_demo_warehouse):
    # An admin gave the demo's Berlin calendar another slug: the loader, finding no
    # "berlin", would create a second calendar named Berlin.
    CalendarFactory(name="Berlin", slug="berlin-office")
    out, err = io.StringIO(), io.StringIO()

    call_command("seed_demo", stdout=out, stderr=err)

    assert "demo data: catalog skipped, the database disagrees" in err.getvalue()
    assert "Calendar with this Name already exists" in err.getvalue()
    assert "Demo data partly loaded (catalog" in out.getvalue()
    assert User.objects.filter(username="requester").exists()  # accounts loaded
    assert not Service.objects.exists()  # catalog's set rolled back as a whole
    assert list(Calendar.objects.values_list("slug", flat=True)) == ["berlin-office"]

"""The train and freeze edit pages (the kernel's ObjectEditView): the form starts from the
object and its version, a save goes through the service and redirects with a message, and
a form read before someone else's save is refused with 412, nothing written."""

import pytest

from releases.trains.models import Freeze, Train
from tests.releases.test_setup_forms import TRAIN as SETUP_TRAIN

pytestmark = pytest.mark.django_db

TRAIN = {**SETUP_TRAIN, "slug": "london"}
FREEZE = {
    "name": "Summer freeze",
    "reason": "Half the team is away.",
    "kind": "one_off",
    "time_zone": "Europe/London",
    "starts_on": "2030-08-01",
    "ends_on": "2030-08-14",
}


def test_train_edit_page_saves_with_its_version_and_refuses_a_stale_one(client_for, users):
    admin = client_for("admin")
    assert admin.post("/releases/trains/new/", TRAIN).status_code == 302
    train = Train.objects.get(slug="london")
    assert train.owner == users["admin"]
    form = admin.get("/releases/trains/london/edit/").content.decode()
    assert 'value="London e-mail train"' in form
    assert f'name="version" value="{train.version}"' in form

    saved = admin.post(
        "/releases/trains/london/edit/", {**TRAIN, "capacity": "7", "version": train.version}
    )
    assert saved.status_code == 302 and saved["Location"] == "/releases/trains/london/"
    assert "Saved London e-mail train." in admin.get(saved["Location"]).content.decode()
    assert Train.objects.get(pk=train.pk).capacity == 7

    stale = admin.post(
        "/releases/trains/london/edit/", {**TRAIN, "capacity": "9", "version": train.version}
    )
    assert stale.status_code == 412
    assert "changed by someone else" in stale.content.decode()
    assert Train.objects.get(pk=train.pk).capacity == 7


def test_freeze_edit_page_saves_refuses_a_stale_one_and_deletes(client_for, users):
    admin = client_for("admin")
    assert admin.post("/releases/freezes/new/", FREEZE).status_code == 302
    freeze = Freeze.objects.get(name="Summer freeze")
    url = f"/releases/freezes/{freeze.pk}/"
    form = admin.get(url).content.decode()
    assert 'value="2030-08-14"' in form  # the inclusive last day, in the freeze's zone
    assert f'name="version" value="{freeze.version}"' in form

    saved = admin.post(url, {**FREEZE, "ends_on": "2030-08-21", "version": freeze.version})
    assert saved.status_code == 302 and saved["Location"] == "/releases/freezes/"
    assert "Freeze saved." in admin.get(saved["Location"]).content.decode()
    assert Freeze.objects.get(pk=freeze.pk).ends_at.date().isoformat() == "2030-08-21"

    stale = admin.post(url, {**FREEZE, "ends_on": "2030-08-30", "version": freeze.version})
    assert stale.status_code == 412
    assert "changed by someone else" in stale.content.decode()
    assert Freeze.objects.get(pk=freeze.pk).ends_at.date().isoformat() == "2030-08-21"

    deleted = admin.post(url, {"action": "delete"})
    assert deleted.status_code == 302 and not Freeze.objects.filter(pk=freeze.pk).exists()


def test_train_and_freeze_forms_refuse_bad_input_with_400(client_for, users):
    admin = client_for("admin")
    assert admin.post("/releases/trains/new/", {**TRAIN, "channels": []}).status_code == 400
    assert admin.post("/releases/freezes/new/", {**FREEZE, "kind": "nope"}).status_code == 400
    assert not Train.objects.exists() and not Freeze.objects.exists()

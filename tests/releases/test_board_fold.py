"""The boarding page lists the departures the work may board first, each with the one
highlighted Board button, and folds the refused ones with the reason they share said once."""

from releases.qa import services
from releases.qa.models import ItemResult
from releases.trains.models import Departure
from tests.releases.workitems import train_for


def _checklist(admin) -> None:
    services.checklist_template_create(
        actor=admin, name="E-mail pre-flight", channel="email", items=[{"text": "Seed test"}]
    )


def test_refusals_are_folded_with_the_shared_reason_once(client_for, users, make_request):
    _checklist(users["admin"])
    train_for(["email"])
    request = make_request()
    page = client_for("engineer").get(f"/releases/requests/{request.pk}/board/")
    body = page.content.decode()
    refused = body.count("data-refused-row")
    assert refused > 5  # every open departure of the daily train
    # Once on the checklist line at the top, once for all the refused departures.
    assert body.count("Pre-flight checklist not passed") == 2
    assert "data-refused" in body and "<details" in body
    assert 'class="primary">Board<' not in body  # nothing highlighted when refused
    assert "data-none-eligible" in body


def test_eligible_departures_come_first_and_a_full_one_is_folded_with_its_reason(
    client_for, users, make_request
):
    _checklist(users["admin"])
    train = train_for(["email"])
    request = make_request()
    services.checklists_instantiate(request=request)
    for result in ItemResult.objects.filter(run__request=request):
        services.item_result_record(result=result, actor=users["engineer"], state="passed")
    bookable = list(train.departures.filter(status="open").order_by("starts_at"))
    full = bookable[-1]
    Departure.objects.filter(pk=full.pk).update(capacity=0)
    body = client_for("engineer").get(f"/releases/requests/{request.pk}/board/").content.decode()
    assert "Pre-flight checklist passed" in body
    eligible_at = body.index("data-eligible-row")
    refused_at = body.index("data-refused-row")
    assert eligible_at < refused_at
    assert body.count('class="primary">Board<') == body.count("data-eligible-row")
    assert body.count("data-refused-row") == 1
    assert f'data-departure="{full.pk}" data-refused-row' in body
    assert "The departure is full" in body

"""axe-core over the main pages, each as the role that uses it: no critical and no serious
violation (WCAG 2.x A/AA rules and axe's best practices, as axe-core ranks them)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import fill_log_in, new_page

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = {"critical", "serious"}


@pytest.fixture
def demo_site(transactional_db):
    from governance.health.demo import build_warehouse
    from mops.core import registry

    build_warehouse()
    for _name, load in registry.demo_loaders:
        load()


def _main_pages() -> dict[str, list[str]]:
    """The 25 main pages, by the role that works on them."""
    from governance.models import Dataset, Rfc
    from intake.models import Request
    from mops.accounts.models import User
    from releases.trains.models import Departure, Train

    team = User.objects.get(username="requester").team
    mine = Request.objects.filter(team=team).exclude(status="draft").order_by("-pk").first()
    in_qa = Request.objects.filter(status="in_qa").order_by("-pk").first() or mine
    departure = Departure.objects.order_by("starts_at").last()
    train = Train.objects.order_by("pk").first()
    rfc = Rfc.objects.order_by("pk").first()
    dataset = Dataset.objects.order_by("pk").first()
    return {
        "requester": [
            "/",
            "/catalog/",
            "/catalog/launch-a-campaign/",
            "/requests/new/",
            "/requests/",
            f"/requests/{mine.pk}/",
            "/governance/utm/builder/",
            "/notifications/",
            "/profile/",
        ],
        "pm": [
            "/requests/",
            "/requests/review/",
            f"/requests/{in_qa.pk}/",
            "/releases/",
            "/releases/trains/",
            f"/releases/trains/{train.slug}/",
            f"/releases/departures/{departure.pk}/",
            "/governance/rfcs/",
            f"/governance/rfcs/{rfc.pk}/",
            "/audit/",
        ],
        "engineer": [
            f"/releases/requests/{in_qa.pk}/qa/",
            f"/releases/requests/{in_qa.pk}/board/",
            "/governance/datasets/",
            f"/governance/datasets/{dataset.pk}/",
            "/governance/incidents/",
        ],
        "leader": ["/metrics/", "/metrics/health/"],
        "admin": ["/catalog/sla/", "/governance/taxonomy/"],
    }


def test_main_pages_have_no_serious_or_critical_axe_violations(browser, live_server, settings,
                                                                demo_site):  # fmt: skip
    from mops.accounts.demo_logins import PASSWORD

    settings.ALLOWED_HOSTS = ["*"]
    axe = Axe()
    pages = _main_pages()
    assert len({p for paths in pages.values() for p in paths}) >= 25
    found: list[str] = []
    for username, paths in pages.items():
        page = new_page(browser, live_server, width=1366, timeout=15_000)
        context = page.context
        page.goto("/login/")
        fill_log_in(page, username, PASSWORD)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, (username, path)
            results = axe.run(page)
            for violation in results.response["violations"]:
                if violation["impact"] not in BLOCKING:
                    continue
                targets = [", ".join(n["target"]) for n in violation["nodes"][:3]]
                found.append(
                    f"{username} {path}: {violation['impact']} {violation['id']} "
                    f"({violation['help']}) at {targets}"
                )
        context.close()
    assert found == [], "\n".join(found)

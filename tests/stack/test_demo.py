import pytest

from governance.stack import demo, selectors
from governance.stack.models import Contract, Flow, Seat, Tool

pytestmark = pytest.mark.django_db


def test_demo_stack_loads_twice_without_duplicates(users):
    demo.load()
    counts = (
        Tool.objects.count(),
        Flow.objects.count(),
        Contract.objects.count(),
        Seat.objects.count(),
    )
    demo.load()
    assert counts == (
        Tool.objects.count(),
        Flow.objects.count(),
        Contract.objects.count(),
        Seat.objects.count(),
    )
    # the demo's tools plus the candidate under evaluation, with its new-tool RFC
    assert counts[0] == len(demo.TOOLS) + 1 and counts[1] == len(demo.FLOWS)
    candidate = Tool.objects.get(name=demo.CANDIDATE)
    assert candidate.status == "evaluating"
    assert candidate.evaluation_rfc.change_type == "new_tool"
    point = selectors.utilisation(today=__import__("datetime").date.today()).get(
        name="Webinar Buddy"
    )
    assert point.below and point.status == "tolerated"


def test_demo_guardrails_and_inventory_with_intakes_requests(users):
    """The catalog and stack demos, then intake's stack demo: the evaluation request in
    flight, campaigns whose tracking plans name events, the coverage gaps they show."""
    from catalog import demo as catalog_demo
    from governance.stack.evaluation import EVALUATION_SERVICE_SLUG
    from intake import stack_demo
    from intake.models import Request

    catalog_demo.load()
    demo.load()
    stack_demo.load()
    stack_demo.load()
    evaluation = Request.objects.get(title=stack_demo.EVALUATION_TITLE)
    assert evaluation.service.slug == EVALUATION_SERVICE_SLUG and evaluation.status == "accepted"
    assert Request.objects.filter(tracking_plan__events__gt="").count() == 2
    coverage = selectors.instrumentation_coverage()
    assert [u.name for u in coverage.uncovered] == ["webinar_attended"]
    assert [i.name for i in coverage.unconsented_pixels] == ["Heatmap snippet"]
    # (without the demo warehouse, tools holding personal data have no contract and stay
    # tolerated, so more destinations are off the path here than in the seeded demo)
    assert ("webinar_registered", "Webinar Buddy") in [
        (o.instrument.name, o.tool.name) for o in coverage.off_path
    ]
    landing = Flow.objects.get(source__name="Webinar Buddy").services.get()
    assert landing.slug == "build-a-landing-page"

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
    assert counts[0] == len(demo.TOOLS) and counts[1] == len(demo.FLOWS)
    point = selectors.utilisation(today=__import__("datetime").date.today()).get(
        name="Webinar Buddy"
    )
    assert point.below and point.status == "tolerated"

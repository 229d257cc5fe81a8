"""People read statuses as words: notifications and messages say "In QA", not "in qa"."""

from intake import services
from mops.notify.models import Notification


def test_a_move_without_its_own_verb_names_the_status_label(make_request, users):
    request = make_request(submit=True)
    for name in ("accept", "start", "send_to_qa"):
        request = services.request_transition(request=request, name=name, actor=users["pm"])
    texts = list(
        Notification.objects.filter(user=users["requester"]).values_list("text", flat=True)
    )
    assert f"{request.reference} is now In QA (pm)" in texts
    assert not any("in qa" in t or "in_qa" in t for t in texts)

"""Leadership is read-only: it reads requests and their comments but cannot comment or
@mention anyone, on the page or over the API (#12 finding 7)."""

import pytest

from intake import services
from intake.models import Comment
from mops.notify.models import Notification

pytestmark = pytest.mark.django_db


def test_leadership_cannot_comment_or_mention_on_the_page(make_request, users, client_for):
    request = make_request(submit=True)
    leader = client_for("leadership")
    page = leader.get(request.get_absolute_url())
    assert page.status_code == 200
    assert b'id="id_body"' not in page.content  # no comment form offered
    before = Notification.objects.count()
    refused = leader.post(f"/requests/{request.pk}/comments/", {"body": "@requester please hurry"})
    assert refused.status_code == 403
    assert not Comment.objects.filter(request=request).exists()
    assert Notification.objects.count() == before
    assert b'id="id_body"' in client_for("requester").get(request.get_absolute_url()).content


def test_leadership_reads_but_cannot_post_comments_over_the_api(make_request, users, api_for):
    request = make_request(submit=True)
    services.comment_create(request=request, actor=users["pm"], body="Looking at it")
    leader = api_for("leadership")
    assert leader.get(f"/api/v1/requests/{request.pk}/comments/").status_code == 200
    refused = leader.post(
        f"/api/v1/requests/{request.pk}/comments/", {"body": "@pm ship it"}, format="json"
    )
    assert refused.status_code == 403
    assert set(refused.json()) == {"errors"}
    assert Comment.objects.filter(request=request).count() == 1
    assert not Notification.objects.filter(user=users["pm"]).exists()
    # everyone else who sees the request may still speak on it
    for role in ("requester", "pm", "engineer", "admin"):
        response = api_for(role).post(
            f"/api/v1/requests/{request.pk}/comments/", {"body": f"from {role}"}, format="json"
        )
        assert response.status_code == 201, role


def test_the_service_refuses_leadership_too(make_request, users):
    from django.core.exceptions import PermissionDenied

    request = make_request(submit=True)
    with pytest.raises(PermissionDenied):
        services.comment_create(request=request, actor=users["leadership"], body="hello")


def test_leadership_takes_no_transition_and_attaches_nothing(make_request, users, api_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from intake.models import REQUEST_LIFECYCLE

    request = make_request(submit=True)
    leader = api_for("leadership")
    for transition in REQUEST_LIFECYCLE.transitions.values():
        response = leader.post(
            f"/api/v1/requests/{request.pk}/transition/",
            {"name": transition.name, "note": "because"},
            format="json",
        )
        assert response.status_code in (403, 409), (transition.name, response.status_code)
        assert response.status_code == 403 or transition.name not in ("accept", "cancel")
    upload = leader.post(
        f"/api/v1/requests/{request.pk}/attachments/",
        {"file": SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")},
        format="multipart",
    )
    assert upload.status_code == 403

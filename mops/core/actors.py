"""Who acts: the signed-in user a page or API view hands to a service.

Services take `actor: User` (`actor: User | None` where the system acts too, e.g. a worker).
A view's `request.user` may be `AnonymousUser` as far as the types go, although every view
behind `RoleRequiredMixin` / `RolePermission` has refused anonymous callers already; `actor_of`
narrows it once, checked, instead of a cast at each call:

    services.request_submit(request=obj, actor=actor_of(request))
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

from mops.accounts.models import User


def actor_of(request: HttpRequest | Request) -> User:
    """The signed-in user of a page or API request; PermissionDenied for anyone else."""
    user: User | AnonymousUser = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in to do this.")
    return user

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from mops.accounts.roles import user_roles

from . import registry


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation entries the signed-in user's roles allow."""
    roles = user_roles(getattr(request, "user", None))
    items = []
    for item in sorted(registry.nav_items, key=lambda i: i.order):
        if item.roles & roles:
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append({"label": item.label, "url": url, "active": request.path.startswith(url)})
    return {"nav_items": items, "user_roles": roles}

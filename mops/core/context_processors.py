from typing import TypedDict

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from mops.accounts.roles import user_roles

from . import registry

_GROUP_KEYS = {key for key, _ in registry.NAV_GROUPS}


class NavEntry(TypedDict):
    label: str
    url: str
    group: str
    active: bool
    count: int


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation the signed-in user's roles allow, grouped by job.

    Exactly one entry is current: the one whose address is the longest prefix of the
    page's path (Home only on "/"), so /requests/review/ marks "Backlog review", not
    "Requests" as well.
    """
    roles = user_roles(getattr(request, "user", None))
    if not roles:
        return {"nav_items": [], "nav_groups": [], "user_roles": roles}
    path = request.path
    items: list[NavEntry] = []
    for item in sorted(registry.nav_items, key=lambda i: i.order):
        if not item.roles & roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        group = item.group if item.group in _GROUP_KEYS else "work"
        count = item.count(request.user) if item.count else 0
        items.append(
            {"label": item.label, "url": url, "group": group, "active": False, "count": count}
        )
    matches = [i for i in items if path.startswith(i["url"]) and i["url"] != "/"]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    groups = []
    for key, label in registry.NAV_GROUPS:
        members = [i for i in items if i["group"] == key]
        if members:
            active = any(i["active"] for i in members)
            count = sum(i["count"] for i in members)
            groups.append(
                {"key": key, "label": label, "items": members, "active": active, "count": count}
            )
    return {"nav_items": items, "nav_groups": groups, "user_roles": roles}

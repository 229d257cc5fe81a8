"""`{% allowed_url "app:name" arg ... as url %}`: the address of a page, or "" when the
signed-in user's role may not open it, so a template shows an action only to those who
may take it. The answer comes from the view's own role declaration (`read_roles`,
`write_roles`), the same one that refuses the request, so the two cannot disagree; and a
lower app can link to a higher app's page without importing it.
"""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from mops.accounts.permissions import roles_for
from mops.accounts.roles import has_role

register = template.Library()


def url_allowed(user: object, url: str, *, method: str = "GET") -> bool:
    """True when `user`'s roles pass the role declaration of the view behind `url`."""
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return False
    view = getattr(match.func, "view_class", None)
    if view is None or not hasattr(view, "read_roles"):
        return True  # no role declaration: the view decides for itself
    return has_role(user, roles_for(view, method))


@register.simple_tag(takes_context=True)
def allowed_url(
    context: template.Context, url_name: str, *args: object, method: str = "GET"
) -> str:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    try:
        url = reverse(url_name, args=args)
    except NoReverseMatch:
        return ""
    return url if url_allowed(user, url, method=method) else ""

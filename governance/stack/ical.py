"""The renewal calendar as iCalendar: one all-day event per contract's notice deadline."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
from django.urls import reverse
from django.utils import timezone

from . import selectors


def renewals_feed(*, base_url: str = "") -> bytes:
    """Notice deadlines from 30 days ago to a year ahead (at most 2,000 contracts)."""
    today = timezone.localdate()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//mops//stack renewals//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Contract renewals (notice deadlines)")
    rows = selectors.renewals_between(today - timedelta(days=30), today + timedelta(days=366))
    for contract in rows[:2000]:
        deadline: date = contract.deadline  # type: ignore[attr-defined]  # the selector's annotation
        event = icalendar.Event()
        event.add("uid", f"stack-contract-{contract.pk}-{deadline:%Y%m%d}@mops")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", deadline)
        event.add("dtend", deadline + timedelta(days=1))
        event.add("summary", f"Notice deadline: {contract.tool} ({contract.vendor})")
        event.add(
            "description",
            f"Term ends {contract.ends_on:%Y-%m-%d}; {contract.notice_days} days' notice; "
            f"{'auto-renews' if contract.auto_renew else 'does not auto-renew'}; "
            f"{contract.annual_cost} {contract.currency} a year.",
        )
        event.add("sequence", contract.version)
        if base_url:
            event.add("url", base_url + reverse("stack:contract_detail", args=[contract.pk]))
        calendar.add_component(event)
    return calendar.to_ical()

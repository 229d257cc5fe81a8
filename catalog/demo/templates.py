"""The demo templates: each with two or three versions (content, spec, changelog, rollback plan)."""

from typing import Any

from ..models import Channel, PatternKind

TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "Welcome series",
        "slug": "welcome-series",
        "kind": PatternKind.WELCOME_SERIES,
        "channel": Channel.EMAIL,
        "description": "Three e-mails over ten days for new subscribers.",
        "versions": [
            (
                "3 e-mails: welcome (day 0), best content (day 3), offer (day 10).",
                {
                    "steps": [
                        {"email": "welcome", "wait_days": 0},
                        {"email": "content", "wait_days": 3},
                        {"email": "offer", "wait_days": 7},
                    ]
                },
                "First version.",
                "Deactivate the program; subscribers stay in the database.",
            ),
            (
                "Adds a preference-centre step after the welcome e-mail.",
                {
                    "steps": [
                        {"email": "welcome", "wait_days": 0},
                        {"email": "preferences", "wait_days": 1},
                        {"email": "content", "wait_days": 2},
                        {"email": "offer", "wait_days": 7},
                    ]
                },
                "Preference step added.",
                "Roll back to v1: remove the preference step.",
            ),
        ],
    },
    {
        "name": "Nurture",
        "slug": "nurture",
        "kind": PatternKind.NURTURE,
        "channel": Channel.EMAIL,
        "description": "Education track, one e-mail every week until MQL.",
        "versions": [
            (
                "Weekly e-mail until MQL or six weeks.",
                {"cadence_days": 7, "max_emails": 6},
                "First version.",
                "Pause the stream; no data changes.",
            ),
            (
                "Cadence ten days; stop on sales activity.",
                {"cadence_days": 10, "max_emails": 6, "exit": ["mql", "sales_activity"]},
                "Longer cadence, sales exit.",
                "Return to v1 cadence.",
            ),
            (
                "Adds a webinar invite branch.",
                {
                    "cadence_days": 10,
                    "max_emails": 7,
                    "exit": ["mql", "sales_activity"],
                    "branches": ["webinar"],
                },
                "Webinar branch.",
                "Disable the branch; stream continues.",
            ),
        ],
    },
    {
        "name": "Re-engagement",
        "slug": "re-engagement",
        "kind": PatternKind.RE_ENGAGEMENT,
        "channel": Channel.EMAIL,
        "description": "For contacts inactive 90+ days: two tries, then sunset.",
        "versions": [
            (
                "Two e-mails a week apart, then mark as sunset.",
                {"inactive_days": 90, "tries": 2},
                "First version.",
                "Unmark sunset flags set by the program.",
            ),
            (
                "Inactive threshold 120 days.",
                {"inactive_days": 120, "tries": 2},
                "Threshold raised to 120 days.",
                "Back to 90 days.",
            ),
        ],
    },
    {
        "name": "Win-back",
        "slug": "win-back",
        "kind": PatternKind.WIN_BACK,
        "channel": Channel.EMAIL,
        "description": "Churned customers: offer, reminder, survey.",
        "versions": [
            (
                "Offer, reminder after 5 days, survey after 14.",
                {"steps": ["offer", "reminder", "survey"]},
                "First version.",
                "Stop the program; offers expire on their own.",
            ),
            (
                "Adds an SMS reminder where consent exists.",
                {"steps": ["offer", "reminder", "sms_reminder", "survey"]},
                "SMS reminder.",
                "Remove the SMS step.",
            ),
        ],
    },
    {
        "name": "Upsell",
        "slug": "upsell",
        "kind": PatternKind.UPSELL,
        "channel": Channel.EMAIL,
        "description": "Usage-triggered upgrade offers for active customers.",
        "versions": [
            (
                "Trigger at 80% of plan usage; one e-mail and an in-app note.",
                {"trigger": "usage_80", "steps": ["email", "in_app"]},
                "First version.",
                "Turn off the trigger.",
            ),
            (
                "Trigger at 90%; adds account-manager task.",
                {"trigger": "usage_90", "steps": ["email", "in_app", "am_task"]},
                "Later trigger, AM task.",
                "Back to 80% trigger, no task.",
            ),
        ],
    },
]

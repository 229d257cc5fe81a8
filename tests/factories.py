"""Factories for tests (factory_boy), one per model, shared by every test module."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from mops.accounts.models import Team, User
from mops.accounts.roles import GROUP_NAMES


class SlugFactory(factory.django.DjangoModelFactory):
    """A row found by its slug: building one with a slug that exists returns that row."""

    class Meta:
        abstract = True
        django_get_or_create = ("slug",)


def named(noun: str) -> tuple[factory.Sequence, factory.Sequence]:
    """`name, slug = named("Team")`: "Team 3" and "team-3", from the factory's one counter."""
    return (
        factory.Sequence(lambda n: f"{noun} {n}"),
        factory.Sequence(lambda n: f"{noun.lower()}-{n}"),
    )


def counting() -> factory.Sequence:
    """Version numbers 1, 2, 3…"""
    return factory.Sequence(lambda n: n + 1)


class TeamFactory(SlugFactory):
    class Meta:
        model = Team

    name, slug = named("Team")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.LazyAttribute(lambda u: u.username.capitalize())
    team = factory.SubFactory(TeamFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if extracted:
            group, _ = Group.objects.get_or_create(name=GROUP_NAMES[extracted])
            self.groups.add(group)
        if create:
            self.save()


# --- catalog ------------------------------------------------------------------------------
MON_FRI_9_17 = {str(d): [["09:00", "17:00"]] for d in range(5)}


class CalendarFactory(SlugFactory):
    """A New York Mon–Fri 09–17 business calendar with US public holidays."""

    class Meta:
        model = "catalog.Calendar"

    name, slug = named("Calendar")
    time_zone = "America/New_York"
    working_hours = factory.LazyFunction(lambda: dict(MON_FRI_9_17))
    holiday_regions = factory.LazyFunction(lambda: ["US"])


class ClosedDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.ClosedDay"

    calendar = factory.SubFactory(CalendarFactory)
    date = factory.Sequence(lambda n: date(2030, 1, 1) + timedelta(days=n))
    name = "Company day"


class SlaPolicyFactory(SlugFactory):
    """Triage 4 business hours; delivery 16 / 40 / 120 by class; at risk at 75 %."""

    class Meta:
        model = "catalog.SlaPolicy"

    name, slug = named("Policy")
    calendar = factory.SubFactory(CalendarFactory)
    triage_hours_simple = 4
    triage_hours_standard = 4
    triage_hours_complex = 4
    delivery_hours_simple = 16
    delivery_hours_standard = 40
    delivery_hours_complex = 120
    at_risk_percent = 75


class TemplateFactory(SlugFactory):
    class Meta:
        model = "catalog.Template"

    name, slug = named("Template")
    kind = "nurture"
    channel = "email"


class TemplateVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.TemplateVersion"

    template = factory.SubFactory(TemplateFactory)
    number = counting()
    content = "Weekly e-mail."


# A service form with a conditional question: audience size only when the channel is e-mail
# (the catalog and intake fixtures' service).
CONDITIONAL_DEFINITION = [
    {
        "key": "channel",
        "label": "Channel",
        "type": "choice",
        "required": True,
        "choices": ["E-mail", "Paid social"],
    },
    {
        "key": "audience_size",
        "label": "Audience size",
        "type": "number",
        "required": True,
        "min": 1,
        "condition": {"field": "channel", "op": "eq", "value": "E-mail"},
    },
    {"key": "notes", "label": "Notes", "type": "long_text"},
]


class ServiceFactory(SlugFactory):
    """A draft service row (tests of behaviour publish through `catalog.services`)."""

    class Meta:
        model = "catalog.Service"

    name, slug = named("Service")
    channels = factory.LazyFunction(lambda: ["email"])
    sla_policy = factory.SubFactory(SlaPolicyFactory)


class ServiceVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.ServiceVersion"

    service = factory.SubFactory(ServiceFactory)
    number = counting()
    complexity = "standard"
    sla_policy = factory.SelfAttribute("service.sla_policy")


class SelfServeCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.SelfServeCompletion"

    service = factory.SubFactory(ServiceFactory)
    complexity = "simple"
    tool = factory.LazyFunction(lambda: _first_choice("catalog.SelfServeCompletion", "tool"))
    outcome = "Done"


def _first_choice(label: str, field: str) -> str:
    from django.apps import apps

    return apps.get_model(label)._meta.get_field(field).choices[0][0]


# --- intake -------------------------------------------------------------------------------


class ScoringModelFactory(SlugFactory):
    class Meta:
        model = "intake.ScoringModel"

    name, slug = named("Scoring")


class ScoringModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.ScoringModelVersion"

    scoring_model = factory.SubFactory(ScoringModelFactory)
    number = counting()
    factors = factory.LazyFunction(lambda: {"formula": "impact"})


class RequestFactory(factory.django.DjangoModelFactory):
    """A draft request row; lifecycle steps go through `intake.services`."""

    class Meta:
        model = "intake.Request"

    title = factory.Sequence(lambda n: f"Request {n}")
    service_version = factory.SubFactory(ServiceVersionFactory)
    service = factory.SelfAttribute("service_version.service")
    requester = factory.SubFactory(UserFactory)
    team = factory.SelfAttribute("requester.team")
    complexity = "standard"


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.Priority"

    request = factory.SubFactory(RequestFactory)


class RequestEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.RequestEvent"

    request = factory.SubFactory(RequestFactory)
    transition = "create"
    to_status = "draft"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.Comment"

    request = factory.SubFactory(RequestFactory)
    author = factory.SelfAttribute("request.requester")
    body = "A comment."


class WatcherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.Watcher"

    request = factory.SubFactory(RequestFactory)
    user = factory.SelfAttribute("request.requester")


class SavedViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.SavedView"

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"View {n}")
    query = "status=submitted"


class RequestAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.RequestAttachment"

    request = factory.SubFactory(RequestFactory)
    file = factory.django.FileField(filename="brief.txt", data=b"brief")
    filename = "brief.txt"
    content_type = "text/plain"
    size = 5


class IdempotencyKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.IdempotencyKey"

    request = factory.SubFactory(RequestFactory)
    user = factory.SelfAttribute("request.requester")
    key = factory.Sequence(lambda n: f"key-{n}")
    body_hash = "0" * 64


class SlaNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.SlaNotice"

    request = factory.SubFactory(RequestFactory)
    clock = "triage"
    state = "at_risk"


class ImportRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.ImportRun"

    system = factory.LazyFunction(lambda: _first_choice("intake.ImportRun", "system"))
    filename = "export.csv"
    text = "key,summary\n"
    created_by = factory.SubFactory(UserFactory)


class ImportedRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.ImportedRequest"

    run = factory.SubFactory(ImportRunFactory)
    system = factory.SelfAttribute("run.system")
    source_id = factory.Sequence(lambda n: f"SRC-{n}")
    request = factory.SubFactory(RequestFactory)
    row_hash = "0" * 64
    request_version = 1


# --- releases -----------------------------------------------------------------------------


class TrainFactory(SlugFactory):
    """Tuesdays 10:00–12:00 New York, from 2030-01-01 (rows only: no departures made)."""

    class Meta:
        model = "releases.Train"

    name, slug = named("Train")
    rrule = "FREQ=WEEKLY;BYDAY=TU"
    first_date = date(2030, 1, 1)
    start_time = time(10, 0)
    time_zone = "America/New_York"
    channels = factory.LazyFunction(lambda: ["email"])


class DepartureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.Departure"

    train = factory.SubFactory(TrainFactory)
    starts_at = factory.Sequence(
        lambda n: datetime(2030, 1, 1, 15, tzinfo=UTC) + timedelta(weeks=n)
    )
    scheduled_start = factory.SelfAttribute("starts_at")
    ends_at = factory.LazyAttribute(lambda d: d.starts_at + timedelta(hours=2))
    cutoff_at = factory.LazyAttribute(lambda d: d.starts_at - timedelta(days=1))
    capacity = 5


class FreezeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.Freeze"

    name = factory.Sequence(lambda n: f"Freeze {n}")
    starts_at = datetime(2030, 12, 20, tzinfo=UTC)
    ends_at = datetime(2031, 1, 2, tzinfo=UTC)


class FeedTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.FeedToken"

    user = factory.SubFactory(UserFactory)
    digest = factory.Sequence(lambda n: f"{n:064d}")
    key = "encrypted"


class BoardingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.Boarding"

    departure = factory.SubFactory(DepartureFactory)
    request = factory.SubFactory(RequestFactory)


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.Experiment"

    name = factory.Sequence(lambda n: f"Experiment {n}")
    hypothesis = "A shorter subject line lifts opens."
    owner = factory.SubFactory(UserFactory)
    team = factory.SelfAttribute("owner.team")
    channel = "email"
    primary_metric = "open rate"
    baseline_rate = Decimal("0.2")
    minimum_detectable_effect = Decimal("0.1")
    required_sample_per_variant = 6000


class ExperimentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.ExperimentEvent"

    experiment = factory.SubFactory(ExperimentFactory)
    transition = "create"
    to_status = "planned"


class ChecklistTemplateFactory(SlugFactory):
    class Meta:
        model = "releases.ChecklistTemplate"

    name, slug = named("Checklist")


class ChecklistTemplateVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.ChecklistTemplateVersion"

    template = factory.SubFactory(ChecklistTemplateFactory)
    number = counting()


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.ChecklistItem"

    version = factory.SubFactory(ChecklistTemplateVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = "Links resolve."


class ChecklistRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.ChecklistRun"

    request = factory.SubFactory(RequestFactory)
    template_version = factory.SubFactory(ChecklistTemplateVersionFactory)
    phase = "preflight"


class ItemResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.ItemResult"

    run = factory.SubFactory(ChecklistRunFactory)
    item = factory.SubFactory(
        ChecklistItemFactory, version=factory.SelfAttribute("..run.template_version")
    )


class PreflightRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.PreflightRun"

    request = factory.SubFactory(RequestFactory)
    check_name = factory.LazyFunction(lambda: _first_choice("releases.PreflightRun", "check_name"))


# --- metrics ------------------------------------------------------------------------------


class RequestFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.RequestFact"

    request = factory.SubFactory(RequestFactory)
    service = factory.SelfAttribute("request.service")
    complexity = "standard"


class RequestDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.RequestDay"

    kind = factory.LazyFunction(lambda: _first_choice("metrics.RequestDay", "kind"))
    day = factory.Sequence(lambda n: date(2030, 1, 1) + timedelta(days=n))
    service = factory.SubFactory(ServiceFactory)
    complexity = "standard"


class RollupSettingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.RollupSetting"

    time_zone = "America/New_York"


class NpsSurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.NpsSurvey"
        django_get_or_create = ("quarter",)

    quarter = factory.Sequence(lambda n: f"{2030 + n // 4}-Q{n % 4 + 1}")


class NpsInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.NpsInvitation"

    survey = factory.SubFactory(NpsSurveyFactory)
    requester = factory.SubFactory(UserFactory)


class NpsResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.NpsResponse"

    invitation = factory.SubFactory(NpsInvitationFactory)
    survey = factory.SelfAttribute("invitation.survey")
    score = 9


class TeamCostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.TeamCost"
        django_get_or_create = ("month",)

    month = factory.Sequence(lambda n: date(2030 + n // 12, n % 12 + 1, 1))
    amount = Decimal("42000.00")


class ImpactSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.ImpactSnapshot"

    period = "month"
    start = factory.Sequence(lambda n: date(2030 + n // 12, n % 12 + 1, 1))
    end = factory.LazyAttribute(lambda s: (s.start + timedelta(days=32)).replace(day=1))


class ImpactReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "metrics.ImpactReview"
        django_get_or_create = ("month",)

    month = factory.Sequence(lambda n: date(2030 + n // 12, n % 12 + 1, 1))


# --- mops: accounts and notify ------------------------------------------------------------


class IdpGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.IdpGroup"

    name = factory.Sequence(lambda n: f"idp-group-{n}")


class IdpGroupMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.IdpGroupMapping"

    group = factory.Sequence(lambda n: f"mops-group-{n}")
    role = "requester"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token row (its key is not recoverable: tests that call the API use api_for)."""

    class Meta:
        model = "accounts.ApiToken"

    user = factory.SubFactory(UserFactory)
    name = "tests"
    prefix = factory.Sequence(lambda n: f"p{n:07d}")
    digest = factory.Sequence(lambda n: f"{n:064d}")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notify.Channel"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Channel {n}")
    kind = "email"
    target = "ops@example.com"


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notify.OutboxMessage"

    kind = "email"
    target = "ops@example.com"
    idempotency_key = factory.Sequence(lambda n: f"message-{n}")
    next_attempt_at = factory.LazyFunction(lambda: datetime(2030, 1, 1, tzinfo=UTC))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notify.Notification"

    user = factory.SubFactory(UserFactory)
    text = "REQ-1 was accepted"

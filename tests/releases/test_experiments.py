"""The experiment register: the pure sample-size formula (hand-checked), the lifecycle and its
events, roles, the API (400 naming the field, 412 on a stale If-Match, 409 / 403 on
transitions, constant query count) and the pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from hypothesis import assume, given
from hypothesis import strategies as st

from mops.core.concurrency import StaleVersion
from mops.core.lifecycle import TransitionError
from releases.experiments import design
from releases.experiments import services as experiments_services
from releases.experiments.models import Experiment, ExperimentEvent, ExperimentStatus

# --- the pure formula -------------------------------------------------------------------------


def test_sample_size_for_10_percent_baseline_and_10_percent_lift():
    """Baseline p1 = 0.10, MDE +10 % relative → p2 = 0.11, d = p2 − p1 = 0.01,
    pooled p̄ = 0.105; α = 0.05 two-sided → z = 1.959964; power 0.8 → z = 0.841621.

        √(2 · 0.105 · 0.895)          = √0.18795 = 0.433532   × 1.959964 = 0.849707
        √(0.10 · 0.90 + 0.11 · 0.89)  = √0.1879  = 0.433474   × 0.841621 = 0.364821
        (0.849707 + 0.364821)² = 1.214528² = 1.475079;  / 0.01² = 14,750.8  → 14,751

    (The unpooled shortcut (z_α + z_β)² · (p1q1 + p2q2) / d² = 7.848866 · 0.1879 / 0.0001
    gives 14,748: the pooled variance under the null adds three.)
    """
    assert design.required_sample_per_variant(baseline=0.10, mde=0.10) == 14751
    assert (
        design.required_sample_per_variant(
            baseline=Decimal("0.10"), mde=Decimal("0.10"), alpha=Decimal("0.05"), power=0.8
        )
        == 14751
    )


def test_sample_size_for_5_percent_baseline_and_20_percent_lift():
    """p1 = 0.05, p2 = 0.06, d = 0.01, p̄ = 0.055.

    √(2 · 0.055 · 0.945) = √0.10395 = 0.322413;  √(0.0475 + 0.0564) = √0.1039 = 0.322335
    two-sided: (0.322413 · 1.959964 + 0.322335 · 0.841621)² = (0.631917 + 0.271284)²
               = 0.903201² = 0.815772 → 8,157.7 → 8,158
    one-sided (z = 1.644854): (0.530322 + 0.271284)² = 0.801606² = 0.642572
               → 6,425.7 → 6,426
    """
    assert design.required_sample_per_variant(baseline=0.05, mde=0.20) == 8158
    assert design.required_sample_per_variant(baseline=0.05, mde=0.20, two_sided=False) == 6426


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({"baseline": 0, "mde": 0.1}, "baseline_rate"),
        ({"baseline": 1, "mde": 0.1}, "baseline_rate"),
        ({"baseline": -0.2, "mde": 0.1}, "baseline_rate"),
        ({"baseline": 0.1, "mde": 0}, "minimum_detectable_effect"),
        ({"baseline": 0.1, "mde": -0.1}, "minimum_detectable_effect"),
        ({"baseline": 0.6, "mde": 1}, "minimum_detectable_effect"),  # 0.6 × 2 ≥ 1
        ({"baseline": 0.1, "mde": 0.1, "alpha": 0}, "alpha"),
        ({"baseline": 0.1, "mde": 0.1, "power": 1}, "power"),
        ({"baseline": float("nan"), "mde": 0.1}, "baseline_rate"),
        ({"baseline": "ten", "mde": 0.1}, "baseline_rate"),
    ],
)
def test_impossible_designs_name_their_field(inputs, field):
    with pytest.raises(design.DesignError) as caught:
        design.required_sample_per_variant(**inputs)
    assert caught.value.field == field


def test_met_power_is_reached_at_exactly_the_required_sample():
    assert design.met_power(observed_per_variant=14751, required_per_variant=14751)
    assert not design.met_power(observed_per_variant=14750, required_per_variant=14751)


rates = st.floats(min_value=0.005, max_value=0.5)
lifts = st.floats(min_value=0.02, max_value=0.9)


@given(rates, lifts, st.floats(min_value=1.05, max_value=3))
def test_a_larger_effect_never_needs_more_sample(baseline, mde, factor):
    assume(baseline * (1 + mde * factor) < 0.99)
    small = design.required_sample_per_variant(baseline=baseline, mde=mde)
    large = design.required_sample_per_variant(baseline=baseline, mde=mde * factor)
    assert large <= small


@given(rates, lifts)
def test_more_power_and_a_stricter_alpha_need_more_sample(baseline, mde):
    n = design.required_sample_per_variant(baseline=baseline, mde=mde)
    assert design.required_sample_per_variant(baseline=baseline, mde=mde, power=0.9) >= n
    assert design.required_sample_per_variant(baseline=baseline, mde=mde, alpha=0.01) >= n
    assert n >= 1


# --- services: lifecycle, events, roles -------------------------------------------------------

DESIGN = {
    "name": "Demo form: 3 fields",
    "hypothesis": "Fewer fields, more completions.",
    "channel": "landing_page",
    "primary_metric": "Form completion",
    "baseline_rate": Decimal("0.10"),
    "minimum_detectable_effect": Decimal("0.10"),
}


@pytest.fixture
def experiment(users):
    return experiments_services.experiment_create(actor=users["pm"], **DESIGN)


def _events(experiment):
    return list(
        ExperimentEvent.objects.filter(experiment=experiment).values_list(
            "transition", "from_status", "to_status", "actor__username", "note"
        )
    )


@pytest.mark.django_db
def test_create_computes_the_sample_and_records_an_event(users, experiment):
    assert experiment.status == ExperimentStatus.PLANNED
    assert experiment.required_sample_per_variant == 14751
    assert experiment.required_sample_total == 29502
    assert experiment.owner == users["pm"] and experiment.team == users["pm"].team  # defaults
    assert experiment.alpha == Decimal("0.05") and experiment.power == Decimal("0.8")
    assert _events(experiment) == [("create", "", "planned", "pm", "")]
    assert experiment.history.first().history_change_reason == "registered by pm"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["requester", "approver", "leadership"])
def test_only_mops_staff_register_experiments(users, role):
    with pytest.raises(PermissionDenied):
        experiments_services.experiment_create(actor=users[role], **DESIGN)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"baseline_rate": Decimal("1.5")}, "baseline_rate"),
        ({"baseline_rate": Decimal("0")}, "baseline_rate"),
        ({"minimum_detectable_effect": Decimal("0")}, "minimum_detectable_effect"),
        ({"baseline_rate": Decimal("0.6"), "minimum_detectable_effect": Decimal("1")},
         "minimum_detectable_effect"),
        ({"alpha": Decimal("0.5")}, "alpha"),
        ({"power": Decimal("0.3")}, "power"),
        ({"variants": 1}, "variants"),
        ({"baseline_rate": Decimal("0.000001"), "minimum_detectable_effect": Decimal("0.0001")},
         "minimum_detectable_effect"),  # needs ~10¹⁶ per variant
        ({"channel": "fax"}, "channel"),
        ({"colour": "red"}, "colour"),
    ],
)  # fmt: skip
def test_bad_designs_are_refused_naming_the_field(users, changes, field):
    with pytest.raises(ValidationError) as caught:
        experiments_services.experiment_create(actor=users["engineer"], **{**DESIGN, **changes})
    assert field in caught.value.message_dict
    assert not Experiment.objects.exists()


def concluded(experiment, actor, outcome: tuple[str, str, int], **extra):
    """The "conclude" transition with outcome = (result, learnings, observed sample)."""
    result, learnings, observed = outcome
    return experiments_services.experiment_transition(
        experiment=experiment,
        name="conclude",
        actor=actor,
        result=result,
        learnings=learnings,
        observed_sample_per_variant=observed,
        **extra,
    )


@pytest.mark.django_db
def test_the_full_lifecycle_records_every_step(users):
    start = timezone.now() - timedelta(days=20)
    end = start + timedelta(days=14)
    experiment = experiments_services.experiment_create(
        actor=users["pm"], now=start - timedelta(days=1), **DESIGN
    )
    running = experiments_services.experiment_transition(
        experiment=experiment, name="start", actor=users["engineer"], now=start
    )
    assert running.status == "running" and running.started_at == start
    with pytest.raises(ValidationError) as caught:
        experiments_services.experiment_transition(
            experiment=running, name="conclude", actor=users["pm"]
        )
    assert {"result", "learnings", "observed_sample_per_variant"} <= set(caught.value.message_dict)
    done = concluded(
        running,
        users["pm"],
        ("win", "Completion up 12%.", 15000),
        note="Read out in the Monday review.",
        now=end,
    )
    assert done.status == "concluded" and done.concluded_at == end
    assert done.met_power is True and done.result == "win"
    assert done.version == 3
    assert _events(done) == [
        ("create", "", "planned", "pm", ""),
        ("start", "planned", "running", "engineer", ""),
        ("conclude", "running", "concluded", "pm", "Read out in the Monday review."),
    ]
    assert [e.at for e in done.events.all()] == [start - timedelta(days=1), start, end]
    assert done.history.count() == 3


@pytest.mark.django_db
def test_an_under_powered_conclusion_is_recorded_as_such(users, experiment):
    experiments_services.experiment_transition(
        experiment=experiment, name="start", actor=users["pm"]
    )
    done = concluded(experiment, users["pm"], ("inconclusive", "List too small.", 14750))
    assert done.met_power is False


@pytest.mark.django_db
def test_stop_and_cancel_need_a_reason_and_the_right_state(users, experiment):
    with pytest.raises(TransitionError):  # not running yet
        experiments_services.experiment_transition(
            experiment=experiment, name="stop", actor=users["pm"], note="x"
        )
    with pytest.raises(ValidationError) as caught:
        experiments_services.experiment_transition(
            experiment=experiment, name="cancel", actor=users["pm"]
        )
    assert "note" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:  # conclusion fields only when concluding
        experiments_services.experiment_transition(
            experiment=experiment, name="start", actor=users["pm"], result="win"
        )
    assert "result" in caught.value.message_dict
    cancelled = experiments_services.experiment_transition(
        experiment=experiment, name="cancel", actor=users["pm"], note="Budget cut."
    )
    assert cancelled.status == "cancelled" and cancelled.concluded_at is None
    with pytest.raises(TransitionError):
        experiments_services.experiment_transition(
            experiment=cancelled, name="start", actor=users["pm"]
        )


@pytest.mark.django_db
def test_leadership_cannot_move_an_experiment(users, experiment):
    with pytest.raises(TransitionError) as caught:
        experiments_services.experiment_transition(
            experiment=experiment, name="start", actor=users["leadership"]
        )
    assert caught.value.code == "forbidden"


@pytest.mark.django_db
def test_the_design_is_fixed_once_running_and_an_ended_one_takes_cost_and_learnings(
    users, experiment
):
    edited = experiments_services.experiment_update(
        experiment=experiment, actor=users["pm"], minimum_detectable_effect=Decimal("0.20")
    )
    assert edited.required_sample_per_variant < 14751  # recomputed while planned
    experiments_services.experiment_transition(experiment=edited, name="start", actor=users["pm"])
    with pytest.raises(ValidationError) as caught:
        experiments_services.experiment_update(
            experiment=edited, actor=users["pm"], baseline_rate=Decimal("0.2")
        )
    assert "baseline_rate" in caught.value.message_dict
    # the same value is not a change
    same = experiments_services.experiment_update(
        experiment=edited, actor=users["pm"], baseline_rate=Decimal("0.100000"), name="Renamed"
    )
    assert same.name == "Renamed"
    done = concluded(same, users["pm"], ("loss", "No.", 10))
    costed = experiments_services.experiment_update(
        experiment=done, actor=users["pm"], cost=Decimal("950")
    )
    assert costed.cost == Decimal("950")
    with pytest.raises(ValidationError) as caught:
        experiments_services.experiment_update(experiment=costed, actor=users["pm"], name="Again")
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        experiments_services.experiment_update(experiment=costed, actor=users["pm"], learnings="  ")
    assert "learnings" in caught.value.message_dict


@pytest.mark.django_db
def test_a_stale_version_is_refused(users, experiment):
    experiments_services.experiment_update(experiment=experiment, actor=users["pm"], name="One")
    with pytest.raises(StaleVersion):
        experiments_services.experiment_update(
            experiment=experiment, actor=users["pm"], expected_version=1, name="Two"
        )
    with pytest.raises(StaleVersion):
        experiments_services.experiment_transition(
            experiment=experiment, name="start", actor=users["pm"], expected_version=1
        )


# --- API --------------------------------------------------------------------------------------


def _fields(response):
    return {e["field"] for e in response.json()["errors"]}


API_BODY = {
    "name": "Subject line test",
    "hypothesis": "Questions get opened.",
    "channel": "email",
    "primary_metric": "Open rate",
    "baseline_rate": 0.1,
    "minimum_detectable_effect": 0.1,
}


@pytest.mark.django_db
def test_api_create_detail_and_etag(api_for, users):
    client = api_for("engineer")
    response = client.post("/api/v1/experiments/", {**API_BODY, "team": "demand-gen"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["required_sample_per_variant"] == 14751
    assert body["baseline_rate"] == 0.1 and body["alpha"] == 0.05  # JSON numbers
    assert body["team"] == "demand-gen" and body["owner"] == "engineer"
    assert body["status"] == "planned" and body["transitions"] == ["start", "cancel"]
    assert [e["transition"] for e in body["events"]] == ["create"]
    assert response["ETag"] == '"1"'
    detail = api_for("leadership").get(f"/api/v1/experiments/{body['id']}/")
    assert detail.status_code == 200 and detail.json()["transitions"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"baseline_rate": 1.2}, "baseline_rate"),
        ({"baseline_rate": 0}, "baseline_rate"),
        ({"baseline_rate": "abc"}, "baseline_rate"),
        ({"baseline_rate": 0.1234567}, "baseline_rate"),  # more decimals than stored
        ({"minimum_detectable_effect": 0}, "minimum_detectable_effect"),
        ({"minimum_detectable_effect": -0.1}, "minimum_detectable_effect"),
        ({"baseline_rate": 0.5, "minimum_detectable_effect": 1.5}, "minimum_detectable_effect"),
        ({"variants": 1}, "variants"),
        ({"team": "nope"}, "team"),
        ({"request": 10**30}, "request"),
        ({"request": 999999}, "request"),
        ({"name": ""}, "name"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(api_for, users, changes, field):
    response = api_for("pm").post("/api/v1/experiments/", {**API_BODY, **changes}, format="json")
    assert response.status_code == 400, response.json()
    assert field in _fields(response)


@pytest.mark.django_db
def test_api_patch_with_if_match(api_for, experiment):
    client = api_for("pm")
    url = f"/api/v1/experiments/{experiment.pk}/"
    ok = client.patch(url, {"minimum_detectable_effect": 0.2}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200, ok.json()
    assert ok.json()["required_sample_per_variant"] < 14751 and ok["ETag"] == '"2"'
    stale = client.patch(url, {"name": "Late"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert Experiment.objects.get(pk=experiment.pk).name == DESIGN["name"]
    assert client.patch(url, {"name": "x"}, HTTP_IF_MATCH="soon").status_code == 400
    bad = client.patch(url, {"baseline_rate": 2}, HTTP_IF_MATCH='"2"')
    assert bad.status_code == 400 and "baseline_rate" in _fields(bad)


@pytest.mark.django_db
def test_api_transitions(api_for, experiment):
    url = f"/api/v1/experiments/{experiment.pk}/transition/"
    client = api_for("engineer")
    early = client.post(url, {"name": "conclude", "result": "win"}, format="json")
    assert early.status_code == 409
    assert api_for("leadership").post(url, {"name": "start"}).status_code == 403
    assert client.post(url, {"name": "start"}, HTTP_IF_MATCH='"9"').status_code == 412
    assert client.post(url, {"name": "start"}).json()["status"] == "running"
    missing = client.post(url, {"name": "conclude"}, format="json")
    assert missing.status_code == 400
    assert {"result", "learnings", "observed_sample_per_variant"} <= _fields(missing)
    assert "name" in _fields(client.post(url, {"name": "explode"}))
    done = client.post(
        url,
        {
            "name": "conclude",
            "result": "win",
            "learnings": "Shipped.",
            "observed_sample_per_variant": 20000,
        },
        format="json",
    )
    assert done.status_code == 200, done.json()
    body = done.json()
    assert body["status"] == "concluded" and body["met_power"] is True
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in body["events"]] == [
        ("", "planned", "pm"),
        ("planned", "running", "engineer"),
        ("running", "concluded", "engineer"),
    ]


@pytest.mark.django_db
def test_api_roles(api_for, experiment):
    assert api_for("requester").get("/api/v1/experiments/").status_code == 403
    assert api_for("approver").get(f"/api/v1/experiments/{experiment.pk}/").status_code == 403
    assert api_for("leadership").post("/api/v1/experiments/", API_BODY).status_code == 403
    assert (
        api_for("leadership")
        .patch(f"/api/v1/experiments/{experiment.pk}/", {"name": "x"})
        .status_code
        == 403
    )


def _conclude(experiment, actor, observed):
    experiments_services.experiment_transition(experiment=experiment, name="start", actor=actor)
    return concluded(experiment, actor, ("win", "ok", observed))


@pytest.mark.django_db
def test_api_list_filters(api_for, users, experiment):
    other = experiments_services.experiment_create(
        actor=users["pm"],
        **{**DESIGN, "name": "Field SMS", "channel": "sms"},
        team=users["other_requester"].team,
    )
    _conclude(other, users["pm"], 1)
    client = api_for("leadership")

    def names(query):
        response = client.get(f"/api/v1/experiments/?{query}")
        assert response.status_code == 200, response.json()
        return [r["name"] for r in response.json()["results"]]

    assert names("") == ["Field SMS", DESIGN["name"]]
    assert names("status=planned") == [DESIGN["name"]]
    assert names("team=field") == ["Field SMS"]
    assert names("channel=sms&met_power=false") == ["Field SMS"]
    assert names("q=3%20fields") == [DESIGN["name"]]
    today = timezone.localdate().isoformat()
    assert names(f"concluded_from={today}&concluded_to={today}") == ["Field SMS"]
    bad = client.get("/api/v1/experiments/?team=nope&status=won")
    assert bad.status_code == 400 and {"team", "status"} <= _fields(bad)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/experiments/?page_size=100", "/releases/experiments/"])
def test_list_query_count_is_constant(
    api_for, client_for, users, departure, url, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(count, offset):
        for i in range(count):
            experiment = experiments_services.experiment_create(
                actor=users["pm"],
                **{**DESIGN, "name": f"Test {offset + i}"},
                departure=departure,
                team=users["other_requester"].team if i % 2 else None,
            )
            _conclude(experiment, users["engineer"], 100 * i)

    client = api_for("leadership") if url.startswith("/api/") else client_for("leadership")
    make(2, 0)
    client.get(url)  # warm the token/session caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make(8, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    if url.startswith("/api/"):
        assert response.json()["count"] == 10
        assert response.json()["results"][0]["departure"] == departure.pk
    else:
        assert (
            response.content.decode().count("met power")
            + response.content.decode().count("under-powered")
            >= 10
        )


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_register_run_and_conclude(client_for, users):
    pm = client_for("pm")
    form = {
        **DESIGN,
        "team": "demand-gen",
        "alpha": "0.05",
        "power": "0.8",
        "variants": "2",
    }
    response = pm.post("/releases/experiments/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    experiment = Experiment.objects.get()
    page = pm.get(experiment.get_absolute_url()).content.decode()
    assert "— / 14,751" in page and "Start" in page
    pm.post(experiment.get_absolute_url(), {"name": "start", "version": "1"})
    experiment.refresh_from_db()
    assert experiment.status == "running"
    edit = pm.get(f"/releases/experiments/{experiment.pk}/edit/").content.decode()
    assert 'name="baseline_rate"' not in edit and 'name="hypothesis"' in edit
    refused = pm.post(experiment.get_absolute_url(), {"name": "conclude", "version": "2"})
    assert refused.status_code == 400 and "Write down what was learned" in refused.content.decode()
    pm.post(
        experiment.get_absolute_url(),
        {
            "name": "conclude",
            "version": "2",
            "result": "inconclusive",
            "learnings": "Too few visitors.",
            "observed_sample_per_variant": "900",
        },
    )
    experiment.refresh_from_db()
    assert experiment.status == "concluded" and experiment.met_power is False
    listing = client_for("leadership").get("/releases/experiments/?status=concluded")
    assert listing.status_code == 200 and "under-powered" in listing.content.decode()


@pytest.mark.django_db
def test_page_roles_and_bad_form(client_for, experiment):
    assert client_for("requester").get("/releases/experiments/").status_code == 403
    assert client_for("leadership").get("/releases/experiments/new/").status_code == 403
    response = client_for("pm").post(
        "/releases/experiments/new/", {**DESIGN, "baseline_rate": "1.5", "variants": "2"}
    )
    assert response.status_code == 400
    assert "strictly between 0 and 1" in response.content.decode()


@pytest.mark.django_db
def test_nav_lists_the_register_for_readers(client_for):
    assert "/releases/experiments/" in client_for("leadership").get("/").content.decode()
    assert "/releases/experiments/" not in client_for("requester").get("/").content.decode()


# --- demo -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_register_loads_once_with_every_state():
    from metrics import selectors as metric_selectors
    from metrics.filters import MetricFilters
    from mops.accounts import demo as accounts_demo
    from releases import demo

    accounts_demo.load()
    demo.load()
    demo.load()  # idempotent
    rows = list(Experiment.objects.order_by("name").values_list("status", "met_power"))
    assert len(rows) == len(demo.EXPERIMENTS) == 6
    assert sorted(s for s, _ in rows) == [
        "concluded",
        "concluded",
        "concluded",
        "planned",
        "running",
        "stopped",
    ]
    assert sorted(str(m) for s, m in rows if s == "concluded") == ["False", "True", "True"]
    assert ExperimentEvent.objects.count() == 6 + 3 * 2 + 2 + 1
    today = timezone.localdate()
    figure = metric_selectors.experiments(
        MetricFilters(period="month", start=today - timedelta(days=70), end=today)
    )
    assert sum(p.value for p in figure.series[0].points) == 3

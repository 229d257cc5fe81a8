"""QA writes: checklist templates and versions, checklist runs and item results, pre-flight runs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from mops.accounts.models import User
from mops.core.audit import set_change_reason
from mops.core.lifecycle import TransitionError
from mops.core.services import model_save, require_role
from mops.core.slugs import unique_slug
from mops.core.uploads import validate_upload
from releases import work
from releases.common import (
    CHECKERS,
    TEMPLATE_EDITORS,
    check_version,
    copy_name,
    who,
)
from releases.qa.models import (
    AutomatedCheck,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    Evidence,
    ItemResult,
    ItemState,
    Phase,
    PreflightRun,
    PreflightStatus,
    RunStatus,
)
from releases.qa.preflight import Finding

log = logging.getLogger(__name__)

# --- checklists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    text: str
    required: bool = True
    evidence: str = Evidence.NONE
    automated_check: str = ""


def _item_specs(items: Iterable[Any]) -> list[ItemSpec]:
    specs: list[ItemSpec] = []
    errors: dict[str, str] = {}
    for index, raw in enumerate(items):
        spec = raw if isinstance(raw, ItemSpec) else None
        if spec is None:
            if not isinstance(raw, dict):
                errors[f"items.{index}"] = "Each item is an object with at least 'text'."
                continue
            spec = ItemSpec(
                text=str(raw.get("text", "")).strip(),
                required=bool(raw.get("required", True)),
                evidence=str(raw.get("evidence", Evidence.NONE) or Evidence.NONE),
                automated_check=str(raw.get("automated_check", "") or ""),
            )
        if not spec.text:
            errors[f"items.{index}.text"] = "An item needs its text."
        elif len(spec.text) > 300:
            errors[f"items.{index}.text"] = "At most 300 characters."
        if spec.evidence not in Evidence.values:
            errors[f"items.{index}.evidence"] = f"One of {', '.join(Evidence.values)}."
        if spec.automated_check and spec.automated_check not in AutomatedCheck.values:
            errors[f"items.{index}.automated_check"] = (
                f"One of {', '.join(AutomatedCheck.values)}, or empty."
            )
        specs.append(spec)
    if not specs and not errors:
        errors["items"] = "A checklist needs at least one item."
    if errors:
        raise ValidationError(errors)
    return specs


def checklist_template_create(
    *,
    actor: User,
    name: str,
    items: Iterable[Any],
    slug: str = "",
    channel: str = "",
    change_type: str = "",
    phase: str = Phase.PREFLIGHT,
    changelog: str = "First version.",
) -> ChecklistTemplate:
    """A checklist template and its version 1; the slug is made from the name if empty."""
    require_role(actor, TEMPLATE_EDITORS, "edit checklist templates")
    slug = slug or unique_slug(ChecklistTemplate, name or "checklist")
    template = ChecklistTemplate(
        name=name, slug=slug, channel=channel, change_type=change_type, phase=phase
    )
    specs = _item_specs(items)
    with transaction.atomic():
        model_save(template, reason=f"created by {who(actor)}")
        _publish_version(template, specs, actor, changelog)
    return template


def checklist_template_copy(*, template: ChecklistTemplate, actor: User) -> ChecklistTemplate:
    """A new checklist template with the items of `template`'s current version."""
    items = (
        [
            {
                "text": i.text,
                "required": i.required,
                "evidence": i.evidence,
                "automated_check": i.automated_check,
            }
            for i in template.current_version.items.all()
        ]
        if template.current_version
        else []
    )
    return checklist_template_create(
        actor=actor,
        name=copy_name(ChecklistTemplate, template.name),
        items=items,
        channel=template.channel,
        change_type=template.change_type,
        phase=template.phase,
        changelog=f"Copied from {template.name}.",
    )


def checklist_template_publish(
    *, template: ChecklistTemplate, actor: User, items: Iterable[Any], changelog: str
) -> ChecklistTemplateVersion:
    """A new version of the template's items. Existing runs keep the version they used."""
    require_role(actor, TEMPLATE_EDITORS, "edit checklist templates")
    specs = _item_specs(items)
    if not changelog.strip():
        raise ValidationError({"changelog": "Say what changed in this version."})
    with transaction.atomic():
        template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        return _publish_version(template, specs, actor, changelog)


def _publish_version(
    template: ChecklistTemplate, specs: list[ItemSpec], actor: User, changelog: str
) -> ChecklistTemplateVersion:
    last = template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ChecklistTemplateVersion.objects.create(
        template=template, number=last + 1, changelog=changelog, created_by=actor
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            version=version,
            position=index + 1,
            text=spec.text,
            required=spec.required,
            evidence=spec.evidence,
            automated_check=spec.automated_check,
        )
        for index, spec in enumerate(specs)
    )
    template.current_version = version
    set_change_reason(template, f"version {version.number} by {who(actor)}")
    template.save()
    return version


def matching_templates(
    *, channels: Iterable[str], change_type: str, phase: str
) -> QuerySet[ChecklistTemplate]:
    """Active templates of `phase` that apply: the channel matches (or is blank) and the
    change type matches (or is blank)."""
    return (
        ChecklistTemplate.objects.filter(active=True, phase=phase, current_version__isnull=False)
        .filter(Q(channel="") | Q(channel__in=list(channels)))
        .filter(Q(change_type="") | Q(change_type=change_type))
        .select_related("current_version")
    )


def checklists_instantiate(*, request: Any, phase: str = Phase.PREFLIGHT) -> list[ChecklistRun]:
    """Create the request's checklist runs for `phase` from the matching templates' current
    versions. Idempotent: a template version already run for the request is skipped."""
    templates = list(
        matching_templates(
            channels=work.request_channels(request),
            change_type=work.request_change_type(request),
            phase=phase,
        )
    )
    have = set(
        ChecklistRun.objects.filter(request=request, phase=phase).values_list(
            "template_version__template_id", flat=True
        )
    )
    created: list[ChecklistRun] = []
    with transaction.atomic():
        for template in templates:
            version = template.current_version  # matching_templates keeps only published ones
            if template.pk in have or version is None:
                continue
            run, made = ChecklistRun.objects.get_or_create(
                request=request,
                template_version=template.current_version,
                defaults={"phase": phase},
            )
            if not made:
                continue
            ItemResult.objects.bulk_create(
                ItemResult(run=run, item=item) for item in version.items.all()
            )
            _refresh_run(run)
            created.append(run)
    return created


def _item_satisfied(item: ChecklistItem, result: ItemResult) -> bool:
    if result.state == ItemState.NOT_APPLICABLE:
        return not item.required
    return result.state == ItemState.PASSED


def _refresh_run(run: ChecklistRun) -> ChecklistRun:
    results = list(run.results.select_related("item"))
    failed = any(r.state == ItemState.FAILED for r in results)
    done = all(_item_satisfied(r.item, r) or not r.item.required for r in results)
    status = RunStatus.FAILED if failed else RunStatus.PASSED if done else RunStatus.OPEN
    if status != run.status:
        run.status = status
        run.completed_at = timezone.now() if status == RunStatus.PASSED else None
        set_change_reason(run, f"now {status}")
        run.save()
    return run


def item_result_record(
    *,
    result: ItemResult,
    actor: User | None,
    state: str,
    evidence_link: str = "",
    evidence_file: UploadedFile | None = None,
    evidence_note: str = "",
    expected_version: int | None = None,
) -> ItemResult:
    """Tick (or fail, or mark not applicable) one checklist item with its evidence.

    Passing an item that asks for evidence requires that evidence (link, file or note);
    a required item cannot be 'not applicable'. An automated item is passed by its
    pre-flight run, not by hand.
    """
    if actor is not None:  # None: the pre-flight worker recording its automated verdict
        require_role(actor, CHECKERS, "tick QA checklists")
    if state not in ItemState.values:
        raise ValidationError({"state": f"One of {', '.join(ItemState.values)}."})
    with transaction.atomic():
        result = (
            ItemResult.objects.select_for_update().select_related("item", "run").get(pk=result.pk)
        )
        check_version(result, expected_version)
        item = result.item
        if result.run.status == RunStatus.PASSED and result.run.phase == Phase.PREFLIGHT:
            if work.request_status(result.run.request) != work.IN_QA:
                raise TransitionError("The pre-flight checklist is closed: the work has boarded.")
        if item.automated_check and state == ItemState.PASSED and actor is not None:
            raise ValidationError(
                {"state": "This item is passed by its automated check: run the check."}
            )
        if state == ItemState.NOT_APPLICABLE and item.required:
            raise ValidationError({"state": "A required item cannot be marked not applicable."})
        if evidence_link:
            result.evidence_link = evidence_link
        if evidence_file is not None:
            accepted = validate_upload(
                evidence_file,
                field="evidence_file",
                max_bytes=settings.RELEASES_EVIDENCE_MAX_BYTES,
            )
            result.evidence_file = evidence_file
            result.evidence_filename = accepted.filename
        if evidence_note:
            result.evidence_note = evidence_note
        if state == ItemState.PASSED:
            evidence: dict[str, tuple[str, bool, str]] = {
                Evidence.LINK: ("evidence_link", not result.evidence_link, "a link"),
                Evidence.FILE: ("evidence_file", not result.evidence_file, "a file"),
                Evidence.NOTE: ("evidence_note", not result.evidence_note.strip(), "a note"),
            }
            missing = evidence.get(item.evidence)
            if missing and missing[1]:
                raise ValidationError({missing[0]: f"This item needs {missing[2]} as evidence."})
        result.state = state
        result.checked_by = actor
        result.checked_at = timezone.now()
        result.version += 1
        model_save(result, reason=f"{state} by {who(actor)}", exclude=["evidence_file"])
        _refresh_run(result.run)
    return result


# --- pre-flight runs --------------------------------------------------------------------------


def preflight_start(
    *,
    request: Any,
    actor: User,
    check: str,
    html: str = "",
    urls: Iterable[str] = (),
    item_result: ItemResult | None = None,
) -> PreflightRun:
    """Queue an automated check of an asset; a worker runs it after commit."""
    require_role(actor, CHECKERS, "run pre-flight checks")
    if check not in AutomatedCheck.values:
        raise ValidationError({"check": f"One of {', '.join(AutomatedCheck.values)}."})
    urls = [u.strip() for u in urls if u and u.strip()]
    if len(html.encode("utf-8")) > settings.RELEASES_PREFLIGHT_MAX_HTML_BYTES:
        raise ValidationError({"html": "The HTML is too large to check here."})
    if check == AutomatedCheck.EMAIL_HTML and not html.strip():
        raise ValidationError({"html": "Paste the e-mail's HTML to check."})
    if check != AutomatedCheck.EMAIL_HTML and not (html.strip() or urls):
        raise ValidationError({"urls": "Give the asset's HTML or its URLs."})
    if len(urls) > 500:
        raise ValidationError({"urls": "At most 500 URLs per run."})
    if item_result is not None and item_result.run.request_id != request.pk:
        raise ValidationError({"item_result": "That checklist item belongs to another request."})
    with transaction.atomic():
        run = PreflightRun.objects.create(
            request=request,
            item_result=item_result,
            check_name=check,
            html=html,
            urls=urls,
            created_by=actor,
        )
        transaction.on_commit(lambda: _queue_preflight(run.pk))
    return run


def _queue_preflight(run_id: int) -> None:
    from releases.tasks import preflight_execute_task

    try:
        preflight_execute_task.delay(run_id)
    except Exception:  # broker down: the sweep picks queued runs up
        log.warning("broker unavailable; pre-flight run %s left for the sweep", run_id)


def _tracking_rule() -> Callable[[str], list[Finding]]:
    """governance's taxonomy validator over its active taxonomy (its default one when none
    is stored), as a pre-flight tracking rule."""
    from governance.taxonomy import ERROR, validate_url
    from governance.taxonomy.selectors import taxonomy_current

    taxonomy = taxonomy_current()

    def rule(url: str) -> list[Finding]:
        result = validate_url(url, taxonomy)
        found = []
        for problem in result.findings:
            message = f"{problem.param}: {problem.message}" if problem.param else problem.message
            if problem.suggestion:
                message += f" (suggestion: {problem.suggestion})"
            severity: Literal["fail", "warn"] = "fail" if problem.severity == ERROR else "warn"
            found.append(Finding(f"tracking.{problem.rule}", severity, message, url))
        return found

    return rule


def preflight_execute(*, run_id: int) -> PreflightRun | None:
    """Run one queued check (the worker). The claim is a conditional UPDATE so two workers
    never run the same row; findings are stored as JSON and the linked checklist item is
    passed or failed."""
    from releases.qa import emailcheck, preflight

    claimed = PreflightRun.objects.filter(pk=run_id, status=PreflightStatus.QUEUED).update(
        status=PreflightStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = PreflightRun.objects.get(pk=run_id)
    details: dict[str, Any] = {}
    try:
        urls = list(run.urls) or [link.url for link in emailcheck.extract_links(run.html)]
        channels = work.request_channels(run.request) if run.request_id else []
        if run.check_name == AutomatedCheck.EMAIL_HTML:
            findings = emailcheck.check_email_html(run.html)
        elif not urls:
            findings = preflight.check_links_present(urls, channels)
        elif run.check_name == AutomatedCheck.TRACKING:
            findings = preflight.check_tracking(urls, rule=_tracking_rule())
        else:
            results = preflight.check_links(
                urls,
                timeout=settings.RELEASES_LINKCHECK_TIMEOUT,
                allow=settings.MOPS_OUTBOUND_ALLOWLIST,
            )
            findings = [f for r in results for f in r.findings()]
            details["links"] = [r.as_dict() for r in results]
        details["checked_urls"] = len(urls)
        run.findings = [f.as_dict() for f in findings]
        failed = any(f.severity == "fail" for f in findings)
        run.status = PreflightStatus.FAILED if failed else PreflightStatus.PASSED
    except Exception as exc:  # a crash in a check is reported on the run, never lost
        log.exception("pre-flight run %s crashed", run_id)
        run.status = PreflightStatus.ERROR
        run.error = f"{type(exc).__name__}: {exc}"
    run.details = details
    run.finished_at = timezone.now()
    run.save()
    if run.item_result_id and run.status in (PreflightStatus.PASSED, PreflightStatus.FAILED):
        state = ItemState.PASSED if run.status == PreflightStatus.PASSED else ItemState.FAILED
        item_result_record(
            result=ItemResult(pk=run.item_result_id),
            actor=None,
            state=state,
            evidence_note=f"Automated check run {run.pk}: {len(run.failures)} failure(s).",
        )
    return run


def preflight_sweep(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Run queued checks the broker never delivered, and fail ones stuck running."""
    cutoff = timezone.now() - older_than
    stuck = PreflightRun.objects.filter(
        status=PreflightStatus.RUNNING, started_at__lt=timezone.now() - timedelta(minutes=30)
    ).update(status=PreflightStatus.ERROR, error="worker stopped while running the check")
    count = 0
    for pk in PreflightRun.objects.filter(
        status=PreflightStatus.QUEUED, created_at__lt=cutoff
    ).values_list("pk", flat=True)[:50]:
        if preflight_execute(run_id=pk) is not None:
            count += 1
    return count + stuck

"""Governance API: RFCs (+ transitions, approvals, schedule, diff), approval policies, the
taxonomy (read for everyone, write for admins), UTM validate (single, batch, CSV) and
build, campaigns. Thin: the same services and selectors as the pages."""

from __future__ import annotations

import io
import re
import tempfile
from collections import Counter
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mops.accounts.roles import ADMINS, ALL_ROLES, MOPS_STAFF

from .. import selectors
from .. import taxonomy as tx
from ..filters import CampaignFilter, RfcFilter
from ..models import REVIEWERS, RFC_AUTHORS, SCHEDULERS, Approval, Rfc
from ..models import Campaign as CampaignModel
from ..services import (
    TAXONOMY_EDITORS,
    approval_policy_save,
    campaign_register,
    campaign_update,
    rfc_approve,
    rfc_create,
    rfc_reject,
    rfc_request_changes,
    rfc_schedule,
    rfc_transition,
    rfc_update,
    taxonomy_save,
)
from ..taxonomy_codec import taxonomy_to_data
from .serializers import (
    ApprovalPolicySerializer,
    ApprovalSerializer,
    BuildRequestSerializer,
    BuildResponseSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    CsvSummarySerializer,
    CsvUploadSerializer,
    DiffQuerySerializer,
    DiffSerializer,
    ReviewRequestSerializer,
    RfcCreateSerializer,
    RfcListSerializer,
    RfcRevisionSerializer,
    RfcSerializer,
    ScheduleRequestSerializer,
    TaxonomySerializer,
    TaxonomyVersionSerializer,
    TransitionRequestSerializer,
    ValidateRequestSerializer,
    ValidateResponseSerializer,
)

CSV_JSON_RESULTS = 1000


def _if_match(request: Request) -> int | None:
    raw = request.headers.get("If-Match")
    if not raw:
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', raw)
    if not match:
        raise serializers.ValidationError({"If-Match": 'Send the version as If-Match: "<n>".'})
    return int(match.group(1))


def _finding(f: tx.Finding) -> dict[str, Any]:
    return {
        "param": f.param,
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "suggestion": f.suggestion,
    }


def _url_result(result: tx.ValidationResult) -> dict[str, Any]:
    return {
        "url": result.url,
        "valid": result.valid,
        "channel": result.channel,
        "fixed_url": result.fixed_url,
        "findings": [_finding(f) for f in result.findings],
    }


def _name_result(name: str, taxonomy: tx.Taxonomy) -> dict[str, Any]:
    findings = tx.validate_campaign_name(name, taxonomy)
    return {
        "campaign_name": name,
        "valid": not any(f.severity == tx.ERROR for f in findings),
        "fixed": tx.fix_campaign_name(name, taxonomy),
        "findings": [_finding(f) for f in findings],
    }


# --- RFCs ---------------------------------------------------------------------------------


class RfcViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """RFCs. Edits (`PUT`/`PATCH`, `If-Match: "<version>"`) that change the content void
    earlier approvals. Approvals carry the content hash the reviewer read."""

    queryset = Rfc.objects.none()
    read_roles = selectors.RFC_READERS
    write_roles = RFC_AUTHORS
    action_roles = {
        "transition": MOPS_STAFF,
        "approve": REVIEWERS,
        "request_changes": REVIEWERS,
        "reject": REVIEWERS,
        "schedule": SCHEDULERS,
    }
    filterset_class = RfcFilter
    ordering_fields = ["updated_at", "created_at", "risk", "status"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.rfcs_visible_to(self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related("approvals__reviewer", "services", "templates")
        return qs.order_by("-updated_at")

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        if self.action == "list":
            return RfcListSerializer
        if self.action == "create":
            return RfcCreateSerializer
        return RfcSerializer

    def _respond(self, rfc: Rfc, code: int = status.HTTP_200_OK) -> Response:
        rfc = self.get_queryset().get(pk=rfc.pk)
        response = Response(RfcSerializer(rfc).data, status=code)
        response["ETag"] = f'"{rfc.version}"'
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    @extend_schema(request=RfcCreateSerializer, responses={201: RfcSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = RfcCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        rfc = rfc_create(actor=request.user, **data)
        return self._respond(rfc, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        rfc = self.get_object()
        serializer = RfcSerializer(rfc, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        rfc = rfc_update(
            rfc=rfc,
            actor=request.user,
            expected_version=_if_match(request),
            **dict(serializer.validated_data),
        )
        return self._respond(rfc)

    @extend_schema(request=TransitionRequestSerializer, responses={200: RfcSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """submit, resubmit, unschedule, implement, verify, roll_back (needs a note)."""
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rfc = rfc_transition(rfc=self.get_object(), actor=request.user, **body.validated_data)
        return self._respond(rfc)

    def _review(self, request: Request, service: Any) -> Response:
        body = ReviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rfc = self.get_object()
        service(
            rfc=rfc,
            actor=request.user,
            comment=body.validated_data["comment"],
            expected_hash=body.validated_data.get("content_hash"),
        )
        return self._respond(rfc)

    @extend_schema(
        request=ReviewRequestSerializer,
        responses={200: RfcSerializer, 412: OpenApiResponse(description="Content changed")},
        description="Approve the current content (no self-approval). Approved once the "
        "risk level's quorum is met.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, rfc_approve)

    @extend_schema(request=ReviewRequestSerializer, responses={200: RfcSerializer})
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, rfc_request_changes)

    @extend_schema(request=ReviewRequestSerializer, responses={200: RfcSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, rfc_reject)

    @extend_schema(
        request=ScheduleRequestSerializer,
        responses={200: RfcSerializer},
        description="approved → scheduled into a window. Release trains board RFCs onto "
        "departures through releases; this is the window-only form.",
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        from ..hooks import window_in_freeze

        body = ScheduleRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        rfc = rfc_schedule(
            rfc=self.get_object(),
            actor=request.user,
            window_start=data["window_start"],
            window_end=data["window_end"],
            window_ref=data["window_ref"],
            in_freeze=window_in_freeze(data["window_start"], data["window_end"]),
            note=data["note"],
        )
        return self._respond(rfc)

    @extend_schema(
        parameters=[
            OpenApiParameter("from_version", int, description="Default: the previous version."),
            OpenApiParameter("to_version", int, description="Default: the current version."),
        ],
        responses={200: DiffSerializer},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def diff(self, request: Request, pk: str | None = None) -> Response:
        """Readable differences between two versions, and what changed since the last approval."""
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rfc = self.get_object()
        to_v = query.validated_data.get("to_version", rfc.version)
        from_v = query.validated_data.get("from_version", max(to_v - 1, 1))
        for name, value in (("from_version", from_v), ("to_version", to_v)):
            if value > rfc.version:
                raise serializers.ValidationError({name: f"{rfc.reference} has v1–v{rfc.version}."})
        changes = selectors.rfc_diff(rfc, from_number=from_v, to_number=to_v)
        approved, since = selectors.rfc_changes_since_approval(rfc)
        data = {
            "from_version": from_v,
            "to_version": to_v,
            "changes": changes,
            "approved_version": approved,
            "changed_since_approval": since,
        }
        return Response(DiffSerializer(data).data)

    @extend_schema(responses=RfcRevisionSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        return Response(
            RfcRevisionSerializer(selectors.rfc_revisions(self.get_object()), many=True).data
        )

    @extend_schema(responses=ApprovalSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def approvals(self, request: Request, pk: str | None = None) -> Response:
        qs = Approval.objects.filter(rfc=self.get_object()).select_related("reviewer")
        return Response(ApprovalSerializer(qs, many=True).data)


class ApprovalPolicyViewSet(viewsets.GenericViewSet):
    """What each risk level needs. Everyone who reads RFCs reads these; admins change them."""

    serializer_class = ApprovalPolicySerializer
    read_roles = selectors.RFC_READERS
    write_roles = ADMINS
    lookup_field = "risk"
    lookup_value_regex = "low|medium|high"
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        from ..models import ApprovalPolicy

        return ApprovalPolicy.objects.all()

    @extend_schema(responses=ApprovalPolicySerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(ApprovalPolicySerializer(selectors.approval_policies(), many=True).data)

    @extend_schema(responses=ApprovalPolicySerializer)
    def retrieve(self, request: Request, risk: str | None = None) -> Response:
        return Response(ApprovalPolicySerializer(selectors.approval_policy_for(risk or "")).data)

    @extend_schema(request=ApprovalPolicySerializer, responses=ApprovalPolicySerializer)
    def partial_update(self, request: Request, risk: str | None = None) -> Response:
        body = ApprovalPolicySerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        policy = approval_policy_save(actor=request.user, risk=risk or "", **body.validated_data)
        return Response(ApprovalPolicySerializer(policy).data)


# --- taxonomy ----------------------------------------------------------------------------------


class TaxonomyView(APIView):
    """The active campaign taxonomy: GET for everyone, PUT/PATCH for admins (new version)."""

    read_roles = ALL_ROLES
    write_roles = TAXONOMY_EDITORS

    def _data(self) -> dict[str, Any]:
        active = selectors.taxonomy_active_version()
        taxonomy = selectors.taxonomy_current()
        return {
            "version": active.number if active else 0,
            "note": active.note if active else "built-in default",
            "naming_template": taxonomy.naming.template,
            **taxonomy_to_data(taxonomy),
        }

    def _response(self) -> Response:
        data = self._data()
        response = Response(TaxonomySerializer(data).data)
        response["ETag"] = f'"{data["version"]}"'
        return response

    @extend_schema(responses=TaxonomySerializer)
    def get(self, request: Request) -> Response:
        return self._response()

    def _save(self, request: Request, partial: bool) -> Response:
        body = TaxonomySerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        note = data.pop("note", "")
        if not data:
            raise serializers.ValidationError(
                {"sources": "Send at least one of sources, mediums, channel_rules, naming."}
            )
        taxonomy_save(
            actor=request.user,
            note=note,
            expected_version=_if_match(request),
            **_plain(data),
        )
        return self._response()

    @extend_schema(request=TaxonomySerializer, responses=TaxonomySerializer)
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(request=TaxonomySerializer, responses=TaxonomySerializer)
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)


def _plain(value: Any) -> Any:
    """OrderedDicts and ReturnLists from DRF as plain JSON values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class TaxonomyVersionListView(APIView):
    read_roles = ALL_ROLES

    @extend_schema(responses=TaxonomyVersionSerializer(many=True))
    def get(self, request: Request) -> Response:
        versions = selectors.taxonomy_versions()[:200]
        return Response(TaxonomyVersionSerializer(versions, many=True).data)


# --- UTM tools ---------------------------------------------------------------------------------


class UtmValidateView(APIView):
    """Validate one URL / campaign name, or a batch (up to 10,000 per call)."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    @extend_schema(
        request=ValidateRequestSerializer,
        responses={200: ValidateResponseSerializer},
        description="Send exactly one of `url`, `urls`, `campaign_name`, `campaign_names`. "
        "Results are UrlResult or NameResult objects in request order.",
    )
    def post(self, request: Request) -> Response:
        body = ValidateRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        taxonomy = selectors.taxonomy_current()
        if "url" in data or "urls" in data:
            urls = [data["url"]] if "url" in data else data["urls"]
            results = [_url_result(tx.validate_url(u, taxonomy)) for u in urls]
        else:
            names = [data["campaign_name"]] if "campaign_name" in data else data["campaign_names"]
            results = [_name_result(n, taxonomy) for n in names]
        return Response(
            {
                "count": len(results),
                "invalid": sum(1 for r in results if not r["valid"]),
                "results": results,
            }
        )


class UtmValidateCsvView(APIView):
    """Validate an uploaded CSV (multipart `file`): a JSON summary, or the results as CSV
    (`output=csv`, formula injection escaped)."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CsvUploadSerializer},
        responses={
            200: OpenApiResponse(
                CsvSummarySerializer, description="JSON summary, or text/csv when output=csv"
            ),
            400: OpenApiResponse(description="Unreadable CSV: message names line and column"),
        },
    )
    def post(self, request: Request) -> Response | HttpResponse:
        body = CsvUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        if upload.size > tx.MAX_CSV_BYTES:
            raise serializers.ValidationError(
                {
                    "file": f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                    f"{tx.MAX_CSV_BYTES / 1024 / 1024:.0f} MB."
                }
            )
        taxonomy = selectors.taxonomy_current()
        upload.seek(0)
        try:
            if body.validated_data["output"] == "csv":
                return _csv_response(upload, taxonomy)
            return Response(_csv_summary(tx.validate_csv(upload, taxonomy)))
        except tx.CsvError as exc:
            raise serializers.ValidationError({"file": str(exc)}) from None


def _csv_summary(rows: Any) -> dict[str, Any]:
    total = invalid = with_findings = 0
    by_rule: Counter[str] = Counter()
    shown: list[dict[str, Any]] = []
    column = "url"
    for row in rows:
        total += 1
        column = row.column
        if not row.findings:
            continue
        with_findings += 1
        if not row.valid:
            invalid += 1
        by_rule.update(f.rule for f in row.findings)
        if len(shown) < CSV_JSON_RESULTS:
            shown.append(
                {
                    "line": row.line,
                    "value": row.value,
                    "valid": row.valid,
                    "channel": row.channel,
                    "fixed": row.fixed,
                    "findings": [_finding(f) for f in row.findings],
                }
            )
    return {
        "column": column,
        "rows": total,
        "invalid": invalid,
        "with_findings": with_findings,
        "findings_by_rule": dict(by_rule),
        "results": shown,
        "truncated": with_findings > len(shown),
    }


def _csv_response(upload: Any, taxonomy: tx.Taxonomy) -> HttpResponse:
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        tx.write_results_csv(tx.validate_csv(upload, taxonomy), text)
        text.flush()
        raw.seek(0)
        body = raw.read()
        text.detach()
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="utm-results.csv"'
    return response


class UtmBuildView(APIView):
    """Build a tagged URL (and the campaign name from tokens); `register` records the campaign."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    @extend_schema(request=BuildRequestSerializer, responses={200: BuildResponseSerializer})
    def post(self, request: Request) -> Response:
        body = BuildRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        taxonomy = selectors.taxonomy_current()
        registered = None
        if data["register"]:
            from django.utils import timezone

            campaign, _, built = campaign_register(
                actor=request.user,
                base_url=data["base_url"],
                source=data["source"],
                medium=data["medium"],
                campaign=data["campaign"],
                tokens=data.get("tokens"),
                content=data["content"],
                term=data["term"],
                start_date=data["start_date"] or timezone.localdate(),
                end_date=data["end_date"],
            )
            registered = campaign.pk
        else:
            try:
                name = data["campaign"] or tx.build_campaign_name(
                    data.get("tokens") or {}, taxonomy
                )
                built = tx.build_url(
                    data["base_url"],
                    data["source"],
                    data["medium"],
                    name,
                    data["content"] or None,
                    data["term"] or None,
                    taxonomy=taxonomy,
                )
            except tx.TaxonomyError as exc:
                field = exc.field if exc.field in body.fields else f"tokens.{exc.field}"
                raise serializers.ValidationError({field: exc.message}) from None
        return Response(
            {
                "url": built.url,
                "source": built.source,
                "medium": built.medium,
                "campaign": built.campaign,
                "channel": built.channel,
                "notes": [_finding(f) for f in built.notes],
                "registered_campaign": registered,
            }
        )


# --- campaigns ---------------------------------------------------------------------------------


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Registered campaigns (register through `POST /utm/build/` with `register: true`)."""

    serializer_class = CampaignSerializer
    queryset = CampaignModel.objects.none()
    read_roles = ALL_ROLES
    write_roles = ALL_ROLES
    filterset_class = CampaignFilter
    ordering_fields = ["start_date", "name", "created_at"]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            selectors.campaigns_visible_to(self.request.user)
            .prefetch_related("links")
            .order_by("-start_date", "name")
        )

    @extend_schema(request=CampaignUpdateSerializer, responses=CampaignSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        body = CampaignUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        campaign = campaign_update(
            campaign=self.get_object(), actor=request.user, **body.validated_data
        )
        return Response(CampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data)

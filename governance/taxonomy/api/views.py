"""Taxonomy API: the taxonomy (read for everyone, write for admins), UTM validate (single,
batch, CSV) and build, campaigns. Thin: the same services and selectors as the pages."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import taxonomy as tx
from governance.taxonomy.codec import taxonomy_to_data
from governance.taxonomy.filters import CampaignFilter
from governance.taxonomy.models import Campaign as CampaignModel
from governance.taxonomy.services import (
    TAXONOMY_EDITORS,
    campaign_register,
    campaign_update,
    taxonomy_save,
)
from mops.accounts.roles import ALL_ROLES
from mops.core.actors import actor_of
from mops.core.concurrency import if_match_version
from mops.core.uploads import upload_max_bytes

from .. import selectors
from .serializers import (
    BuildRequestSerializer,
    BuildResponseSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    CsvSummarySerializer,
    CsvUploadSerializer,
    TaxonomySerializer,
    TaxonomyVersionSerializer,
    ValidateRequestSerializer,
    ValidateResponseSerializer,
)

CSV_JSON_RESULTS = 1000


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
            actor=actor_of(request),
            note=note,
            expected_version=if_match_version(request),
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
        too_large = tx.csv_size_problem(upload.size, upload_max_bytes())
        if too_large:
            raise serializers.ValidationError({"file": too_large})
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
    body = tx.results_csv_bytes(tx.validate_csv(upload, taxonomy))
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
                actor=actor_of(request),
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
                built = tx.build_campaign_url(
                    data["base_url"],
                    data["source"],
                    data["medium"],
                    data["campaign"],
                    data.get("tokens"),
                    data["content"],
                    data["term"],
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

    def get_queryset(self) -> QuerySet[CampaignModel]:
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
            campaign=self.get_object(), actor=actor_of(request), **body.validated_data
        )
        return Response(CampaignSerializer(self.get_queryset().get(pk=campaign.pk)).data)

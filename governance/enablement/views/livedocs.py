"""Live docs pages: the index, process maps, the taxonomy and data contracts."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES

from .. import docs


class DocsIndexView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "enablement/docs_index.html",
            {
                "taxonomy": docs.active_taxonomy(),
                "contracts": docs.contracts(),
                "maps": docs.process_maps(),
            },
        )


class ProcessMapView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        found = docs.process_map(key)
        if found is None:
            raise Http404("No such process.")
        return render(
            request,
            "enablement/docs_process.html",
            {
                "map": found,
                # Generated from code declarations, every text XML-escaped (statediagram).
                "svg": mark_safe(found.svg()),  # noqa: S308
                "transitions": [
                    {
                        "title": t.title,
                        "sources": sorted(t.sources, key=found.lifecycle.states.index),
                        "target": t.target,
                        "driven_by": t.driven_by,
                        "roles": sorted(t.roles),
                    }
                    for t in found.lifecycle.transitions.values()
                ],
            },
        )


class TaxonomyDocView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        version = docs.active_taxonomy()
        sections = []
        if version is not None:
            sections = [
                ("Sources", version.sources),
                ("Mediums", version.mediums),
                ("Channel grouping rules", version.channel_rules),
                ("Naming convention", version.naming),
            ]
        return render(
            request,
            "enablement/docs_taxonomy.html",
            {
                "version": version,
                "sections": [(t, json.dumps(v, indent=2, ensure_ascii=False)) for t, v in sections],
                "changed": docs.last_change(docs.taxonomy_model()),
            },
        )


class ContractDocView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = docs.contract(pk)
        if contract is None:
            raise Http404("No such contract.")
        return render(
            request,
            "enablement/docs_contract.html",
            {
                "contract": contract,
                "spec": json.dumps(contract.spec, indent=2, ensure_ascii=False, default=str),
                "changed": docs.last_change(docs.contract_model(), contract.pk),
            },
        )

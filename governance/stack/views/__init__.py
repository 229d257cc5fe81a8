"""Stack pages: tool registry (with CSV import/export), integration map and flows, vendor
contracts and the renewal calendar. Thin: parse input, call a service or selector, render."""

from ._base import CsvImportView, FilteredListView
from .contracts import (
    ContractDetailView,
    ContractFormView,
    RenewalsFeedView,
    RenewalsView,
    SeatUploadView,
    UtilisationView,
)
from .flows import (
    FlowDetailView,
    FlowFormView,
    FlowListView,
    MapView,
)
from .reviews import (
    ReviewDetailView,
    ReviewEvidenceView,
    ReviewListView,
    ReviewStartView,
)
from .tools import (
    ToolDetailView,
    ToolExportView,
    ToolFormView,
    ToolImportView,
    ToolListView,
)

__all__ = [
    "CsvImportView",
    "FilteredListView",
    "ToolListView",
    "ToolExportView",
    "ToolDetailView",
    "ToolFormView",
    "ToolImportView",
    "MapView",
    "FlowListView",
    "FlowDetailView",
    "FlowFormView",
    "RenewalsView",
    "RenewalsFeedView",
    "ContractDetailView",
    "ContractFormView",
    "UtilisationView",
    "SeatUploadView",
    "ReviewListView",
    "ReviewStartView",
    "ReviewDetailView",
    "ReviewEvidenceView",
]

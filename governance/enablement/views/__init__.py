"""Pages of enablement: the playbook library (search, read, rate, edit, restore),
training (courses, enrolment, modules with their quiz), office hours (sessions, booking,
the host's attendance, the iCalendar feed) and the live docs."""

from .courses import (
    CourseDetailView,
    CourseEditView,
    CourseListView,
    ModuleEditView,
    ModuleView,
)
from .livedocs import (
    ContractDocView,
    DocsIndexView,
    ProcessMapView,
    TaxonomyDocView,
)
from .officehours import (
    OfficeHoursEditView,
    OfficeHoursMyFeedView,
    OfficeHoursView,
    SessionAttendanceView,
    SessionBookView,
    SessionCancelView,
    SessionDetailView,
    SessionUnbookView,
    office_hours_feed_view,
)
from .playbooks import (
    PlaybookDetailView,
    PlaybookEditView,
    PlaybookFeedbackView,
    PlaybookListView,
    PlaybookRestoreView,
)

__all__ = [
    "PlaybookListView",
    "PlaybookDetailView",
    "PlaybookFeedbackView",
    "PlaybookEditView",
    "PlaybookRestoreView",
    "CourseListView",
    "CourseDetailView",
    "ModuleView",
    "CourseEditView",
    "ModuleEditView",
    "DocsIndexView",
    "ProcessMapView",
    "TaxonomyDocView",
    "ContractDocView",
    "OfficeHoursView",
    "OfficeHoursEditView",
    "SessionDetailView",
    "SessionBookView",
    "SessionUnbookView",
    "SessionAttendanceView",
    "SessionCancelView",
    "office_hours_feed_view",
    "OfficeHoursMyFeedView",
]

"""Import every model so Alembic and the factory see the whole schema."""

from app.auth.models import User
from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.cities.models import CityState
from app.core.events import ReportEvent
from app.forwarding.models import Delivery, DeliveryAttempt
from app.geo.models import CityBoundary, District
from app.inbox.counts import ReportCount
from app.open311.models import ApiKey
from app.reports.day_counts import ReportDayCount
from app.reports.idempotency import SubmissionKey
from app.reports.models import (
    ReferenceCounter,
    Report,
    ReportCopy,
    ReporterContact,
    ReportPhoto,
    ReportSupporter,
    ResponseTemplate,
)
from app.routing.models import Department, RoutingRule
from app.statistics.models import StatCell, StatCellDetail, StatReport

__all__ = [
    "ApiKey",
    "Category",
    "CategoryAttribute",
    "CategoryGroup",
    "CityBoundary",
    "CityState",
    "Delivery",
    "DeliveryAttempt",
    "Department",
    "District",
    "ReferenceCounter",
    "Report",
    "ReportCopy",
    "ReportCount",
    "ReportDayCount",
    "ReportEvent",
    "ReportPhoto",
    "ReportSupporter",
    "ResponseTemplate",
    "ReporterContact",
    "RoutingRule",
    "StatCell",
    "StatCellDetail",
    "StatReport",
    "SubmissionKey",
    "User",
]

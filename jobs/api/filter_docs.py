"""The job list's filter parameters (``jobs.listing``), for the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from jobs.models import JobStatus

FILTER_PARAMETERS = [
    OpenApiParameter("status", str, enum=list(JobStatus.values),
                     description="Only jobs in this state."),
    OpenApiParameter("language", str, description="Only jobs in this language (a code: `en`)."),
    OpenApiParameter("tag", str, description="Only jobs carrying this tag (its name, any case)."),
    OpenApiParameter("created_from", OpenApiTypes.DATE,
                     description="Only jobs created on or after this day (YYYY-MM-DD)."),
    OpenApiParameter("created_to", OpenApiTypes.DATE,
                     description="Only jobs created on or before this day (YYYY-MM-DD)."),
]  # fmt: skip

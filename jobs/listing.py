"""The filtered job list the dashboard and ``GET /api/v1/transcribe/`` share.

Filters come from query parameters, so a filtered dashboard is a link people can
bookmark or share, and the API takes the same names: ``status``, ``language``, ``tag``
(a tag's name), ``created_from`` and ``created_to`` (dates, both inclusive, in the
installation's time zone). A value that cannot mean anything is a 400 with a sentence,
never an empty list that looks like "no jobs".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Organization
from jobs.errors import InvalidJobRequest
from jobs.models import JobStatus, Transcript, TranscriptionJob
from jobs.selectors import jobs_for
from jobs.transcripts.models import TranscriptKind

FILTER_PARAMS = ("status", "language", "tag", "created_from", "created_to")


@dataclass(frozen=True)
class JobFilters:
    status: str = ""
    language: str = ""
    tag: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None

    @property
    def active(self) -> bool:
        return any(asdict(self).values())

    def query(self) -> str:
        """The filters as a query string, for links that keep them (pagination)."""
        return urlencode(
            {key: value.isoformat() if isinstance(value, dt.date) else value
             for key, value in asdict(self).items() if value}
        )  # fmt: skip


def _date(params: Mapping[str, str], name: str) -> dt.date | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidJobRequest(f"{name} must be a date written as YYYY-MM-DD.") from None


def job_filters_from(params: Mapping[str, str]) -> JobFilters:
    """Read the filters from query parameters; empty ones mean "any"."""
    status = (params.get("status") or "").strip().lower()
    if status and status not in JobStatus.values:
        raise InvalidJobRequest(f"status must be one of {', '.join(JobStatus.values)}.")
    filters = JobFilters(
        status=status,
        language=(params.get("language") or "").strip().lower(),
        tag=" ".join((params.get("tag") or "").split()),
        created_from=_date(params, "created_from"),
        created_to=_date(params, "created_to"),
    )
    if filters.created_from and filters.created_to and filters.created_to < filters.created_from:
        raise InvalidJobRequest("created_to must be on or after created_from.")
    return filters


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def jobs_matching(organization: Organization, filters: JobFilters) -> QuerySet[TranscriptionJob]:
    """The organization's jobs that pass every filter, newest first, tags prefetched."""
    jobs = jobs_for(organization)
    if filters.status:
        jobs = jobs.filter(status=filters.status)
    if filters.language:
        # The language asked for, or (language detected) the one the transcript is in.
        heard = Transcript.objects.filter(
            job=OuterRef("pk"), language__iexact=filters.language
        ).exclude(kind=TranscriptKind.TRANSLATED)
        jobs = jobs.filter(Q(language__iexact=filters.language) | Q(Exists(heard)))
    if filters.tag:
        # Joined through the organization's own tags: a name another organization uses
        # matches nothing here.
        jobs = jobs.filter(tags__organization=organization, tags__name__iexact=filters.tag)
    if filters.created_from:
        jobs = jobs.filter(created_at__gte=_start_of(filters.created_from))
    if filters.created_to:
        jobs = jobs.filter(created_at__lt=_start_of(filters.created_to + dt.timedelta(days=1)))
    return jobs.prefetch_related("tags")


def job_languages(organization: Organization) -> list[str]:
    """The languages the organization's jobs were asked for or heard in, for the filter."""
    asked = jobs_for(organization).exclude(language="").values_list("language", flat=True)
    heard = (
        Transcript.objects.filter(job__organization=organization)
        .exclude(kind=TranscriptKind.TRANSLATED)
        .exclude(language="")
        .values_list("language", flat=True)
    )
    return sorted({code.lower() for code in asked.order_by().distinct()}
                  | {code.lower() for code in heard.order_by().distinct()})  # fmt: skip

"""Browser pages for transcription jobs: thin views over jobs.selectors and jobs.services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.pages.base import org_render, page_organization
from accounts.permissions import PermissionDenied
from billing.pricing import format_credits, price_per_minute
from jobs.engines import UnknownEngine, enabled_engines, engine_info
from jobs.engines.base import EngineInfo
from jobs.errors import InvalidJobRequest, JobConflict, JobNotFound
from jobs.exporters import EXPORTERS, Exporter
from jobs.exporters.options import (
    CAPTION_LIMITS,
    TEXT_FORMATS,
    TIMESTAMPING_LABELS,
    CaptionRules,
    default_text_format,
)
from jobs.languages import language_name
from jobs.listing import JobFilters, job_filters_from, job_languages, jobs_matching
from jobs.media.probe import ACCEPTED
from jobs.model_names import AUTO
from jobs.models import JobStatus, JobType, TranscriptionJob
from jobs.options import PREFERENCES
from jobs.organization_data.retention import audio_deleted_message
from jobs.pages.formatting import duration_label, span_label, timestamp_label
from jobs.pages.front import front_page
from jobs.selectors import job_get, jobs_for, tags_for
from jobs.services.batch import BATCH_FILES_MAX
from jobs.services.lifecycle import CANCELABLE, job_cancel, job_delete
from jobs.transcripts.selectors import transcript_read
from jobs.translation.selectors import (
    recent_translations,
    transcript_words,
    translation_choices,
    translations_of,
)
from jobs.translation.services.follow_up import ordered_translation
from jobs.translation.services.ordering import translation_offer

JOBS_PER_PAGE = 20
# The formats people ask for most come first; any other registered exporter follows.
PREFERRED_FORMATS = ("txt", "srt", "vtt", "json")
# One line each under the Prefer choice, in the order of jobs.options.PREFERENCES.
PREFERENCE_HELP = {
    "quality": "the most accurate engine",
    "speed": "the quickest engine",
    "cost": "the cheapest engine",
}


@dataclass(frozen=True)
class JobRow:
    job: TranscriptionJob
    duration: str
    credits: Decimal | None
    credits_are_estimate: bool


@dataclass(frozen=True)
class SegmentRow:
    start: float
    end: float
    stamp: str
    text: str
    speaker: str


def job_row(job: TranscriptionJob) -> JobRow:
    if job.status == JobStatus.FETCHING:
        # Its media is still arriving: no length and no price yet (dashes, not zeros).
        return JobRow(job=job, duration="—", credits=None, credits_are_estimate=True)
    estimate = job.credits_used is None and job.status in CANCELABLE
    return JobRow(
        job=job,
        duration=duration_label(job.duration_seconds),
        credits=job.estimated_credits if estimate else job.credits_used,
        credits_are_estimate=estimate,
    )


DETECT = {"code": "", "name": "Detect automatically"}


def engine_option(info: EngineInfo) -> dict[str, Any]:
    languages = sorted(
        ({"code": code, "name": language_name(code)} for code in info.languages),
        key=lambda lang: lang["name"],
    )
    return {
        "name": info.name,
        "label": info.label,
        "notes": info.notes,
        # Detection first, so an engine that can detect does unless told otherwise.
        "languages": [DETECT, *languages] if info.detects_language else languages,
        "diarization": info.diarization,
        "word_timestamps": info.word_timestamps,
        "vocabulary": info.vocabulary,
        "translation": info.translation,
        "price_per_minute": format_credits(price_per_minute(info.name)),
    }


def auto_option(engines: list[dict[str, Any]]) -> dict[str, Any]:
    """``model=auto``: the best enabled engine for the options chosen, with the others
    as fallbacks; it can do what any of them can."""
    languages = {
        lang["code"]: lang for engine in engines for lang in engine["languages"] if lang["code"]
    }
    detects = any(DETECT in engine["languages"] for engine in engines)
    dearest = max(engines, key=lambda engine: Decimal(engine["price_per_minute"]))
    return {
        "name": AUTO,
        "label": "Automatic (best available, with fallbacks)",
        "notes": "Picks the best engine that can serve your options and falls back to the "
        "next one if it fails. You pay the price of the engine that transcribes.",
        "languages": [
            *([DETECT] if detects else []),
            *sorted(languages.values(), key=lambda lang: lang["name"]),
        ],
        "diarization": any(engine["diarization"] for engine in engines),
        "word_timestamps": any(engine["word_timestamps"] for engine in engines),
        "vocabulary": any(engine["vocabulary"] for engine in engines),
        "translation": any(engine["translation"] for engine in engines),
        "price_per_minute": dearest["price_per_minute"],
    }


def engine_label(name: str) -> str:
    """An engine's label for people; the bare name once it has left the registry."""
    if name == AUTO:
        return "Automatic"
    try:
        return engine_info(name).label
    except UnknownEngine:
        return name


def model_label(job: TranscriptionJob) -> str:
    if job.engine == AUTO and job.prefer:
        return f"Automatic, prefer {job.prefer}"
    return engine_label(job.engine)


def served_by(job: TranscriptionJob) -> list[str]:
    """Labels of the providers that transcribed a finished job, most of the audio first.
    Jobs from before routing recorded providers were served by their one engine."""
    if job.status != JobStatus.COMPLETED:
        return []
    names = job.providers or ([] if job.engine == AUTO else [job.engine])
    return [engine_label(name) for name in names]


def export_formats() -> list[Exporter]:
    names = [f for f in PREFERRED_FORMATS if f in EXPORTERS]
    names += [f for f in EXPORTERS if f not in PREFERRED_FORMATS]
    return [EXPORTERS[name] for name in names]


def export_form(job: TranscriptionJob) -> dict[str, Any]:
    """Choices and defaults for the job page's download form, from the exporters' options."""
    rules = CaptionRules()
    return {
        "text_formats": list(TEXT_FORMATS.items()),
        "text_format": default_text_format(job.job_type),
        "timestamping": list(TIMESTAMPING_LABELS.items()),
        "caption_fields": [
            {
                "name": name,
                "label": name.replace("_", " ").capitalize(),
                "value": f"{getattr(rules, name):g}",
                "min": f"{low:g}",
                "max": f"{high:g}",
                "step": "1" if kind is int else "0.1",
            }
            for name, (kind, low, high) in CAPTION_LIMITS.items()
        ],
    }


def _job_or_404(request: HttpRequest, job_id: uuid.UUID) -> TranscriptionJob:
    try:
        return job_get(page_organization(request), job_id)
    except JobNotFound:
        raise Http404("No such job.") from None


def dashboard(request: HttpRequest) -> HttpResponse:
    """``/``: the organization's jobs once signed in; the front page for visitors."""
    if not request.user.is_authenticated:
        return front_page(request)
    organization = page_organization(request)
    filter_error = ""
    try:
        filters = job_filters_from(request.GET)
    except InvalidJobRequest as exc:
        filters, filter_error = JobFilters(), exc.message
    page = Paginator(jobs_matching(organization, filters), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [job_row(job) for job in page.object_list]
    return org_render(
        request,
        "jobs/dashboard.html",
        {
            "page": page,
            "rows": rows,
            "has_jobs": bool(rows) or jobs_for(organization).exists(),
            "filters": filters,
            "filter_error": filter_error,
            "page_query": filters.query(),
            "next": request.get_full_path(),
            "status_choices": JobStatus.choices,
            "language_choices": sorted(
                ((code, language_name(code)) for code in job_languages(organization)),
                key=lambda choice: choice[1],
            ),
            "tag_names": list(tags_for(organization).values_list("name", flat=True)),
            "translations": recent_translations(organization),
        },
    )


@login_required
@ensure_csrf_cookie
def transcribe_new(request: HttpRequest) -> HttpResponse:
    organization = page_organization(request)
    engines = [engine_option(info) for info in enabled_engines()]
    if len(engines) > 1:
        engines.append(auto_option(engines))
    return org_render(
        request,
        "jobs/transcribe_new.html",
        {
            "engines": engines,
            # Fallbacks are real engines, never "auto"; the script hides the chosen one.
            "fallback_engines": [engine for engine in engines if engine["name"] != AUTO],
            "preferences": [(name, PREFERENCE_HELP.get(name, "")) for name in PREFERENCES],
            # The organization's defaults (Settings), else the installation's.
            "default_engine": organization.default_engine or settings.HARK_DEFAULT_ENGINE,
            "default_language": organization.default_language,
            "organization_vocabulary": organization.vocabulary,
            "job_types": JobType.choices,
            "max_upload_mb": settings.HARK_MAX_UPLOAD_MB,
            "max_upload_bytes": settings.HARK_MAX_UPLOAD_MB * 1024 * 1024,
            "max_duration_minutes": settings.HARK_MAX_DURATION_SECONDS // 60,
            "accepted_formats": ACCEPTED,
            "batch_max": BATCH_FILES_MAX,
            "translation_offer": translation_offer(),
        },
    )


@login_required
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job_or_404(request, job_id)
    view = transcript_read(job) if job.status == JobStatus.COMPLETED else None
    segments = (
        [
            SegmentRow(s.start, s.end, timestamp_label(s.start), s.text, s.speaker or "")
            for s in view.segments
        ]
        if view
        else []
    )
    return org_render(
        request,
        "jobs/job_detail.html",
        {
            "job": job,
            "row": job_row(job),
            "segments": segments,
            "formats": export_formats() if job.status == JobStatus.COMPLETED else [],
            "export": export_form(job),
            "language_label": language_name((view.language if view else "") or job.language)
            or ("Auto-detect" if job.status in CANCELABLE else "Not known"),
            "model_label": model_label(job),
            "served_by": served_by(job),
            "span": span_label(job.trim_start, job.trim_end),
            "cancelable": job.status in CANCELABLE,
            "audio_deleted": audio_deleted_message(job),
            "translation_choices": translation_choices(job) if view else [],
            "translation_words": transcript_words(view) if view else 0,
            "translations": list(translations_of(job)),
            "translation_order": translation_order(job),
            # The copy button's text: the transcript as its plain-text export reads.
            "transcript_text": view.text if view else "",
            "tag_names": list(tags_for(job.organization).values_list("name", flat=True)),
        },
    )


def translation_order(job: TranscriptionJob) -> dict[str, Any] | None:
    """The translation ordered with the job (``translate_to``), for its page."""
    if not job.translate_to:
        return None
    translation = ordered_translation(job)
    waiting = translation is None and job.status in CANCELABLE
    if translation is not None:
        status, label = translation.status, translation.get_status_display()
    else:
        status, label = (
            ("waiting", "Waiting for the transcript") if waiting else ("canceled", "Not ordered")
        )
    return {
        "language": language_name(job.translate_to),
        "status": status,
        "label": label,
        "translation": translation,
        "credits": translation.estimated_credits if translation else job.translation_credits,
        "formats": [f for f in export_formats() if f.name in PREFERRED_FORMATS],
    }


def _user(request: HttpRequest) -> User:
    # Never None: None is the operator to the services (accounts.permissions).
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    return user


@login_required
@require_POST
def job_cancel_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    try:
        job_cancel(organization=page_organization(request), job_id=job_id, actor=_user(request))
    except JobNotFound:
        raise Http404("No such job.") from None
    except JobConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Transcription canceled. Its held credits are available again.")
    return redirect("job-detail", job_id=job_id)


@login_required
@require_POST
def job_delete_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = _job_or_404(request, job_id)
    try:
        job_delete(organization=page_organization(request), job_id=job.pk, actor=_user(request))
    except JobNotFound:
        raise Http404("No such job.") from None
    except PermissionDenied as denied:
        return render(request, "403.html", {"exception": denied.message}, status=403)
    name = job.original_filename or "The transcription"
    messages.success(request, f"{name} was deleted, with its audio and transcript.")
    return redirect("dashboard")

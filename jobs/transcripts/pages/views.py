"""The transcript editor page: a shell the browser fills from the editing API.

Everything the page changes goes through ``/api/v1/transcribe/{id}/transcript/`` with the
page's session, so the editor and API clients are held to the same versions, permissions
and revision log; this view only scopes the job and hands the page its URLs.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.pages.base import org_render, page_organization
from jobs.errors import JobNotFound
from jobs.models import JobStatus
from jobs.selectors import job_get
from jobs.transcripts.selectors import LOW_CONFIDENCE


def seek_seconds(value: str | None) -> float | None:
    """``?t=12.3`` as seconds, or None when absent or not a plain non-negative number."""
    try:
        seconds = float(value or "")
    except ValueError:
        return None
    return seconds if 0 <= seconds < 1e7 else None


@login_required
@ensure_csrf_cookie
def transcript_editor(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    try:
        job = job_get(page_organization(request), job_id)
    except JobNotFound:
        raise Http404("No such job.") from None
    if job.status != JobStatus.COMPLETED:
        messages.info(request, "The transcript can be edited once the transcription completes.")
        return redirect("job-detail", job_id=job.pk)
    return org_render(
        request,
        "transcripts/editor.html",
        {
            "job": job,
            "api_url": reverse("api-transcript", kwargs={"job_id": str(job.pk)}),
            "audio_url": reverse("job-audio", kwargs={"job_id": job.pk}) if job.media else "",
            "seek": seek_seconds(request.GET.get("t")),
            "low_confidence": LOW_CONFIDENCE,
        },
    )

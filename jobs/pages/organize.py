"""Dashboard and job-page pieces: renaming, tagging, and the live parts htmx refreshes.

Each write answers an htmx request with the piece of page it changed (the dashboard row,
the job page's tag list) and a plain form post with a redirect back, so the pages work
with or without JavaScript. Progress is polled by htmx (``hx-trigger="every 2s"``)
against the partials here; a finished job's partial stops the polling (286) or, on the
job page, refreshes it once so the server renders the transcript.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh, HttpResponseStopPolling

from accounts.models import Organization, User
from accounts.pages.base import page_organization
from accounts.permissions import PermissionDenied
from jobs.errors import JobError, JobNotFound, TagNotFound
from jobs.models import TranscriptionJob
from jobs.pages.views import job_row
from jobs.selectors import job_get, tags_for
from jobs.services.organize import job_rename, job_tag_add, job_tag_remove
from jobs.translation.services.follow_up import ordered_translation


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    return user


def _job(request: HttpRequest, job_id: uuid.UUID) -> TranscriptionJob:
    try:
        return job_get(page_organization(request), job_id)
    except JobNotFound:
        raise Http404("No such job.") from None


def _back(request: HttpRequest, job: TranscriptionJob) -> HttpResponse:
    """Where a plain form post returns: the page it came from (``next``), else the job."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("job-detail", job_id=job.pk)


def _answer(
    request: HttpRequest, job: TranscriptionJob, *, error: str = "", tags_changed: bool = False
) -> HttpResponse:
    """The changed piece for htmx (the row or the job page's tags), else a redirect.
    After a tag change the organization's tag names go along out of band, so the
    dashboard's Tag filter and the add-tag suggestions know a new tag at once."""
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        return _back(request, job)
    organization = page_organization(request)
    job = job_get(organization, job.pk)
    place = request.POST.get("place", "")
    context: dict[str, object] = {
        "job": job,
        "row": job_row(job),
        "tag_error": error,
        "next": request.POST.get("next", ""),
        "place": place,
    }
    if tags_changed:
        # The filter in force is in the page's address, which htmx sends along.
        current = request.htmx.current_url or ""  # type: ignore[attr-defined]
        context["selected_tag"] = parse_qs(urlsplit(current).query).get("tag", [""])[0]
        context["tag_names"] = list(tags_for(organization).values_list("name", flat=True))
        return render(request, "jobs/partials/tags_changed.html", context)
    template = "jobs/partials/job_tags.html" if place == "job" else "jobs/partials/job_row.html"
    return render(request, template, context)


def _write(
    request: HttpRequest,
    job_id: uuid.UUID,
    change: Callable[[Organization, User], object],
    *,
    tags_changed: bool = False,
) -> HttpResponse:
    """Apply ``change`` (a service call) to the job; a sentence from the service is shown
    where the change was asked for."""
    job = _job(request, job_id)
    error = ""
    try:
        change(page_organization(request), _actor(request))
    except PermissionDenied as denied:
        return render(request, "403.html", {"exception": denied.message}, status=403)
    except TagNotFound:
        raise Http404("No such tag.") from None
    except JobError as exc:
        error = exc.message
    return _answer(request, job, error=error, tags_changed=tags_changed)


@login_required
@require_POST
def job_rename_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    name = request.POST.get("name", "")
    return _write(request, job_id, lambda organization, actor: job_rename(
        organization=organization, job_id=job_id, name=name, actor=actor))  # fmt: skip


@login_required
@require_POST
def job_tag_add_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    name = request.POST.get("name", "")
    return _write(
        request, job_id, lambda organization, actor: job_tag_add(
            organization=organization, job_id=job_id, name=name, actor=actor),
        tags_changed=True,
    )  # fmt: skip


@login_required
@require_POST
def job_tag_remove_view(request: HttpRequest, job_id: uuid.UUID, tag_id: int) -> HttpResponse:
    return _write(
        request, job_id, lambda organization, actor: job_tag_remove(
            organization=organization, job_id=job_id, tag_id=tag_id, actor=actor),
        tags_changed=True,
    )  # fmt: skip


@login_required
@require_GET
def job_row_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """One dashboard row, for htmx's polling while the job runs."""
    job = _job(request, job_id)
    context = {"job": job, "row": job_row(job), "next": request.GET.get("next", "")}
    response = render(request, "jobs/partials/job_row.html", context)
    if job.is_finished:
        # The last swap shows the finished row; 286 tells htmx to stop asking.
        response.status_code = HttpResponseStopPolling.status_code
    return response


@login_required
@require_GET
def job_progress_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The job page's progress card while the job runs; once it (and a translation
    ordered with it, when ``follow=translation``) has finished, one refresh of the page,
    which the server renders with the transcript."""
    job = _job(request, job_id)
    if request.GET.get("follow") == "translation":
        translation = ordered_translation(job)
        if translation is None or translation.is_finished:
            return HttpResponseClientRefresh()
        return HttpResponse(status=204)
    if job.is_finished:
        return HttpResponseClientRefresh()
    return render(request, "jobs/partials/job_progress.html", {"job": job, "row": job_row(job)})

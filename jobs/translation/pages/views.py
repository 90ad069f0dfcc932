"""Translation pages: thin views over ``jobs.translation.services`` and ``selectors``.

The translation page is the transcript editor in its aligned mode: the translated text
is edited through ``/api/v1/translate/{id}/transcript/`` with the page's session, so
the page and API clients share versions, permissions and the revision log.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.models import User
from accounts.pages.base import org_render, page_organization
from accounts.permissions import PermissionDenied
from billing.services import InsufficientCredits
from jobs.errors import InvalidJobRequest, JobConflict, JobNotFound
from jobs.languages import language_name
from jobs.models import JobStatus
from jobs.pages.views import export_form, export_formats
from jobs.transcripts.selectors import transcript_current, transcript_edited_of, transcript_view
from jobs.translation.models import TranslationJob
from jobs.translation.selectors import aligned_rows
from jobs.translation.services.intake import translation_create
from jobs.translation.services.lifecycle import (
    CANCELABLE,
    translation_cancel,
    translation_delete,
    translation_get,
)
from jobs.translation.services.translators import translator_label


def _user(request: HttpRequest) -> User:
    # Never None: None is the operator to the services (accounts.permissions).
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    return user


def _translation_or_404(request: HttpRequest, translation_id: uuid.UUID) -> TranslationJob:
    try:
        return translation_get(page_organization(request), translation_id)
    except JobNotFound:
        raise Http404("No such translation.") from None


@login_required
@require_POST
def translation_order(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The job page's Translate form: ``choice`` is ``<language>:<translator>``."""
    to_language, _, model = request.POST.get("choice", "").partition(":")
    try:
        translation = translation_create(
            organization=page_organization(request),
            job_id=job_id,
            to_language=to_language,
            model=model or "auto",
            created_by=_user(request),
        )
    except JobNotFound:
        raise Http404("No such job.") from None
    except (InsufficientCredits, InvalidJobRequest, JobConflict) as refused:
        messages.error(request, refused.message)
        return redirect(reverse("job-detail", kwargs={"job_id": job_id}) + "#translate")
    return redirect("translation-detail", translation_id=translation.pk)


@login_required
@ensure_csrf_cookie
def translation_detail(request: HttpRequest, translation_id: uuid.UUID) -> HttpResponse:
    translation = _translation_or_404(request, translation_id)
    job = translation.source_job
    completed = translation.status == JobStatus.COMPLETED
    transcript = transcript_edited_of(translation) if completed else None
    view = transcript_view(transcript) if transcript is not None else None
    source = transcript_current(job)
    api_url = reverse("api-translation", kwargs={"translation_id": str(translation.pk)})
    return org_render(
        request,
        "translation/detail.html",
        {
            "translation": translation,
            "job": job,
            "from_name": language_name(translation.from_language),
            "to_name": language_name(translation.to_language),
            "engine_label": translator_label(
                (translation.providers or translation.route or [translation.engine])[0]
            ),
            "credits": translation.credits_used
            if translation.credits_used is not None
            else translation.estimated_credits,
            "credits_are_estimate": translation.credits_used is None,
            "cancelable": translation.status in CANCELABLE,
            "api_url": api_url,
            "editor_url": reverse(
                "translation-transcript:api-transcript",
                kwargs={"translation_id": str(translation.pk)},
            ),
            "audio_url": reverse("job-audio", kwargs={"job_id": job.pk}) if job.media else "",
            "formats": export_formats() if view is not None else [],
            "export": export_form(job),
            "source_rows": {
                row.key: {"text": row.source_text} for row in aligned_rows(translation, view)
            }
            if view is not None
            else {},
            # The original changed after it was translated: say so, it no longer matches.
            "source_changed": source is not None
            and completed
            and source.version != translation.source_version,
        },
    )


@login_required
@require_POST
def translation_cancel_view(request: HttpRequest, translation_id: uuid.UUID) -> HttpResponse:
    try:
        translation_cancel(
            organization=page_organization(request),
            translation_id=translation_id,
            actor=_user(request),
        )
    except JobNotFound:
        raise Http404("No such translation.") from None
    except PermissionDenied as denied:
        return render(request, "403.html", {"exception": denied.message}, status=403)
    except JobConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Translation canceled. Its held credits are available again.")
    return redirect("translation-detail", translation_id=translation_id)


@login_required
@require_POST
def translation_delete_view(request: HttpRequest, translation_id: uuid.UUID) -> HttpResponse:
    translation = _translation_or_404(request, translation_id)
    try:
        translation_delete(
            organization=page_organization(request),
            translation_id=translation.pk,
            actor=_user(request),
        )
    except JobNotFound:
        raise Http404("No such translation.") from None
    except PermissionDenied as denied:
        return render(request, "403.html", {"exception": denied.message}, status=403)
    messages.success(
        request, f"The {language_name(translation.to_language)} translation was deleted."
    )
    return redirect("job-detail", job_id=translation.source_job_id)


@login_required
@require_GET
def translation_progress_view(request: HttpRequest, translation_id: uuid.UUID) -> HttpResponse:
    """The translation page's progress card while it runs; once it has finished, one
    refresh of the page, which the server renders with the translation."""
    translation = _translation_or_404(request, translation_id)
    if translation.is_finished:
        return HttpResponseClientRefresh()
    credits = translation.estimated_credits
    return render(
        request,
        "translation/partials/translation_progress.html",
        {"translation": translation, "credits": credits},
    )


@login_required
@require_GET
def translation_badge_view(request: HttpRequest, translation_id: uuid.UUID) -> HttpResponse:
    """A listed translation's status badge, asked for again until it has finished."""
    translation = _translation_or_404(request, translation_id)
    return render(request, "translation/partials/translation_badge.html", {"t": translation})

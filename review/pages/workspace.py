"""The customer's side: quote, then order, a review of a transcript's doubtful segments
(``/jobs/{id}/review/``). The quote page charges nothing; confirming it places the hold."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import User
from accounts.pages.base import org_render, page_membership
from accounts.permissions import PermissionDenied
from billing.services import InsufficientCredits
from jobs.errors import JobConflict, JobNotFound
from jobs.models import TranscriptionJob
from jobs.selectors import job_get
from review.workspace import review_order, review_quote


@login_required
def job_review(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    organization = page_membership(request).organization
    user = request.user
    assert isinstance(user, User)  # login_required
    try:
        if request.method == "POST":
            _, task = review_order(
                organization=organization,
                job_id=job_id,
                actor=user,
                comment=request.POST.get("comment", ""),
            )
            messages.success(
                request,
                f"Review ordered: {len(task.segment_ids or [])} segments go to a reviewer. "
                "The credits are held now and charged when the review is delivered.",
            )
            return redirect("job-detail", job_id=job_id)
        quote = review_quote(organization=organization, job_id=job_id, actor=user)
    except JobNotFound:
        raise Http404("No such job.") from None
    except PermissionDenied as denied:
        raise PageForbidden(denied.message) from None
    except (JobConflict, InsufficientCredits) as refused:
        job = _job_or_404(request, job_id)
        return org_render(
            request,
            "review/quote.html",
            {"job": job, "quote": None, "refusal": refused.message},
            status=409 if isinstance(refused, JobConflict) else 402,
        )
    return org_render(
        request,
        "review/quote.html",
        {"job": quote.job, "quote": quote},
    )


def _job_or_404(request: HttpRequest, job_id: uuid.UUID) -> TranscriptionJob:
    try:
        return job_get(page_membership(request).organization, job_id)
    except JobNotFound:
        raise Http404("No such job.") from None

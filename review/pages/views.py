"""The review desk's pages: the queue, a task (the workspace editor with the customer's
comment and the deliver/refund controls), and the forms that claim and close tasks.

Every view asks ``review.services`` / ``review.selectors``, which refuse anyone who is not
staff with the reviewer permission; the views turn that into a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from accounts.permissions import PermissionDenied
from jobs.pages.media import job_audio_response
from jobs.transcripts.selectors import LOW_CONFIDENCE
from review.errors import ReviewConflict, ReviewNotFound
from review.models import ReviewStatus, ReviewTask
from review.selectors import desk_tasks, is_late
from review.services import claim, deliver, refund, task_for_reviewer

View = Callable[..., HttpResponseBase]


def desk_view(view: View) -> View:
    """Signed in, a reviewer (else 403), and a missing task is a 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as denied:
            raise PageForbidden(denied.message) from None
        except ReviewNotFound:
            raise Http404("No such review task.") from None

    return wrapped


@desk_view
@require_safe
def desk(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    tasks = [
        {"task": task, "late": is_late(task, now), "mine": task.reviewer_id == request.user.pk}
        for task in desk_tasks(request.user)
    ]
    return render(
        request,
        "review/desk.html",
        {"rows": tasks, "late_count": sum(row["late"] for row in tasks)},
    )


@desk_view
@ensure_csrf_cookie
@require_safe
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    task = task_for_reviewer(request.user, task_id)
    context: dict[str, Any] = {"task": task, "late": is_late(task)}
    mine = task.status == ReviewStatus.CLAIMED and task.reviewer_id == request.user.pk
    if not mine:
        # Someone else's claim, a closed task, or one to claim: no editor.
        return render(request, "review/task.html", context)
    job = task.job
    context.update(
        job=job,
        review=task,
        api_url=reverse("review-transcript", kwargs={"task_id": task.pk}),
        audio_url=reverse("review-audio", kwargs={"task_id": task.pk}) if job.media else "",
        seek=None,
        low_confidence=LOW_CONFIDENCE,
        focus_segments=task.segment_ids,
        back_url=reverse("review-desk"),
    )
    return render(request, "transcripts/editor.html", context)


@desk_view
@require_POST
def task_claim(request: HttpRequest, task_id: int) -> HttpResponse:
    task = task_for_reviewer(request.user, task_id)
    try:
        claim(task, request.user)
    except ReviewConflict as conflict:
        messages.error(request, conflict.message)
        return redirect("review-desk")
    return redirect("review-task", task_id=task.pk)


@desk_view
@require_POST
def task_deliver(request: HttpRequest, task_id: int) -> HttpResponse:
    task = task_for_reviewer(request.user, task_id)
    try:
        deliver(task, request.user)
    except ReviewConflict as conflict:
        messages.error(request, conflict.message)
        return redirect("review-task", task_id=task.pk)
    messages.success(request, f"Review {task.pk} delivered; the customer has been charged.")
    return redirect("review-desk")


@desk_view
@require_POST
def task_refund(request: HttpRequest, task_id: int) -> HttpResponse:
    task = task_for_reviewer(request.user, task_id)
    try:
        refund(task, request.user, request.POST.get("reason", ""))
    except ReviewConflict as conflict:
        messages.error(request, conflict.message)
        return redirect("review-task", task_id=task.pk)
    messages.success(request, f"Review {task.pk} refunded; the customer's credits are back.")
    return redirect("review-desk")


@desk_view
@require_safe
def task_audio(request: HttpRequest, task_id: int) -> HttpResponseBase:
    task: ReviewTask = task_for_reviewer(request.user, task_id)
    if task.status != ReviewStatus.CLAIMED or task.reviewer_id != request.user.pk:
        raise Http404("Claim the task to hear its audio.")
    return job_audio_response(request, task.job)

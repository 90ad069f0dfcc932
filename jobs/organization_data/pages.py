"""The organization's data page: retention, export and delete everything (owners)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_safe

from accounts.models import Role, User
from accounts.pages.base import org_render, page_membership
from accounts.permissions import DENIED, Capability, PermissionDenied, allowed
from jobs.errors import InvalidJobRequest
from jobs.organization_data.erase import organization_erase
from jobs.organization_data.export import export_filename, organization_export
from jobs.organization_data.forms import EraseForm, RetentionForm
from jobs.organization_data.retention import retention_set


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    return user


def _data_page(request: HttpRequest, form: RetentionForm, *, status: int = 200) -> HttpResponse:
    membership = page_membership(request)
    return org_render(
        request,
        "organization/data.html",
        {"form": form, "is_owner": membership.role == Role.OWNER},
        status=status,
    )


@login_required
def organization_data(request: HttpRequest) -> HttpResponse:
    organization = page_membership(request).organization
    if request.method != "POST":
        initial = {
            "media_days": organization.media_retention_days,
            "delete_transcripts": organization.retention_deletes_transcripts,
        }
        return _data_page(request, RetentionForm(initial=initial))
    form = RetentionForm(request.POST)
    if not form.is_valid():
        return _data_page(request, form, status=400)
    try:
        retention_set(
            organization=organization,
            actor=_user(request),
            media_days=form.cleaned_data["media_days"],
            delete_transcripts=form.cleaned_data["delete_transcripts"],
        )
    except PermissionDenied as denied:
        return org_render(request, "403.html", {"exception": denied.message}, status=403)
    except InvalidJobRequest as invalid:
        form.add_error("media_days", invalid.message)
        return _data_page(request, form, status=400)
    days = organization.media_retention_days
    if days is None:
        messages.success(request, "Audio is now kept until you delete it.")
    else:
        what = "Audio and transcripts" if organization.retention_deletes_transcripts else "Audio"
        messages.success(
            request, f"{what} will be deleted {days} day{'s' if days != 1 else ''} after each "
            "transcription finishes.",
        )  # fmt: skip
    return redirect("organization-data")


@login_required
@require_safe
def organization_export_view(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    organization = page_membership(request).organization
    try:
        archive = organization_export(organization=organization, actor=_user(request))
    except PermissionDenied as denied:
        return org_render(request, "403.html", {"exception": denied.message}, status=403)
    response = StreamingHttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(organization)}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def organization_erase_view(request: HttpRequest) -> HttpResponse:
    organization = page_membership(request).organization
    if not allowed(_user(request), organization, Capability.ORGANIZATION_DATA):
        # Refused before the form is even shown; the service checks again on POST.
        denied = PermissionDenied(DENIED[Capability.ORGANIZATION_DATA])
        return org_render(request, "403.html", {"exception": denied.message}, status=403)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return org_render(request, "organization/erase.html", {"form": form}, status=status)
    try:
        erased = organization_erase(
            organization=organization,
            actor=_user(request),
            confirmation=form.cleaned_data["confirmation"],
        )
    except PermissionDenied as denied:
        return org_render(request, "403.html", {"exception": denied.message}, status=403)
    except InvalidJobRequest as invalid:
        form.add_error("confirmation", invalid.message)
        return org_render(request, "organization/erase.html", {"form": form}, status=400)
    messages.success(
        request,
        f"Everything of {organization.name} was deleted: {erased.jobs} transcription"
        f"{'s' if erased.jobs != 1 else ''}, {erased.translations} translation"
        f"{'s' if erased.translations != 1 else ''}, {erased.webhook_endpoints} webhook "
        f"endpoint{'s' if erased.webhook_endpoints != 1 else ''} and {erased.api_keys} API "
        f"key{'s' if erased.api_keys != 1 else ''}. The wallet and its ledger are kept.",
    )
    return redirect("organization-data")

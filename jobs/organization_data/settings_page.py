"""The organization's settings page: name, transcription defaults and vocabulary, with
links to its members, retention and API settings. Owners and admins change it; every
member can read it (the service refuses their changes)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.errors import InvalidOrganizationSettings
from accounts.models import Organization, User
from accounts.pages.base import org_render, page_membership
from accounts.permissions import Capability, PermissionDenied, allowed
from accounts.selectors import invitations_pending, organization_members
from jobs.engines import enabled_engines, resolve_engine
from jobs.languages import language_name
from jobs.organization_data.defaults import organization_settings_update, vocabulary_parse
from jobs.organization_data.forms import OrganizationSettingsForm


def engine_choices() -> list[tuple[str, str]]:
    engines = enabled_engines()
    installation = resolve_engine(None)
    fallback = installation.label if installation else settings.HARK_DEFAULT_ENGINE
    choices = [("", f"This installation's default ({fallback})")]
    choices += [(info.name, info.label) for info in engines]
    if len(engines) > 1:
        choices.append(("auto", "Automatic (best available, with fallbacks)"))
    return choices


def language_choices() -> list[tuple[str, str]]:
    codes = {code for info in enabled_engines() for code in info.languages}
    named = sorted(((code, language_name(code)) for code in codes), key=lambda pair: pair[1])
    return [("", "Detect automatically"), *named]


def _form(organization: Organization, data: object = None) -> OrganizationSettingsForm:
    initial = {
        "name": organization.name,
        "default_engine": organization.default_engine,
        "default_language": organization.default_language,
        "vocabulary": ", ".join(organization.vocabulary),
    }
    return OrganizationSettingsForm(
        data, initial=initial, engines=engine_choices(), languages=language_choices()
    )


def _page(
    request: HttpRequest, form: OrganizationSettingsForm, *, status: int = 200
) -> HttpResponse:
    membership = page_membership(request)
    organization = membership.organization
    editable = allowed(request.user, organization, Capability.ORGANIZATION_SETTINGS)  # type: ignore[arg-type]
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    return org_render(
        request,
        "organization/settings.html",
        {
            "form": form,
            "editable": editable,
            "members_count": organization_members(organization).count(),
            "invitations_count": invitations_pending(organization).count(),
        },
        status=status,
    )


@login_required
def organization_settings(request: HttpRequest) -> HttpResponse:
    organization = page_membership(request).organization
    if request.method != "POST":
        return _page(request, _form(organization))
    form = _form(organization, request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    try:
        organization_settings_update(
            organization=organization,
            actor=user,
            name=form.cleaned_data["name"],
            default_language=form.cleaned_data["default_language"],
            default_engine=form.cleaned_data["default_engine"],
            vocabulary=vocabulary_parse(form.cleaned_data["vocabulary"]),
        )
    except PermissionDenied as denied:
        return org_render(request, "403.html", {"exception": denied.message}, status=403)
    except InvalidOrganizationSettings as invalid:
        form.add_error(None, invalid.message)
        return _page(request, form, status=400)
    messages.success(request, "Settings saved. New transcriptions start from these defaults.")
    return redirect("organization-settings")

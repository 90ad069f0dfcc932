"""Every page fits the window: at 1280 px and 390 px, anonymous and signed in, with a long
organization name and a long balance, no page scrolls sideways and "Log out" stays in
view; allauth's pages (sign-in, sign-up, password reset, email) and the API docs (Redoc,
Swagger UI) included. Screenshots of every page at both widths go to
test-artifacts/fit-*.png."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.invitations import invitation_create, invitation_token
from accounts.models import User
from accounts.services import organization_create
from billing.models import TopUp
from billing.selectors import wallet_for
from billing.services import credits_grant
from jobs.translation.services.intake import translation_create
from jobs.translation.services.worker import translation_run
from review.services import request_review
from tests.audio_fixtures import SHARED_AUDIO
from tests.browser import DESKTOP, PHONE, chromium, overflow, screenshot, sticking_out
from tests.conftest import Persona
from tests.support.organization_data import RECEIVER, finished_job
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services import endpoint_create, organization_secret

pytestmark = pytest.mark.browser

LONG_NAME = "Northwind Broadcasting and Transcription Services International"
PASSWORD = "correct horse battery"


@dataclass
class Seeded:
    job: str
    translation: str
    endpoint: str
    delivery: str
    topup: str
    session: str
    invitation: str
    review_task: str
    doubtful_job: str


# Pages anyone may open, and the pages behind sign-in, by URL name; a kwargs builder
# fills in the seeded objects. Every page route must be in one of these or in NOT_PAGES
# (test_every_page_route_is_swept keeps this honest as pages are added).
ANONYMOUS: list[tuple[str, Callable[[Seeded], dict[str, str]]]] = [
    ("dashboard", lambda s: {}),
    ("pricing", lambda s: {}),
    ("account_login", lambda s: {}),
    ("account_signup", lambda s: {}),
    ("account_reset_password", lambda s: {}),
    ("account_reset_password_done", lambda s: {}),
    # A link that is not (or no longer) valid: allauth's "bad token" page.
    ("account_reset_password_from_key", lambda s: {"uidb36": "1", "key": "expired-key"}),
    ("account_reset_password_from_key_done", lambda s: {}),
    ("account_confirm_email", lambda s: {"key": "expired-key"}),
    ("account_email_verification_sent", lambda s: {}),
    ("account_inactive", lambda s: {}),
    ("invitation", lambda s: {"token": s.invitation}),
]
# The API docs draw with their own stylesheets (Redoc, Swagger UI), after loading.
API_DOCS = {"api-redoc": "h1", "api-docs": ".swagger-ui .info .title"}
SIGNED_IN: list[tuple[str, Callable[[Seeded], dict[str, str]], str]] = [
    ("dashboard", lambda s: {}, ""),
    ("transcribe-new", lambda s: {}, ""),
    ("job-detail", lambda s: {"job_id": s.job}, ""),
    ("transcript-editor", lambda s: {"job_id": s.job}, ""),
    ("translation-detail", lambda s: {"translation_id": s.translation}, ""),
    ("search", lambda s: {}, "?q=country"),
    ("organization-data", lambda s: {}, ""),
    ("organization-erase", lambda s: {}, ""),
    ("api-quickstart", lambda s: {}, ""),
    ("help", lambda s: {}, ""),
    ("api-keys", lambda s: {}, ""),
    ("members", lambda s: {}, ""),
    ("wallet", lambda s: {}, ""),
    ("topup-success", lambda s: {}, "?session_id=cs_test_fit"),
    ("topup-cancel", lambda s: {}, "?topup={topup}"),
    ("usage", lambda s: {}, ""),
    ("pricing", lambda s: {}, ""),
    ("webhooks", lambda s: {}, ""),
    ("webhook-endpoint", lambda s: {"endpoint_id": s.endpoint}, ""),
    ("webhook-delivery", lambda s: {"delivery_id": s.delivery}, ""),
    ("webhooks-docs", lambda s: {}, ""),
    ("organization-settings", lambda s: {}, ""),
    ("orders-settings", lambda s: {}, ""),
    ("job-review", lambda s: {"job_id": s.doubtful_job}, ""),
    # The signed-in user is also a reviewer (staff with review.review_orders).
    ("review-desk", lambda s: {}, ""),
    ("review-task", lambda s: {"task_id": s.review_task}, ""),
    ("account_email", lambda s: {}, ""),
    ("account_change_password", lambda s: {}, ""),
    ("account_logout", lambda s: {}, ""),
]
# Routes that are not pages a person reads: form posts, downloads, media.
NOT_PAGES = {
    "job-audio",
    "job-cancel",
    "job-delete",
    "translation-order",
    "translation-cancel",
    "translation-delete",
    "organization-export",
    "api-key-revoke",
    "organization-switch",
    "topup-begin",
    "usage-export",
    "webhook-rotate",
    "webhook-test",
    "webhook-delete",
    "webhook-resend",
    "webhook-signing-secret-rotate",
    "job-rename",
    "job-tag-add",
    "job-tag-remove",
    "job-row",  # htmx fragments of the dashboard and job pages
    "job-progress",
    "translation-progress",
    "translation-badge",
    "member-role",
    "invitation-resend",
    "invitation-revoke",
    "orders-test-callback",
    "review-claim",
    "review-deliver",
    "review-refund",
    "review-audio",
    "review-transcript",  # the review editor's JSON API
    # allauth's: login codes and reauthentication are not enabled here (they redirect),
    # and a user with a password is sent from "set" to "change".
    "account_reauthenticate",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_confirm_login_code",
    "account_set_password",
}


def _page_names(patterns: Sequence[URLPattern | URLResolver]) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _page_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
    return names


def test_every_page_route_is_swept():
    from allauth import urls as allauth_urls

    from config import pages
    from webhooks.pages import urls as webhook_pages

    routes = (
        _page_names(pages.urlpatterns)
        | _page_names(webhook_pages.urlpatterns)
        | _page_names(allauth_urls.urlpatterns)
        | set(API_DOCS)
    )
    swept = {name for name, *_ in ANONYMOUS} | {name for name, *_ in SIGNED_IN} | set(API_DOCS)
    assert routes - swept - NOT_PAGES == set()
    assert get_resolver().reverse_dict  # the names above resolve in the real URLconf
    assert swept - routes == set()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for the module. Playwright's sync API keeps an idle event loop in this
    thread while it is open, which makes Django refuse the ORM; nothing Django runs
    happens inside that loop, so the guard is lifted for the module's lifetime."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        with chromium() as launched:
            yield launched


def _seed(persona: Persona) -> Seeded:
    job = finished_job(persona)
    translation = translation_create(
        organization=persona.organization, job_id=job.pk, to_language="es", model="apertium"
    )
    translation_run(str(translation.pk))
    endpoint, _ = endpoint_create(
        organization=persona.organization, url=RECEIVER, description="CRM", actor=None
    )
    organization_secret(persona.organization)
    delivery = Delivery.objects.create(
        organization=persona.organization,
        endpoint=endpoint,
        url=endpoint.url,
        event_type="job.completed",
        message_id="msg_fit",
        payload='{"type": "job.completed"}',
        status=DeliveryStatus.SUCCEEDED,
    )
    topup = TopUp.objects.create(
        wallet=wallet_for(persona.organization),
        credits=Decimal("500"),
        amount_minor=5000,
        currency="usd",
        checkout_session_id="cs_test_fit",
        created_by=persona.user,
    )
    invitation = invitation_create(
        organization=persona.organization, actor=None, email="invitee@example.org"
    ).invitation
    task = request_review(
        job=job, due_at=timezone.now() + timedelta(hours=12), comment="Names: Kennedy.",
        hold_reference="",
    )  # fmt: skip
    return Seeded(
        job=str(job.pk),
        translation=str(translation.pk),
        endpoint=str(endpoint.pk),
        delivery=str(delivery.pk),
        topup=str(topup.pk),
        session="cs_test_fit",
        invitation=invitation_token(invitation),
        review_task=str(task.pk),
        # Whisper is unsure of much of this meeting's crosstalk: there is something to review.
        doubtful_job=str(finished_job(persona, SHARED_AUDIO / "ami_debug_tst00.wav").pk),
    )


def _docs_overflow(page: Page, url: str, drawn: str, shot: str) -> str:
    """``overflow`` for a docs page, which has its own stylesheet and draws itself once
    the schema has loaded (``drawn`` is then visible)."""
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, (url, response.status)
    expect(page.locator(drawn).first).to_be_visible(timeout=30_000)
    screenshot(page, shot, full_page=False)
    return sticking_out(page, url)


def _log_out_clipped(page: Page) -> str:
    """Empty when "Log out" is wholly in the window (at the phone width, in the menu)."""
    toggle = page.locator("[data-nav-toggle]")
    if toggle.is_visible():
        toggle.click()
    button = page.get_by_role("button", name="Log out")
    box = button.bounding_box()
    inner = page.evaluate("innerWidth")
    if box is not None and button.is_visible() and 0 <= box["x"] <= inner - box["width"]:
        return ""
    return f"{page.url}: Log out is outside the {inner} px window at {box}"


@pytest.mark.usefixtures("transactional_db", "isolated_media")
def test_no_page_scrolls_sideways_at_desktop_or_phone_width(live_server, browser):
    user = User.objects.create_user(email="fit@example.org", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="review_orders"))
    organization = organization_create(name=LONG_NAME, owner=user)
    credits_grant(organization=organization, amount=Decimal("1234567.89"), reason="Big customer")
    persona = Persona(user, organization, None, "")  # type: ignore[arg-type]
    seeded = _seed(persona)
    base = live_server.url
    too_wide: list[str] = []
    for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for name, kwargs in ANONYMOUS:
            url = base + reverse(name, kwargs=kwargs(seeded))
            too_wide.append(overflow(page, url, f"fit-anon-{name}-{label}"))

        for name, drawn in API_DOCS.items():
            too_wide.append(
                _docs_overflow(page, base + reverse(name), drawn, f"fit-{name}-{label}")
            )

        page.goto(base + reverse("account_login"))
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(base + "/")
        for name, kwargs, query in SIGNED_IN:
            url = base + reverse(name, kwargs=kwargs(seeded)) + query.format(topup=seeded.topup)
            too_wide.append(overflow(page, url, f"fit-{name}-{label}"))
            too_wide.append(_log_out_clipped(page))
        context.close()
    problems = [line for line in too_wide if line]
    assert not problems, "\n".join(problems)


@pytest.mark.usefixtures("transactional_db")
def test_a_visitor_goes_from_the_front_page_to_a_new_organization(live_server, browser):
    base = live_server.url
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(base + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("transcripts")
    expect(page.locator("[data-role=engine]").first).to_be_visible()
    screenshot(page, "front-phone")

    page.locator("[data-role=signup]").click()
    page.wait_for_url(base + "/accounts/signup/")
    page.fill("input[name=email]", "newcomer@example.org")
    page.fill("input[name=password1]", "a long enough passphrase")
    if page.locator("input[name=password2]").count():
        page.fill("input[name=password2]", "a long enough passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(base + "/")
    expect(page.get_by_role("heading", name="Transcriptions", exact=True)).to_be_visible()
    page.locator("[data-nav-toggle]").click()
    expect(page.locator(".credit-pill")).to_have_text("60 credits")
    screenshot(page, "front-signed-up-phone")
    context.close()

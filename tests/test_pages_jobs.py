"""The dashboard, upload and job pages, and the audio view the player seeks in."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from billing.selectors import available_credits
from jobs.engines import resolve_engine
from jobs.models import JobStatus, TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.pages.media import RangeNotSatisfiable, parse_byte_range
from jobs.services.intake import job_create
from jobs.services.worker import job_run
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import Persona

pytestmark = pytest.mark.django_db

JFK = SHARED_AUDIO / "jfk.flac"


def make_job(persona: Persona, path: Path = JFK) -> TranscriptionJob:
    return job_create(
        organization=persona.organization,
        path=path,
        filename=path.name,
        options=TranscriptionOptions(),
        created_by=persona.user,
    )


def signed_in(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


@pytest.fixture
def alice_job(alice: Persona) -> TranscriptionJob:
    return make_job(alice)


@pytest.fixture
def bob_job(bob: Persona) -> TranscriptionJob:
    return make_job(bob, SHARED_AUDIO / "cards_001.wav")


def test_every_page_sends_anonymous_visitors_to_sign_in(client, alice_job):
    pages = [
        "/", "/transcribe/new/", f"/jobs/{alice_job.pk}/", f"/jobs/{alice_job.pk}/audio",
        "/wallet/", "/settings/api-keys/", "/settings/members/", "/docs/api/", "/help/",
    ]  # fmt: skip
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_the_dashboard_lists_the_organizations_jobs_with_status_and_credits(
    alice, alice_job, bob_job
):
    response = signed_in(alice).get("/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "jfk.flac" in body
    assert f'data-job-id="{alice_job.pk}"' in body
    assert 'data-status="queued"' in body
    assert "≈ 0.19" in body  # held for 11 s at 1 credit per minute
    assert "0:11" in body
    # The nav shows what is left to spend after the hold.
    assert "59.81 credits" in body
    assert "cards_001.wav" not in body
    assert str(bob_job.pk) not in body


def test_an_empty_dashboard_invites_an_upload(alice):
    body = signed_in(alice).get("/").content.decode()
    assert "No transcriptions yet" in body
    assert 'href="/transcribe/new/"' in body


def test_the_dashboard_paginates_jobs_newest_first(alice):
    jobs = [make_job(alice) for _ in range(21)]
    first = signed_in(alice).get("/").content.decode()
    second = signed_in(alice).get("/?page=2").content.decode()

    assert first.count("data-job-id=") == 20
    assert "Page 1 of 2" in first
    assert str(jobs[-1].pk) in first
    assert str(jobs[0].pk) not in first
    assert second.count("data-job-id=") == 1
    assert str(jobs[0].pk) in second


def test_the_upload_page_offers_the_enabled_engines_and_states_the_limits(alice, settings):
    settings.HARK_MAX_UPLOAD_MB = 321
    client = signed_in(alice)
    response = client.get("/transcribe/new/")

    body = response.content.decode()
    assert response.status_code == 200
    assert '<option value="local" selected>Local (pocketsphinx, English)</option>' in body
    assert '"languages": [{"code": "en", "name": "English"}]' in body
    local = resolve_engine("local")
    assert local is not None
    assert f'"diarization": {"true" if local.diarization else "false"}' in body
    assert "321 MB" in body
    assert "FLAC" in body
    assert 'action="/api/v1/transcribe/"' in body
    # The upload script reads the CSRF token from this cookie.
    assert response.cookies["csrftoken"].value


def test_a_queued_job_page_shows_progress_and_can_be_canceled(alice, alice_job):
    client = signed_in(alice)
    body = client.get(f"/jobs/{alice_job.pk}/").content.decode()

    assert "jfk.flac" in body
    assert 'data-status="queued"' in body
    assert f'src="/jobs/{alice_job.pk}/audio"' in body
    assert f'data-api-url="/api/v1/transcribe/{alice_job.pk}/"' in body
    assert f'action="/jobs/{alice_job.pk}/cancel/"' in body

    response = client.post(f"/jobs/{alice_job.pk}/cancel/", follow=True)

    assert response.redirect_chain[-1] == (f"/jobs/{alice_job.pk}/", 302)
    assert "Transcription canceled" in response.content.decode()
    alice_job.refresh_from_db()
    assert alice_job.status == JobStatus.CANCELED
    assert available_credits(alice.organization) == Decimal("60")


def test_canceling_a_finished_job_explains_why_not(alice, alice_job):
    client = signed_in(alice)
    client.post(f"/jobs/{alice_job.pk}/cancel/")
    response = client.post(f"/jobs/{alice_job.pk}/cancel/", follow=True)
    assert "already canceled and cannot be canceled" in response.content.decode()


def test_a_completed_job_page_shows_the_timestamped_transcript_and_downloads(alice, alice_job):
    job_run(str(alice_job.pk))  # the real local engine, in-process
    alice_job.refresh_from_db()
    assert alice_job.status == JobStatus.COMPLETED

    body = signed_in(alice).get(f"/jobs/{alice_job.pk}/").content.decode()

    assert 'data-status="completed"' in body
    assert 'class="segment" data-start="' in body
    assert "[00:0" in body
    assert "country" in body
    for fmt in ("txt", "srt", "vtt", "json"):
        assert f'href="/api/v1/transcribe/{alice_job.pk}/?format={fmt}"' in body
    assert "Credits charged" in body
    assert "0.19" in body
    assert f'action="/jobs/{alice_job.pk}/cancel/"' not in body


def test_a_failed_job_page_shows_the_reason_and_that_nothing_was_charged(alice, alice_job):
    from jobs.services.worker import job_fail

    job_fail(alice_job, "This file could not be decoded past 02:13.")
    body = signed_in(alice).get(f"/jobs/{alice_job.pk}/").content.decode()
    assert "This file could not be decoded past 02:13." in body
    assert "You have not been charged" in body


def test_deleting_a_job_removes_it_and_its_media(
    alice, alice_job, django_capture_on_commit_callbacks
):
    media_name = alice_job.media.name
    assert default_storage.exists(media_name)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(alice).post(f"/jobs/{alice_job.pk}/delete/", follow=True)

    assert response.redirect_chain[-1] == ("/", 302)
    assert "jfk.flac was deleted" in response.content.decode()
    assert not TranscriptionJob.objects.filter(pk=alice_job.pk).exists()
    assert not default_storage.exists(media_name)
    assert available_credits(alice.organization) == Decimal("60")


def test_another_organizations_job_is_a_404_everywhere(alice, bob_job, charlie):
    client = signed_in(alice)
    assert client.get(f"/jobs/{bob_job.pk}/").status_code == 404
    assert client.get(f"/jobs/{bob_job.pk}/audio").status_code == 404
    assert client.get(f"/jobs/{bob_job.pk}/audio", HTTP_RANGE="bytes=0-9").status_code == 404
    assert client.post(f"/jobs/{bob_job.pk}/cancel/").status_code == 404
    assert client.post(f"/jobs/{bob_job.pk}/delete/").status_code == 404
    bob_job.refresh_from_db()
    assert bob_job.status == JobStatus.QUEUED

    # Charlie, in Bob's organization, sees Bob's job but nothing of Alice's.
    charlie_client = Client()
    charlie_client.force_login(charlie)
    assert charlie_client.get(f"/jobs/{bob_job.pk}/").status_code == 200
    assert "cards_001.wav" in charlie_client.get("/").content.decode()


def test_charlie_cannot_see_alices_job(alice, alice_job, charlie):
    client = Client()
    client.force_login(charlie)
    assert client.get(f"/jobs/{alice_job.pk}/").status_code == 404
    assert client.get(f"/jobs/{alice_job.pk}/audio").status_code == 404
    assert "jfk.flac" not in client.get("/").content.decode()


# --- the audio view -----------------------------------------------------------------


def audio(client: Client, job: TranscriptionJob, **headers: str):
    return client.get(f"/jobs/{job.pk}/audio", headers=headers)


def body_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_audio_is_served_whole_with_range_support_advertised(alice, alice_job):
    response = audio(signed_in(alice), alice_job)

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/flac"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(JFK.stat().st_size)
    assert "private" in response["Cache-Control"]
    assert body_bytes(response) == JFK.read_bytes()


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=100-", 100, None),
        ("bytes=-500", -500, None),
        ("bytes=5000-999999999", 5000, None),
    ],
)
def test_a_range_request_gets_206_with_exactly_those_bytes(alice, alice_job, header, first, last):
    original = JFK.read_bytes()
    size = len(original)
    start = size + first if first < 0 else first
    end = size - 1 if last is None else last

    response = audio(signed_in(alice), alice_job, Range=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{size}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body_bytes(response) == original[start : end + 1]


@pytest.mark.parametrize(
    "header",
    ["bytes=999999999-", "bytes=50-10", "bytes=abc", "bytes=-0", "bytes=1-2-3", "bytes"],
)
def test_an_unsatisfiable_or_malformed_range_gets_416(alice, alice_job, header):
    response = audio(signed_in(alice), alice_job, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{JFK.stat().st_size}"


def test_several_ranges_or_another_unit_get_the_whole_file(alice, alice_job):
    client = signed_in(alice)
    for header in ("bytes=0-9,20-29", "items=0-5"):
        response = audio(client, alice_job, Range=header)
        assert response.status_code == 200, header
        assert len(body_bytes(response)) == JFK.stat().st_size


def test_if_range_with_a_stale_validator_gets_the_whole_file(alice, alice_job):
    client = signed_in(alice)
    etag = audio(client, alice_job)["ETag"]

    fresh = audio(client, alice_job, Range="bytes=0-9", **{"If-Range": etag})
    stale = audio(client, alice_job, Range="bytes=0-9", **{"If-Range": '"something-else"'})

    assert fresh.status_code == 206
    assert len(body_bytes(fresh)) == 10
    assert stale.status_code == 200
    assert len(body_bytes(stale)) == JFK.stat().st_size


def test_range_parsing_edge_cases():
    assert parse_byte_range("bytes=0-0", 10) == (0, 0)
    assert parse_byte_range("bytes=9-", 10) == (9, 9)
    assert parse_byte_range("bytes=-20", 10) == (0, 9)
    assert parse_byte_range("bytes= 2-4 ", 10) == (2, 4)
    for bad in ("bytes=10-", "bytes=-", "bytes=٣-٤", "bytes=0-1"):
        with pytest.raises(RangeNotSatisfiable):
            parse_byte_range(bad, 0 if bad == "bytes=0-1" else 10)

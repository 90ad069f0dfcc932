"""The dashboard, upload and job pages, and the audio view the player seeks in."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from billing.pricing import price_for_seconds
from billing.selectors import available_credits
from jobs.engines import engine_info, resolve_engine
from jobs.models import JobStatus, TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.pages.formatting import clock_label, span_label
from jobs.pages.media import RangeNotSatisfiable, parse_byte_range
from jobs.services.intake import job_create
from jobs.services.worker import job_run
from jobs.transcripts.selectors import transcript_read
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import Persona
from tests.test_api_transcribe import assert_nothing_created
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import canned

pytestmark = pytest.mark.django_db

JFK = SHARED_AUDIO / "jfk.flac"


def make_job(
    persona: Persona, path: Path = JFK, options: TranscriptionOptions | None = None
) -> TranscriptionJob:
    return job_create(
        organization=persona.organization,
        path=path,
        filename=path.name,
        options=options or TranscriptionOptions(),
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


def test_every_page_but_the_front_page_sends_anonymous_visitors_to_sign_in(client, alice_job):
    pages = [
        "/transcribe/new/", f"/jobs/{alice_job.pk}/", f"/jobs/{alice_job.pk}/audio",
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
    whisper = engine_info("whisper").label
    assert f'<option value="whisper" selected>{whisper}</option>' in body
    assert '<option value="local">Local (pocketsphinx, English)</option>' in body
    assert '"languages": [{"code": "en", "name": "English"}]' in body
    local = resolve_engine("local")
    assert local is not None
    assert f'"diarization": {"true" if local.diarization else "false"}' in body
    assert "321 MB" in body
    assert "FLAC" in body
    assert 'action="/api/v1/transcribe/"' in body
    # The upload script reads the CSRF token from this cookie.
    assert response.cookies["csrftoken"].value


def page_engines(body: str) -> dict[str, dict[str, Any]]:
    """The engines the upload script reads, from the page's json_script."""
    found = re.search(r'<script id="engines-data" type="application/json">(.*?)</script>', body)
    assert found is not None
    return {engine["name"]: engine for engine in json.loads(found.group(1))}


def test_every_enabled_engine_is_offered_and_priced_with_its_label(alice, settings):
    settings.HARK_ENGINE_PRICES = {"whisper": Decimal("2"), "local": Decimal("1")}
    _, _, body = upload_page(alice)
    engines = page_engines(body)

    assert list(engines) == ["whisper", "local", "auto"]
    whisper, local, auto = engines["whisper"], engines["local"], engines["auto"]
    assert whisper["label"] == engine_info("whisper").label
    assert (whisper["price_per_minute"], local["price_per_minute"]) == ("2", "1")
    assert (whisper["translation"], local["translation"], auto["translation"]) == (
        True, False, True
    )  # fmt: skip
    # Whisper detects the language unless told; the local engine cannot.
    assert whisper["languages"][0] == {"code": "", "name": "Detect automatically"}
    assert {"code": "de", "name": "German"} in whisper["languages"]
    assert local["languages"] == [{"code": "en", "name": "English"}]
    assert auto["languages"][0] == {"code": "", "name": "Detect automatically"}
    assert '<input type="checkbox" id="translate" name="task" value="translate">' in body

    pricing = Client().get("/pricing/").content.decode()
    row = re.search(r'<tr data-engine="whisper"><td>(.*?)</td><td class="num">(.*?)</td>', pricing)
    assert row is not None
    assert row.groups() == (engine_info("whisper").label, "2")
    assert '<tr data-engine="local"><td>Local (pocketsphinx, English)</td>' in pricing


def test_translate_to_english_on_the_upload_page_makes_a_translation_job(alice, isolated_media):
    client, token, _ = upload_page(alice)

    response = submit_from_page(client, token, model="whisper", language="de", task="translate")
    refused = submit_from_page(client, token, model="local", task="translate")

    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    assert (job.organization, job.task, job.language) == (alice.organization, "translate", "de")
    assert refused.status_code == 400
    assert refused.json()["message"] == (
        "The Local (pocketsphinx, English) engine cannot translate speech. "
        "Engines that can: whisper."
    )
    assert TranscriptionJob.objects.count() == 1


# --- Advanced upload options: prefer, fallbacks, from/till --------------------------


@pytest.fixture
def two_engines(settings):
    """local (1 credit/min) and an OpenAI-compatible upstream (3 credits/min) on a real
    loopback server, so the page has something to offer as a fallback."""
    with OpenAIUpstream(canned(["ask", "not"])).running() as upstream:
        upstream.configure(settings)
        yield settings


def upload_page(persona: Persona) -> tuple[Client, str, str]:
    """The upload page as a browser gets it: a session, the CSRF cookie and the HTML."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona.user)
    response = client.get("/transcribe/new/")
    assert response.status_code == 200
    return client, response.cookies["csrftoken"].value, response.content.decode()


def submit_from_page(client: Client, token: str, **fields: object):
    """What upload.js sends: multipart to the form's action, with the session and the
    CSRF header, From/Till already converted to seconds, lists as repeated fields."""
    with JFK.open("rb") as handle:
        return client.post(
            "/api/v1/transcribe/",
            {"file": handle, **fields},
            headers={"X-CSRFToken": token, "Accept": "application/json"},
        )


def test_the_upload_page_offers_prefer_fallbacks_and_from_till(alice, two_engines):
    _, _, body = upload_page(alice)

    assert '<details class="advanced" id="advanced">' in body
    assert '<option value="auto">Automatic (best available, with fallbacks)</option>' in body
    for name, help_text in [
        ("quality", "the most accurate engine"),
        ("speed", "the quickest engine"),
        ("cost", "the cheapest engine"),
    ]:
        assert f'name="prefer" id="prefer-{name}" value="{name}"' in body
        assert help_text in body
    # Every enabled engine can be a fallback (the script hides the one chosen); never auto.
    assert 'name="fallbacks" value="local"' in body
    assert 'name="fallbacks" value="openai"' in body
    assert 'name="fallbacks" value="auto"' not in body
    assert engine_info("openai").label in body
    assert 'id="trim-from" name="from"' in body
    assert 'id="trim-till" name="till"' in body
    assert "minutes:seconds" in body


def test_with_one_engine_the_page_says_there_is_nothing_to_fall_back_to(alice, settings):
    settings.HARK_ENGINES = ["local"]
    settings.HARK_DEFAULT_ENGINE = "local"
    _, _, body = upload_page(alice)

    assert 'name="fallbacks" value="local"' in body  # hidden by the script: it is chosen
    assert "No other model is enabled on this installation." in body
    assert '<option value="auto"' not in body


@pytest.mark.parametrize(
    ("fields", "engine", "prefer", "route"),
    [
        ({"model": "local", "fallbacks": ["openai"]}, "local", "", ["local", "openai"]),
        ({"model": "local"}, "local", "", ["local"]),
        ({"model": "auto", "prefer": "cost"}, "auto", "cost", ["local", "openai"]),
        ({"model": "auto", "prefer": "quality"}, "auto", "quality", ["openai", "local"]),
    ],
)
def test_advanced_options_sent_by_the_upload_page_reach_the_job(
    alice, two_engines, fields, engine, prefer, route
):
    client, token, _ = upload_page(alice)

    response = submit_from_page(client, token, language="en", **fields, **{"from": 2, "till": 7.5})

    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    assert job.organization == alice.organization
    assert (job.engine, job.prefer, job.route) == (engine, prefer, route)
    assert (job.trim_start, job.trim_end) == (2.0, 7.5)
    # Priced after trimming: 5.5 s at the dearest engine the route may use.
    assert job.duration_seconds == pytest.approx(5.5)
    dearest = "openai" if "openai" in route else "local"
    assert job.estimated_credits == price_for_seconds(5.5, engine=dearest)
    assert available_credits(alice.organization) == Decimal("60") - job.estimated_credits


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"from": 7, "till": 2}, "till must be later than from."),
        ({"from": 5, "till": 5}, "till must be later than from."),
        # What the page cannot read as a time it passes on as typed.
        ({"from": "soon"}, "from: A valid number is required."),
        ({"till": "-1"}, "till: Ensure this value is greater than or equal to 0."),
        ({"from": 20}, "from is 20 seconds, but the recording is only 11.0 seconds long."),
    ],
)
def test_bad_from_or_till_on_the_upload_page_is_explained_and_creates_nothing(
    alice, isolated_media, fields, message
):
    client, token, _ = upload_page(alice)

    response = submit_from_page(client, token, **fields)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": message}
    assert_nothing_created(isolated_media, alice.organization)


def test_a_finished_trimmed_job_page_says_what_served_it_and_which_part(alice):
    options = TranscriptionOptions(model="local", trim_start=2.0, trim_end=7.0)
    job = make_job(alice, options=options)
    client = signed_in(alice)

    queued = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<span data-role="span">from 0:02 to 0:07</span>' in queued
    assert "Served by" not in queued  # nothing has served it yet

    job_run(str(job.pk))  # the real local engine, in-process
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert job.providers == ["local"]
    body = client.get(f"/jobs/{job.pk}/").content.decode()

    assert '<span data-role="served-by">Local (pocketsphinx, English)</span>' in body
    assert '<span data-role="model">Local (pocketsphinx, English)</span>' in body
    assert '<span data-role="span">from 0:02 to 0:07</span>' in body
    assert "0:05 (from 0:02 to 0:07)" in body
    # Only the span was transcribed; its times still match the whole recording.
    view = transcript_read(job)
    assert view is not None
    segments = view.segments
    assert segments
    assert all(s.start >= 2.0 and s.end <= 7.05 for s in segments)
    assert "lovely" not in body  # said after 8 s


def test_served_by_lists_every_provider_that_served_a_job_by_label(alice, alice_job, two_engines):
    TranscriptionJob.objects.filter(pk=alice_job.pk).update(
        status=JobStatus.COMPLETED, engine="auto", prefer="speed", providers=["openai", "local"]
    )
    body = signed_in(alice).get(f"/jobs/{alice_job.pk}/").content.decode()

    openai_label = engine_info("openai").label
    served = f'<span data-role="served-by">{openai_label}, Local (pocketsphinx, English)</span>'
    assert served in body
    assert '<span data-role="model">Automatic, prefer speed</span>' in body
    assert 'data-role="span"' not in body  # the whole recording

    # A provider since removed from the registry is still named.
    TranscriptionJob.objects.filter(pk=alice_job.pk).update(providers=["retired"])
    body = signed_in(alice).get(f"/jobs/{alice_job.pk}/").content.decode()
    assert '<span data-role="served-by">retired</span>' in body


def test_the_help_page_explains_prefer_fallbacks_and_from_till(alice):
    body = signed_in(alice).get("/help/").content.decode()

    assert '<a href="#advanced">Advanced options</a>' in body
    for words in ("<strong>Prefer</strong>", "<strong>Fallbacks</strong>", "<strong>From</strong>"):
        assert words in body
    assert "only that part is charged" in body


def test_spans_read_as_people_type_them():
    assert span_label(0.0, None) == ""
    assert span_label(10.0, 65.0) == "from 0:10 to 1:05"
    assert span_label(0.0, 30.0) == "from 0:00 to 0:30"
    assert span_label(90.0, None) == "from 1:30 to the end"
    assert span_label(2.5, 3725.0) == "from 0:02.5 to 1:02:05"
    assert clock_label(59.96) == "1:00"


def test_a_queued_job_page_shows_progress_and_can_be_canceled(alice, alice_job):
    client = signed_in(alice)
    body = client.get(f"/jobs/{alice_job.pk}/").content.decode()

    assert "jfk.flac" in body
    assert 'data-status="queued"' in body
    assert f'src="/jobs/{alice_job.pk}/audio"' in body
    # htmx follows the progress (jobs.pages.organize.job_progress_view).
    assert f'hx-get="/jobs/{alice_job.pk}/progress/"' in body
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
    for fmt in ("txt", "srt", "vtt", "json", "docx", "pdf", "html"):
        assert f'href="/api/v1/transcribe/{alice_job.pk}/?format={fmt}"' in body
        assert f'<option value="{fmt}">' in body
    # The download form asks the API for the same export with options.
    assert f'action="/api/v1/transcribe/{alice_job.pk}/" data-role="export-form"' in body
    assert '<option value="full_verbatim" selected>' in body  # a verbatim job
    for choice in ("every_10_seconds", "every_30_seconds", "every_2_minutes", "change_of_speaker"):
        assert f'<option value="{choice}">' in body
    assert 'name="speaker_names"' in body
    assert 'name="max_line_chars" value="42" min="10" max="200" step="1"' in body
    assert 'name="max_chars_per_second" value="17" min="5" max="60" step="0.1"' in body
    assert "Credits charged" in body
    assert "0.19" in body
    assert f'action="/jobs/{alice_job.pk}/cancel/"' not in body


def test_a_failed_job_page_shows_the_reason_and_that_nothing_was_charged(alice, alice_job):
    from jobs.lifecycle.transcription import job_fail

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

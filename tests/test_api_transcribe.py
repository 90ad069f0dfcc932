"""Intake over the API: what is accepted, what is refused, and that refusals leave
nothing behind (no job, no hold, no queued task, no stored file)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import QueryDict
from django_q.models import OrmQ

from billing.models import Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits
from billing.services import credits_grant
from jobs.api.serializers import TranscriptionOptionsInput
from jobs.engines.base import Segment, TranscriptionResult
from jobs.lifecycle.transcription import job_claim, job_complete
from jobs.models import JobStatus, JobType, TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO

pytestmark = pytest.mark.django_db
JFK = SHARED_AUDIO / "jfk.flac"


def upload(persona, path: Path = JFK, scheme: str = "Bearer", **data):
    with path.open("rb") as handle:
        return persona.client(scheme).post(
            "/api/v1/transcribe/", {"file": handle, **data}, format="multipart"
        )


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


def assert_nothing_created(media_root: Path, organization) -> None:
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()
    assert not OrmQ.objects.exists()
    assert stored_files(media_root) == []
    assert available_credits(organization) == Decimal("60")


def test_upload_creates_a_queued_job_with_a_hold_and_a_task(alice, isolated_media):
    response = upload(alice)
    assert response.status_code == 200, response.content
    body = response.json()
    job = TranscriptionJob.objects.get()
    assert body["id"] == body["job_id"] == str(job.id)
    assert body["status"] == "queued"
    # 11.0 s at 1 credit per minute, rounded up to the cent.
    assert body["estimated_credits"] == 0.19
    assert isinstance(body["estimated_wait"], int)
    assert body["estimated_wait"] > 0
    assert body["created_at"]
    assert job.organization == alice.organization
    assert job.engine == "whisper"  # the default engine
    assert job.duration_seconds == pytest.approx(11.0, abs=0.05)
    hold = Hold.objects.get(reference=f"job:{job.id}")
    assert hold.status == HoldStatus.ACTIVE
    assert hold.amount == Decimal("0.19")
    assert OrmQ.objects.count() == 1
    # Stored under a generated key in the organization's folder, never the client's name.
    assert job.media.name == f"org/{alice.organization.pk}/{job.id}.flac"
    assert stored_files(isolated_media) == [isolated_media / job.media.name]
    assert not LedgerEntry.objects.filter(kind="charge").exists()


def test_gumzo_parameters_are_accepted_with_the_token_scheme(alice):
    response = upload(alice, scheme="Token", job_language="en", job_type="Smart",
                      skip_diarization="true")  # fmt: skip
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["job_id"])
    assert job.job_type == JobType.SMART
    assert job.language == "en"
    assert not job.diarization


def test_summary_job_type_requests_a_summary(alice):
    response = upload(alice, job_type="summary")
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    assert job.job_type == JobType.SUMMARY
    assert job.summary_requested


def test_short_of_credits_is_a_402_with_the_seed_body_and_writes_nothing(alice, isolated_media):
    credits_grant(organization=alice.organization, amount=Decimal("-59.90"), reason="drain")
    entries_before = LedgerEntry.objects.count()
    response = upload(alice)
    assert response.status_code == 402
    assert response.json() == {
        "error": "insufficient_credits",
        "message": "You have 0.1 credits remaining but this transcription requires 0.19 credits.",
    }
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()
    assert not OrmQ.objects.exists()
    assert stored_files(isolated_media) == []
    assert LedgerEntry.objects.count() == entries_before


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("notes.mp3", b"these are not the droids you are looking for\n" * 50, "MP3, WAV"),
        ("image.wav", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "MP3, WAV"),
    ],
)
def test_non_audio_is_refused_with_415_and_nothing_is_stored_or_charged(
    alice, isolated_media, tmp_path, name, content, needle
):
    path = tmp_path / name
    path.write_bytes(content)
    response = upload(alice, path)
    assert response.status_code == 415
    body = response.json()
    assert body["error"] == "unsupported_media"
    assert needle in body["message"]
    assert_nothing_created(isolated_media, alice.organization)


def test_headerless_raw_pcm_is_refused_with_advice_to_convert_it(alice, isolated_media):
    response = upload(alice, SHARED_AUDIO / "goforward.raw")
    assert response.status_code == 415
    assert "WAV" in response.json()["message"]
    assert "raw" in response.json()["message"].lower()
    assert_nothing_created(isolated_media, alice.organization)


def test_an_empty_file_is_refused(alice, isolated_media, tmp_path):
    path = tmp_path / "empty.mp3"
    path.write_bytes(b"")
    response = upload(alice, path)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert_nothing_created(isolated_media, alice.organization)


def test_a_request_without_a_file_says_which_field_to_use(alice):
    response = alice.client().post("/api/v1/transcribe/", {"language": "en"}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "Attach the audio as a multipart form field named 'file'.",
    }


def test_a_declared_oversize_body_is_refused_before_it_is_read(alice, settings, isolated_media):
    settings.HARK_MAX_UPLOAD_MB = 1
    body = b"x" * (2 * 1024 * 1024)
    response = alice.client().generic(
        "POST", "/api/v1/transcribe/", body, content_type="multipart/form-data; boundary=zz"
    )
    assert response.status_code == 413
    assert response.json()["error"] == "file_too_large"
    assert "1 MB" in response.json()["message"]
    assert_nothing_created(isolated_media, alice.organization)


def test_an_upload_passing_the_cap_while_streaming_is_cut_off(alice, settings, isolated_media):
    # Just over the cap, within the multipart allowance, so only the streaming
    # handler can notice.
    settings.HARK_MAX_UPLOAD_MB = 1
    big = isolated_media.parent / "big.flac"
    big.write_bytes(JFK.read_bytes()[: 1024 * 1024 + 10_000])
    response = upload(alice, big)
    assert response.status_code == 413
    assert response.json()["error"] == "file_too_large"
    assert_nothing_created(isolated_media, alice.organization)


def test_a_recording_over_the_duration_cap_is_a_400(alice, settings, isolated_media):
    settings.HARK_MAX_DURATION_SECONDS = 5
    response = upload(alice)
    assert response.status_code == 400
    assert "limit" in response.json()["message"]
    assert_nothing_created(isolated_media, alice.organization)


def test_a_language_the_engine_lacks_is_a_400_naming_what_is_supported(alice, isolated_media):
    response = upload(alice, model="local", language="fr")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "The Local (pocketsphinx, English) engine cannot transcribe 'fr'. "
        "It supports: en (English)."
    )
    assert_nothing_created(isolated_media, alice.organization)


def test_an_unknown_model_is_a_400_listing_available_models_and_other_services_ids(
    alice, isolated_media
):
    response = upload(alice, model="nova-3")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "The model 'nova-3' is not available here. Available models: whisper, local, auto. "
        "Other services' model ids accepted here: whisper-1, voxtral-mini-latest, "
        "voxtral-mini-2602, gemini-2.5-flash, gemini-2.5-pro, whisper-large-v3, whisper-turbo."
    )
    assert_nothing_created(isolated_media, alice.organization)


def test_a_bad_job_type_is_a_400_in_the_error_shape(alice, isolated_media):
    response = upload(alice, job_type="Poetry")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "job_type: must be one of Verbatim, Smart or Summary",
    }
    assert_nothing_created(isolated_media, alice.organization)


def test_vocabulary_on_an_engine_without_it_is_refused_not_ignored(alice):
    response = upload(alice, model="local", vocabulary='["Hark", "pocketsphinx"]')
    assert response.status_code == 400
    assert "vocabulary" in response.json()["message"].lower()


def test_list_is_newest_first_with_a_cursor_and_only_the_callers_jobs(alice, bob):
    ids = [upload(alice).json()["id"] for _ in range(3)]
    upload(bob)
    first = alice.client().get("/api/v1/transcribe/?limit=2").json()
    assert [job["id"] for job in first["results"]] == ids[::-1][:2]
    second = alice.client().get(first["next"]).json()
    assert [job["id"] for job in second["results"]] == [ids[0]]
    assert second["next"] is None


def test_cancel_of_a_queued_job_releases_its_hold(alice):
    job_id = upload(alice).json()["id"]
    response = alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "canceled"
    assert TranscriptionJob.objects.get(pk=job_id).status == JobStatus.CANCELED
    assert Hold.objects.get(reference=f"job:{job_id}").status == HoldStatus.RELEASED
    assert available_credits(alice.organization) == Decimal("60")
    again = alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/")
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"


def test_delete_removes_the_media_and_the_job(
    alice, isolated_media, django_capture_on_commit_callbacks
):
    job_id = upload(alice).json()["id"]
    assert stored_files(isolated_media)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.client().delete(f"/api/v1/transcribe/{job_id}/")
    assert response.status_code == 204
    assert not TranscriptionJob.objects.filter(pk=job_id).exists()
    assert stored_files(isolated_media) == []
    assert Hold.objects.get(reference=f"job:{job_id}").status == HoldStatus.RELEASED
    assert alice.client().get(f"/api/v1/transcribe/{job_id}/").status_code == 404


def test_export_before_completion_is_a_conflict(alice):
    job_id = upload(alice).json()["id"]
    response = alice.client().get(f"/api/v1/transcribe/{job_id}/?format=srt")
    assert response.status_code == 409
    unknown = alice.client().get(f"/api/v1/transcribe/{job_id}/?format=doc")
    assert unknown.status_code == 400
    assert "txt, srt, vtt, json" in unknown.json()["message"]


def test_a_processing_job_reports_progress(alice):
    job_id = upload(alice).json()["id"]
    TranscriptionJob.objects.filter(pk=job_id).update(status=JobStatus.PROCESSING, progress=45)
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/").json()
    assert body["status"] == "processing"
    assert body["progress"] == 45
    assert "transcript" not in body


def test_missing_and_malformed_ids_are_404(alice):
    for job_id in (uuid.uuid4(), "not-a-uuid"):
        response = alice.client().get(f"/api/v1/transcribe/{job_id}/")
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "message": "No transcription job with that id was found.",
        }


def test_diarization_is_accepted_because_the_local_engine_labels_speakers(alice):
    response = upload(alice, diarization="true")
    assert response.status_code == 200
    assert TranscriptionJob.objects.get(pk=response.json()["id"]).diarization


@pytest.mark.parametrize(
    "form",
    [
        "vocabulary=Kubernetes&vocabulary=Dr.+Okonkwo",
        "vocabulary[]=Kubernetes&vocabulary[]=Dr.+Okonkwo",
        "vocabulary=Kubernetes,+Dr.+Okonkwo",
        "vocabulary=%5B%22Kubernetes%22,%22Dr.+Okonkwo%22%5D",
    ],
)
def test_vocabulary_and_fallbacks_keep_every_repeated_form_field(form):
    fallbacks = form.replace("vocabulary", "fallbacks").replace("Dr.+Okonkwo", "openai")
    fields = QueryDict(f"{form}&{fallbacks.replace('Kubernetes', 'local')}")
    serializer = TranscriptionOptionsInput(data=fields)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["vocabulary"] == ("Kubernetes", "Dr. Okonkwo")
    assert serializer.validated_data["fallbacks"] == ("local", "openai")


def test_speakers_are_listed_by_first_appearance_with_their_speaking_time(alice):
    job = TranscriptionJob.objects.get(pk=upload(alice, diarization="true").json()["id"])
    claim = job_claim(str(job.id))
    assert claim is not None
    turns = [("SPEAKER_01", 0.0, 2.5), ("SPEAKER_00", 2.5, 3.0), (None, 3.0, 4.0)]
    turns += [("SPEAKER_01", 4.0, 5.25), ("SPEAKER_00", 5.25, 9.0)]
    segments = [
        Segment(start, end, f"turn {i}", 0.9, speaker=who)
        for i, (who, start, end) in enumerate(turns)
    ]
    result = TranscriptionResult(segments=segments, language="en", duration=9.0, engine="local")
    assert job_complete(claim, result)

    body = alice.client().get(f"/api/v1/transcribe/{job.id}/").json()
    speakers = [{k: v for k, v in s.items() if k != "id"} for s in body["speakers"]]
    assert speakers == [
        {"name": "SPEAKER_01", "label": "SPEAKER_01", "speaking_time": 3.75},
        {"name": "SPEAKER_00", "label": "SPEAKER_00", "speaking_time": 4.25},
    ]
    # Ids are stable and distinct, for the editing API.
    assert len({s["id"] for s in body["speakers"]}) == 2


# --- Other services' model ids, speech translation, speaker counts ------------------------


@pytest.mark.parametrize(
    "model",
    [
        "whisper-1", "voxtral-mini-latest", "voxtral-mini-2602", "gemini-2.5-flash",
        "gemini-2.5-pro", "whisper-large-v3", "whisper-turbo",
    ],
)  # fmt: skip
def test_other_services_model_ids_get_the_best_engines_that_can_serve_the_request(alice, model):
    plain = upload(alice, model=model)
    with_vocabulary = upload(alice, model=model, vocabulary="Hark,GateFlow")

    assert plain.status_code == with_vocabulary.status_code == 200, plain.content
    job = TranscriptionJob.objects.get(pk=plain.json()["id"])
    assert (job.engine, job.route) == ("auto", ["whisper", "local"])
    # The local engine takes no vocabulary, so it is no fallback for this one.
    biased = TranscriptionJob.objects.get(pk=with_vocabulary.json()["id"])
    assert (biased.engine, biased.route, biased.vocabulary) == (
        "auto", ["whisper"], ["Hark", "GateFlow"]
    )  # fmt: skip


def test_an_operator_mapped_model_id_goes_to_its_engine(alice, settings):
    settings.HARK_MODEL_ALIASES = {"whisper-turbo": "local", "my-model": "whisper"}

    turbo = upload(alice, model="whisper-turbo")
    mine = upload(alice, model="my-model", fallbacks="whisper-turbo")

    assert turbo.status_code == mine.status_code == 200, turbo.content
    job = TranscriptionJob.objects.get(pk=turbo.json()["id"])
    assert (job.engine, job.route, job.language) == ("local", ["local"], "en")
    job = TranscriptionJob.objects.get(pk=mine.json()["id"])
    assert (job.engine, job.route) == ("whisper", ["whisper", "local"])


def test_a_model_id_mapped_to_an_engine_that_is_not_enabled_is_a_400(
    alice, settings, isolated_media
):
    settings.HARK_MODEL_ALIASES = {"voxtral-mini-latest": "openai"}
    response = upload(alice, model="voxtral-mini-latest")
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith(
        "The model 'voxtral-mini-latest' is not available here (the engine serving it, "
        "openai, is not enabled). Available models: whisper, local, auto."
    )
    assert_nothing_created(isolated_media, alice.organization)


@pytest.mark.parametrize(
    "fields", [{"task": "translate"}, {"translate_to": "en"}, {"translate_to": "English"}]
)
def test_speech_translation_is_asked_with_task_or_translate_to(alice, fields):
    response = upload(alice, language="de", prompt="An interview.", **fields)

    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    assert (job.task, job.language, job.engine) == ("translate", "de", "whisper")
    assert job.prompt == "An interview."


def test_automatic_routing_of_a_translation_leaves_out_engines_that_cannot_translate(alice):
    response = upload(alice, model="auto", task="translate", fallbacks="whisper-1")
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    assert (job.task, job.engine, job.route) == ("translate", "auto", ["whisper"])
    assert TranscriptionJob.objects.get(pk=upload(alice, model="auto").json()["id"]).route == [
        "whisper",
        "local",
    ]


def test_translation_on_an_engine_that_cannot_is_refused_naming_those_that_can(
    alice, isolated_media
):
    response = upload(alice, model="local", task="translate")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "The Local (pocketsphinx, English) engine cannot translate speech. "
        "Engines that can: whisper.",
    }
    assert_nothing_created(isolated_media, alice.organization)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, None),
        ({"number_of_speakers": "1_or_2"}, 2),
        ({"number_of_speakers": "3_or_more"}, None),
        ({"number_of_speakers": "4"}, 4),
        ({"max_speakers": "5"}, 5),
        ({"number_of_speakers": "3_or_more", "max_speakers": "6"}, 6),
        ({"number_of_speakers": "1_or_2", "max_speakers": "2"}, 2),
    ],
)
def test_speaker_counts_become_the_jobs_speaker_limit(alice, fields, expected):
    response = upload(alice, diarization="true", **fields)
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    assert (job.diarization, job.max_speakers) == (True, expected)


SPEAKER_COUNTS = "number_of_speakers: must be 1_or_2, 3_or_more, or a whole number from 1 to 20"
MAX_SPEAKERS = "max_speakers: must be a whole number from 1 to 20"
TARGETS = (
    "Transcripts can be translated into: Catalan (ca), English (en), French (fr), "
    "Italian (it), Portuguese (pt), Spanish (es)."
)
NO_TARGET = f"translate_to: nothing here translates into 'xx'. {TARGETS}"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number_of_speakers": "two"}, SPEAKER_COUNTS),
        ({"number_of_speakers": "0"}, SPEAKER_COUNTS),
        ({"number_of_speakers": "21"}, SPEAKER_COUNTS),
        ({"max_speakers": "0"}, MAX_SPEAKERS),
        ({"max_speakers": "21"}, MAX_SPEAKERS),
        ({"max_speakers": "many"}, MAX_SPEAKERS),
        (
            {"number_of_speakers": "1_or_2", "max_speakers": "5"},
            "number_of_speakers=1_or_2 and max_speakers=5 disagree; send one of them.",
        ),
        (
            {"number_of_speakers": "3_or_more", "max_speakers": "2"},
            "number_of_speakers=3_or_more and max_speakers=2 disagree; send one of them.",
        ),
        ({"translate_to": "xx"}, NO_TARGET),
        (
            {"task": "translate", "translate_to": "de-AT"},
            f"translate_to: nothing here translates into German ('de'). {TARGETS}",
        ),
        (
            {"task": "transcribe", "translate_to": "en"},
            "task=transcribe and translate_to=en contradict each other; send one of them.",
        ),
        ({"task": "summarize"}, "task: must be transcribe or translate"),
        ({"task": "align", "prompt": "Ask not."}, "task: must be transcribe or translate"),
    ],
)
def test_bad_speaker_counts_and_translation_targets_are_a_400_that_creates_nothing(
    alice, isolated_media, fields, message
):
    response = upload(alice, diarization="true", **fields)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": message}
    assert_nothing_created(isolated_media, alice.organization)


def test_the_url_endpoint_takes_the_same_translation_and_speaker_options(alice):
    client = alice.client()
    url = "https://example.com/talk.mp3"
    other = client.post(
        "/api/v1/transcribe/url/", {"url": url, "translate_to": "xx"}, format="json"
    )
    speakers = client.post(
        "/api/v1/transcribe/url/", {"url": url, "max_speakers": 50}, format="json"
    )
    # Refused before anything is fetched.
    assert (other.status_code, other.json()["message"]) == (400, NO_TARGET)
    assert (speakers.status_code, speakers.json()["message"]) == (400, MAX_SPEAKERS)
    assert not TranscriptionJob.objects.exists()

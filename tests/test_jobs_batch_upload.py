"""Several files at once: each its own job with its own hold, through the same intake as
a single upload; a file that fails says why and leaves nothing behind while the others
are queued."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django_q.models import OrmQ

from billing.models import Hold, HoldStatus
from billing.selectors import available_credits
from billing.services import credits_grant
from jobs.models import TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.services.batch import BATCH_FILES_MAX, BatchUpload, jobs_create_batch
from tests.audio_fixtures import SHARED_AUDIO

pytestmark = pytest.mark.django_db


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


@pytest.fixture
def not_audio(tmp_path: Path) -> Path:
    path = tmp_path / "notes.mp3"  # the name lies; the content decides
    path.write_text("Agenda: budget, hiring, the offsite.\n" * 200)
    return path


def test_three_files_one_not_audio_make_two_jobs_and_one_sentence(alice, not_audio, isolated_media):
    with (
        (SHARED_AUDIO / "jfk.flac").open("rb") as first,
        not_audio.open("rb") as second,
        (SHARED_AUDIO / "cards_001.wav").open("rb") as third,
    ):
        response = alice.client().post(
            "/api/v1/transcribe/batch/",
            {"file": [first, second, third], "language": "en"},
            format="multipart",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["failed"]) == (2, 1)
    first_result, refused, third_result = body["results"]
    assert first_result["filename"] == "jfk.flac"
    assert first_result["status"] == "queued"
    assert refused == {
        "filename": "notes.mp3",
        "status": "failed",
        "error": "unsupported_media",
        "message": refused["message"],
    }
    assert refused["message"].startswith("This file is not audio we can read.")
    assert third_result["filename"] == "cards_001.wav"

    jobs = TranscriptionJob.objects.filter(organization=alice.organization)
    assert {str(job.pk) for job in jobs} == {first_result["id"], third_result["id"]}
    assert sorted(jobs.values_list("original_filename", flat=True)) == [
        "cards_001.wav",
        "jfk.flac",
    ]
    # One hold per job, for that job's own price, and nothing for the refused file.
    holds = Hold.objects.filter(status=HoldStatus.ACTIVE)
    assert sorted(holds.values_list("reference", flat=True)) == sorted(
        job.billing_reference for job in jobs
    )
    for job in jobs:
        assert holds.get(reference=job.billing_reference).amount == job.estimated_credits
    assert available_credits(alice.organization) == Decimal("60") - sum(
        job.estimated_credits for job in jobs
    )
    assert OrmQ.objects.count() == 2
    assert len(stored_files(isolated_media)) == 2


def test_a_file_the_wallet_can_no_longer_cover_is_refused_and_the_earlier_ones_stay(
    alice, isolated_media
):
    # Enough for jfk.flac (0.19) but not for it twice.
    credits_grant(organization=alice.organization, amount=Decimal("-59.7"), reason="spent")
    outcomes = jobs_create_batch(
        organization=alice.organization,
        uploads=[BatchUpload(SHARED_AUDIO / "jfk.flac", "one.flac"),
                 BatchUpload(SHARED_AUDIO / "jfk.flac", "two.flac")],
        options=TranscriptionOptions(),
        actor=alice.user,
        created_by=alice.user,
    )  # fmt: skip
    assert outcomes[0].job is not None
    assert (outcomes[1].job, outcomes[1].status, outcomes[1].code) == (
        None, 402, "insufficient_credits",
    )  # fmt: skip
    assert "requires 0.19 credits" in outcomes[1].message
    assert list(TranscriptionJob.objects.values_list("original_filename", flat=True)) == [
        "one.flac"
    ]
    assert Hold.objects.count() == 1
    assert len(stored_files(isolated_media)) == 1


def test_too_many_files_are_refused_before_any_is_created(alice, isolated_media):
    handles = [(SHARED_AUDIO / "jfk.flac").open("rb") for _ in range(BATCH_FILES_MAX + 1)]
    try:
        response = alice.client().post(
            "/api/v1/transcribe/batch/", {"file": handles}, format="multipart"
        )
    finally:
        for handle in handles:
            handle.close()
    assert response.status_code == 400
    assert response.json()["message"] == (
        f"Send at most {BATCH_FILES_MAX} files at once; split the rest into another batch."
    )
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()
    assert stored_files(isolated_media) == []


def test_a_batch_without_files_says_how_to_send_them(alice):
    response = alice.client().post("/api/v1/transcribe/batch/", {"language": "en"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "Attach at least one file in the 'file' field.",
    }


def test_a_bad_option_refuses_the_whole_batch(alice, isolated_media):
    with (SHARED_AUDIO / "jfk.flac").open("rb") as first:
        response = alice.client().post(
            "/api/v1/transcribe/batch/", {"file": [first], "prefer": "luck"}, format="multipart"
        )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert not TranscriptionJob.objects.exists()
    assert stored_files(isolated_media) == []

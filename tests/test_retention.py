"""Media retention: each organization's owners choose how long audio is kept after a job
finishes, and whether transcripts go with it; an hourly task deletes what is due, through
the job lifecycle, on an injected clock here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.files.storage import default_storage
from django_q.models import Schedule

from billing.models import Hold, HoldStatus, LedgerEntry
from billing.selectors import wallet_for
from jobs.models import JobStatus, TranscriptionJob
from jobs.organization_data.retention import retention_set, retention_sweep
from jobs.organization_data.tasks import expire_media
from jobs.transcripts.selectors import transcript_read
from jobs.translation.services.intake import translation_create
from jobs.translation.services.worker import translation_run
from tests.support.organization_data import (
    ROLES_REFUSED,
    browser,
    finished_job,
    member,
    queued_job,
)

pytestmark = pytest.mark.django_db


def test_an_owner_sets_retention_on_the_data_page(alice):
    response = browser(alice.user).post(
        "/settings/data/", {"media_days": "30", "delete_transcripts": ""}, follow=True
    )

    assert response.status_code == 200
    assert "Audio will be deleted 30 days after each transcription finishes." in (
        response.content.decode()
    )
    alice.organization.refresh_from_db()
    assert alice.organization.media_retention_days == 30
    assert alice.organization.retention_deletes_transcripts is False
    # Emptied again: kept until someone deletes it.
    browser(alice.user).post("/settings/data/", {"media_days": ""})
    alice.organization.refresh_from_db()
    assert alice.organization.media_retention_days is None


@pytest.mark.parametrize("role", ROLES_REFUSED)
def test_admins_and_members_see_retention_but_cannot_change_it(alice, role):
    retention_set(
        organization=alice.organization, actor=None, media_days=7, delete_transcripts=True
    )
    client = browser(member(alice, role))

    page = client.get("/settings/data/").content.decode()
    refused = client.post("/settings/data/", {"media_days": "1"})

    assert "Audio and transcripts are deleted 7 days after each transcription finishes." in page
    assert "Only owners can change this" in page
    assert 'action="/settings/data/"' not in page
    assert refused.status_code == 403
    assert "Only owners of this organization" in refused.content.decode()
    alice.organization.refresh_from_db()
    assert alice.organization.media_retention_days == 7


def test_a_bad_number_of_days_is_explained_and_changes_nothing(alice):
    response = browser(alice.user).post("/settings/data/", {"media_days": "0"})

    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    alice.organization.refresh_from_db()
    assert alice.organization.media_retention_days is None


def test_media_past_retention_is_deleted_and_the_transcript_kept(
    alice, bob, django_capture_on_commit_callbacks
):
    job = finished_job(alice)
    bobs = finished_job(bob)  # bob keeps media: his organization set nothing
    retention_set(
        organization=alice.organization, actor=alice.user, media_days=30, delete_transcripts=False
    )
    media = job.media.name
    ledger_before = LedgerEntry.objects.count()
    assert job.finished_at is not None

    # A day early: nothing happens.
    assert retention_sweep(now=job.finished_at + timedelta(days=29)).media_deleted == 0
    assert default_storage.exists(str(media))

    deleted_at = job.finished_at + timedelta(days=30, hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        swept = retention_sweep(now=deleted_at)

    assert swept.media_deleted == 1
    assert swept.jobs_deleted == 0
    job.refresh_from_db()
    assert job.media.name == ""
    assert job.media_deleted_at == deleted_at
    assert not default_storage.exists(str(media))
    assert default_storage.exists(str(bobs.media.name))
    # The transcript, its exports and the money are untouched.
    view = transcript_read(job)
    assert view is not None
    assert "country" in view.text
    export = alice.client().get(f"/api/v1/transcribe/{job.pk}/?format=txt")
    assert export.status_code == 200
    assert "country" in export.content.decode()
    assert LedgerEntry.objects.count() == ledger_before
    assert not Hold.objects.filter(status=HoldStatus.ACTIVE).exists()
    # The page says what happened; the player gets 410 with the same sentence.
    client = browser(alice.user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "The audio was deleted after 30 days" in page
    assert 'id="player"' not in page
    assert f"/api/v1/transcribe/{job.pk}/?format=srt" in page
    audio = client.get(f"/jobs/{job.pk}/audio", headers={"Range": "bytes=0-99"})
    assert audio.status_code == 410
    assert "The audio was deleted after 30 days" in audio.content.decode()
    # A second sweep finds nothing more to do.
    assert retention_sweep(now=deleted_at + timedelta(days=1)).media_deleted == 0


def test_with_transcripts_chosen_the_whole_job_goes_and_jobs_in_flight_stay(
    alice, django_capture_on_commit_callbacks
):
    done = finished_job(alice)
    running = queued_job(alice)
    retention_set(
        organization=alice.organization, actor=alice.user, media_days=1, delete_transcripts=True
    )
    charges = LedgerEntry.objects.filter(wallet__organization=alice.organization).count()
    balance = wallet_for(alice.organization).balance

    with django_capture_on_commit_callbacks(execute=True):
        swept = retention_sweep(now=done.created_at + timedelta(days=365))

    assert swept.jobs_deleted == 1
    assert not TranscriptionJob.objects.filter(pk=done.pk).exists()
    assert not default_storage.exists(str(done.media.name))
    # The queued job still needs its media, and its hold is still what pays for it.
    running.refresh_from_db()
    assert running.status == JobStatus.QUEUED
    assert default_storage.exists(str(running.media.name))
    assert Hold.objects.get(reference=running.billing_reference).status == HoldStatus.ACTIVE
    # Money history stays: the charge for the deleted job is still in the ledger.
    assert LedgerEntry.objects.filter(wallet__organization=alice.organization).count() == charges
    assert wallet_for(alice.organization).balance == balance


def test_the_hourly_task_is_scheduled_once_however_often_migrations_run(alice):
    from importlib import import_module

    migration = import_module("jobs.migrations.0010_media_retention")
    migration.schedule(django_apps, None)
    migration.schedule(django_apps, None)

    schedules = Schedule.objects.filter(func="jobs.organization_data.tasks.expire_media")
    assert schedules.count() == 1
    assert schedules.get().schedule_type == Schedule.HOURLY
    assert expire_media() == "0 media deleted, 0 jobs deleted"


def test_retention_days_are_checked_in_the_service(alice):
    from jobs.errors import InvalidJobRequest

    with pytest.raises(InvalidJobRequest, match="between 1 and 3650 days"):
        retention_set(
            organization=alice.organization, actor=alice.user, media_days=5000,
            delete_transcripts=False,
        )  # fmt: skip
    alice.organization.refresh_from_db()
    assert alice.organization.media_retention_days is None


def test_a_job_with_a_translation_in_flight_keeps_its_media_until_it_is_done(
    alice, django_capture_on_commit_callbacks
):
    done = finished_job(alice)
    translation = translation_create(
        organization=alice.organization, job_id=done.pk, to_language="es", model="apertium"
    )
    retention_set(
        organization=alice.organization, actor=alice.user, media_days=1, delete_transcripts=True
    )
    assert done.finished_at is not None
    later = done.finished_at + timedelta(days=2)

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_sweep(now=later).jobs_deleted == 0
    assert Hold.objects.get(reference=translation.billing_reference).status == HoldStatus.ACTIVE

    translation_run(str(translation.pk))
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_sweep(now=later).jobs_deleted == 1
    assert not TranscriptionJob.objects.filter(pk=done.pk).exists()
    assert not Hold.objects.filter(status=HoldStatus.ACTIVE).exists()

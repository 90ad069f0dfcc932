"""Staff change jobs only through the lifecycle services: the admin's job form is
read-only, its actions cancel, fail and delete with the hold released and files removed,
and audit_wallets reports a hold left behind by anything else."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import User
from billing.models import Hold, HoldStatus
from billing.selectors import available_credits
from jobs.models import JobStatus, TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create

pytestmark = pytest.mark.django_db

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio" / "jfk.flac"
CHANGELIST = "admin:jobs_transcriptionjob_changelist"


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser(email="staff@example.org", password="x" * 12)
    client.force_login(user)
    return client


@pytest.fixture
def job(alice) -> TranscriptionJob:
    return job_create(
        organization=alice.organization,
        path=AUDIO,
        filename="jfk.flac",
        options=TranscriptionOptions(),
        created_by=alice.user,
    )


def _hold(job: TranscriptionJob) -> Hold:
    return Hold.objects.get(reference=job.billing_reference)


def test_editing_a_jobs_status_in_the_admin_changes_nothing(staff, job):
    url = reverse("admin:jobs_transcriptionjob_change", args=[job.pk])
    response = staff.post(url, {"status": "completed", "progress": "100", "engine": "x"})
    assert response.status_code in {200, 302}
    job.refresh_from_db()
    assert (job.status, job.progress) == (JobStatus.QUEUED, 0)
    assert job.engine != "x"
    assert _hold(job).status == HoldStatus.ACTIVE


def test_the_cancel_action_releases_the_hold(staff, job, alice):
    before = available_credits(alice.organization)
    response = staff.post(
        reverse(CHANGELIST), {"action": "cancel_jobs", "_selected_action": [str(job.pk)]}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED
    assert _hold(job).status == HoldStatus.RELEASED
    assert available_credits(alice.organization) > before


def test_the_fail_action_needs_a_reason_and_shows_it_to_the_customer(staff, job):
    staff.post(reverse(CHANGELIST), {"action": "fail_jobs", "_selected_action": [str(job.pk)]})
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    staff.post(
        reverse(CHANGELIST),
        {"action": "fail_jobs", "_selected_action": [str(job.pk)], "reason": "Corrupt upload."},
    )
    job.refresh_from_db()
    assert (job.status, job.error_message, job.credits_used) == (
        JobStatus.FAILED,
        "Corrupt upload.",
        0,
    )
    assert _hold(job).status == HoldStatus.RELEASED


def test_deleting_in_the_admin_releases_the_hold_and_removes_the_files(
    staff, job, isolated_media, django_capture_on_commit_callbacks
):
    stored = isolated_media / job.media.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:jobs_transcriptionjob_delete", args=[job.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not TranscriptionJob.objects.filter(pk=job.pk).exists()
    assert _hold(job).status == HoldStatus.RELEASED
    assert not stored.exists()


def test_bulk_delete_in_the_admin_goes_through_the_service_too(staff, job):
    staff.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [str(job.pk)], "post": "yes"},
    )
    assert not TranscriptionJob.objects.filter(pk=job.pk).exists()
    assert _hold(job).status == HoldStatus.RELEASED


@pytest.mark.parametrize("damage", ["finished", "gone"])
def test_audit_wallets_reports_a_hold_whose_job_is_finished_or_gone(job, damage):
    call_command("audit_wallets", stdout=StringIO(), stderr=StringIO())  # clean so far
    if damage == "finished":
        # What the admin allowed before: the status edited, the hold left active.
        TranscriptionJob.objects.filter(pk=job.pk).update(status=JobStatus.COMPLETED)
    else:
        TranscriptionJob.objects.filter(pk=job.pk).delete()
    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("audit_wallets", stdout=StringIO(), stderr=errors)
    assert f"hold {job.billing_reference}" in errors.getvalue()
    assert "finished or gone" in errors.getvalue()

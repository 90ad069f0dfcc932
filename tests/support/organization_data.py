"""Organizations with data in every place retention, export and delete-everything reach:
a finished job (real engine, in-process), a job still queued, translations, webhooks."""

from __future__ import annotations

from pathlib import Path

from django.test import Client

from accounts.models import Membership, Role, User
from jobs.models import JobStatus, TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create
from jobs.services.worker import job_run
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import Persona

JFK = SHARED_AUDIO / "jfk.flac"
# A public address written as an IP, so registering it needs no DNS (never contacted).
RECEIVER = "https://93.184.216.34/hark-hook"


def queued_job(persona: Persona, path: Path = JFK) -> TranscriptionJob:
    return job_create(
        organization=persona.organization,
        path=path,
        filename=path.name,
        options=TranscriptionOptions(model="local"),
        created_by=persona.user,
    )


def finished_job(persona: Persona, path: Path = JFK) -> TranscriptionJob:
    """A job transcribed by the real local engine, in this process."""
    job = queued_job(persona, path)
    job_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED, job.error_message
    return job


def member(persona: Persona, role: str) -> User:
    """Someone with ``role`` in the persona's organization."""
    user = User.objects.create_user(email=f"{role}@{persona.organization.pk}.example.org")
    Membership.objects.create(user=user, organization=persona.organization, role=role)
    return user


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


ROLES_REFUSED = (Role.ADMIN, Role.MEMBER)

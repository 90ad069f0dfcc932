"""Faults on real parts: PostgreSQL restarted, and worker clusters SIGKILLed, while a
job and webhook deliveries are in flight. Everything completes, once, charged once.

Real ``qcluster`` processes on the test's PostgreSQL; the receiver is a loopback server
that holds the first request open until the test releases it. Leases are seconds long
(settings, in the workers and here) so recovery comes in seconds; the sweepers are the
scheduled ones (``recover_abandoned_jobs``, ``recover_deliveries``), called here every
second instead of every minute.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError, connection

from billing.models import EntryKind, LedgerEntry
from billing.selectors import wallet_for
from billing.services import credits_grant
from jobs.models import ChunkStatus, JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.services.worker import jobs_recover_abandoned
from lib.queue import DELIVERIES_CLUSTER
from tests.audio_fixtures import concatenated_speech
from tests.conftest import wait_for
from tests.money_helpers import assert_books_balance
from tests.test_api_transcribe import upload
from tests.webhook_receiver import Received, Receiver, Reply, receiving
from webhooks.delivery import deliveries_recover
from webhooks.models import AttemptOutcome, Delivery, DeliveryStatus

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SHORT = {
    "HARK_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    "HARK_WEBHOOK_RETRY_SCHEDULE": "1",
    "HARK_WEBHOOK_TIMEOUT_SECONDS": "20",
    "HARK_WEBHOOK_RECOVER_AFTER_SECONDS": "2",
    # Longer than a chunk takes here: pocketsphinx holds the GIL in long stretches, so
    # the lease keeper thread may not renew for tens of seconds on a loaded machine.
    "HARK_JOB_LEASE_SECONDS": "45",
}


@pytest.fixture(autouse=True)
def short_leases(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HARK_WEBHOOK_RETRY_SCHEDULE = [1.0]
    settings.HARK_WEBHOOK_TIMEOUT_SECONDS = 20.0
    settings.HARK_WEBHOOK_RECOVER_AFTER_SECONDS = 2
    settings.HARK_JOB_LEASE_SECONDS = 45


class HeldReceiver:
    """Holds the first request open until ``release()``; answers 200 to every one."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def __call__(self, request: Received, index: int) -> Reply:
        if index == 0:
            self.released.wait(timeout=60)
        return Reply(200, b"ok")

    def release(self) -> None:
        self.released.set()


def postgres_restart() -> None:
    """``pg_ctl restart -m fast`` on the test's server: every connection is cut."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data = Path(cursor.fetchone()[0])
    connection.close()
    [pg_ctl] = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1:] or [Path("pg_ctl")]
    # The new postmaster's output goes to a log of its own: were it our pipe, waiting for
    # pg_ctl would wait for the server to exit.
    log = data / "restarted.log"
    command = [str(pg_ctl), "-D", str(data), "-l", str(log), "-m", "fast", "-w", "restart"]
    owner = pwd.getpwuid(data.stat().st_uid).pw_name
    if os.getuid() == 0 and owner != "root":
        command = ["runuser", "-u", owner, "--", *command]
    subprocess.run(
        command, check=True, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def swept_until(done: Callable[[], bool], *, timeout: float) -> None:
    """Run the scheduled sweepers every second until ``done``."""

    def sweep_and_check() -> bool:
        try:
            jobs_recover_abandoned()
            deliveries_recover()
            return done()
        except DatabaseError:
            connection.close()  # the server was restarted under this process too
            return False

    wait_for(sweep_and_check, timeout=timeout, interval=1.0)


def finished(job_id: str) -> bool:
    return TranscriptionJob.objects.get(pk=job_id).is_finished


def deliveries_settled() -> bool:
    return not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()


def chunk_running(job_id: str) -> bool:
    return TranscriptionChunk.objects.filter(job__pk=job_id, status=ChunkStatus.PROCESSING).exists()


def assert_completed_once(alice, job_id: str, receiver: Receiver) -> None:
    """Completed; one job.completed delivery, delivered (repeats only under its own
    webhook-id); charged once; the wallet equal to its ledger."""
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert job.chunks_done == job.chunks_total
    [completed] = Delivery.objects.filter(job_id=job_id, event_type="job.completed")
    assert completed.status == DeliveryStatus.SUCCEEDED
    ids = {r.headers["webhook-id"] for r in receiver.requests if job_id.encode() in r.body}
    assert ids == {completed.message_id}
    charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE, reference=job.billing_reference)
    assert charges.count() == 1
    assert_books_balance(wallet_for(alice.organization))


def test_postgres_restarted_mid_chunk_and_mid_delivery(alice, start_worker, tmp_path):
    credits_grant(organization=alice.organization, amount=Decimal("50"), reason="faults")
    speech = concatenated_speech(90, tmp_path / "ninety.wav")
    start_worker(HARK_WORKERS="1", **SHORT)
    held = HeldReceiver()
    with receiving(held) as receiver:
        canceled = upload(alice, webhook_url=receiver.url()).json()["id"]
        alice.client().post(f"/api/v1/transcribe/{canceled}/cancel/")
        long_id = upload(alice, speech, model="local", webhook_url=receiver.url()).json()["id"]
        wait_for(lambda: receiver.requests, timeout=30, interval=0.05)  # a delivery in flight
        wait_for(lambda: chunk_running(long_id), timeout=60, interval=0.1)  # and a chunk

        postgres_restart()
        held.release()

        swept_until(lambda: finished(long_id) and deliveries_settled(), timeout=300)

    assert_completed_once(alice, long_id, receiver)
    [announced] = Delivery.objects.filter(job_id=canceled)
    assert announced.status == DeliveryStatus.SUCCEEDED
    held_ids = {r.headers["webhook-id"] for r in receiver.requests if canceled.encode() in r.body}
    assert held_ids == {announced.message_id}


def test_a_delivery_worker_killed_mid_attempt_is_delivered_once_more_under_its_id(
    alice, start_worker
):
    worker = start_worker(**SHORT)
    held = HeldReceiver()
    with receiving(held) as receiver:
        job_id = upload(alice, webhook_url=receiver.url()).json()["id"]
        alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/")
        wait_for(lambda: receiver.requests, timeout=30, interval=0.05)
        assert worker.deliveries is not None
        worker.deliveries.kill()
        held.release()
        start_worker(cluster=DELIVERIES_CLUSTER, **SHORT)
        swept_until(deliveries_settled, timeout=90)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [a.outcome for a in delivery.attempts.order_by("number")] == [
        AttemptOutcome.INTERRUPTED,
        AttemptOutcome.SUCCESS,
    ]
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.message_id] * 2


def test_a_worker_killed_mid_chunk_completes_the_job_once(alice, start_worker, tmp_path):
    credits_grant(organization=alice.organization, amount=Decimal("50"), reason="faults")
    speech = concatenated_speech(90, tmp_path / "ninety.wav")
    worker = start_worker(HARK_WORKERS="1", **SHORT)
    with receiving() as receiver:
        job_id = upload(alice, speech, model="local", webhook_url=receiver.url()).json()["id"]
        wait_for(lambda: chunk_running(job_id), timeout=60, interval=0.1)
        worker.kill()
        start_worker(HARK_WORKERS="1", **SHORT)
        swept_until(lambda: finished(job_id) and deliveries_settled(), timeout=300)

    assert_completed_once(alice, job_id, receiver)

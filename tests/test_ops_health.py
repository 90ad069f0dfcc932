"""``/health/``: ready (200) with the database answering, the queue moving and a worker
seen in the last minute; 503 with a sentence for whichever is not."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from threading import Event
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_q.models import OrmQ

from lib.queue import enqueue_not_before
from ops.health import health_report
from ops.heartbeat import heartbeat_loop, worker_name
from ops.models import WorkerHeartbeat
from tests.conftest import REPO_ROOT, wait_for
from tests.support.ops import beat, unreachable_database

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def get_health() -> tuple[int, dict[str, Any]]:
    response = Client().get("/health/")
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


@pytest.mark.worker
def test_health_is_ready_while_a_real_worker_runs(start_worker):
    start_worker()
    # The worker process writes its first heartbeat as it starts.
    wait_for(WorkerHeartbeat.objects.exists, timeout=60)

    status, body = get_health()

    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    # One heartbeat per worker process: the transcription cluster's and the deliveries'.
    assert body["checks"]["workers"] == {"ok": True, "seen": WorkerHeartbeat.objects.count()}
    assert body["checks"]["workers"]["seen"] >= 1
    # The worker's scheduler may have just queued a sweeper: the depth is what it is.
    assert body["checks"]["queue"]["ok"] is True
    assert body["checks"]["queue"]["oldest_age_seconds"] < 60
    for heartbeat in WorkerHeartbeat.objects.all():
        assert heartbeat.pid != 0
        assert heartbeat.name.endswith(f":{heartbeat.pid}")


@pytest.mark.django_db
def test_health_is_503_when_no_worker_was_seen_in_the_last_minute():
    beat("worker-a:100", timezone.now() - timedelta(seconds=61))

    status, body = get_health()

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["workers"] == {
        "ok": False,
        "seen": 0,
        "message": "No worker has been seen in the last 60 s: start one with "
        "'python manage.py qcluster'.",
    }


@pytest.mark.django_db
def test_a_worker_counts_as_seen_for_a_minute_after_its_heartbeat():
    beat("worker-a:100", T0)
    beat("worker-b:200", T0 - timedelta(seconds=30))

    assert health_report(now=T0 + timedelta(seconds=30)).checks["workers"]["seen"] == 2
    assert health_report(now=T0 + timedelta(seconds=60)).checks["workers"]["seen"] == 1
    late = health_report(now=T0 + timedelta(seconds=61))
    assert late.checks["workers"]["seen"] == 0
    assert not late.ready


def test_health_is_503_when_the_database_is_unreachable(transactional_db, tmp_path):
    with unreachable_database(tmp_path):
        status, body = get_health()

    assert status == 503
    assert body["status"] == "unavailable"
    database = body["checks"]["database"]
    assert database["ok"] is False
    assert database["message"].startswith("The database is unreachable: ")
    unknown = {"ok": False, "message": "Unknown: the database is unreachable."}
    assert body["checks"]["queue"] == body["checks"]["workers"] == unknown


@pytest.mark.django_db(transaction=True)
def test_health_fails_when_the_oldest_waiting_task_waited_past_the_limit(settings):
    settings.HARK_HEALTH_QUEUE_AGE_SECONDS = 600
    enqueue_not_before("jobs.tasks.recover_abandoned_jobs", not_before=T0)
    enqueue_not_before("jobs.tasks.recover_abandoned_jobs", not_before=T0 + timedelta(hours=1))
    now = T0 + timedelta(seconds=601)
    beat("worker-a:100", now)

    report = health_report(now=now)

    assert not report.ready
    assert report.checks["queue"] == {
        "ok": False,
        "depth": 1,
        "oldest_age_seconds": 601.0,
        "message": "The oldest waiting task has waited 601 s, longer than 600 s: "
        "the workers are not keeping up.",
    }
    assert health_report(now=T0 + timedelta(seconds=600)).ready
    # 0 turns the limit off: the age is still reported.
    settings.HARK_HEALTH_QUEUE_AGE_SECONDS = 0
    assert health_report(now=now).checks["queue"]["ok"] is True
    assert OrmQ.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_updates_its_row_and_forgets_workers_gone_a_day():
    beat("gone:1", T0 - timedelta(days=1, seconds=1))
    beat("recent:2", T0 - timedelta(hours=23))
    ticks = iter([T0, T0 + timedelta(seconds=15)])
    stop = Event()

    def clock() -> datetime:
        now = next(ticks)
        if now > T0:
            stop.set()  # the second beat is the last
        return now

    heartbeat_loop(stop=stop, clock=clock)

    rows = {row.name: row for row in WorkerHeartbeat.objects.all()}
    assert set(rows) == {"recent:2", worker_name()}
    mine = rows[worker_name()]
    assert (mine.started_at, mine.seen_at) == (T0, T0 + timedelta(seconds=15))


@pytest.mark.django_db
def test_staff_see_the_workers_heartbeats_in_the_admin(admin_client):
    beat("worker-a:100", timezone.now())

    response = admin_client.get("/admin/ops/workerheartbeat/")

    assert response.status_code == 200
    assert "worker-a:100" in response.content.decode()
    assert admin_client.get("/admin/ops/workerheartbeat/add/").status_code == 403


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"HARK_LOG_FORMAT": "xml"}, "HARK_LOG_FORMAT is text or json, not 'xml'."),
        (
            {"HARK_METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,intranet"},
            "HARK_METRICS_ALLOWED_NETWORKS takes CIDR ranges, comma-separated",
        ),
        (
            {"HARK_WORKER_HEARTBEAT_SECONDS": "60"},
            "HARK_WORKER_HEARTBEAT_SECONDS must be positive and shorter than "
            "HARK_HEALTH_WORKER_SECONDS",
        ),
    ],
)
def test_operations_settings_that_cannot_work_stop_the_server_with_a_sentence(
    tmp_path, env, sentence
):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HARK_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO_ROOT, capture_output=True, text=True,
        env={**clean, "HARK_VAR_DIR": str(tmp_path / "var"), **env}, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "ImproperlyConfigured: " + sentence in done.stderr

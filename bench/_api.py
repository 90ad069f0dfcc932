"""The benchmark's view of a running Hark: submit a file over the API, wait for the result,
and read back from the database when each stage of the job happened."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

POLL_INTERVAL_SECONDS = 0.1


class BenchmarkBroken(Exception):
    """Something failed that a benchmark must not quietly average over."""


@dataclass(frozen=True)
class PipelineRun:
    job_id: str
    seconds: float  # just before the POST → the first poll that saw "completed"
    submitted_at: float  # wall clock (time.time) just before the POST
    accepted_at: float  # wall clock when the POST's answer arrived
    seen_at: float  # wall clock when "completed" was seen
    polls: int


@dataclass(frozen=True)
class JobTimeline:
    """Where a pipeline run's seconds went, from the job row's own timestamps."""

    upload: float  # POST round trip: upload, probe, hold, store, enqueue
    dispatch: float  # POST answered → a worker claimed the job (queue polling)
    worker: float  # claimed → finished_at (media, engine, heartbeats)
    finish_and_see: float  # finished_at → the client saw "completed" (final writes, polling)
    chunks: int  # how many chunk tasks the job was cut into (0: transcribed whole)
    cut: float | None  # claimed → the job's own task returned, when chunked: the cutting pass


def run_pipeline(client: httpx.Client, audio: Path, *, timeout: float) -> PipelineRun:
    """Upload ``audio`` and poll until its job completes; raise BenchmarkBroken otherwise."""
    submitted_at = time.time()
    started = time.perf_counter()
    with audio.open("rb") as handle:
        response = client.post(
            "/api/v1/transcribe/", files={"file": (audio.name, handle, "audio/wav")}
        )
    accepted_at = time.time()
    job_id = str(_json_or_raise(response, "upload")["id"])
    polls = 0
    deadline = started + timeout
    while time.perf_counter() < deadline:
        body = _json_or_raise(client.get(f"/api/v1/transcribe/{job_id}/"), "poll")
        polls += 1
        if body["status"] == "completed":
            seconds = time.perf_counter() - started
            if not str(body.get("transcript") or "").strip():
                raise BenchmarkBroken(f"job {job_id} completed with an empty transcript")
            return PipelineRun(job_id, seconds, submitted_at, accepted_at, time.time(), polls)
        if body["status"] in {"failed", "canceled"}:
            raise BenchmarkBroken(f"job {job_id} {body['status']}: {body.get('error_message')}")
        time.sleep(POLL_INTERVAL_SECONDS)
    raise BenchmarkBroken(f"job {job_id} did not complete within {timeout:.0f} s")


def job_timeline(database: Path, run: PipelineRun) -> JobTimeline:
    # Read-only and straight from SQLite: the benchmark process stays free of Django, so
    # its own memory figure is the engine's alone.
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        row = connection.execute(
            "SELECT started_at, finished_at FROM jobs_transcriptionjob WHERE id = ?",
            (run.job_id.replace("-", ""),),
        ).fetchone()
        chunks = _chunk_count(connection, run.job_id)
        job_task_stopped = _job_task_stopped(connection, run.job_id)
    if row is None or None in row:
        raise BenchmarkBroken(f"job {run.job_id} has no start or finish time in the database")
    started, finished = (_utc_timestamp(value) for value in row)
    cut = job_task_stopped - started if chunks and job_task_stopped else None
    return JobTimeline(
        upload=run.accepted_at - run.submitted_at,
        dispatch=started - run.accepted_at,
        worker=finished - started,
        finish_and_see=run.seen_at - finished,
        chunks=chunks,
        cut=cut,
    )


def _chunk_count(connection: sqlite3.Connection, job_id: str) -> int:
    try:
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM jobs_transcriptionchunk WHERE job_id = ?",
            (job_id.replace("-", ""),),
        ).fetchone()
    except sqlite3.OperationalError:
        return 0  # an installation from before jobs were cut into chunks
    return int(count)


def _job_task_stopped(connection: sqlite3.Connection, job_id: str) -> float | None:
    # django-q2 records each task's return time; the job's own task ("transcribe <id>")
    # returns once it has queued its chunks. (Its "started" is when the task was pulled
    # from the queue, not when a worker began it, so only "stopped" is used.)
    row = connection.execute(
        "SELECT stopped FROM django_q_task WHERE name = ?", (f"transcribe {job_id}",)
    ).fetchone()
    return _utc_timestamp(row[0]) if row and row[0] else None


def _utc_timestamp(value: str) -> float:
    # Django stores aware datetimes in SQLite as naive UTC text.
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()


def _json_or_raise(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code != httpx.codes.OK:
        raise BenchmarkBroken(f"{what} answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body

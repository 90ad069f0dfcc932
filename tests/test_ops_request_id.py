"""Request ids: taken from ``X-Request-ID`` when sensible, made otherwise, returned in the
response, written on every log line, and carried with the tasks a request enqueues into
the worker's log lines for that job."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from jobs.models import FINISHED_STATUSES, JobStatus, TranscriptionJob
from ops.logs import logging_config
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import wait_for

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler writes, in the configured (text) format."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
def test_a_sensible_request_id_is_returned_as_sent():
    response = Client().get("/health/", headers={"X-Request-ID": "lb-4f2a.9:1/edge=7"})
    assert response["X-Request-ID"] == "lb-4f2a.9:1/edge=7"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sent",
    [None, "", "two words", "x" * 129, "-starts-with-a-dash", 'quote"d', "naïve"],
)
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(sent):
    headers = {} if sent is None else {"X-Request-ID": sent}
    response = Client().get("/health/", headers=headers)
    assert GENERATED.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
def test_log_lines_written_for_a_request_carry_its_id(console):
    # Django logs the 404 after the middleware chain has returned; the id still comes.
    response = Client().get("/api/v1/no-such-thing/", headers={"X-Request-ID": "trace-404"})

    assert response.status_code == 404
    lines = console.getvalue().splitlines()
    assert any(
        "WARNING django.request [trace-404] Not Found: /api/v1/no-such-thing/" in line
        for line in lines
    ), lines


def test_json_logs_are_one_object_a_line_with_the_request_id():
    config = logging_config(level="INFO", log_format="json")
    formatter_config = config["formatters"]["json"]
    factory = formatter_config.pop("()")
    assert factory == "pythonjsonlogger.json.JsonFormatter"
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(**formatter_config)
    record = logging.LogRecord("jobs.x", logging.INFO, __file__, 1, "job %s done", ("j1",), None)
    record.request_id = "abc"

    line = json.loads(formatter.format(record))

    assert line["level"] == "INFO"
    assert line["logger"] == "jobs.x"
    assert line["request_id"] == "abc"
    assert line["message"] == "job j1 done"
    assert "time" in line


def test_an_unknown_log_format_is_a_sentence():
    with pytest.raises(ValueError, match="HARK_LOG_FORMAT is text or json, not 'xml'"):
        logging_config(level="INFO", log_format="xml")


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for raw in text.splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # django-q2's startup banner, tracebacks
    return lines


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_request_id_of_a_transcribe_call_is_on_the_workers_lines_for_that_job(
    alice, start_worker
):
    worker = start_worker(HARK_LOG_FORMAT="json")
    with (SHARED_AUDIO / "jfk.flac").open("rb") as handle:
        response = alice.client().post(
            "/api/v1/transcribe/",
            {"file": handle},
            format="multipart",
            headers={"X-Request-ID": "submit-7f3a"},
        )
    assert response["X-Request-ID"] == "submit-7f3a"
    job_id = response.json()["id"]
    wait_for(
        lambda: TranscriptionJob.objects.get(pk=job_id).status in FINISHED_STATUSES, timeout=120
    )
    assert TranscriptionJob.objects.get(pk=job_id).status == JobStatus.COMPLETED
    # The last line is written after the job's row is saved; wait for it, not a clock.
    wait_for(lambda: "succeeded in" in worker.log.read_text(), timeout=30)

    lines = json_lines(worker.log.read_text())
    ours = [line["message"] for line in lines if line.get("request_id") == "submit-7f3a"]
    assert f"Task jobs.tasks.transcribe_job('{job_id}',) started" in ours
    assert any(
        message.startswith(f"Task jobs.tasks.transcribe_job('{job_id}',) succeeded in ")
        for message in ours
    ), ours
    # Lines of no request (the cluster starting, the scheduler) say so.
    assert any(line.get("request_id") == "-" for line in lines)
    assert all(isinstance(line.get("process"), int) for line in lines)


@pytest.mark.django_db
def test_the_api_docs_tell_clients_about_the_request_id(alice):
    client = Client()
    client.force_login(alice.user)

    quick_start = client.get("/docs/api/")
    schema = client.get("/api/schema/", headers={"Accept": "application/json"})

    assert "<code>X-Request-ID</code> header" in quick_start.content.decode()
    assert "`X-Request-ID`" in schema.content.decode()

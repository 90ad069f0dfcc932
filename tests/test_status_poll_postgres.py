"""The status poll reads a job's tag names in the job's own query on PostgreSQL too
(``jobs.selectors.with_tag_names`` aggregates them as JSON with each database's own
function: JSON_GROUP_ARRAY on SQLite, JSON_AGG on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.api.serializers import job_tag_names
from jobs.selectors import job_get
from jobs.services.organize import tag_create
from tests.transcripts.helpers import completed_job

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_a_polled_jobs_tags_come_with_its_row_on_postgresql(alice):
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"
    job = completed_job(alice)
    untagged = job_get(alice.organization, job.pk, status_only=True)
    for name in ("zeta", "Alpha", 'with "quotes", commas'):
        tag, _ = tag_create(organization=alice.organization, name=name, actor=alice.user)
        job.tags.add(tag)

    polled = job_get(alice.organization, job.pk, status_only=True)
    with CaptureQueriesContext(connection) as queries:
        names = job_tag_names(polled)

    assert names == ["Alpha", 'with "quotes", commas', "zeta"]
    assert queries.captured_queries == []
    assert job_tag_names(untagged) == []

"""lib.prepared: a hot query compiled once per connection answers exactly what its
queryset answers (columns, deferred fields, annotations, select_related), keeps the
organization filter, and stops compiling after the first run."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiKey
from accounts.services import api_key_authenticate, api_key_revoke
from jobs.errors import JobNotFound
from jobs.models import TranscriptionJob
from jobs.selectors import STATUS_FIELDS, job_get, tag_names_read, with_tag_names
from jobs.services.organize import tag_create
from jobs.transcripts.selectors import with_transcript_stamp
from lib.prepared import PreparedQuery
from tests.transcripts.helpers import completed_job

pytestmark = pytest.mark.django_db


def _as_orm_reads_it(organization: Any, job: TranscriptionJob) -> TranscriptionJob:
    jobs = TranscriptionJob.objects.filter(organization=organization, pk=job.pk)
    return with_tag_names(with_transcript_stamp(jobs.only(*STATUS_FIELDS))).get()


def test_a_status_poll_reads_the_same_job_the_queryset_reads(alice):
    tagged = completed_job(alice)
    plain = completed_job(alice)
    tag, _ = tag_create(organization=alice.organization, name="Board", actor=alice.user)
    tagged.tags.add(tag)

    for job in (tagged, plain):
        prepared = job_get(alice.organization, job.pk, status_only=True)
        orm = _as_orm_reads_it(alice.organization, job)
        assert prepared.pk == job.pk
        assert prepared.get_deferred_fields() == orm.get_deferred_fields()
        for name in STATUS_FIELDS:
            assert getattr(prepared, name) == getattr(orm, name), name
        # Annotations, read as the selectors read them.
        stamp = getattr(prepared, "transcript_stamp")  # noqa: B009
        assert stamp == getattr(orm, "transcript_stamp")  # noqa: B009
        assert stamp  # the current transcript's id:version:time
        assert tag_names_read(prepared) == tag_names_read(orm)
    assert tag_names_read(job_get(alice.organization, tagged.pk, status_only=True)) == ["Board"]


def test_another_organizations_job_is_not_found_by_the_prepared_poll(alice, bob):
    job = completed_job(alice)
    job_get(alice.organization, job.pk, status_only=True)  # compiled for alice first

    with pytest.raises(JobNotFound):
        job_get(bob.organization, job.pk, status_only=True)


def test_a_prepared_key_lookup_brings_its_organization_and_creator_in_one_query(alice):
    with CaptureQueriesContext(connection) as queries:
        key = api_key_authenticate(alice.raw_key)
        assert key is not None
        assert key.organization.name == alice.organization.name
        assert key.created_by is not None
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 1
    assert key.pk == alice.api_key.pk


def test_a_revoked_or_unknown_key_is_refused_by_the_prepared_lookup(alice):
    assert api_key_authenticate(alice.raw_key) is not None
    api_key_revoke(organization=alice.organization, key_id=alice.api_key.pk, actor=alice.user)

    assert api_key_authenticate(alice.raw_key) is None
    assert api_key_authenticate("hark_" + "x" * 43) is None


def test_a_prepared_query_is_compiled_once_per_connection(alice, monkeypatch):
    job = completed_job(alice)
    query = PreparedQuery(
        "tests.compiled_once",
        lambda pk: TranscriptionJob.objects.filter(pk=pk).order_by(),
        fields=(TranscriptionJob._meta.pk,),
    )
    compiles = []
    original = SQLCompiler.as_sql

    def counting(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        compiles.append(self.query.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    first = query.fetch(job.pk)
    compiled = len(compiles)
    again = query.fetch(job.pk)

    assert [j.pk for j in first] == [j.pk for j in again] == [job.pk]
    assert compiled == 2  # the two marker builds
    assert len(compiles) == compiled


def test_a_builder_whose_sql_depends_on_the_values_is_refused():
    query = PreparedQuery(
        "tests.value_dependent",
        lambda number: ApiKey.objects.filter(pk__in=list(range(abs(number) % 3 + 1))),
        fields=(ApiKey._meta.pk,),
    )

    with pytest.raises(ValueError, match="depends on the arguments"):
        query.fetch(1)

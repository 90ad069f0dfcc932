"""The migration that moved results from columns on the job into transcripts loses
nothing: text, segment times and words, speakers, summaries and the language."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jobs.transcripts.selectors import FULL_VERBATIM, transcript_read

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("jobs", "0006_task_prompt_speakers_segment_language")]
AFTER = [("jobs", "0007_transcripts")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_every_jobs_results_move_into_its_original_transcript(alice):
    old = _migrate(BEFORE)
    try:
        Job = old.get_model("jobs", "TranscriptionJob")
        OldSegment = old.get_model("jobs", "TranscriptSegment")
        job = Job.objects.create(organization_id=alice.organization.pk, engine="whisper",
                                 status="completed", transcript_text="Hello there. Hi.",
                                 detected_language="de", summary="A greeting.",
                                 topics=["greeting"], duration_seconds=4.0)  # fmt: skip
        words = [{"word": "Hello", "start": 0.1, "end": 0.5, "confidence": 0.9}]
        OldSegment.objects.create(job=job, index=0, start=0.1, end=1.2, text="Hello there.",
                                  speaker="A", language="de", confidence=0.8,
                                  words=words)  # fmt: skip
        OldSegment.objects.create(job=job, index=1, start=1.5, end=2.0, text="Hi.",
                                  speaker="B", confidence=0.7)  # fmt: skip
        text_only = Job.objects.create(organization_id=alice.organization.pk, engine="local",
                                       status="completed", transcript_text="Only text.",
                                       duration_seconds=2.0)  # fmt: skip
        queued = Job.objects.create(organization_id=alice.organization.pk, engine="local")
    finally:
        _migrate(AFTER)
        _migrate(list(MigrationExecutor(connection).loader.graph.leaf_nodes()))

    from jobs.models import TranscriptionJob

    moved = transcript_read(TranscriptionJob.objects.get(pk=job.pk), text_format=FULL_VERBATIM)
    assert moved is not None
    assert moved.text == "Hello there. Hi."
    assert moved.language == "de"
    assert (moved.summary, moved.topics) == ("A greeting.", ["greeting"])
    assert [
        (s.start, s.end, s.text, s.speaker, s.language, s.confidence) for s in moved.segments
    ] == [
        (0.1, 1.2, "Hello there.", "A", "de", 0.8),
        (1.5, 2.0, "Hi.", "B", None, 0.7),
    ]
    assert [(w.text, w.start, w.end, w.aligned) for w in moved.segments[0].words] == [
        ("Hello", 0.1, 0.5, True)
    ]
    assert [s.label for s in moved.speakers] == ["A", "B"]
    only = transcript_read(TranscriptionJob.objects.get(pk=text_only.pk))
    assert only is not None
    assert only.text == "Only text."
    assert only.segments[0].end == 2.0
    assert transcript_read(TranscriptionJob.objects.get(pk=queued.pk)) is None

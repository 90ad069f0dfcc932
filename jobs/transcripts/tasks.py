"""django-q2 tasks of the transcript workspace: thin wrappers over services."""

from __future__ import annotations

from lib.queue import enqueue_not_before


def realign_segments(segment_ids: list[int]) -> None:
    from jobs.transcripts.services.realignment import segments_realign

    segments_realign(segment_ids)


def queue_realignment(segment_ids: list[int]) -> None:
    enqueue_not_before(
        "jobs.transcripts.tasks.realign_segments",
        segment_ids,
        not_before=None,
        task_name=f"realign {len(segment_ids)} segments",
    )

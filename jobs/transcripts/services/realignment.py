"""Placing typed-in words against the audio, after the edit that typed them.

An edit stores its words at once, the new ones spread over their stretch and marked
``aligned: False``; this runs in the background and replaces those times with what an
aligner finds in the audio. It changes word times only: not the text, the version or the
revision log, and it writes nothing if the segment was edited again meanwhile (the next
edit queued its own run).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from jobs.media.storage import local_media
from jobs.transcripts.models import Segment as SegmentRow

logger = logging.getLogger(__name__)


def segments_realign(segment_ids: Sequence[int]) -> int:
    """Align the unaligned words of these segments; returns how many segments changed."""
    changed = 0
    rows = SegmentRow.objects.filter(pk__in=segment_ids).select_related("transcript__job")
    for row in rows:
        if all(word.get("aligned", True) for word in row.words):
            continue
        job = row.transcript.job
        if not job.media:
            continue
        language = row.language or row.transcript.language or job.language
        try:
            with local_media(job.media.name or "") as path:
                words = unaligned_runs_aligned(path, language, row.start, row.end, row.words)
        except FileNotFoundError:
            logger.info("realignment skipped: media of job %s is gone", job.pk)
            continue
        if words == row.words:
            continue
        with transaction.atomic():
            fresh = SegmentRow.objects.select_for_update().filter(pk=row.pk).first()
            # Only if nobody edited the segment while the audio was being read.
            if fresh is not None and (fresh.text, fresh.words) == (row.text, row.words):
                fresh.words = words
                fresh.save(update_fields=["words"])
                changed += 1
    return changed


def unaligned_runs_aligned(
    path: Any, language: str, start: float, end: float, words: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    # The aligners arrive with jobs.alignment; until then spread words stay as they are.
    return words

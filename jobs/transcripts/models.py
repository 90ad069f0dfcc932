"""Transcripts made for editing.

A job has one ``original`` transcript (the engine's output, never modified after it is
stored) and, from its first edit, one ``edited`` copy that every change is made to.
Segments and speakers keep a ``key`` across the copies, so an API client's ids stay valid
after the first edit. Segments are ordered by ``position`` with gaps, so a split inserts
a segment between two others without renumbering the rest.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

# Room between neighbouring positions: a split takes the midpoint, so 2**16 allows sixteen
# splits at one place before positions are respaced (``services.editing``).
POSITION_GAP = 1 << 16


class TranscriptKind(models.TextChoices):
    ORIGINAL = "original", "Engine output"
    EDITED = "edited", "Edited"
    TRANSLATED = "translated", "Translation"


class Transcript(models.Model):
    job = models.ForeignKey(
        "jobs.TranscriptionJob", on_delete=models.CASCADE, related_name="transcripts"
    )
    kind = models.CharField(max_length=12, choices=TranscriptKind.choices)
    # What this one was made from: the original for an edited copy, the source text for a
    # translation.
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="derived"
    )
    # The main language spoken (or translated into); segments carry their own.
    language = models.CharField(max_length=12, blank=True)
    # Bumped by every change; a save names the version it was made on.
    version = models.PositiveIntegerField(default=1)
    # Whether this is what the job's text, API, exports, webhooks and search show.
    is_current = models.BooleanField(default=True)
    summary = models.TextField(blank=True)
    topics = models.JSONField(default=list, blank=True)
    # For a translation: the translation job that made it.
    translation = models.OneToOneField(
        "jobs.TranslationJob",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="transcript",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("job", "created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["job", "kind"],
                condition=~Q(kind="translated"),
                name="one_original_and_one_edited_per_job",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} of {self.job_id}"


class Speaker(models.Model):
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="speakers")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    # What the engine called them ("SPEAKER_00", "A", "left"); kept for reference.
    label = models.CharField(max_length=60, blank=True)
    # What people read; the label until someone names them.
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("transcript", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=["transcript", "key"], name="one_speaker_per_key")
        ]

    def __str__(self) -> str:
        return self.name


class Segment(models.Model):
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    position = models.BigIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    speaker = models.ForeignKey(
        Speaker, null=True, blank=True, on_delete=models.SET_NULL, related_name="segments"
    )
    language = models.CharField(max_length=12, blank=True)
    text = models.TextField(blank=True)
    # [{"word", "start", "end", "confidence", "aligned"}]: read with their segment, never
    # queried alone, so a row per word would only cost joins. ``aligned`` is False for
    # words whose times were spread over a stretch rather than found in the audio.
    words = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(default=0)
    edited = models.BooleanField(default=False)

    class Meta:
        ordering = ("transcript", "position")
        constraints = [
            models.UniqueConstraint(fields=["transcript", "key"], name="one_segment_per_key")
        ]
        # Not unique: undo and restore put positions back one row at a time, and two rows
        # may briefly share one on the way.
        indexes = [models.Index(fields=["transcript", "position"])]

    def __str__(self) -> str:
        return f"{self.start:.2f}-{self.end:.2f} {self.text[:40]}"


class Revision(models.Model):
    """One change to a transcript: who made it, when, and every segment or speaker it
    touched as it was before and after (``changes``: ``[{"kind": "segment"|"speaker",
    "key", "before", "after"}]``, None for created/deleted). Undo and restore apply
    ``before`` states as new revisions, so history is never rewritten."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    summary = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changes = models.JSONField(default=list)
    # Undo: the version this revision reverted. ``undone_by``: the undo revision that
    # reverted this one (cleared by redo).
    reverts = models.PositiveIntegerField(null=True, blank=True)
    undone_by = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("transcript", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=["transcript", "version"], name="one_revision_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.action}"

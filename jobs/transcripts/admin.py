"""Transcripts in the Django admin: read-only, because every change must go through the
editing services (versions, revisions, re-alignment). Django's admin escapes every
value it shows, so stored text cannot inject markup here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from jobs.transcripts.models import Revision, Segment, Speaker, Transcript


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TranscriptInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Transcript
    fk_name = "job"
    extra = 0
    fields = ("kind", "language", "version", "is_current", "updated_at")
    readonly_fields = fields
    show_change_link = True


class SpeakerInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Speaker
    extra = 0
    fields = ("position", "key", "label", "name", "color")
    readonly_fields = fields


class SegmentInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Segment
    extra = 0
    fields = ("position", "start", "end", "speaker", "language", "text", "confidence", "edited")
    readonly_fields = fields


class RevisionInline(_ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = Revision
    extra = 0
    fields = ("version", "action", "summary", "author", "api_key", "created_at")
    readonly_fields = fields


@admin.register(Transcript)
class TranscriptAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("job", "kind", "language", "version", "is_current", "updated_at")
    list_filter = ("kind", "language")
    search_fields = ("job__id", "job__original_filename", "job__organization__name")
    list_select_related = ("job",)
    readonly_fields = ("job", "kind", "source", "language", "version", "is_current",
                       "summary", "topics", "created_at", "updated_at")  # fmt: skip
    inlines = (SpeakerInline, RevisionInline, SegmentInline)

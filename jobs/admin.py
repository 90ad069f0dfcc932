from __future__ import annotations

from django.contrib import admin

from jobs.models import TranscriptionJob, TranscriptSegment


class SegmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TranscriptSegment
    extra = 0
    fields = ("index", "start", "end", "speaker", "text", "confidence")
    readonly_fields = fields
    can_delete = False
    show_change_link = False
    max_num = 0


@admin.register(TranscriptionJob)
class TranscriptionJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "organization", "original_filename", "status", "progress", "engine",
                    "duration_seconds", "estimated_credits", "credits_used", "attempts",
                    "created_at")  # fmt: skip
    list_filter = ("status", "engine", "job_type", "language", "created_at")
    search_fields = ("id", "original_filename", "organization__name", "created_by__email")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    readonly_fields = ("id", "organization", "created_by", "api_key", "media", "size_bytes",
                       "duration_seconds", "estimated_credits", "credits_used", "attempts",
                       "lease_expires_at", "created_at", "started_at", "finished_at")  # fmt: skip
    inlines = (SegmentInline,)

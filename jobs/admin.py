from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from jobs.models import (
    ProviderAttempt,
    ProviderHealth,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.transcripts.admin import TranscriptInline


class ProviderAttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    """Every call to a provider for this job: who, for which chunk, how long, outcome."""

    model = ProviderAttempt
    extra = 0
    fields = ("started_at", "provider", "chunk_index", "outcome", "http_status",
              "duration_seconds", "audio_seconds", "message")  # fmt: skip
    readonly_fields = fields
    can_delete = False
    max_num = 0


class ChunkInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TranscriptionChunk
    extra = 0
    fields = ("index", "start", "end", "status", "provider", "attempts", "job_attempt",
              "lease_expires_at", "retry_at", "parked_provider", "parked_reference",
              "parked_at")  # fmt: skip
    readonly_fields = fields
    can_delete = False
    max_num = 0


@admin.register(ProviderAttempt)
class ProviderAttemptAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("started_at", "provider", "outcome", "http_status", "job", "chunk_index",
                    "duration_seconds", "audio_seconds")  # fmt: skip
    list_filter = ("provider", "outcome", "started_at")
    search_fields = ("provider", "message", "job__organization__name")
    list_select_related = ("job",)
    readonly_fields = [f.name for f in ProviderAttempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TranscriptionChunk)
class TranscriptionChunkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("job", "index", "start", "end", "status", "provider", "attempts")
    list_filter = ("status", "provider")
    search_fields = ("provider", "job__organization__name")
    list_select_related = ("job",)
    readonly_fields = [f.name for f in TranscriptionChunk._meta.fields]


@admin.register(ProviderHealth)
class ProviderHealthAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("provider", "consecutive_failures", "open_until", "updated_at")
    readonly_fields = ("provider", "last_error", "updated_at")
    search_fields = ("provider",)


@admin.register(TranscriptionJob)
class TranscriptionJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "organization", "original_filename", "status", "progress", "engine",
                    "providers", "duration_seconds", "estimated_credits", "credits_used",
                    "attempts", "retry_at", "created_at")  # fmt: skip
    list_filter = ("status", "engine", "job_type", "language", "created_at")
    # parked_reference: find the job an upstream's callback or support ticket names.
    search_fields = ("id", "original_filename", "organization__name", "created_by__email",
                     "parked_reference")  # fmt: skip
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    readonly_fields = ("id", "organization", "created_by", "api_key", "media", "size_bytes",
                       "duration_seconds", "estimated_credits", "credits_used", "attempts",
                       "lease_expires_at", "retry_at", "created_at", "started_at",
                       "finished_at", "parked_provider", "parked_reference", "parked_position",
                       "parked_at", "parked_polled_at", "parked_seconds")  # fmt: skip
    inlines = (ProviderAttemptInline, ChunkInline, TranscriptInline)

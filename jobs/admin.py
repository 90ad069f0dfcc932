from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from accounts.permissions import as_actor
from jobs.errors import JobError
from jobs.lifecycle.transcription import job_fail
from jobs.models import (
    ProviderAttempt,
    ProviderHealth,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.services.lifecycle import job_cancel, job_delete
from jobs.transcripts.admin import TranscriptInline
from lib.admin_columns import credits_column, duration_column, seconds_column


class JobActionForm(ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason (for “fail”)",
        help_text="Shown to the customer as the job's error message.",
    )


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
                    seconds_column("duration_seconds", "took"),
                    duration_column("audio_seconds", "audio"))  # fmt: skip
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
    list_display = ("job", "index", seconds_column("start", "start"), seconds_column("end", "end"),
                    "status", "provider", "attempts")  # fmt: skip
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
                    "providers", duration_column("duration_seconds", "duration"),
                    credits_column("estimated_credits", "estimated credits"),
                    credits_column("credits_used", "credits used"),
                    "attempts", "retry_at", "created_at")  # fmt: skip
    list_filter = ("status", "engine", "job_type", "language", "created_at")
    # parked_reference: find the job an upstream's callback or support ticket names.
    search_fields = ("id", "original_filename", "organization__name", "created_by__email",
                     "parked_reference")  # fmt: skip
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    # Every field is read-only: status, progress, engine and results change only through
    # the lifecycle services, which keep the hold, the files and the webhooks in step.
    # Staff act with the actions below (and delete, which goes through job_delete).
    readonly_fields = [f.name for f in TranscriptionJob._meta.fields]
    action_form = JobActionForm
    actions = ("cancel_jobs", "fail_jobs")
    inlines = (ProviderAttemptInline, ChunkInline, TranscriptInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Cancel (release the hold)")
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[TranscriptionJob]) -> None:
        done, skipped = 0, []
        for job in queryset.select_related("organization"):
            try:
                job_cancel(
                    organization=job.organization, job_id=job.pk, actor=as_actor(_staff(request))
                )
                done += 1
            except JobError as exc:
                skipped.append(f"{job.pk}: {exc.message}")
        self._report(request, f"Canceled {done} job(s).", skipped)

    @admin.action(description="Fail with the reason given (release the hold)")
    def fail_jobs(self, request: HttpRequest, queryset: QuerySet[TranscriptionJob]) -> None:
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            self.message_user(
                request, "Write the reason the customer will see, then fail.", messages.ERROR
            )
            return
        done, skipped = 0, []
        for job in queryset:
            if job_fail(job, reason):
                done += 1
            else:
                skipped.append(f"{job.pk}: already {job.status}")
        self._report(request, f"Failed {done} job(s).", skipped)

    def delete_model(self, request: HttpRequest, obj: TranscriptionJob) -> None:
        job_delete(organization=obj.organization, job_id=obj.pk, actor=as_actor(_staff(request)))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[TranscriptionJob]) -> None:
        for job in queryset.select_related("organization"):
            self.delete_model(request, job)

    def _report(self, request: HttpRequest, done: str, skipped: list[str]) -> None:
        self.message_user(request, done, messages.SUCCESS)
        if skipped:
            self.message_user(request, "Skipped: " + "; ".join(skipped), messages.WARNING)


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # the admin site lets only signed-in staff in
    return user

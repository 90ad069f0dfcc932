from __future__ import annotations

from django.contrib import admin

from review.models import ReviewTask


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "organization", "job", "status", "source", "due_at", "reviewer")
    list_filter = ("status", "source")
    # Status moves through review.services only (conditional updates, the hold with it).
    readonly_fields = (
        "organization", "job", "status", "source", "hold_reference", "reviewer",
        "claimed_at", "claim_expires_at", "delivered_at", "refund_reason", "segment_ids",
    )  # fmt: skip
    raw_id_fields = ("job",)

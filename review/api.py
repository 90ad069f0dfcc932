"""``/api/v1/transcribe/{job_id}/review/``: review of a transcript's doubtful segments.

``GET`` quotes (nothing charged or created, like GoTranscript's ``mode=test``); ``POST``
orders: the quoted price is held and a reviewer gets just those segments, in context.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Capability
from billing.pricing import format_credits
from config.api import OrganizationApiView
from config.api_schema import AUTHENTICATION_FAILED, error_response, ok_response
from review.models import ReviewTask
from review.workspace import ReviewQuote, review_order, review_quote

TAGS = ["Human review"]
QUOTE_EXAMPLE = {
    "mode": "quote", "job_id": "5b0c6a8e-3f7d-4c2a-9e1b-7d6f5a4c3b2a",
    "segments": ["0b6f2c1e-5d7a-4f0e-9a53-2f1d3c4b5a69"], "segment_count": 1,
    "seconds": 12.4, "price_per_minute": "3", "credits": "0.62",
    "due_at": "2026-12-07T15:00:00Z",
}  # fmt: skip
ORDER_EXAMPLE = {**QUOTE_EXAMPLE, "mode": "order", "review_id": 42, "status": "queued"}


ERRORS = {
    401: AUTHENTICATION_FAILED,
    404: error_response(
        "No such job in your organization",
        ("not_found", "No transcription job with that id was found."),
    ),
    409: error_response(
        "Not completed, nothing doubtful, or already under review",
        ("conflict", "This job is processing; its transcript can be reviewed once it completes."),
        ("conflict",
         "No segment of this transcript has a doubtful word: there is nothing to review."),
        ("conflict", "A review of this transcript is already on its way."),
    ),
}  # fmt: skip


class ReviewQuoteOutput(serializers.Serializer[Any]):
    mode = serializers.CharField(help_text="quote, or order once ordered")
    job_id = serializers.UUIDField()
    segments = serializers.ListField(
        child=serializers.CharField(), help_text="The ids of the doubtful segments."
    )
    segment_count = serializers.IntegerField()
    seconds = serializers.FloatField(help_text="How long those segments last together.")
    price_per_minute = serializers.CharField(help_text="Credits, as a decimal string.")
    credits = serializers.CharField(help_text="The price, as a decimal string.")
    due_at = serializers.DateTimeField()


class ReviewOrderOutput(ReviewQuoteOutput):
    review_id = serializers.IntegerField()
    status = serializers.CharField(help_text="queued, claimed, delivered or refunded")


class ReviewOrderInput(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def quote_output(quote: ReviewQuote, mode: str) -> dict[str, Any]:
    return {
        "mode": mode,
        "job_id": str(quote.job.pk),
        "segments": quote.segment_ids,
        "segment_count": len(quote.segment_ids),
        "seconds": quote.seconds,
        "price_per_minute": format_credits(quote.price_per_minute),
        "credits": format_credits(quote.credits),
        "due_at": quote.due_at,
    }


def order_output(quote: ReviewQuote, task: ReviewTask) -> dict[str, Any]:
    return {**quote_output(quote, "order"), "review_id": task.pk, "status": task.status}


class ReviewOrderApi(OrganizationApiView):
    scopes = {"POST": Capability.JOBS_CREATE}

    @extend_schema(
        tags=TAGS,
        summary="Quote a review of the doubtful segments",
        description="What a person reviewing just the segments with a doubtful word would "
        "cost (per minute of those segments) and when it would be due. Charges nothing.",
        responses={
            200: ok_response(ReviewQuoteOutput, "The quote", quote=QUOTE_EXAMPLE),
            **ERRORS,
        },
    )
    def get(self, request: Request, job_id: str) -> Response:
        quote = review_quote(organization=self.organization, job_id=job_id, actor=self.actor)
        return Response(quote_output(quote, "quote"))

    @extend_schema(
        tags=TAGS,
        summary="Order a review of the doubtful segments",
        description="Holds the quoted credits and queues the doubtful segments for a "
        "reviewer, who sees them with their neighbours for context. The hold is charged "
        "when the review is delivered and released if it is refunded.",
        request=ReviewOrderInput,
        examples=[
            OpenApiExample("Order", {"comment": "Speaker names: Anna, Ben."}, request_only=True)
        ],
        responses={
            201: ok_response(ReviewOrderOutput, "Ordered", ordered=ORDER_EXAMPLE),
            400: error_response(
                "A comment too long",
                ("invalid_request", "comment: Ensure this field has no more than 2000 characters."),
            ),
            402: error_response(
                "Not enough credits",
                (
                    "insufficient_credits",
                    "You have 0.1 credits remaining but this review requires 0.62 credits.",
                ),
            ),
            **ERRORS,
        },
    )
    def post(self, request: Request, job_id: str) -> Response:
        serializer = ReviewOrderInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote, task = review_order(
            organization=self.organization,
            job_id=job_id,
            actor=self.actor,
            comment=serializer.validated_data.get("comment", ""),
        )
        return Response(order_output(quote, task), status=201)

"""OpenAPI descriptions for the webhooks API: what each route answers (serializers
describing the bodies ``serializers`` builds) and an example of each."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from config.api_schema import AUTHENTICATION_FAILED, CursorPageOutput, error_response
from webhooks.events import EVENT_CHOICES

S = serializers
TAG = ["webhooks"]
ENDPOINT_ID = "8d1f5c2a-3b4e-4f60-9a7b-1c2d3e4f5a6b"
DELIVERY_ID = "c4a1e2b3-5d6f-4a7b-8c9d-0e1f2a3b4c5d"
JOB_ID = "550e8400-e29b-41d4-a716-446655440000"


class EndpointOutput(S.Serializer[Any]):
    id = S.UUIDField()
    url = S.URLField()
    description = S.CharField(allow_blank=True)
    events = S.ListField(child=S.ChoiceField(choices=EVENT_CHOICES))
    thin_payload = S.BooleanField(help_text="Leave the transcript out; fetch result_url.")
    enabled = S.BooleanField()
    disabled_reason = S.CharField(allow_null=True)
    secret_hint = S.CharField(help_text="The secret's first characters.")
    previous_secret_expires_at = S.DateTimeField(allow_null=True)
    created_at = S.DateTimeField()
    updated_at = S.DateTimeField()


class EndpointCreatedOutput(EndpointOutput):
    secret = S.CharField(help_text="The signing secret, shown only this once.")


class EndpointListOutput(S.Serializer[Any]):
    results = EndpointOutput(many=True)


class SecretOutput(S.Serializer[Any]):
    secret = S.CharField()
    previous_secret_expires_at = S.DateTimeField(
        allow_null=True, help_text="Until then the old secret signs too."
    )


class AttemptOutput(S.Serializer[Any]):
    number = S.IntegerField()
    started_at = S.DateTimeField()
    duration_ms = S.IntegerField(allow_null=True)
    status_code = S.IntegerField(allow_null=True)
    outcome = S.CharField()
    error = S.CharField(allow_null=True)
    response_excerpt = S.CharField(allow_blank=True)


class DeliveryOutput(S.Serializer[Any]):
    id = S.UUIDField()
    endpoint_id = S.UUIDField(allow_null=True, help_text="Null for a job's webhook_url.")
    url = S.URLField()
    event_type = S.CharField()
    webhook_id = S.CharField(help_text="The webhook-id header; the same on every attempt.")
    job_id = S.UUIDField(allow_null=True)
    status = S.CharField()
    attempts = S.IntegerField()
    next_attempt_at = S.DateTimeField(allow_null=True)
    last_status_code = S.IntegerField(allow_null=True)
    outcome = S.CharField(allow_null=True)
    resent_from = S.UUIDField(allow_null=True)
    created_at = S.DateTimeField()
    finished_at = S.DateTimeField(allow_null=True)


class DeliveryDetailOutput(DeliveryOutput):
    payload = S.JSONField(
        help_text="The body sent: the event's fields, then the job as "
        "GET /api/v1/transcribe/{id}/?segments=true shows it."
    )
    attempt_log = AttemptOutput(many=True)


class DeliveryPageOutput(CursorPageOutput):
    results = DeliveryOutput(many=True)


ENDPOINT = {
    "id": ENDPOINT_ID, "url": "https://example.com/hooks/hark", "description": "Billing system",
    "events": ["job.completed", "job.failed"], "thin_payload": False, "enabled": True,
    "disabled_reason": None, "secret_hint": "whsec_MfK…", "previous_secret_expires_at": None,
    "created_at": "2026-12-05T10:00:00Z", "updated_at": "2026-12-05T10:00:00Z",
}  # fmt: skip
SECRET = {"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "previous_secret_expires_at": None}
DELIVERY = {
    "id": DELIVERY_ID, "endpoint_id": ENDPOINT_ID, "url": "https://example.com/hooks/hark",
    "event_type": "job.completed", "webhook_id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
    "job_id": JOB_ID, "status": "succeeded", "attempts": 1, "next_attempt_at": None,
    "last_status_code": 200, "outcome": "Delivered: the receiver answered 200.",
    "resent_from": None,
    "created_at": "2026-12-05T10:00:00Z", "finished_at": "2026-12-05T10:00:01Z",
}  # fmt: skip
DELIVERY_DETAIL = {
    **DELIVERY,
    "payload": {"type": "job.completed", "event": "job_completed",
                "timestamp": "2026-12-05T10:00:00Z", "id": JOB_ID, "job_id": JOB_ID,
                "status": "completed", "transcript": "And so, my fellow Americans…"},
    "attempt_log": [{"number": 1, "started_at": "2026-12-05T10:00:00Z", "duration_ms": 84,
                     "status_code": 200, "outcome": "success", "error": None,
                     "response_excerpt": "ok"}],
}  # fmt: skip


def _ok(serializer: Any, description: str, example: dict[str, Any]) -> OpenApiResponse:
    return OpenApiResponse(serializer, description, [OpenApiExample("Example", value=example)])


NOT_FOUND = error_response(
    "No such endpoint or delivery in your organization",
    ("not_found", "No webhook endpoint with that id was found."),
)
FORBIDDEN = error_response(
    "Your role cannot manage webhooks",
    (
        "forbidden",
        "Only owners and admins of this organization can change webhooks or "
        "see their signing secrets.",
    ),
)
INVALID = error_response(
    "A URL that is not allowed, or a bad event name",
    ("invalid_request", "This webhook URL is not allowed. It points to a private address."),
)
CONFLICT = error_response(
    "The endpoint is disabled, or the delivery is still being attempted",
    ("conflict", "This endpoint is disabled. Enable it to send it a test event."),
)
ERRORS: dict[int | str, OpenApiResponse] = {
    401: AUTHENTICATION_FAILED,
    403: FORBIDDEN,
    404: NOT_FOUND,
}

ENDPOINT_RESPONSES: dict[int | str, OpenApiResponse] = {
    200: _ok(EndpointOutput, "The endpoint", ENDPOINT),
    400: INVALID,
    **ERRORS,
}
LIST: dict[str, Any] = {
    "responses": {200: _ok(EndpointListOutput, "Your endpoints", {"results": [ENDPOINT]}),
                  401: AUTHENTICATION_FAILED},
}  # fmt: skip
CREATE: dict[str, Any] = {
    "examples": [OpenApiExample("Request", request_only=True, value={
        "url": "https://example.com/hooks/hark", "description": "Billing system",
        "events": ["job.completed", "job.failed"]})],
    "responses": {201: _ok(EndpointCreatedOutput, "Registered",
                           {**ENDPOINT, "secret": SECRET["secret"]}),
                  400: INVALID, 401: AUTHENTICATION_FAILED, 403: FORBIDDEN},
}  # fmt: skip
DETAIL: dict[str, Any] = {
    "responses": {200: _ok(EndpointOutput, "The endpoint", ENDPOINT), **ERRORS}
}
UPDATE: dict[str, Any] = {
    "examples": [OpenApiExample("Turn it back on", request_only=True, value={"enabled": True})],
    "responses": ENDPOINT_RESPONSES,
}
DELETE: dict[str, Any] = {"responses": {204: None, **ERRORS}}
SECRET_RESPONSES: dict[int | str, Any] = {200: _ok(SecretOutput, "The secret", SECRET), **ERRORS}
TEST: dict[str, Any] = {
    "responses": {202: _ok(DeliveryOutput, "Queued", {**DELIVERY, "event_type": "webhook.test",
                                                      "job_id": None, "status": "pending",
                                                      "attempts": 0, "last_status_code": None,
                                                      "outcome": None, "finished_at": None}),
                  409: CONFLICT, **ERRORS},
}  # fmt: skip
DELIVERIES: dict[str, Any] = {
    "responses": {200: _ok(DeliveryPageOutput, "A page of deliveries",
                           {"next": None, "previous": None, "results": [DELIVERY]}), **ERRORS},
}  # fmt: skip
DELIVERY_RESPONSES: dict[int | str, Any] = {
    200: _ok(DeliveryDetailOutput, "The delivery", DELIVERY_DETAIL),
    **ERRORS,
}
RESEND: dict[str, Any] = {
    "responses": {202: _ok(DeliveryOutput, "Queued again", {**DELIVERY, "status": "pending",
                                                            "resent_from": DELIVERY_ID}),
                  409: CONFLICT, **ERRORS},
}  # fmt: skip

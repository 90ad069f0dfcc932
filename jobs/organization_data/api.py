"""The organization's data over the API: retention (read by everyone, set by owners)
and the export (owners; a key acts with its creator's role)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Organization
from accounts.permissions import Capability
from config.api import OrganizationApiView
from config.api_schema import AUTHENTICATION_FAILED, error_response, ok_response
from jobs.organization_data.export import export_filename, organization_export
from jobs.organization_data.retention import MAX_RETENTION_DAYS, retention_set

RETENTION_EXAMPLE = {"media_retention_days": 30, "delete_transcripts": False}
FORBIDDEN = error_response("Not an owner", (
    "forbidden",
    "Only owners of this organization can change how long its media is kept, "
    "export all its data or delete it.",
))  # fmt: skip


class RetentionOutput(serializers.Serializer[dict[str, Any]]):
    media_retention_days = serializers.IntegerField(
        allow_null=True, help_text="Null: media is kept until deleted."
    )
    delete_transcripts = serializers.BooleanField()


def retention_output(organization: Organization) -> dict[str, Any]:
    return {
        "media_retention_days": organization.media_retention_days,
        "delete_transcripts": organization.retention_deletes_transcripts,
    }


class RetentionInput(serializers.Serializer[dict[str, Any]]):
    media_retention_days = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=MAX_RETENTION_DAYS,
        help_text="Days after a job finishes before its media is deleted; null keeps it.",
    )  # fmt: skip
    delete_transcripts = serializers.BooleanField(
        default=False, help_text="Delete the whole job (transcripts, translations) too."
    )


class RetentionApi(OrganizationApiView):
    scopes = {"PUT": Capability.ORGANIZATION_DATA}

    @extend_schema(
        summary="How long media is kept",
        responses={200: ok_response(RetentionOutput, "The policy", retention=RETENTION_EXAMPLE),
                   401: AUTHENTICATION_FAILED},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        return Response(retention_output(self.organization))

    @extend_schema(
        summary="Set how long media is kept (owners)",
        description=(
            "Media of finished jobs is deleted `media_retention_days` days after they "
            "finished (checked hourly); with `delete_transcripts` the whole job goes. "
            "`null` keeps media until deleted."
        ),
        request=RetentionInput,
        examples=[OpenApiExample("keep 30 days", value=RETENTION_EXAMPLE, request_only=True)],
        responses={
            200: ok_response(RetentionOutput, "The new policy", retention=RETENTION_EXAMPLE),
            400: error_response("A bad value", (
                "invalid_request", "media_retention_days: Ensure this value is greater than "
                "or equal to 1.")),
            403: FORBIDDEN, 401: AUTHENTICATION_FAILED,
        },
    )  # fmt: skip
    def put(self, request: Request) -> Response:
        data = RetentionInput(data=request.data)
        data.is_valid(raise_exception=True)
        organization = retention_set(
            organization=self.organization,
            actor=self.actor,
            media_days=data.validated_data["media_retention_days"],
            delete_transcripts=data.validated_data["delete_transcripts"],
        )
        return Response(retention_output(organization))


class ExportApi(OrganizationApiView):
    # A read, but of everything at once: owners only, as on the page.
    scopes = {"GET": Capability.ORGANIZATION_DATA}

    @extend_schema(
        summary="Export everything (owners)",
        description=(
            "A zip, streamed: `jobs.json`, `transcripts/<id>.json` and `.txt`, "
            "`translations.json` and `translations/<id>.json` and `.txt`, `ledger.csv`, "
            "`webhooks.json` (no secrets), `README.txt`. Audio is not included."
        ),
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            403: FORBIDDEN,
            401: AUTHENTICATION_FAILED,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        archive = organization_export(organization=self.organization, actor=self.actor)
        response = StreamingHttpResponse(archive, content_type="application/zip")
        filename = export_filename(self.organization)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response

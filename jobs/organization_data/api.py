"""The organization over the API: its settings (read by everyone, changed by owners and
admins), retention (set by owners) and the export (owners; a key acts with its
creator's role)."""

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
from jobs.api.serializers import VocabularyField
from jobs.organization_data.defaults import organization_settings_update
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


SETTINGS_EXAMPLE = {
    "id": 7,
    "name": "Acme Research",
    "default_language": "de",
    "default_engine": "whisper",
    "vocabulary": ["Hark", "Kubernetes", "Dr. Okonkwo"],
    "media_retention_days": 30,
    "delete_transcripts": False,
}
SETTINGS_FORBIDDEN = error_response("Not an owner or admin", (
    "forbidden", "Only owners and admins of this organization can change its settings.",
))  # fmt: skip


class SettingsOutput(RetentionOutput):
    id = serializers.IntegerField()
    name = serializers.CharField()
    default_language = serializers.CharField(help_text="Empty: detect the language.")
    default_engine = serializers.CharField(help_text="Empty: this installation's default.")
    vocabulary = serializers.ListField(child=serializers.CharField())


def settings_output(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.pk,
        "name": organization.name,
        "default_language": organization.default_language,
        "default_engine": organization.default_engine,
        "vocabulary": list(organization.vocabulary),
        **retention_output(organization),
    }


class OrganizationSettingsApi(OrganizationApiView):
    scopes = {"PATCH": Capability.ORGANIZATION_SETTINGS}

    class SettingsInput(serializers.Serializer[dict[str, Any]]):
        name = serializers.CharField(required=False, max_length=120)
        default_language = serializers.CharField(
            required=False, allow_blank=True, max_length=12,
            help_text="Used when a request names no language; empty detects it.",
        )  # fmt: skip
        default_engine = serializers.CharField(
            required=False, allow_blank=True, max_length=40,
            help_text="Used when a request names no model (`GET /api/v1/models/`, or "
            "`auto`); empty is this installation's default.",
        )  # fmt: skip
        vocabulary = VocabularyField(
            required=False,
            help_text="Names and terms added to every job's vocabulary on engines that "
            "take one (at most 100).",
        )

    @extend_schema(
        summary="The organization's settings",
        description="Name, the defaults transcriptions start from, and retention (set "
        "with `PUT /api/v1/retention/`).",
        responses={200: ok_response(SettingsOutput, "The settings", settings=SETTINGS_EXAMPLE),
                   401: AUTHENTICATION_FAILED},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        return Response(settings_output(self.organization))

    @extend_schema(
        summary="Change the organization's settings (owners and admins)",
        description="Send only what changes. A request that names no `model` or "
        "`language` then gets `default_engine` and `default_language`; `language=auto` "
        "still asks for detection.",
        request=SettingsInput,
        examples=[OpenApiExample(
            "German by default", value={"default_language": "de", "vocabulary": ["Hark"]},
            request_only=True,
        )],
        responses={
            200: ok_response(SettingsOutput, "The new settings", settings=SETTINGS_EXAMPLE),
            400: error_response("A bad value", (
                "invalid_request", "'nope' is not an engine enabled here. Choose one of: whisper, "
                "pocketsphinx, or auto.")),
            403: SETTINGS_FORBIDDEN, 401: AUTHENTICATION_FAILED,
        },
    )  # fmt: skip
    def patch(self, request: Request) -> Response:
        data = self.SettingsInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        organization = self.organization
        updated = organization_settings_update(
            organization=organization,
            actor=self.actor,
            name=changes.get("name", organization.name),
            default_language=changes.get("default_language", organization.default_language),
            default_engine=changes.get("default_engine", organization.default_engine),
            vocabulary=list(changes.get("vocabulary", organization.vocabulary)),
        )
        return Response(settings_output(updated))

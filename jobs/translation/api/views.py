"""Gumzo's ``/translate/``: thin views over ``jobs.translation.services``."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey, User
from accounts.permissions import Capability
from config.api import OrganizationApiView
from config.idempotency import IdempotentPostMixin
from jobs.api.results import export_response, exporter_or_400
from jobs.api.views import JobCursorPagination
from jobs.errors import JobConflict
from jobs.exporters.options import export_options_from_query
from jobs.models import JobStatus
from jobs.translation.api import docs
from jobs.translation.api.output import (
    translation_created_output,
    translation_document,
    translation_output,
)
from jobs.translation.api.schema import TranslateInput
from jobs.translation.services.intake import estimated_wait_seconds, translation_create
from jobs.translation.services.lifecycle import (
    translation_cancel,
    translation_delete,
    translation_get,
    translations_for,
)


class TranslationListCreateApi(IdempotentPostMixin, OrganizationApiView):
    scopes = {"POST": Capability.JOBS_CREATE}

    @extend_schema(**docs.LIST)
    def get(self, request: Request) -> Response:
        paginator = JobCursorPagination()
        page = paginator.paginate_queryset(translations_for(self.organization), request, self)
        return paginator.get_paginated_response(
            [translation_output(t, include_segments=False) for t in page or []]
        )

    @extend_schema(**docs.CREATE)
    def post(self, request: Request) -> Response:
        payload = TranslateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        translation = translation_create(
            organization=self.organization,
            job_id=data["job_id"],
            to_language=data["to_language"],
            model=data.get("model") or "auto",
            fallbacks=tuple(data.get("fallbacks") or ()),
            prefer=data.get("prefer") or "",
            webhook_url=data.get("webhook_url") or "",
            created_by=request.user if isinstance(request.user, User) else None,
            api_key=request.auth if isinstance(request.auth, ApiKey) else None,
        )
        body = translation_created_output(
            translation, estimated_wait=estimated_wait_seconds(translation)
        )
        return Response(body, status=status.HTTP_200_OK)


class TranslationDetailApi(OrganizationApiView):
    scopes = {"DELETE": Capability.JOBS_DELETE}

    @extend_schema(**docs.DETAIL)
    def get(self, request: Request, translation_id: str) -> Response | HttpResponse:
        translation = translation_get(self.organization, translation_id)
        export_format = request.query_params.get("format")
        if export_format and export_format != "api":
            exporter = exporter_or_400(export_format)
            if translation.status != JobStatus.COMPLETED:
                raise JobConflict(
                    f"This translation is {translation.status}; exports are available once "
                    "it completes."
                )
            options = export_options_from_query(request.query_params)
            job = translation.source_job
            stem = slugify(job.original_filename.rsplit(".", 1)[0]) or str(job.id)
            return export_response(
                translation_document(translation),
                exporter,
                options,
                stem=f"{stem}-{translation.to_language}",
            )
        return Response(translation_output(translation))

    @extend_schema(**docs.DELETE)
    def delete(self, request: Request, translation_id: str) -> Response:
        translation_delete(
            organization=self.organization, translation_id=translation_id, actor=self.actor
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TranslationCancelApi(IdempotentPostMixin, OrganizationApiView):
    scopes = {"POST": Capability.JOBS_CANCEL}

    @extend_schema(**docs.CANCEL)
    def post(self, request: Request, translation_id: str) -> Response:
        translation = translation_cancel(
            organization=self.organization, translation_id=translation_id, actor=self.actor
        )
        return Response(translation_output(translation, include_segments=False))

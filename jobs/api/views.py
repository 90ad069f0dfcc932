"""Transcription API: thin views over jobs.services and jobs.selectors."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey, User
from accounts.permissions import Capability
from billing.selectors import paid_at_by_reference
from config.api import OrganizationApiView
from config.idempotency import IdempotentPostMixin
from config.uploads import CappedUploadMixin
from jobs.api import docs, organize_docs
from jobs.api.quote import upload_quote
from jobs.api.results import job_detail_output, job_export_options, job_export_response
from jobs.api.serializers import (
    JobUpdateInput,
    TranscribeUploadInput,
    job_created_output,
    job_summary_output,
)
from jobs.errors import InvalidJobRequest
from jobs.listing import job_filters_from, jobs_matching
from jobs.selectors import job_get
from jobs.services.estimates import estimated_wait_seconds
from jobs.services.intake import job_create
from jobs.services.lifecycle import job_cancel, job_delete
from jobs.services.organize import job_rename, job_tags_set


class JobCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes", "on"}


class TranscriptionListCreateApi(IdempotentPostMixin, CappedUploadMixin, OrganizationApiView):
    scopes = {"POST": Capability.JOBS_CREATE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(**docs.LIST)
    def get(self, request: Request) -> Response:
        paginator = JobCursorPagination()
        matching = jobs_matching(self.organization, job_filters_from(request.query_params))
        jobs = paginator.paginate_queryset(matching, request, view=self) or []
        paid = paid_at_by_reference(self.organization, [job.billing_reference for job in jobs])
        return paginator.get_paginated_response(
            [job_summary_output(job, paid_at=paid.get(job.billing_reference)) for job in jobs]
        )

    @extend_schema(**docs.CREATE)
    def post(self, request: Request) -> Response:
        payload = TranscribeUploadInput(data=self.uploaded_data(request))
        if "file" not in request.FILES:
            raise InvalidJobRequest("Attach the audio as a multipart form field named 'file'.")
        payload.is_valid(raise_exception=True)
        if payload.validated_data["mode"] == "test":
            # GoTranscript's test mode: the price, without a job or a charge.
            return Response(upload_quote(self.organization, payload))
        upload = payload.validated_data["file"]
        job = job_create(
            organization=self.organization,
            path=Path(upload.temporary_file_path()),
            filename=upload.name or "",
            options=payload.to_options(),
            created_by=request.user if isinstance(request.user, User) else None,
            api_key=request.auth if isinstance(request.auth, ApiKey) else None,
        )
        body = job_created_output(job, estimated_wait=estimated_wait_seconds(job))
        return Response(body, status=status.HTTP_200_OK)


class TranscriptionDetailApi(OrganizationApiView):
    scopes = {"DELETE": Capability.JOBS_DELETE, "PATCH": Capability.JOBS_ORGANIZE}

    @extend_schema(**docs.DETAIL)
    def get(self, request: Request, job_id: str) -> Response | HttpResponse:
        export_format = request.query_params.get("format")
        is_export = bool(export_format) and export_format != "api"
        # A status poll (many a minute per job) reads only the columns it shows.
        job = job_get(self.organization, job_id, status_only=not is_export)
        if export_format and is_export:
            return job_export_response(
                job, export_format, job_export_options(job, request.query_params)
            )
        body = job_detail_output(
            job,
            include_segments=_truthy(request.query_params.get("segments")),
            include_words=_truthy(request.query_params.get("words")) or job.word_timestamps,
        )
        return Response(body)

    @extend_schema(**organize_docs.UPDATE)
    def patch(self, request: Request, job_id: str) -> Response:
        payload = JobUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        if not payload.validated_data:
            raise InvalidJobRequest("Send name, tags or both to change.")
        job = job_get(self.organization, job_id)
        if "name" in payload.validated_data:
            job = job_rename(
                organization=self.organization, job_id=job.pk,
                name=payload.validated_data["name"], actor=self.actor,
            )  # fmt: skip
        if "tags" in payload.validated_data:
            job = job_tags_set(
                organization=self.organization, job_id=job.pk,
                names=payload.validated_data["tags"], actor=self.actor,
            )  # fmt: skip
        return Response(job_detail_output(job, include_segments=False, include_words=False))

    @extend_schema(**docs.DELETE)
    def delete(self, request: Request, job_id: str) -> Response:
        job_delete(organization=self.organization, job_id=job_id, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TranscriptionCancelApi(IdempotentPostMixin, OrganizationApiView):
    scopes = {"POST": Capability.JOBS_CANCEL}

    @extend_schema(**docs.CANCEL)
    def post(self, request: Request, job_id: str) -> Response:
        job = job_cancel(organization=self.organization, job_id=job_id, actor=self.actor)
        return Response(job_detail_output(job, include_segments=False, include_words=False))

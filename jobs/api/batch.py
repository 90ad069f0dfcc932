"""Several files in one request, each its own job (``jobs.services.batch``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey, User
from accounts.permissions import Capability
from config.api import OrganizationApiView
from config.uploads import CappedUploadMixin
from jobs.api import organize_docs as docs
from jobs.api.serializers import TranscriptionOptionsInput, job_created_output
from jobs.services.batch import BATCH_FILES_MAX, BatchOutcome, BatchUpload, jobs_create_batch
from jobs.services.estimates import estimated_wait_seconds


def outcome_output(outcome: BatchOutcome) -> dict[str, Any]:
    if outcome.job is None:
        return {
            "filename": outcome.filename,
            "status": "failed",
            "error": outcome.code,
            "message": outcome.message,
        }
    body = job_created_output(outcome.job, estimated_wait=estimated_wait_seconds(outcome.job))
    return {"filename": outcome.filename, **body}


class TranscriptionBatchApi(CappedUploadMixin, OrganizationApiView):
    scopes = {"POST": Capability.JOBS_CREATE}
    parser_classes = [MultiPartParser, FormParser]
    files_max = BATCH_FILES_MAX

    @extend_schema(**docs.BATCH)
    def post(self, request: Request) -> Response:
        data = self.uploaded_data(request)
        options = TranscriptionOptionsInput(data=data)
        options.is_valid(raise_exception=True)
        files = request.FILES.getlist("file")
        outcomes = jobs_create_batch(
            organization=self.organization,
            uploads=[BatchUpload(Path(f.temporary_file_path()), f.name or "") for f in files],
            options=options.to_options(),
            actor=self.actor,
            created_by=request.user if isinstance(request.user, User) else None,
            api_key=request.auth if isinstance(request.auth, ApiKey) else None,
        )
        results = [outcome_output(outcome) for outcome in outcomes]
        created = sum(1 for outcome in outcomes if outcome.job is not None)
        return Response({"created": created, "failed": len(outcomes) - created, "results": results})

"""Hark's URLs plus the benchmark's baseline: a job's status from a bare DRF view."""

from __future__ import annotations

import uuid

from django.http import Http404
from django.urls import include, path
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from jobs.models import TranscriptionJob


class BareJobStatus(APIView):
    """What the simplest DRF status endpoint does: a token, a throttle, one row."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateThrottle]

    def get(self, request: Request, job_id: uuid.UUID) -> Response:
        row = (
            TranscriptionJob.objects.filter(pk=job_id)
            .values("id", "status", "progress", "created_at", "finished_at")
            .first()
        )
        if row is None:
            raise Http404
        return Response(row)


class UnthrottledJobStatus(BareJobStatus):
    """The same without a throttle: what a DRF view costs that counts nothing."""

    throttle_classes = []


urlpatterns = [
    path("bench/bare/jobs/<uuid:job_id>/", BareJobStatus.as_view()),
    path("bench/unthrottled/jobs/<uuid:job_id>/", UnthrottledJobStatus.as_view()),
    path("", include("config.urls")),
]

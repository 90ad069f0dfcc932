"""Renaming and tagging jobs, and the organization's tags, over the API: thin views over
``jobs.services.organize``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Capability
from config.api import OrganizationApiView
from jobs.api import organize_docs as docs
from jobs.api.serializers import TagInput
from jobs.models import Tag
from jobs.selectors import tags_for
from jobs.services.organize import tag_create, tag_delete


def tag_output(tag: Tag, *, jobs: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": tag.pk, "name": tag.name, "created_at": tag.created_at}
    if jobs is not None:
        body["jobs"] = jobs
    return body


class TagListCreateApi(OrganizationApiView):
    scopes = {"POST": Capability.JOBS_ORGANIZE}

    @extend_schema(**docs.TAG_LIST)
    def get(self, request: Request) -> Response:
        tags = tags_for(self.organization).annotate(job_count=Count("jobs"))
        return Response({"results": [tag_output(t, jobs=t.job_count) for t in tags]})

    @extend_schema(**docs.TAG_CREATE)
    def post(self, request: Request) -> Response:
        payload = TagInput(data=request.data)
        payload.is_valid(raise_exception=True)
        tag, created = tag_create(
            organization=self.organization, name=payload.validated_data["name"], actor=self.actor
        )
        return Response(
            tag_output(tag), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class TagDetailApi(OrganizationApiView):
    scopes = {"DELETE": Capability.JOBS_ORGANIZE}

    @extend_schema(**docs.TAG_DELETE)
    def delete(self, request: Request, tag_id: str) -> Response:
        tag_delete(organization=self.organization, tag_id=tag_id, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

"""The transcript editing API: thin views over ``jobs.transcripts.services``.

The same views serve a job's transcript (``/api/v1/transcribe/{job_id}/transcript/``)
and a translation's (``/api/v1/translate/{translation_id}/transcript/``). Every route
first finds the job or translation within the caller's organization, so another
organization's transcript, segment, speaker or revision is a 404 like a missing one.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey, User
from accounts.permissions import Capability
from config.api import OrganizationApiView
from jobs.errors import InvalidJobRequest, JobConflict
from jobs.selectors import job_get
from jobs.transcripts.api import docs
from jobs.transcripts.api.output import (
    revision_output,
    row_output,
    speaker_output,
    transcript_output,
)
from jobs.transcripts.api.schema import (
    ReplaceInput,
    SegmentEditInput,
    SpeakerInput,
    SplitInput,
    VersionInput,
)
from jobs.transcripts.models import Segment as SegmentRow
from jobs.transcripts.models import Transcript
from jobs.transcripts.selectors import (
    revisions_for,
    transcript_edited_of,
    transcript_view,
)
from jobs.transcripts.services.editing import (
    Edit,
    Editable,
    Editor,
    replace_count,
    segment_edit,
    segment_merge,
    segment_split,
    speaker_add,
    speaker_rename,
    transcript_replace,
)
from jobs.transcripts.services.history import (
    stacks,
    transcript_redo,
    transcript_restore,
    transcript_undo,
)
from jobs.translation.models import TranslationJob
from jobs.translation.services.lifecycle import translation_get


def _valid(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TranscriptEditingApi(OrganizationApiView):
    scopes = dict.fromkeys(("POST", "PATCH", "PUT", "DELETE"), Capability.TRANSCRIPTS_EDIT)

    def subject(self) -> Editable:
        """The job or translation named in the URL, within the caller's organization."""
        if "translation_id" in self.kwargs:
            return translation_get(self.organization, self.kwargs["translation_id"])
        return job_get(self.organization, self.kwargs["job_id"])

    @property
    def editor(self) -> Editor:
        user = self.request.user
        auth = self.request.auth
        return Editor(
            user=user if isinstance(user, User) else None,
            api_key=auth if isinstance(auth, ApiKey) else None,
        )

    def transcript(self, subject: Editable) -> Transcript:
        transcript = transcript_edited_of(subject)
        if transcript is None:
            what = "translation" if isinstance(subject, TranslationJob) else "job"
            raise JobConflict(
                f"This {what} is {subject.status}; it has a transcript once it completes."
            )
        return transcript

    def transcript_body(self, subject: Editable) -> dict[str, Any]:
        # Every word as stored (full verbatim): the editor changes what is stored.
        transcript = self.transcript(subject)
        undo, redo = stacks(transcript)
        return transcript_output(
            transcript_view(transcript), can_undo=bool(undo), can_redo=bool(redo)
        )

    def segment_body(self, edit: Edit, *keys: str) -> dict[str, Any]:
        """The edit's answer: the new version and just the segments it is about (reading
        the whole transcript back would make a save cost as much as opening it)."""
        rows = {
            str(row.key): row
            for row in SegmentRow.objects.filter(
                transcript=edit.transcript, key__in=keys
            ).select_related("speaker")
        }
        wanted = [row_output(rows[key]) for key in keys if key in rows]
        return {
            "version": edit.version,
            **self.history_flags(edit),
            "segments": wanted,
            **({"segment": wanted[0]} if wanted else {}),
        }

    def history_flags(self, edit: Edit) -> dict[str, bool]:
        """Whether undo and redo have something to do now, so a client can show them."""
        undo, redo = stacks(edit.transcript)
        return {"can_undo": bool(undo), "can_redo": bool(redo)}


class TranscriptApi(TranscriptEditingApi):
    @extend_schema(**docs.TRANSCRIPT)
    def get(self, request: Request, **ids: str) -> Response:
        return Response(self.transcript_body(self.subject()))


class SegmentApi(TranscriptEditingApi):
    @extend_schema(**docs.SEGMENT_EDIT)
    def patch(self, request: Request, segment_id: str, **ids: str) -> Response:
        data = _valid(SegmentEditInput, request.data)
        edit = segment_edit(
            self.subject(),
            self.editor,
            segment_id=segment_id,
            version=data["version"],
            text=data.get("text"),
            speaker_id=data.get("speaker", None) if "speaker" in data else None,
            start=data.get("start"),
            end=data.get("end"),
        )
        assert edit.segment is not None
        return Response(self.segment_body(edit, str(edit.segment.key)))


class SegmentSplitApi(TranscriptEditingApi):
    @extend_schema(**docs.SPLIT)
    def post(self, request: Request, segment_id: str, **ids: str) -> Response:
        data = _valid(SplitInput, request.data)
        edit = segment_split(
            self.subject(),
            self.editor,
            segment_id=segment_id,
            version=data["version"],
            word_index=data["word_index"],
        )
        assert edit.segment is not None
        following = (
            SegmentRow.objects.filter(
                transcript=edit.transcript, position__gt=edit.segment.position
            )
            .order_by("position")
            .values_list("key", flat=True)
            .first()
        )
        keys = [str(edit.segment.key), *([str(following)] if following else [])]
        return Response(self.segment_body(edit, *keys))


class SegmentMergeApi(TranscriptEditingApi):
    @extend_schema(**docs.MERGE)
    def post(self, request: Request, segment_id: str, **ids: str) -> Response:
        data = _valid(VersionInput, request.data)
        edit = segment_merge(
            self.subject(), self.editor, segment_id=segment_id, version=data["version"]
        )
        assert edit.segment is not None
        return Response(self.segment_body(edit, str(edit.segment.key)))


class SpeakerListApi(TranscriptEditingApi):
    @extend_schema(**docs.SPEAKER_ADD)
    def post(self, request: Request, **ids: str) -> Response:
        data = _valid(SpeakerInput, request.data)
        edit, speaker = speaker_add(
            self.subject(), self.editor, name=data["name"], version=data.get("version")
        )
        return Response(
            {
                "version": edit.version,
                **self.history_flags(edit),
                "speaker": speaker_output(speaker),
            },
            status=201,
        )


class SpeakerApi(TranscriptEditingApi):
    @extend_schema(**docs.SPEAKER_RENAME)
    def patch(self, request: Request, speaker_id: str, **ids: str) -> Response:
        data = _valid(SpeakerInput, request.data)
        subject = self.subject()
        edit = speaker_rename(
            subject,
            self.editor,
            speaker_id=speaker_id,
            name=data["name"],
            version=data.get("version"),
        )
        view = transcript_view(self.transcript(subject))
        speaker = next(s for s in view.speakers if s.id == str(speaker_id).lower())
        return Response(
            {
                "version": edit.version,
                **self.history_flags(edit),
                "speaker": speaker_output(speaker),
            }
        )


class ReplaceApi(TranscriptEditingApi):
    @extend_schema(**docs.REPLACE)
    def post(self, request: Request, **ids: str) -> Response:
        data = _valid(ReplaceInput, request.data)
        subject = self.subject()
        options = {"whole_word": data["whole_word"], "case_sensitive": data["case_sensitive"]}
        if data["preview"]:
            transcript = transcript_edited_of(subject)
            count = replace_count(transcript, data["find"], **options) if transcript else 0
            version = transcript.version if transcript else data.get("version", 1)
            return Response({"version": version, "replacements": count, "preview": True})
        if "version" not in data:
            raise InvalidJobRequest("Send the transcript's version with a replace.")
        edit = transcript_replace(
            subject,
            self.editor,
            version=data["version"],
            find=data["find"],
            replace=data["replace"],
            **options,
        )
        return Response(
            {
                "version": edit.version,
                **self.history_flags(edit),
                "replacements": edit.count,
                "preview": False,
            }
        )


class UndoApi(TranscriptEditingApi):
    @extend_schema(**docs.UNDO)
    def post(self, request: Request, **ids: str) -> Response:
        data = _valid(VersionInput, request.data)
        subject = self.subject()
        transcript_undo(subject, self.editor, version=data["version"])
        return Response(self.transcript_body(subject))


class RedoApi(TranscriptEditingApi):
    @extend_schema(**docs.REDO)
    def post(self, request: Request, **ids: str) -> Response:
        data = _valid(VersionInput, request.data)
        subject = self.subject()
        transcript_redo(subject, self.editor, version=data["version"])
        return Response(self.transcript_body(subject))


class RevisionListApi(TranscriptEditingApi):
    @extend_schema(**docs.REVISIONS)
    def get(self, request: Request, **ids: str) -> Response:
        subject = self.subject()
        transcript = self.transcript(subject)
        revisions = [revision_output(r) for r in revisions_for(transcript)]
        # Version 1 is the engine's (or translator's) output, which no revision row
        # describes.
        action, summary = (
            ("translated", "Translated by the translator")
            if isinstance(subject, TranslationJob)
            else ("transcribed", "Transcribed by the engine")
        )
        revisions.append(
            {"version": 1, "action": action, "summary": summary,
             "author": None, "api_key": None, "created_at": subject.finished_at,
             "reverts": None, "changes": []}
        )  # fmt: skip
        return Response({"version": transcript.version, "revisions": revisions})


class RevisionRestoreApi(TranscriptEditingApi):
    @extend_schema(**docs.RESTORE)
    def post(self, request: Request, version: int, **ids: str) -> Response:
        subject = self.subject()
        current = request.data.get("version") if hasattr(request.data, "get") else None
        transcript_restore(
            subject,
            self.editor,
            to_version=version,
            version=_valid(VersionInput, {"version": current})["version"]
            if current is not None
            else None,
        )
        return Response(self.transcript_body(subject))

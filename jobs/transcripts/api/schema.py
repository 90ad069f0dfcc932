"""What the transcript editing endpoints take and answer, as serializers.

The inputs validate requests in ``views``; the outputs describe, for the OpenAPI schema,
the bodies ``output`` builds.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

S = serializers


class VersionInput(S.Serializer[Any]):
    version = S.IntegerField(min_value=1, help_text="The version your change was made on.")


class SegmentEditInput(VersionInput):
    text = S.CharField(required=False, allow_blank=True, trim_whitespace=False)
    speaker = S.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="A speaker id; empty for none."
    )
    start = S.FloatField(required=False, min_value=0)
    end = S.FloatField(required=False, min_value=0)


class SplitInput(VersionInput):
    word_index = S.IntegerField(help_text="Split before this word (from 0).")


class SpeakerInput(S.Serializer[Any]):
    name = S.CharField(allow_blank=True, max_length=200)
    version = S.IntegerField(min_value=1, required=False)


class ReplaceInput(S.Serializer[Any]):
    # Required to replace; a preview changes nothing and may leave it out.
    version = S.IntegerField(min_value=1, required=False)
    find = S.CharField(trim_whitespace=False, max_length=200)
    replace = S.CharField(allow_blank=True, trim_whitespace=False, max_length=200)
    whole_word = S.BooleanField(default=False)
    case_sensitive = S.BooleanField(default=False)
    # Count what would change, change nothing.
    preview = S.BooleanField(default=False)


class RestoreInput(S.Serializer[Any]):
    version = S.IntegerField(
        min_value=1, required=False, help_text="The current version, to refuse a stale restore."
    )


class EditorWordOutput(S.Serializer[Any]):
    word = S.CharField()
    start = S.FloatField(allow_null=True)
    end = S.FloatField(allow_null=True)
    confidence = S.FloatField(allow_null=True)
    aligned = S.BooleanField(help_text="False while a typed word is placed against the audio.")


class EditorSegmentOutput(S.Serializer[Any]):
    id = S.CharField(allow_null=True)
    start = S.FloatField()
    end = S.FloatField()
    speaker = S.CharField(allow_null=True, help_text="A speaker id.")
    text = S.CharField(allow_blank=True)
    language = S.CharField(allow_blank=True, allow_null=True)
    confidence = S.FloatField(allow_null=True)
    edited = S.BooleanField()
    words = EditorWordOutput(many=True)


class EditorSpeakerOutput(S.Serializer[Any]):
    id = S.CharField()
    name = S.CharField(allow_blank=True)
    label = S.CharField(allow_blank=True, help_text="The engine's label, e.g. SPEAKER_00.")  # type: ignore[assignment]  # a field, not the attribute
    color = S.CharField()


class TranscriptOutput(S.Serializer[Any]):
    version = S.IntegerField()
    language = S.CharField(allow_blank=True)
    edited = S.BooleanField()
    can_undo = S.BooleanField()
    can_redo = S.BooleanField()
    speakers = EditorSpeakerOutput(many=True)
    segments = EditorSegmentOutput(many=True)


class SegmentEditOutput(S.Serializer[Any]):
    version = S.IntegerField()
    segment = EditorSegmentOutput()
    segments = EditorSegmentOutput(many=True, required=False)


class SegmentsOutput(S.Serializer[Any]):
    version = S.IntegerField()
    segments = EditorSegmentOutput(many=True)


class SegmentOutput(S.Serializer[Any]):
    version = S.IntegerField()
    segment = EditorSegmentOutput()


class SpeakerOutput(S.Serializer[Any]):
    version = S.IntegerField()
    speaker = EditorSpeakerOutput()


class ReplaceOutput(S.Serializer[Any]):
    version = S.IntegerField()
    replacements = S.IntegerField()
    preview = S.BooleanField()


class ChangeStateOutput(S.Serializer[Any]):
    """A segment's or a speaker's stored fields before or after a change (a segment has
    the first eight and ``speaker``, a speaker ``label``, ``name``, ``color``, ``position``)."""

    position = S.IntegerField(required=False)
    start = S.FloatField(required=False)
    end = S.FloatField(required=False)
    language = S.CharField(required=False, allow_blank=True)
    text = S.CharField(required=False, allow_blank=True)
    words = S.ListField(child=S.JSONField(), required=False)
    confidence = S.FloatField(required=False, allow_null=True)
    edited = S.BooleanField(required=False)
    speaker = S.CharField(required=False, allow_null=True)
    label = S.CharField(required=False, allow_blank=True)  # type: ignore[assignment]  # a field, not the attribute
    name = S.CharField(required=False, allow_blank=True)
    color = S.CharField(required=False)


class ChangeOutput(S.Serializer[Any]):
    kind = S.ChoiceField(choices=["segment", "speaker"])
    key = S.CharField()
    before = ChangeStateOutput(allow_null=True, help_text="Null: it did not exist.")
    after = ChangeStateOutput(allow_null=True, help_text="Null: it was removed.")


class RevisionOutput(S.Serializer[Any]):
    version = S.IntegerField()
    action = S.CharField()
    summary = S.CharField()
    author = S.CharField(allow_null=True)
    api_key = S.CharField(allow_null=True, help_text="The API key's name, if one made it.")
    created_at = S.DateTimeField(allow_null=True)
    reverts = S.IntegerField(allow_null=True)
    changes = ChangeOutput(many=True)


class RevisionsOutput(S.Serializer[Any]):
    version = S.IntegerField()
    revisions = RevisionOutput(many=True)

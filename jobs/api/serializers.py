"""Input and output shapes of the transcription API (AudioToTextAI's, with Gumzo's
parameter names accepted as aliases)."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jobs.models import JobTask, JobType, TranscriptionJob
from jobs.options import PREFERENCES, TranscriptionOptions
from jobs.selectors import tag_names_read
from jobs.services.organize import NAME_MAX, TAG_MAX
from jobs.translation.services.ordering import target_code
from webhooks.errors import WebhookUrlRefused
from webhooks.services import webhook_url_check

JOB_TYPES = {choice.lower(): choice for choice in JobType.values}
MAX_SPEAKERS = 20
SPEAKERS_MESSAGE = f"must be a whole number from 1 to {MAX_SPEAKERS}"
# GoTranscript's number_of_speakers: "3_or_more" sets no upper limit.
SPEAKER_RANGES: dict[str, int | None] = {"1_or_2": 2, "3_or_more": None}
# translate_to=en is speech translation by the engine (task=translate); any other target
# is a text translation of the transcript, queued when it is done.
ENGLISH = "en"


# In the schema a list of strings; a comma-separated string or a JSON array works too.
@extend_schema_field({"type": "array", "items": {"type": "string"}})
class VocabularyField(serializers.Field):  # type: ignore[type-arg]
    """A JSON array, a comma-separated string, or repeated form fields
    (``vocabulary=a&vocabulary=b`` or ``vocabulary[]=a``, as HTTP clients send lists)."""

    def get_value(self, dictionary: Any) -> Any:
        getlist = getattr(dictionary, "getlist", None)
        if getlist is not None:
            values = getlist(self.field_name) or getlist(f"{self.field_name}[]")
            if len(values) > 1:
                return values
            if values:
                return values[0]
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> tuple[str, ...]:
        if isinstance(data, list):
            items: list[Any] = data
        elif isinstance(data, str):
            text = data.strip()
            if text.startswith("["):
                try:
                    items = json.loads(text)
                except json.JSONDecodeError:
                    raise serializers.ValidationError(
                        "must be a JSON array of words or a comma-separated list"
                    ) from None
            else:
                items = text.split(",")
        else:
            raise serializers.ValidationError("must be a list of words")
        words = tuple(str(item).strip() for item in items if str(item).strip())
        if len(words) > 100:
            raise serializers.ValidationError("may hold at most 100 entries")
        return words

    def to_representation(self, value: Any) -> Any:
        return list(value)


class ModelListField(VocabularyField):
    """Model names, taken in the same shapes as vocabulary."""


class TranscriptionOptionsInput(serializers.Serializer):  # type: ignore[type-arg]
    model = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text="An engine from `GET /api/v1/models/`, `auto`, or another service's model "
        "id (`whisper-large-v3`, `whisper-1`, `voxtral-mini-latest`, …), which gets the best "
        "engine for the request. Empty: this installation's default.",
    )
    language = serializers.CharField(required=False, allow_blank=True, max_length=12)
    job_language = serializers.CharField(required=False, allow_blank=True, max_length=12)
    job_type = serializers.CharField(required=False, allow_blank=True, max_length=20)
    diarization = serializers.BooleanField(required=False, default=None, allow_null=True)
    skip_diarization = serializers.BooleanField(required=False, default=None, allow_null=True)
    timestamps = serializers.BooleanField(required=False, default=True)
    word_timestamps = serializers.BooleanField(required=False, default=False)
    summary = serializers.BooleanField(required=False, default=False)
    vocabulary = VocabularyField(required=False)
    webhook_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    # Routing (GateFlow): prefer=quality|speed|cost picks among providers for model=auto;
    # fallbacks are tried in order when the chosen one fails transiently.
    prefer = serializers.ChoiceField(choices=PREFERENCES, required=False, allow_blank=True)
    fallbacks = ModelListField(required=False)
    # task=translate: English text from speech in any language (Whisper's translation);
    # translate_to=en says the same in GoTranscript's words, other targets order a
    # translation of the transcript (GoTranscript's transcription plus translation).
    task = serializers.ChoiceField(
        # Not align: that is an order's job (forced alignment, proofreading), priced and
        # capped as one; through here it would time any prompt at a transcription's price.
        choices=[JobTask.TRANSCRIBE, JobTask.TRANSLATE],
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": "must be transcribe or translate"},
        help_text="`translate`: English text from speech in any language (default "
        "`transcribe`). Only engines that translate serve it; see `translation` in "
        "`GET /api/v1/models/`.",
    )
    translate_to = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="A language to translate the transcript into, as a code (`es`) or an "
        "English name (`spanish`). `en` is the same as `task=translate` (the engine hears "
        "the speech in English); any other language orders a translation of the "
        "transcript, queued once it is done and priced per word (see `POST "
        "/api/v1/quote/`). The job's `translation` shows its id, status and link.",
    )
    prompt = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Earlier text or a style to follow, as OpenAI's `prompt`.",
    )
    number_of_speakers = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text="GoTranscript's hint for diarization: `1_or_2` (at most 2 speakers), "
        f"`3_or_more` (no limit), or a whole number from 1 to {MAX_SPEAKERS}.",
    )
    max_speakers = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_SPEAKERS,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value", "max_string_length"), SPEAKERS_MESSAGE
        ),
        help_text="The most speakers diarization tells apart.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        # GoTranscript's from/till (seconds): "from" cannot be a class attribute's name.
        fields["from"] = serializers.FloatField(required=False, min_value=0, allow_null=True)
        fields["till"] = serializers.FloatField(required=False, min_value=0, allow_null=True)
        return fields

    def validate_webhook_url(self, value: str) -> str:
        # The SSRF guard, before anything is stored: a refused URL creates no job.
        try:
            if value:
                webhook_url_check(value)
        except WebhookUrlRefused as exc:
            raise serializers.ValidationError(exc.message) from None
        return value

    def validate_translate_to(self, value: str) -> str:
        # Only normalized here: whether anything can translate into it depends on the
        # spoken language, which the intake service checks with the rest of the order.
        return target_code(value) if value.strip() else ""

    def validate_number_of_speakers(self, value: str) -> str:
        value = value.strip().lower()
        if not value or value in SPEAKER_RANGES:
            return value
        if value.isdigit() and 1 <= int(value) <= MAX_SPEAKERS:
            return value
        raise serializers.ValidationError(
            f"must be 1_or_2, 3_or_more, or a whole number from 1 to {MAX_SPEAKERS}"
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("translate_to") == ENGLISH and attrs.get("task") == JobTask.TRANSCRIBE:
            raise serializers.ValidationError(
                "task=transcribe and translate_to=en contradict each other; send one of them."
            )
        spoken = attrs.get("number_of_speakers") or ""
        hinted = SPEAKER_RANGES[spoken] if spoken in SPEAKER_RANGES else int(spoken or 0) or None
        cap = attrs.get("max_speakers")
        if spoken and cap is not None:
            # "3_or_more" sets no upper limit, so a cap of 3 or more narrows it.
            fits = cap >= 3 if hinted is None else cap == hinted
            if not fits:
                raise serializers.ValidationError(
                    f"number_of_speakers={spoken} and max_speakers={cap} disagree; "
                    "send one of them."
                )
        attrs["speaker_limit"] = cap if cap is not None else hinted
        return attrs

    def validate_job_type(self, value: str) -> str:
        if not value:
            return JobType.VERBATIM
        try:
            return JOB_TYPES[value.strip().lower()]
        except KeyError:
            raise serializers.ValidationError("must be one of Verbatim, Smart or Summary") from None

    def to_options(self) -> TranscriptionOptions:
        data = self.validated_data
        diarization = data.get("diarization")
        if diarization is None:
            skip = data.get("skip_diarization")
            # Gumzo's skip_diarization=false asks for speakers; with neither parameter
            # we follow AudioToTextAI's default of no diarization.
            diarization = skip is False
        prefer = data.get("prefer") or ""
        return TranscriptionOptions(
            # Asking for a preference without naming a model asks for routing.
            model=data.get("model") or ("auto" if prefer else ""),
            language=data.get("language") or data.get("job_language") or "",
            job_type=data.get("job_type") or JobType.VERBATIM,
            diarization=bool(diarization),
            timestamps=data["timestamps"],
            word_timestamps=data["word_timestamps"],
            summary=data["summary"],
            vocabulary=data.get("vocabulary", ()),
            webhook_url=data.get("webhook_url", ""),
            prefer=prefer,
            fallbacks=data.get("fallbacks", ()),
            trim_start=data.get("from") or 0.0,
            trim_end=data.get("till"),
            task=(
                JobTask.TRANSLATE
                if data.get("task") == JobTask.TRANSLATE or data.get("translate_to") == ENGLISH
                else JobTask.TRANSCRIBE
            ),
            translate_to=target if (target := data.get("translate_to", "")) != ENGLISH else "",
            prompt=data.get("prompt", ""),
            max_speakers=data.get("speaker_limit"),
        )


class TranscribeUploadInput(TranscriptionOptionsInput):
    file = serializers.FileField(allow_empty_file=False)
    # GoTranscript's ``mode``: ``test`` answers the price without ordering.
    mode = serializers.ChoiceField(choices=("live", "test"), required=False, default="live")


def credits(value: Any) -> float | None:
    return None if value is None else float(value)


def job_created_output(job: TranscriptionJob, *, estimated_wait: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(job.id),
        "job_id": str(job.id),
        "status": job.status,
        "estimated_credits": credits(job.estimated_credits),
        "estimated_wait": estimated_wait,
        "created_at": job.created_at,
    }
    if job.translate_to:
        # The translation ordered with it: queued once the transcript is done.
        body["translation"] = {
            "id": None,
            "to_language": job.translate_to,
            "status": "waiting",
            "estimated_credits": credits(job.translation_credits),
        }
        body["order_total"] = credits(job.estimated_credits + job.translation_credits)
    return body


def job_tag_names(job: TranscriptionJob) -> list[str]:
    # Sorted in Python so a list prefetched with its tags costs no query per job, and a
    # poll that read the names with the job (``with_tag_names``) none at all.
    names = tag_names_read(job)
    if names is None:
        names = [tag.name for tag in job.tags.all()]
    return sorted(names, key=str.lower)


def job_summary_output(job: TranscriptionJob, *, paid_at: Any = None) -> dict[str, Any]:
    # GoTranscript's order fields: ``price`` is what the job cost (or will cost, while it
    # runs), ``paid_at`` when it was charged, ``seconds`` its whole seconds of audio.
    price = job.credits_used if job.credits_used is not None else job.estimated_credits
    return {
        "id": str(job.id),
        "job_id": str(job.id),
        "status": job.status,
        "progress": job.progress,
        "filename": job.original_filename,
        "name": job.display_name,
        "tags": job_tag_names(job),
        "model": job.engine,
        "language": job.language,
        "duration_seconds": round(job.duration_seconds, 3),
        "estimated_credits": credits(job.estimated_credits),
        "credits_used": credits(job.credits_used),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "price": credits(price),
        "paid_at": paid_at,
        "seconds": round(job.duration_seconds),
    }


class JobUpdateInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NAME_MAX,
        trim_whitespace=True,
        help_text="What the job is called on the dashboard; empty shows the file name again.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX, allow_blank=False),
        required=False,
        help_text="The job's tags, by name, replacing the ones it has; new names become "
        "the organization's tags. `[]` removes them all.",
    )


class TagInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=TAG_MAX)

from __future__ import annotations

from django import forms

from jobs.organization_data.retention import MAX_RETENTION_DAYS


class RetentionForm(forms.Form):
    media_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        label="Delete audio after (days)",
        help_text="Counted from when each transcription finished. Leave empty to keep audio "
        "until you delete it.",
    )
    delete_transcripts = forms.BooleanField(
        required=False,
        label="Delete the transcripts too",
        help_text="Unticked, transcripts and translations stay and can still be read, "
        "edited and downloaded; only the audio goes.",
    )


class EraseForm(forms.Form):
    confirmation = forms.CharField(
        max_length=200,
        label="Type the organization's name to confirm",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class OrganizationSettingsForm(forms.Form):
    """Name and transcription defaults; the choices are what this installation offers."""

    name = forms.CharField(max_length=120, label="Organization name")
    default_engine = forms.ChoiceField(
        required=False,
        label="Default model",
        help_text="Used when an upload or an API request does not choose one.",
    )
    default_language = forms.ChoiceField(
        required=False,
        label="Default language",
        help_text="The language most of your recordings are in. Requests that name "
        "a language (or ask for detection with language=auto) keep theirs.",
    )
    vocabulary = forms.CharField(
        required=False,
        label="Vocabulary",
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Hark, Kubernetes, Dr. Okonkwo"}),
        help_text="Names and terms every transcription listens for, separated by commas or "
        "new lines. Added to each upload's own vocabulary on models that take one.",
    )

    def __init__(
        self,
        *args: object,
        engines: list[tuple[str, str]],
        languages: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["default_engine"].choices = engines  # type: ignore[attr-defined]
        self.fields["default_language"].choices = languages  # type: ignore[attr-defined]

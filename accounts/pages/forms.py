from __future__ import annotations

from django import forms

from accounts.models import Role


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Key name",
        help_text="Say where it will be used, e.g. “Production server”.",
        widget=forms.TextInput(attrs={"placeholder": "Production server"}),
    )


class MemberAddForm(forms.Form):
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"placeholder": "name@company.com"})
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

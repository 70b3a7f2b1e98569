"""The tip-of-the-week form (network lead, analyst, administrator)."""

from __future__ import annotations

from django import forms

TIP_MAX = 1000


class TipForm(forms.Form):
    tip = forms.CharField(
        label="Tip of the week",
        help_text=f"Plain text, at most {TIP_MAX} characters; it goes into the weekly newsletter.",
        max_length=TIP_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

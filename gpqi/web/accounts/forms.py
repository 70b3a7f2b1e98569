"""Login and password forms with the NHS design system's input classes."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm


def _style(form) -> None:  # noqa: ANN001
    for field in form.fields.values():
        field.widget.attrs.setdefault("class", "nhsuk-input")


class NhsAuthenticationForm(AuthenticationForm):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        _style(self)
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class NhsPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        _style(self)

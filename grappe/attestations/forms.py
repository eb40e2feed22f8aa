"""Forms of the attestation pages: verify a pasted or uploaded attestation, revoke one."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.attestations.domain.signing import MAX_TOKEN_CHARS
from grappe.core.forms import CleanTextMixin

# An attestation file is a few kilobytes; anything much larger is not one.
MAX_FILE_BYTES = 256 * 1024


def token_from_text(text: str) -> str:
    """The compact JWS in an attestation file or pasted text: the JWS itself (line breaks
    ignored) or a JSON object with a `jws` member (the API's answer)."""
    text = text.strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return text
        if isinstance(document, dict) and isinstance(document.get("jws"), str):
            return str(document["jws"]).strip()
        return text
    return "".join(text.split())


class VerifyForm(CleanTextMixin, forms.Form):
    token = forms.CharField(
        label=_("Attestation (the signed text)"),
        required=False,
        max_length=MAX_TOKEN_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("Paste the signed attestation (three parts separated by dots), or upload it."),
    )
    file = forms.FileField(
        label=_("or the attestation file"),
        required=False,
        help_text=_("The .jws file downloaded from an attestation page, or its JSON."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is too large to be an attestation (at most %(max)d KB).")
                % {"max": MAX_FILE_BYTES // 1024}
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not text: it cannot be an attestation."))
                return data
        else:
            text = data.get("token") or ""
        if not text.strip():
            self.add_error("token", _("Paste an attestation or choose its file."))
            return data
        data["jws"] = token_from_text(text)
        return data


class RevokeForm(CleanTextMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the attestation's public page."),
        error_messages={"required": _("Say why the attestation is revoked.")},
    )

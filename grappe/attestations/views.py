"""Attestation pages: the public page of one attestation, its letter and signed file, the public
verification page, the published keys; revoking and issuing for the cluster's managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grappe.attestations import selectors, services
from grappe.attestations.domain.record import DECISION_LABELS, STATUS_LABELS, Decision
from grappe.attestations.forms import RevokeForm, VerifyForm
from grappe.attestations.letter import letter_pdf
from grappe.attestations.models import Attestation
from grappe.core.ratelimit import rate_limited
from grappe.core.scopes import scope_for
from grappe.projects.models import ParticipantRole

LETTER_LANGUAGES = ("fr", "en")


def _date(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso) if iso else None
    except (TypeError, ValueError):
        return None


def presented(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """A record in the reader's words: labels translated, dates as dates. None when it is not
    a record this version of Grappe reads (an altered one may be anything)."""
    if not isinstance(record, dict):
        return None
    try:
        roles = dict(ParticipantRole.choices)
        decision = record["decision"]
        return {
            "id": record["id"],
            "project": record["project"],
            "consortium": [
                {
                    "name": org["name"],
                    "role": roles.get(org["role"], org["role"]),
                    "identifiers": [(k.upper(), v) for k, v in org["identifiers"].items()],
                }
                for org in record["consortium"]
            ],
            "clusters": record["clusters"],
            "decision": _(DECISION_LABELS[Decision(decision["outcome"])]),
            "decided_on": _date(decision["date"]),
            "conditions": list(decision["conditions"]),
            "valid_from": _date(record["validity"]["from"]),
            "valid_until": _date(record["validity"]["until"]),
            "issuer": record["issuer"],
            "issued_at": record["issued_at"],
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _check_context(check: selectors.Check) -> dict[str, Any]:
    return {
        "check": check,
        "status": check.status.value,
        "status_label": _(STATUS_LABELS[check.status]),
        "reason": _(check.reason),
    }


def _attestation_or_404(request: HttpRequest, pk: Any) -> Attestation:
    try:
        return selectors.attestation_get(scope=scope_for(request.user), pk=pk)
    except Attestation.DoesNotExist as exc:
        raise Http404(_("No attestation with this address.")) from exc


@require_GET
def attestation_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    return _detail(request, _attestation_or_404(request, pk))


def _detail(
    request: HttpRequest,
    attestation: Attestation,
    *,
    revoke_form: RevokeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    check = selectors.attestation_check(attestation)
    can_manage = request.user.is_authenticated and services.may_manage(
        request.user, attestation.accreditation.cluster_id
    )
    context = {
        "attestation": attestation,
        "record": presented(attestation.record),
        "project": attestation.accreditation.project,
        "can_manage": can_manage,
        "revoke_form": revoke_form or (RevokeForm() if can_manage else None),
        "letter_languages": LETTER_LANGUAGES,
        **_check_context(check),
    }
    return render(request, "attestations/attestation_detail.html", context, status=status)


@require_GET
def attestation_letter(request: HttpRequest, pk: Any) -> HttpResponse:
    attestation = _attestation_or_404(request, pk)
    language = request.GET.get("lang") or (get_language() or "en")[:2]
    if language not in LETTER_LANGUAGES:
        return HttpResponse(
            _("The letter exists in French (lang=fr) and English (lang=en) only."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(letter_pdf(attestation, language), content_type="application/pdf")
    acronym = "".join(c for c in attestation.record["project"]["acronym"] if c.isalnum()) or "x"
    response["Content-Disposition"] = f'inline; filename="attestation-{acronym}-{language}.pdf"'
    return response


@require_GET
def attestation_file(request: HttpRequest, pk: Any) -> HttpResponse:
    """The signed attestation itself, to keep or to check offline (`grappe attestation verify`)."""
    attestation = _attestation_or_404(request, pk)
    response = HttpResponse(attestation.jws, content_type="application/jose")
    response["Content-Disposition"] = f'attachment; filename="attestation-{attestation.pk}.jws"'
    return response


def _is_post(request: HttpRequest) -> bool:
    return request.method == "POST"


@rate_limited("attestation_verify", when=_is_post)
def attestation_verify(request: HttpRequest) -> HttpResponse:
    """Anyone pastes or uploads an attestation; the answer says valid, revoked, expired,
    altered, unknown key or unknown attestation."""
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            check = selectors.token_check(form.cleaned_data["jws"])
            context |= _check_context(check)
            context["record"] = presented(check.record)
            context["attestation"] = check.attestation
        else:
            status = 422
    else:
        form = VerifyForm()
    context["form"] = form
    return render(request, "attestations/attestation_verify.html", context, status=status)


@login_required
@require_POST
def attestation_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    attestation = _attestation_or_404(request, pk)
    if not services.may_manage(request.user, attestation.accreditation.cluster_id):
        raise Http404(_("No attestation with this address."))
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _detail(request, attestation, revoke_form=form, status=422)
    try:
        services.attestation_revoke(
            attestation=attestation, reason=form.cleaned_data["reason"], actor=request.user
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return _detail(request, attestation, revoke_form=form, status=422)
    messages.success(request, _("The attestation is revoked."))
    return redirect("attestations:detail", pk=attestation.pk)


@login_required
@require_POST
def attestation_issue(request: HttpRequest, accreditation_pk: int) -> HttpResponse:
    """Issue the attestation of an accreditation (the cluster's managers, from the project
    page); a second click shows the first one."""
    accreditation = selectors.accreditation_find(pk=accreditation_pk)
    if accreditation is None or not services.may_manage(request.user, accreditation.cluster_id):
        raise Http404(_("No accreditation with this address, or you may not act on it."))
    try:
        attestation = services.attestation_issue(accreditation=accreditation, actor=request.user)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, "; ".join(getattr(error, "messages", [str(error)])))
        return redirect("project_detail", pk=accreditation.project_id)
    return redirect("attestations:detail", pk=attestation.pk)


@require_GET
def attestation_keys(request: HttpRequest) -> JsonResponse:
    """The published public keys (JWKS), current and retired: `/.well-known/...`."""
    response = JsonResponse(selectors.published_jwks())
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response

"""A call's payment plan, set up by its programme officer (`calls/<slug>/payments/`): start from
a ready-made plan (or the one in place), edit the tranches, save through
`services.payment_plan_set` (audited). Agreements drawn for the call copy the plan then."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grappe.core.scopes import scope_for
from grappe.funding.models import Call
from grappe.funding.selectors import call_for_manage
from grappe.grants import services
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.models import PaymentPlan
from grappe.grants.plan_form import PlanForm, field_name, initial_of


def _start(call: Call, key: str) -> tuple[str, dict[str, Any]]:
    """The plan to start from: a ready-made one asked for, else the call's, else the funder's
    default, else the first ready-made one."""
    if key in PLAN_DATA:
        return key, PLAN_DATA[key]
    own = PaymentPlan.objects.filter(call=call).first()
    if own is not None:
        return "own", own.data
    default = PaymentPlan.objects.filter(funder_id=call.funder_id, call__isnull=True).first()
    if default is not None:
        return "funder", default.data
    first = next(iter(PLAN_DATA))
    return first, PLAN_DATA[first]


def _rows(data: dict[str, Any]) -> int:
    return len(data.get("tranches", [])) + 1  # one empty row to add a tranche


@login_required
@require_http_methods(["GET", "POST"])
def call_payments(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        call = call_for_manage(scope=scope_for(request.user), slug=slug)
    except Call.DoesNotExist as exc:
        raise Http404(_("No call with this address.")) from exc
    source = request.POST.get("start") if request.method == "POST" else request.GET.get("start")
    key, base = _start(call, source or "")
    status = 200
    if request.method == "POST":
        asked = request.POST.get("rows", "")
        rows = min(max(int(asked) if asked.isdigit() else _rows(base), 1), 20)
        form = PlanForm(request.POST, rows=rows)
        if form.is_valid():
            data = form.plan_data(plan_id=call.slug, sources=list(base.get("sources", [])))
            if form.check_plan(data):
                try:
                    services.payment_plan_set(
                        actor=request.user, funder=call.funder, call=call, data=data
                    )
                except PermissionDenied as refusal:
                    form.add_error(None, str(refusal))
                    status = 403
                except ValidationError as error:
                    for path, errors in error.message_dict.items():
                        name = field_name(path.removeprefix("plan."))
                        for e in errors:
                            form.add_error(name if name in form.fields else None, e)
                else:
                    messages.success(request, _("The call's payment plan is saved."))
                    return redirect("grants:call_payments", slug=call.slug)
        if status == 200:
            status = 422
    else:
        form = PlanForm(initial=initial_of(base), rows=_rows(base))
    has_own = PaymentPlan.objects.filter(call=call).exists()
    context = {
        "call": call,
        "form": form,
        "start": key,
        "has_own": has_own,
        "ready_made": [(k, _(v["label"])) for k, v in PLAN_DATA.items()],
    }
    return render(request, "grants/call_payments.html", context, status=status)

"""Import pages: runs and their progress, rejected rows as CSV, member spreadsheets, merges."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from grappe.core.domain.roles import Action
from grappe.core.scopes import scope_for
from grappe.interop import selectors
from grappe.interop.members import members_commit, members_preview, template_csv
from grappe.interop.models import ImportSource, RunStatus
from grappe.interop.services import import_run_create, merge_confirm, merge_undo
from grappe.interop.tasks import import_file_task

MAX_UPLOAD = 50 * 1024 * 1024


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.can(Action.IMPORT_RUN_VIEW):
        raise PermissionDenied
    runs = selectors.import_run_list(user=request.user)[:100]
    return render(
        request,
        "interop/run_list.html",
        {"runs": runs, "can_upload": scope.can(Action.OPEN_DATA_IMPORT)},
    )


@login_required
@require_POST
def run_upload(request: HttpRequest) -> HttpResponse:
    """Administrators upload a CORDIS zip or an ANR CSV; the import runs as a background task."""
    if not scope_for(request.user).can(Action.OPEN_DATA_IMPORT):
        raise PermissionDenied
    source = request.POST.get("source", "")
    upload = request.FILES.get("file")
    if source not in {ImportSource.CORDIS, ImportSource.ANR} or upload is None:
        messages.error(request, _("Choose a source (CORDIS or ANR) and a file."))
        return redirect("interop:run_list")
    if upload.size and upload.size > MAX_UPLOAD:
        messages.error(request, _("The file is larger than 50 MB."))
        return redirect("interop:run_list")
    run = import_run_create(
        source=source, payload=upload.read(), file_name=upload.name or "", user=request.user
    )
    import_file_task.enqueue(run.pk)
    return redirect("interop:run_detail", pk=run.pk)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.import_run_get(user=request.user, pk=pk)
    rejected = run.rejected_rows.all()[:50]
    return render(
        request,
        "interop/run_detail.html",
        {
            "run": run,
            "rejected": rejected,
            "kinds": ("created", "updated", "unchanged", "rejected"),
            "in_progress": run.status in {RunStatus.QUEUED, RunStatus.RUNNING},
        },
    )


@login_required
def run_rejected_csv(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.import_run_get(user=request.user, pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejected.csv"'
    writer = csv.writer(response)
    writer.writerow(["file", "line", "reason", "raw"])
    for row in run.rejected_rows.order_by("file_name", "line", "pk").iterator():
        writer.writerow([row.file_name, row.line, row.reason, row.raw])
    return response


def member_template(request: HttpRequest, slug: str) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="grappe-members-template.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def member_upload(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = selectors.cluster_for_member_import(user=request.user, slug=slug)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV or XLSX file."))
        elif upload.size and upload.size > MAX_UPLOAD:
            messages.error(request, _("The file is larger than 50 MB."))
        else:
            run = import_run_create(
                source=ImportSource.MEMBERS,
                payload=upload.read(),
                file_name=upload.name or "members.csv",
                user=request.user,
                cluster=cluster,
            )
            run.status = RunStatus.PREVIEWED
            run.save(update_fields=["status"])
            return redirect("interop:member_preview", slug=cluster.slug, pk=run.pk)
    return render(request, "interop/member_upload.html", {"cluster": cluster})


@login_required
@require_http_methods(["GET", "POST"])
def member_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cluster = selectors.cluster_for_member_import(user=request.user, slug=slug)
    run = selectors.import_run_get(user=request.user, pk=pk)
    if run.cluster_id != cluster.pk or run.source != ImportSource.MEMBERS:
        raise Http404("No such import")
    if request.method == "POST":
        if run.status != RunStatus.PREVIEWED:
            messages.error(request, _("This spreadsheet was already imported."))
        else:
            run = members_commit(run, user=request.user)
            if run.status == RunStatus.SUCCEEDED:
                messages.success(request, _("The members were imported."))
            else:
                messages.error(request, run.error)
        return redirect("interop:run_detail", pk=run.pk)
    preview = members_preview(run) if run.status == RunStatus.PREVIEWED else None
    return render(
        request,
        "interop/member_preview.html",
        {"cluster": cluster, "run": run, "preview": preview},
    )


@login_required
def merge_list(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).can(Action.MERGE_DECIDE):
        raise PermissionDenied
    proposals = selectors.merge_proposal_list(user=request.user)[:200]
    return render(request, "interop/merge_list.html", {"proposals": proposals})


@login_required
@require_POST
def merge_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.merge_proposal_list(user=request.user).filter(pk=pk).first()
    if proposal is None:
        raise Http404("No such proposal")
    try:
        if request.POST.get("action") == "undo":
            merge_undo(proposal=proposal, user=request.user)
            messages.success(request, _("The merge was undone."))
        else:
            merge_confirm(proposal=proposal, user=request.user)
            messages.success(request, _("The organisations were merged."))
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect("interop:merge_list")

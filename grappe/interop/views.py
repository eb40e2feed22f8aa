"""Import pages: runs and their progress, rejected rows as CSV, member spreadsheets, a funder's
funding lines and its unmatched lines, merges."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from grappe.core.domain.roles import Action
from grappe.core.exports import Column, csv_response
from grappe.core.limits import upload_limit
from grappe.core.lists import html_export, html_filterset, html_list, list_response
from grappe.core.ratelimit import has_query, rate_limited
from grappe.core.scopes import scope_for
from grappe.interop import selectors
from grappe.interop.domain.readers import ENCODINGS
from grappe.interop.filters import (
    MERGE_PROPOSAL_EXPORT,
    UNMATCHED_LINE_EXPORT,
    MergeProposalFilterSet,
    UnmatchedLineFilterSet,
)
from grappe.interop.funding_lines import (
    funding_lines_commit,
    funding_lines_preview,
    funding_lines_template,
)
from grappe.interop.importers import (
    NOTE_EU_LINE_UNDATED,
    NOTE_PARENT_ONLY,
    NOTE_PARENT_WITH_LAB,
    NOTE_SIREN_IN_RNSR,
)
from grappe.interop.members import LIMITS as MEMBER_LIMITS
from grappe.interop.members import members_commit, members_preview, template_csv
from grappe.interop.models import ImportSource, MergeProposal, RunStatus
from grappe.interop.services import (
    import_run_create,
    import_run_read_as,
    merge_confirm,
    merge_reject,
    merge_undo,
)
from grappe.interop.tasks import import_file_task
from grappe.projects.models import Participation

MAX_UPLOAD = 50 * 1024 * 1024
# Machine-readable headers, kept stable across languages.
REJECTED_COLUMNS = (
    Column("file", lambda r: r.file_name),
    Column("line", lambda r: r.line),
    Column("reason", lambda r: r.reason_text),
    Column("raw", lambda r: r.raw),
)


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


@upload_limit(lambda: settings.UPLOAD_MAX_BODY_BYTES)
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


# The run report's row keys (ImportRun.counts, written by the importers in English) and the
# labels the page shows for them; an unknown key is shown as it is.
COUNT_LABELS: dict[str, Any] = {
    "alias": gettext_lazy("Aliases"),
    "change_proposal": gettext_lazy("Change proposals"),
    "funding_line": gettext_lazy("Funding lines"),
    "membership": gettext_lazy("Memberships"),
    "merge_proposal": gettext_lazy("Merge proposals"),
    "organisation": gettext_lazy("Organisations"),
    "participation": gettext_lazy("Participations"),
    "project": gettext_lazy("Projects"),
    "project_status": gettext_lazy("Project statuses"),
    "unmatched_line": gettext_lazy("Unmatched lines"),
    NOTE_EU_LINE_UNDATED: gettext_lazy(
        "Note: EU contribution of a project without signature or start date"
    ),
    NOTE_SIREN_IN_RNSR: gettext_lazy("Note: SIREN found in the RNSR column, moved to SIREN"),
    NOTE_PARENT_WITH_LAB: gettext_lazy(
        "Note: institution named with a lab's RNSR, row given to the lab"
    ),
    NOTE_PARENT_ONLY: gettext_lazy(
        "Note: institution named with an RNSR never named otherwise, RNSR left out"
    ),
}


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.import_run_get(user=request.user, pk=pk)
    rejected = run.rejected_rows.all()[:50]
    counts = [(COUNT_LABELS.get(key, key), values) for key, values in run.counts.items()]
    return render(
        request,
        "interop/run_detail.html",
        {
            "run": run,
            "rejected": rejected,
            "counts": counts,
            "in_progress": run.status in {RunStatus.QUEUED, RunStatus.RUNNING},
        },
    )


@login_required
def run_rejected_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    run = selectors.import_run_get(user=request.user, pk=pk)
    # The raw line is whatever the uploaded file held: the export neutralises formulas in it.
    return csv_response(
        f"import-{run.pk}-rejected",
        REJECTED_COLUMNS,
        run.rejected_rows.order_by("file_name", "line", "pk").iterator(),
    )


def member_template(request: HttpRequest, slug: str) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="grappe-members-template.csv"'
    return response


# --- spreadsheets (member sheets, funding lines): upload, preview, commit -----------------------


def _upload_problem(request: HttpRequest, upload: Any) -> bool:
    """Say what is wrong with an uploaded spreadsheet before anything is stored."""
    if upload is None:
        messages.error(request, _("Choose a CSV or XLSX file."))
        return True
    if upload.size and upload.size > MEMBER_LIMITS.max_bytes:
        messages.error(
            request,
            _("The file is larger than the limit of %(limit)s MB.")
            % {"limit": MEMBER_LIMITS.max_bytes // (1024 * 1024)},
        )
        return True
    return False


def _sheet_upload(request: HttpRequest, *, source: str, default_name: str, **owner: Any) -> Any:
    """Store a posted spreadsheet as a previewed run of its cluster or funder (`owner`); None
    when the upload was refused (the message says why)."""
    upload = request.FILES.get("file")
    if _upload_problem(request, upload) or upload is None:
        return None
    run = import_run_create(
        source=source,
        payload=upload.read(),
        file_name=upload.name or default_name,
        user=request.user,
        **owner,
    )
    run.status = RunStatus.PREVIEWED
    run.save(update_fields=["status"])
    return run


def _sheet_preview(
    request: HttpRequest,
    run: Any,
    *,
    preview: Callable[[Any], Any],
    commit: Callable[..., Any],
    done: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """GET: what a commit would do (nothing written); POST: commit once, then the run's page."""
    if request.method == "POST" and "encoding" in request.POST:
        if run.status == RunStatus.PREVIEWED and request.POST["encoding"] in ENCODINGS:
            import_run_read_as(run=run, encoding=request.POST["encoding"], user=request.user)
        else:
            messages.error(request, _("This file cannot be read that way."))
        return redirect(request.path)
    if request.method == "POST":
        if run.status != RunStatus.PREVIEWED:
            messages.error(request, _("This spreadsheet was already imported."))
        else:
            run = commit(run, user=request.user)
            if run.status == RunStatus.SUCCEEDED:
                messages.success(request, done)
            else:
                messages.error(request, run.error)
        return redirect("interop:run_detail", pk=run.pk)
    shown = preview(run) if run.status == RunStatus.PREVIEWED else None
    return render(request, template, {**context, "run": run, "preview": shown})


@upload_limit(lambda: settings.UPLOAD_MAX_BODY_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def member_upload(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = selectors.cluster_for_member_import(user=request.user, slug=slug)
    if request.method == "POST":
        run = _sheet_upload(
            request, source=ImportSource.MEMBERS, default_name="members.csv", cluster=cluster
        )
        if run is not None:
            return redirect("interop:member_preview", slug=cluster.slug, pk=run.pk)
    return render(
        request, "interop/member_upload.html", {"cluster": cluster, "limits": MEMBER_LIMITS}
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cluster = selectors.cluster_for_member_import(user=request.user, slug=slug)
    run = selectors.import_run_get(user=request.user, pk=pk)
    if run.cluster_id != cluster.pk or run.source != ImportSource.MEMBERS:
        raise Http404("No such import")
    return _sheet_preview(
        request,
        run,
        preview=members_preview,
        commit=members_commit,
        done=_("The members were imported."),
        template="interop/member_preview.html",
        context={"cluster": cluster},
    )


@login_required
def funding_template(request: HttpRequest, slug: str) -> HttpResponse:
    selectors.funder_for_funding_import(user=request.user, slug=slug)
    response = HttpResponse(funding_lines_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="grappe-funding-lines-template.csv"'
    return response


@upload_limit(lambda: settings.UPLOAD_MAX_BODY_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def funding_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """A funder's officers upload its funding lines; the next page previews them."""
    funder = selectors.funder_for_funding_import(user=request.user, slug=slug)
    if request.method == "POST":
        run = _sheet_upload(
            request,
            source=ImportSource.FUNDING_LINES,
            default_name="funding-lines.csv",
            funder=funder,
        )
        if run is not None:
            return redirect("interop:funding_preview", slug=funder.slug, pk=run.pk)
    return render(
        request, "interop/funding_upload.html", {"funder": funder, "limits": MEMBER_LIMITS}
    )


@login_required
@require_http_methods(["GET", "POST"])
def funding_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    funder = selectors.funder_for_funding_import(user=request.user, slug=slug)
    run = selectors.import_run_get(user=request.user, pk=pk)
    if run.funder_id != funder.pk or run.source != ImportSource.FUNDING_LINES:
        raise Http404("No such import")
    return _sheet_preview(
        request,
        run,
        preview=funding_lines_preview,
        commit=funding_lines_commit,
        done=_("The funding lines were imported."),
        template="interop/funding_preview.html",
        context={"funder": funder},
    )


@login_required
@rate_limited("search", when=has_query)
def funding_unmatched(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    """The funder's lines kept unmatched, with why; filtered, sorted, paginated, exported."""
    funder = selectors.funder_for_funding_import(user=request.user, slug=slug)
    filterset = html_filterset(
        UnmatchedLineFilterSet,
        request,
        selectors.unmatched_funding_lines(user=request.user, funder=funder),
    )
    export = html_export(
        filterset, request, filename=f"{funder.slug}-unmatched", columns=UNMATCHED_LINE_EXPORT
    )
    if export is not None:
        return export
    listing = html_list(filterset, request)
    return render(
        request,
        "interop/funding_unmatched.html",
        {"funder": funder, "form": listing.form, "listing": listing},
    )


def _merge_evidence(qs: QuerySet[MergeProposal]) -> QuerySet[MergeProposal]:
    """The side-by-side evidence of a page of proposals: aliases and projects of each side."""

    def projects(side: str) -> Any:
        rows = Participation.objects.filter(organisation=OuterRef(side)).order_by()
        return Subquery(
            rows.values("organisation").annotate(n=Count("project", distinct=True)).values("n")[:1]
        )

    return (
        qs.select_related("keep", "duplicate", "run", "decided_by")
        .prefetch_related("keep__aliases", "duplicate__aliases")
        .annotate(keep_projects=projects("keep_id"), duplicate_projects=projects("duplicate_id"))
    )


@login_required
@rate_limited("search", when=has_query)
def merge_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The review queue: filtered, sorted and paginated (grappe.core.lists), with decisions."""
    if not scope_for(request.user).can(Action.MERGE_DECIDE):
        raise PermissionDenied
    return list_response(
        request,
        MergeProposalFilterSet,
        selectors.merge_proposal_list(user=request.user),
        template="interop/merge_list.html",
        filename="merge-proposals",
        columns=MERGE_PROPOSAL_EXPORT,
        prepare=_merge_evidence,
    )


def _decide(request: HttpRequest, proposal: MergeProposal, action: str) -> bool:
    """Apply one decision (merge, reject with the form's reason, undo); report refusals."""
    try:
        if action == "undo":
            merge_undo(proposal=proposal, user=request.user)
        elif action == "reject":
            merge_reject(
                proposal=proposal, user=request.user, reason=request.POST.get("reason", "")
            )
        elif action == "merge":
            merge_confirm(proposal=proposal, user=request.user)
        else:
            messages.error(request, _("Choose merge, reject or undo."))
            return False
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", None) or [str(exc)]:
            messages.error(request, f"#{proposal.pk}: {message}")
        return False
    return True


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Back to the list with its filters (a relative query string only, never another site)."""
    query = request.POST.get("next", "")
    if query.startswith("?") and "//" not in query:
        return redirect(reverse("interop:merge_list") + query)
    return redirect("interop:merge_list")


@login_required
@require_POST
def merge_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.merge_proposal_list(user=request.user).filter(pk=pk).first()
    if proposal is None:
        raise Http404("No such proposal")
    action = request.POST.get("action", "")
    if _decide(request, proposal, action):
        messages.success(
            request,
            {
                "undo": _("The merge was undone."),
                "reject": _("The proposal was rejected: the pair will not be proposed again."),
            }.get(action, _("The organisations were merged.")),
        )
    return _back_to_list(request)


@login_required
@require_POST
def merge_bulk(request: HttpRequest) -> HttpResponse:
    """Merge or reject the ticked proposals (one transaction each; refusals are listed)."""
    if not scope_for(request.user).can(Action.MERGE_DECIDE):
        raise PermissionDenied
    action = request.POST.get("action", "")
    ids = [int(v) for v in request.POST.getlist("proposal") if v.isdigit()][:500]
    if action not in {"merge", "reject"} or not ids:
        messages.error(request, _("Tick at least one proposal, then choose merge or reject."))
        return _back_to_list(request)
    done = 0
    for proposal in selectors.merge_proposal_list(user=request.user).filter(pk__in=ids):
        done += _decide(request, proposal, action)
    if done:
        messages.success(
            request,
            ngettext("%(count)d proposal was decided.", "%(count)d proposals were decided.", done)
            % {"count": done},
        )
    return _back_to_list(request)

"""Back office for projects, their consortium, budget lines, funding lines and accreditations.

Projects, partners and budget lines are written by the project services (scope checked, audited
there); a project's status is set when it is created and then only by its workflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grappe.core.actors import Actor
from grappe.core.admin import AuditedModelAdmin
from grappe.core.adminkit import ServiceModelAdmin, adopt, form_changes, form_values
from grappe.core.backoffice import ReadOnlyScopedAdmin, ScopedTabularInline
from grappe.core.concurrency import EDIT_TOKEN_FIELD
from grappe.core.domain.workflow import ObjectRole
from grappe.core.models import Transition
from grappe.core.templatetags.grappe_ui import moment
from grappe.projects import services
from grappe.projects.domain.workflow import PROJECT_WORKFLOWS
from grappe.projects.forms import ProjectTransitionForm
from grappe.projects.models import (
    Accreditation,
    BudgetLine,
    ClusterSubmission,
    FundingLine,
    ParticipantRole,
    Participation,
    PartnerInvitation,
    Project,
    ProposalDocument,
    ProposalMessage,
)
from grappe.projects.services import (
    TransitionRefused,
    project_offered_transitions,
    project_transition,
)

# Django's admin and form classes take no type arguments at run time: subscripted for mypy only.
if TYPE_CHECKING:
    _InlineFormSet = BaseInlineFormSet[Any, Any, Any]  # a base for several inlines
else:
    _InlineFormSet = BaseInlineFormSet


class AtMostOneFormSet(_InlineFormSet):
    """Checks a conditional unique constraint (one coordinator, one lead cluster) across the rows
    of one submission, which Django's formset validation does not, so that it fails as a form
    error rather than as an integrity error."""

    flag_field = ""
    flag_value: Any = True
    message: Any = ""

    def clean(self) -> None:
        super().clean()
        flagged = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get(self.flag_field) == self.flag_value
        ]
        if len(flagged) > 1:
            raise ValidationError(self.message)


class ParticipationFormSet(AtMostOneFormSet):
    flag_field = "role"
    flag_value = ParticipantRole.COORDINATOR
    message = _("A project has exactly one coordinator: mark only one partner as coordinator.")


class AccreditationFormSet(AtMostOneFormSet):
    flag_field = "is_lead"
    message = _("A project has one lead cluster: tick “lead cluster” on one accreditation only.")


class ParticipationInline(ScopedTabularInline):
    model = Participation
    formset = ParticipationFormSet
    extra = 0
    fields = ("display_order", "organisation", "role")
    autocomplete_fields = ("organisation",)
    show_change_link = True  # budget and funding lines are edited on the participation

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # `str(participation)` (the row title) reads both.
        return super().get_queryset(request).select_related("project", "organisation")


class AccreditationInline(ScopedTabularInline):
    model = Accreditation
    formset = AccreditationFormSet
    extra = 0
    fields = ("cluster", "is_lead", "accredited_on")
    autocomplete_fields = ("cluster",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("cluster")


# --- writes through the services -------------------------------------------------------------


def partner_save(actor: Actor, obj: Participation, changed: list[str] | None) -> Participation:
    figures = {f: getattr(obj, f) for f in ("eu_contribution", "net_eu_contribution", "total_cost")}
    if changed is None:
        return services.partner_add(
            actor=actor,
            project=obj.project,
            organisation_id=obj.organisation_id,
            role=obj.role,
            display_order=obj.display_order,
            reason="back office",
            **figures,
        )
    fields = {"organisation": "organisation_id"}
    changes = {fields.get(n, n): getattr(obj, fields.get(n, n)) for n in changed}
    return services.partner_update(actor=actor, participation=obj, reason="back office", **changes)


def partner_remove(actor: Actor, obj: Participation) -> None:
    services.partner_remove(
        actor=actor, participation=Participation.objects.get(pk=obj.pk), reason="back office"
    )


def _budget(participation: Participation) -> dict[tuple[str, str], Any]:
    return {
        (line.cost_category, line.research_category): line.amount
        for line in BudgetLine.objects.filter(participation=participation)
    }


def budget_save(
    actor: Actor,
    participation: Participation,
    *,
    removed: list[BudgetLine] = (),  # type: ignore[assignment]
    saved: list[BudgetLine] = (),  # type: ignore[assignment]
) -> list[BudgetLine]:
    """The participation's budget with these lines removed (by their stored key) and these
    saved: one `budget_lines_set` call for a whole form."""
    lines = _budget(participation)
    stored = {
        line.pk: (line.cost_category, line.research_category)
        for line in BudgetLine.objects.filter(pk__in=[x.pk for x in [*removed, *saved] if x.pk])
    }
    for line in [*removed, *saved]:
        if line.pk in stored:
            lines.pop(stored[line.pk], None)
    for line in saved:
        lines[(line.cost_category, line.research_category)] = line.amount
    return services.budget_lines_set(
        actor=actor, participation=participation, lines=lines, reason="back office"
    )


def _find(lines: list[BudgetLine], line: BudgetLine) -> BudgetLine:
    return next(
        x
        for x in lines
        if (x.cost_category, x.research_category) == (line.cost_category, line.research_category)
    )


@admin.register(Project)
class ProjectAdmin(ServiceModelAdmin):
    list_display = (
        "acronym",
        "title",
        "status",
        "start_date",
        "duration_months",
        "coordinator",
        "partner_count",
        "is_demo",
    )
    list_filter = ("status", "is_demo", "accreditations__cluster")
    search_fields = ("acronym", "title", "keywords", "participations__organisation__name")
    date_hierarchy = "start_date"
    inlines = (ParticipationInline, AccreditationInline)
    # The status changes only through the workflow (the "Change the status" page below).
    readonly_fields = ("status", "workflow", "workflow_version", "status_history")

    @admin.display(description=_("status history"))
    def status_history(self, obj: Any) -> str:
        if obj is None or not obj.pk:
            return gettext("A new project starts as a draft.")
        workflow = PROJECT_WORKFLOWS.get(obj.workflow_version)
        rows = [
            (
                moment(row.created_at),  # Paris time, the page's language
                gettext(workflow.transitions[row.transition].label),
                row.actor or gettext("import"),
                gettext(ObjectRole(row.acting_role).label),
                row.reason,
            )
            for row in Transition.objects.filter(
                content_type=ContentType.objects.get_for_model(Project), object_id=obj.pk
            ).select_related("actor")
        ]
        link = format_html(
            '<p><a class="button" href="{}">{}</a></p>',
            reverse("admin:projects_project_transition", args=[obj.pk]),
            gettext("Change the status…"),
        )
        if not rows:
            return link
        items = format_html_join("", "<li>{} — {} — {} ({}) {}</li>", rows)
        return format_html("<ul>{}</ul>{}", items, link)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="projects_project_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Offer the transitions the user's roles allow on this project; fire one through
        `project_transition` (which checks everything again)."""
        project = self.get_queryset(request).filter(pk=object_id).first()
        if project is None:
            raise Http404(gettext("No project with this id."))
        if not self.has_view_or_change_permission(request, project):
            raise PermissionDenied
        form = ProjectTransitionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                project_transition(
                    actor=request.user,
                    project=project,
                    transition=form.cleaned_data["transition"],
                    reason=form.cleaned_data["reason"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except TransitionRefused as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Done: the project is now “%(state)s”.")
                    % {"state": project.get_status_display()},
                    messages.SUCCESS,
                )
                return redirect("admin:projects_project_change", project.pk)
        offered = project_offered_transitions(actor=request.user, project=project)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Change the status of %(project)s") % {"project": project.acronym},
            "opts": self.model._meta,
            "original": project,
            "offered": offered,
        }
        return TemplateResponse(request, "admin/projects/project/transition.html", context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        coordinator = Participation.objects.filter(
            project=OuterRef("pk"), role=ParticipantRole.COORDINATOR
        ).values("organisation__name")[:1]
        partners = (
            Participation.objects.filter(project=OuterRef("pk"))
            .order_by()
            .values("project")
            .annotate(n=Count("pk"))
            .values("n")
        )
        # Correlated subqueries, not a join with GROUP BY: the changelist's counts and its
        # date hierarchy leave them out (on 24,800 projects: 404 -> see the commit).
        projects: QuerySet[Any] = (
            super()
            .get_queryset(request)
            .annotate(
                coordinator_name=Subquery(coordinator),
                partners=Coalesce(Subquery(partners), 0),
            )
        )
        return projects

    def service_create(self, request: HttpRequest, obj: Any, form: Any) -> models.Model:
        return services.project_create(
            actor=request.user, reason="back office", **form_values(form, obj)
        )

    def service_update(self, request: HttpRequest, obj: Any, form: Any) -> None:
        adopt(
            obj,
            services.project_update(
                actor=request.user,
                project=obj,
                reason="back office",
                expected_token=form.cleaned_data.get(EDIT_TOKEN_FIELD),
                **form_changes(form, obj),
            ),
        )

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        services.project_delete(actor=request.user, project=obj, reason="back office")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Participation:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            formset.save(commit=False)
            for obj in formset.deleted_objects:
                partner_remove(request.user, obj)
            # a coordinator that changes hands: the one stepping down first
            changed = sorted(formset.changed_objects, key=lambda c: c[0].role == "coordinator")
            for obj, fields in changed:
                partner_save(request.user, obj, list(fields))
            for obj in formset.new_objects:
                adopt(obj, partner_save(request.user, obj, None))

    # projects without a coordinator last, on both databases (their NULLs sort apart)
    @admin.display(
        description=_("coordinator"), ordering=F("coordinator_name").asc(nulls_last=True)
    )
    def coordinator(self, obj: Any) -> str:
        return obj.coordinator_name or "—"

    @admin.display(description=_("partners"), ordering="partners")
    def partner_count(self, obj: Any) -> int:
        return int(obj.partners)


class BudgetLineInline(ScopedTabularInline):
    model = BudgetLine
    extra = 0
    fields = ("research_category", "cost_category", "amount")


class FundingLineInline(ScopedTabularInline):
    model = FundingLine
    extra = 0
    fields = ("funder", "requested", "granted", "decided_on")
    autocomplete_fields = ("funder",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("funder")


@admin.register(Participation)
class ParticipationAdmin(ServiceModelAdmin):
    list_display = ("project", "organisation", "role", "display_order")
    list_filter = ("role", "organisation__kind", "project__status")
    search_fields = ("project__acronym", "project__title", "organisation__name")
    autocomplete_fields = ("project", "organisation")
    list_select_related = ("project", "organisation")
    inlines = (BudgetLineInline, FundingLineInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # `str(participation)` reads both; autocomplete lists use this queryset too.
        return super().get_queryset(request).select_related("project", "organisation")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("project",) if obj is not None else ()  # a partner moves by remove and add

    def service_create(self, request: HttpRequest, obj: Any, form: Any) -> models.Model:
        return partner_save(request.user, obj, None)

    def service_update(self, request: HttpRequest, obj: Any, form: Any) -> None:
        adopt(obj, partner_save(request.user, obj, list(form.changed_data)))

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        partner_remove(request.user, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not BudgetLine:
            super().save_formset(request, form, formset, change)
            return
        with transaction.atomic():
            formset.save(commit=False)
            saved = [obj for obj, _fields in formset.changed_objects] + formset.new_objects
            budget_save(request.user, form.instance, removed=formset.deleted_objects, saved=saved)


@admin.register(BudgetLine)
class BudgetLineAdmin(ServiceModelAdmin):
    list_display = ("participation", "research_category", "cost_category", "amount")
    list_filter = ("research_category", "cost_category")
    search_fields = ("participation__project__acronym", "participation__organisation__name")
    autocomplete_fields = ("participation",)
    list_select_related = ("participation__project", "participation__organisation")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("participation",) if obj is not None else ()

    def service_create(self, request: HttpRequest, obj: Any, form: Any) -> models.Model:
        return _find(budget_save(request.user, obj.participation, saved=[obj]), obj)

    def service_update(self, request: HttpRequest, obj: Any, form: Any) -> None:
        adopt(obj, _find(budget_save(request.user, obj.participation, saved=[obj]), obj))

    def service_delete(self, request: HttpRequest, obj: Any) -> None:
        budget_save(request.user, obj.participation, removed=[obj])


@admin.register(FundingLine)
class FundingLineAdmin(AuditedModelAdmin):
    list_display = ("participation", "funder", "requested", "granted", "decided_on")
    list_filter = ("funder", ("granted", admin.EmptyFieldListFilter))
    search_fields = ("participation__project__acronym", "participation__organisation__name")
    autocomplete_fields = ("participation", "funder")
    list_select_related = ("participation__project", "participation__organisation", "funder")
    date_hierarchy = "decided_on"


@admin.register(Accreditation)
class AccreditationAdmin(AuditedModelAdmin):
    list_display = ("project", "cluster", "is_lead", "accredited_on")
    list_filter = ("cluster", "is_lead")
    search_fields = ("project__acronym", "project__title", "cluster__name")
    autocomplete_fields = ("project", "cluster")
    list_select_related = ("project", "cluster")
    date_hierarchy = "accredited_on"


@admin.register(ClusterSubmission)
class ClusterSubmissionAdmin(ReadOnlyScopedAdmin):
    """Submissions are written only by the submission services (`project_submit`,
    `submission_withdraw`, `submission_decide`): the back office reads them."""

    list_display = ("project", "cluster", "is_lead", "submitted_at", "withdrawn_at", "decided_at")
    list_filter = ("cluster", "is_lead")
    search_fields = ("project__acronym", "project__title", "cluster__name")
    list_select_related = ("project", "cluster")
    readonly_fields = (
        "project",
        "cluster",
        "is_lead",
        "statement",
        "submitted_by",
        "submitted_at",
        "withdrawn_at",
        "decided_at",
    )
    fields = readonly_fields


@admin.register(PartnerInvitation)
class PartnerInvitationAdmin(ReadOnlyScopedAdmin):
    """Invitations are written only by `invitation_create` / `invitation_transition`."""

    list_display = ("project", "organisation", "status", "invited_by", "created_at")
    list_filter = ("status",)
    search_fields = ("project__acronym", "organisation__name")
    list_select_related = ("project", "organisation", "invited_by")


@admin.register(ProposalDocument)
class ProposalDocumentAdmin(ReadOnlyScopedAdmin):
    """A proposal's documents (written by `document_add`); the file itself is served only to
    the consortium, from the project's page."""

    list_display = ("project", "title", "file_name", "size")
    search_fields = ("project__acronym", "title", "file_name")
    list_select_related = ("project",)
    fields = ("project", "title", "file_name", "size", "sha256")


@admin.register(ProposalMessage)
class ProposalMessageAdmin(ReadOnlyScopedAdmin):
    """A proposal's discussion (written by `message_post`)."""

    list_display = ("project", "author", "created_at")
    search_fields = ("project__acronym", "body")
    list_select_related = ("project", "author")

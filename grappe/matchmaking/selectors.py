"""Reads of the matchmaking app: ranked, explained partner suggestions, always scoped.

Every suggestion reads the newest stored `PartnerIndex`, built from public projects only (see
`models.PartnerIndex`): what a suggestion says is what anyone may see on the public pages. The
consortium-completion suggestions of a proposal are asked for by its insiders only (the project
selectors' answer) and start from the consortium they may see.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from grappe.core.domain.roles import Action, Target
from grappe.core.domain.scope import Scope
from grappe.matchmaking.domain.model import (
    COMPANY,
    OTHER,
    PUBLIC,
    RESEARCH,
    Explanation,
    PartnerModel,
)
from grappe.matchmaking.domain.store import model_load
from grappe.matchmaking.models import PartnerIndex
from grappe.projects.models import ParticipantRole, Project
from grappe.projects.selectors import project_consortium, project_is_insider
from grappe.registry.domain.vocabulary import OrganisationKind
from grappe.registry.models import Organisation
from grappe.registry.selectors import organisations_with_current_clusters

MAX_SUGGESTIONS = 50

_MISSING_TYPE = {  # marked here, translated where shown
    RESEARCH: gettext_noop("Research organisation: the consortium has none"),
    COMPANY: gettext_noop("Company: the consortium has none"),
    PUBLIC: gettext_noop("Public body: the consortium has none"),
    OTHER: gettext_noop("Association or other kind of partner: the consortium has none"),
}

_loaded: dict[str, tuple[tuple[int, object], PartnerModel]] = {}
_lock = threading.Lock()


def partner_model() -> PartnerModel | None:
    """The newest stored index, loaded once per process (one small query per call)."""
    latest = PartnerIndex.objects.order_by("-id").values_list("pk", "created_at").first()
    if latest is None:
        return None
    key = (latest[0], latest[1])
    cached = _loaded.get("model")
    if cached is not None and cached[0] == key:
        return cached[1]
    with _lock:
        data = PartnerIndex.objects.filter(pk=key[0]).values_list("data", flat=True).first()
        if data is None:
            return cached[1] if cached else None
        model = model_load(bytes(data))
        _loaded["model"] = (key, model)
        return model


@dataclass
class Suggestion:
    organisation: Organisation
    score: float
    reasons: list[str] = field(default_factory=list)


def _fit_reasons(why: Explanation, org: Organisation, acronyms: dict[str, str]) -> list[str]:
    reasons: list[str] = []
    if why.partners_met:
        n, m = len(why.partners_met), len(why.shared_projects)
        reasons.append(
            ngettext(
                "Worked with %(partners)d of your partners on %(projects)d project",
                "Worked with %(partners)d of your partners on %(projects)d projects",
                m,
            )
            % {"partners": n, "projects": m}
        )
    if why.matching_projects:
        names = sorted(acronyms[p] for p in why.matching_projects if p in acronyms)
        reasons.append(
            _("Projects matching your text: %(projects)s") % {"projects": ", ".join(names)}
        )
    if why.missing_type:
        reasons.append(_(_MISSING_TYPE[why.missing_type]))
    if why.same_city:
        reasons.append(
            ngettext(
                "In the same city as %(count)d of your partners",
                "In the same city as %(count)d of your partners",
                why.same_city,
            )
            % {"count": why.same_city}
        )
    reasons.extend(_profile_reasons(org))
    return reasons


def _profile_reasons(org: Organisation) -> list[str]:
    reasons = [
        _("Member of cluster %(cluster)s") % {"cluster": m.cluster.name}
        for m in getattr(org, "current_memberships", [])
    ]
    if org.in_paris and org.kind in (OrganisationKind.SME, OrganisationKind.START_UP):
        reasons.append(_("SME in Paris"))
    return reasons


def _organisations(ids: Sequence[str]) -> dict[str, Organisation]:
    qs = organisations_with_current_clusters(
        Organisation.objects.filter(pk__in=[int(i) for i in ids])
    )
    return {str(o.pk): o for o in qs}


def _allowed(model: PartnerModel, queryset: QuerySet[Organisation]) -> np.ndarray:
    mask = np.zeros(len(model.org_ids), dtype=bool)
    for pk in queryset.values_list("pk", flat=True).iterator(chunk_size=10_000):
        i = model.org_index.get(str(pk))
        if i is not None:
            mask[i] = True
    return mask


# How many of the best-ranked organisations a filter is first asked about (one `pk IN` query);
# when fewer than asked for pass, the filter is selective and its ids are read instead.
FILTER_HEAD = 400


def _ranked(
    model: PartnerModel,
    known: Sequence[str],
    text: str,
    limit: int,
    allowed: QuerySet[Organisation] | None,
) -> list[tuple[str, float]]:
    """The best `limit` organisations that pass the filter `allowed`, best first — the same
    answer as ranking only the filtered organisations, without reading every id the filter lets
    through: the filter is asked about the head of the ranking first."""
    if allowed is None:
        order, score = model.ordered(known, text, head=limit)
        kept = order.tolist()
    else:
        order, score = model.ordered(known, text, head=FILTER_HEAD)
        head = order.tolist()
        passing = {
            str(pk)
            for pk in allowed.filter(pk__in=[int(model.org_ids[i]) for i in head]).values_list(
                "pk", flat=True
            )
        }
        kept = [i for i in head if model.org_ids[i] in passing][:limit]
        if len(kept) < limit and len(head) == FILTER_HEAD:
            # a selective filter: few ids pass it, read them and rank those only
            mask = _allowed(model, allowed)
            kept = model.ordered(known, allowed=mask, head=limit, score=score)[0].tolist()
    return [(model.org_ids[i], float(score[i])) for i in kept]


def _suggest(
    model: PartnerModel,
    known: Sequence[str],
    text: str,
    limit: int,
    allowed: QuerySet[Organisation] | None = None,
) -> list[Suggestion]:
    ranked = _ranked(model, known, text, limit, allowed)
    orgs = _organisations([o for o, _s in ranked])
    shown = [o for o, _s in ranked if o in orgs]
    whys = dict(zip(shown, model.explain_many(known, shown, text), strict=True))
    wanted = {int(p) for why in whys.values() for p in why.matching_projects}
    acronyms = (
        {
            str(pk): acronym
            for pk, acronym in Project.objects.filter(pk__in=wanted).values_list("pk", "acronym")
        }
        if wanted
        else {}
    )
    return [
        Suggestion(orgs[o], s, _fit_reasons(whys[o], orgs[o], acronyms))
        for o, s in ranked
        if o in orgs
    ]


def partner_search(
    *,
    scope: Scope,
    text: str,
    organisations: QuerySet[Organisation] | None = None,
    limit: int = 20,
) -> list[Suggestion] | None:
    """Organisations ranked by fit for a free text, among `organisations` (a filtered list; all
    when None). A member's own organisations count as "your partners". None: no index yet."""
    model = partner_model()
    if model is None:
        return None
    known = [str(pk) for pk in sorted(scope.organisation_ids)]
    return _suggest(model, known, text, min(limit, MAX_SUGGESTIONS), organisations)


def organisation_similar(
    *, scope: Scope, organisation: Organisation, limit: int = 10
) -> list[Suggestion] | None:
    """Organisations like this one (organisations are public; the index holds public facts)."""
    model = partner_model()
    if model is None:
        return None
    me = str(organisation.pk)
    ranked = model.similar(me, top=min(limit, MAX_SUGGESTIONS))
    orgs = _organisations([o for o, _s in ranked])
    my_partners = _co_partners(model, me)
    my_type = model.facts[model.org_index[me]].partner_type if me in model.org_index else ""
    out = []
    for o, s in ranked:
        if o not in orgs:
            continue
        reasons = []
        shared = len(my_partners & _co_partners(model, o))
        if shared:
            reasons.append(
                ngettext(
                    "Worked with %(count)d of the same partners",
                    "Worked with %(count)d of the same partners",
                    shared,
                )
                % {"count": shared}
            )
        if my_type and model.facts[model.org_index[o]].partner_type == my_type:
            reasons.append(_("Same kind of partner"))
        reasons.extend(_profile_reasons(orgs[o]))
        out.append(Suggestion(orgs[o], s, reasons))
    return out


def _co_partners(model: PartnerModel, org: str) -> set[str]:
    partners: set[str] = set()
    for p in model.projects_of(org):
        row = model.incidence[model.project_index[p]]
        partners.update(model.org_ids[j] for j in row.indices)
    partners.discard(org)
    return partners


def project_may_invite(*, scope: Scope, project: Project) -> bool:
    """Whether the user may add a suggested partner: what `projects.services.partner_add`
    allows (acting for the coordinator; administrators act for every organisation)."""
    coordinator = (
        project_consortium(scope=scope, project=project)
        .filter(role=ParticipantRole.COORDINATOR)
        .values_list("organisation_id", flat=True)
        .first()
    )
    return scope.can(Action.ORGANISATION_ACT_FOR, Target.of(own_organisation=[coordinator]))


def project_text(project: Project) -> str:
    return " ".join(
        t
        for t in (
            project.title,
            project.summary,
            project.summary_fr,
            project.objective,
            project.keywords,
        )
        if t
    )


def project_partner_suggestions(
    *, scope: Scope, project: Project, limit: int = 10
) -> list[Suggestion] | None:
    """The next partner for a project's consortium, for its insiders only (raises
    `Project.DoesNotExist` for anyone else, as if it did not exist). None: no index yet."""
    if not project_is_insider(scope=scope, project=project):
        raise Project.DoesNotExist
    model = partner_model()
    if model is None:
        return None
    known = [
        str(pk)
        for pk in project_consortium(scope=scope, project=project).values_list(
            "organisation_id", flat=True
        )
    ]
    return _suggest(model, known, project_text(project), min(limit, MAX_SUGGESTIONS))

"""Grant services: agreements, statements, installments, reports; refusals write nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from grappe.core.models import AuditEvent, Transition
from grappe.grants import selectors, services
from grappe.grants.domain.payments import PLAN_DATA
from grappe.grants.models import (
    ExpenseStatement,
    GrantAgreement,
    ImpactReport,
    Installment,
    PaymentPlan,
)
from grappe.grants.tests.helpers import PDF, make_agreement, make_world, pay, review_all, statement

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return make_world()


def _count():
    return (
        GrantAgreement.objects.count(),
        ExpenseStatement.objects.count(),
        Installment.objects.count(),
        ImpactReport.objects.count(),
        AuditEvent.objects.count(),
        Transition.objects.count(),
    )


def test_agreement_from_a_granted_funding_line(w):
    a = make_agreement(w, status="draft")
    assert (a.amount, a.status, a.funder_id, a.reference) == (D("100000"), "draft", w.funder.pk,
                                                              "2024 DAE 12")  # fmt: skip
    v = selectors.current_version(a)
    assert v.number == 1 and v.ends_on == dt.date(2026, 12, 31)
    assert {c.category for c in v.costs.all()} == {"personnel", "instruments_equipment"}


def test_acceptance_records_the_signatory_and_the_time(w):
    a = make_agreement(w, status="accepted")
    v = selectors.current_version(a)
    assert v.accepted_by == w.partner and v.accepted_at is not None
    row = Transition.objects.filter(object_id=a.pk, transition="accept").get()
    assert row.acting_role == "partner" and row.actor == w.partner


@pytest.mark.parametrize("who", ["other_partner", "officer", "other_officer", "outsider"])
def test_only_the_partner_accepts(w, who):
    a = make_agreement(w, status="offered")
    before = _count()
    with pytest.raises(services.GrantTransitionRefused) as err:
        services.agreement_transition(actor=getattr(w, who), agreement=a, transition="accept")
    assert err.value.refusal == "role"
    assert _count() == before


def test_only_the_funders_officer_drafts(w):
    for who in (w.partner, w.other_officer, w.outsider):
        with pytest.raises(PermissionDenied):
            services.agreement_create(actor=who, funding_line=w.line, costs={"personnel": "1"},
                                      intensity="0.5", plan=PLAN_DATA["fui"])  # fmt: skip
    assert GrantAgreement.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"costs": {"spaceships": "10"}}, "costs"),
        ({"costs": {"personnel": "-10"}}, "costs.personnel"),
        ({"intensity": "1.5"}, "intensity"),
        ({"ends_on": dt.date(2027, 6, 30)}, "ends_on"),
        ({"plan": {**PLAN_DATA["fui"], "cap": "2"}}, "plan.cap"),
    ],
)
def test_bad_agreement_input_names_the_field(w, kwargs, field):
    args = {"costs": {"personnel": "1000"}, "intensity": "0.5", "plan": PLAN_DATA["fui"], **kwargs}
    with pytest.raises(ValidationError) as err:
        services.agreement_create(actor=w.officer, funding_line=w.line, **args)
    assert field in err.value.message_dict
    assert GrantAgreement.objects.count() == 0


def test_plan_comes_from_the_call_else_the_funders_default(w):
    with pytest.raises(ValidationError) as err:
        services.agreement_create(actor=w.officer, funding_line=w.line,
                                  costs={"personnel": "1"}, intensity="0.5")  # fmt: skip
    assert "plan" in err.value.message_dict
    services.payment_plan_set(actor=w.officer, funder=w.funder, data=PLAN_DATA["horizon-europe"])
    a = services.agreement_create(actor=w.officer, funding_line=w.line,
                                  costs={"personnel": "1"}, intensity="0.5")  # fmt: skip
    assert selectors.current_version(a).plan["id"] == "horizon-europe"
    with pytest.raises(PermissionDenied):
        services.payment_plan_set(actor=w.other_officer, funder=w.funder, data=PLAN_DATA["fui"])
    assert PaymentPlan.objects.count() == 1


def test_main_path_advance_statement_cap_balance(w):
    a = make_agreement(w)  # City of Paris plan: 30 % advance, cap 80 %, intensity 50 %
    adv = pay(w, a, "advance")
    assert (adv.amount, a.paid_total) == (D("30000.00"), D("30000.00"))
    with pytest.raises(ValidationError, match="already requested"):
        services.installment_request(actor=w.partner, agreement=a, tranche="advance")
    # interim waits for an accepted statement
    with pytest.raises(ValidationError) as err:
        services.installment_request(actor=w.partner, agreement=a, tranche="interim")
    assert "tranche" in err.value.message_dict
    st = statement(w, a, ("personnel", "100000.00"), ("instruments_equipment", "40000.00"))
    services.statement_document_add(actor=w.partner, statement=st, title="Payslips",
                                    file_name="pay.pdf", content=PDF)  # fmt: skip
    review_all(w, st, [("accepted", None, ""), ("adjusted", "20000.00", "no invoice")])
    assert selectors.accepted_costs(a) == D("120000.00")
    inter = pay(w, a, "interim", "VIR-2")
    assert inter.amount == D("30000.00")  # 0.5 x 120 000 - 30 000
    st2 = statement(w, a, ("personnel", "200000.00"))
    review_all(w, st2, [("accepted", None, "")])
    capped = pay(w, a, "interim", "VIR-3")
    assert capped.amount == D("20000.00")  # stops at 80 % of 100 000
    assert a.paid_total == D("80000.00")
    assert any(e["code"] == "payments.due.capped" for e in capped.explanation)
    # balance waits for the approved final report
    with pytest.raises(ValidationError):
        services.installment_request(actor=w.partner, agreement=a, tranche="balance")
    rep = services.report_submit(actor=w.partner, agreement=a, kind="final", year=2026,
                                 figures={"jobs_fte": "2.5", "patents": 1})  # fmt: skip
    services.report_transition(actor=w.officer, report=rep, transition="approve")
    bal = pay(w, a, "balance", "VIR-4")
    assert bal.amount == D("20000.00") and a.paid_total == D("100000.00")
    services.agreement_transition(actor=w.officer, agreement=a, transition="close", reason="done")
    a.refresh_from_db()
    assert a.status == "closed"


def test_over_payment_is_refused_by_the_service_and_the_database(w):
    a = make_agreement(w)
    inst = services.installment_request(actor=w.partner, agreement=a, tranche="advance")
    services.installment_transition(actor=w.officer, installment=inst, transition="approve")
    GrantAgreement.objects.filter(pk=a.pk).update(paid_total=D("90000.00"))  # paid elsewhere
    before = _count()
    with pytest.raises(ValidationError) as err:
        services.installment_transition(actor=w.officer, installment=inst, transition="pay",
                                        payment_reference="VIR-9")  # fmt: skip
    assert "amount" in err.value.message_dict
    assert _count() == before
    inst.refresh_from_db()
    assert inst.status == "approved"
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantAgreement.objects.filter(pk=a.pk).update(paid_total=D("100000.01"))


def test_paying_needs_a_reference_and_an_officer(w):
    a = make_agreement(w)
    inst = services.installment_request(actor=w.partner, agreement=a, tranche="advance")
    with pytest.raises(services.GrantTransitionRefused):
        services.installment_transition(actor=w.partner, installment=inst, transition="approve")
    services.installment_transition(actor=w.officer, installment=inst, transition="approve")
    with pytest.raises(ValidationError) as err:
        services.installment_transition(actor=w.officer, installment=inst, transition="pay")
    assert "payment_reference" in err.value.message_dict
    with pytest.raises(services.GrantTransitionRefused):
        services.installment_transition(actor=w.other_officer, installment=inst,
                                        transition="pay", payment_reference="X")  # fmt: skip
    a.refresh_from_db()
    assert a.paid_total == 0


def test_pay_replay_with_the_same_key_pays_once(w):
    a = make_agreement(w)
    inst = services.installment_request(actor=w.partner, agreement=a, tranche="advance")
    services.installment_transition(actor=w.officer, installment=inst, transition="approve")
    for _ in range(2):
        services.installment_transition(actor=w.officer, installment=inst, transition="pay",
                                        payment_reference="V", idempotency_key="k1")  # fmt: skip
    a.refresh_from_db()
    assert a.paid_total == D("30000.00")
    # a replay after more was paid finds the first answer rather than refusing
    GrantAgreement.objects.filter(pk=a.pk).update(paid_total=D("90000.00"))
    services.installment_transition(actor=w.officer, installment=inst, transition="pay",
                                    payment_reference="V", idempotency_key="k1")  # fmt: skip
    a.refresh_from_db()
    assert a.paid_total == D("90000.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lines": [{"category": "buildings_land", "description": "x", "claimed": "1"}]},
         "lines[0].category"),
        ({"lines": [{"category": "personnel", "description": "x", "claimed": "-1"}]},
         "lines[0].claimed"),
        ({"period_end": dt.date(2027, 1, 31)}, "period_end"),
        ({"lines": []}, "lines"),
    ],
)  # fmt: skip
def test_bad_statements_are_refused_naming_the_field(w, kwargs, field):
    a = make_agreement(w)
    args = {
        "period_start": dt.date(2024, 1, 1),
        "period_end": dt.date(2024, 12, 31),
        "lines": [{"category": "personnel", "description": "x", "claimed": "10"}],
        **kwargs,
    }
    before = _count()
    with pytest.raises(ValidationError) as err:
        services.statement_submit(actor=w.partner, agreement=a, **args)
    assert field in err.value.message_dict
    assert _count() == before


def test_statement_by_another_partner_is_refused(w):
    a = make_agreement(w)
    with pytest.raises(PermissionDenied):
        statement(type(w)(**{**w.__dict__, "partner": w.other_partner}), a, ("personnel", "1"))


def test_line_decisions_need_reasons_and_a_lower_adjustment(w):
    a = make_agreement(w)
    st = statement(w, a, ("personnel", "100.00"))
    line = st.lines.get()
    with pytest.raises(ValidationError) as err:
        services.statement_line_decide(actor=w.officer, line=line, decision="rejected")
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.statement_line_decide(actor=w.officer, line=line, decision="adjusted",
                                       accepted="150", reason="x")  # fmt: skip
    assert "accepted" in err.value.message_dict
    with pytest.raises(services.GrantTransitionRefused) as refused:
        services.statement_transition(actor=w.officer, statement=st, transition="review")
    assert refused.value.guard == "lines_decided"
    with pytest.raises(PermissionDenied):
        services.statement_line_decide(actor=w.partner, line=line, decision="accepted")


def test_supporting_documents_must_be_pdf(w):
    a = make_agreement(w)
    st = statement(w, a, ("personnel", "100.00"))
    with pytest.raises(ValidationError) as err:
        services.statement_document_add(actor=w.partner, statement=st, title="x",
                                        file_name="x.pdf", content=b"MZ\x90\x00")  # fmt: skip
    assert "file" in err.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"year": 2023}, "year"),
        ({"year": 2027}, "year"),
        ({"figures": {"jobs_fte": "-1"}}, "jobs_fte"),
        ({"figures": {"patents": "-2"}}, "patents"),
        ({"figures": {"follow_on_private": "1000"}}, "follow_on_source"),
        ({"kind": "monthly"}, "kind"),
    ],
)
def test_bad_reports_are_refused_naming_the_field(w, kwargs, field):
    a = make_agreement(w)
    args = {"kind": "yearly", "year": 2024, "figures": {"jobs_fte": "1"}, **kwargs}
    before = _count()
    with pytest.raises(ValidationError) as err:
        services.report_submit(actor=w.partner, agreement=a, **args)
    assert field in err.value.message_dict
    assert _count() == before


def test_report_triggered_interim_waits_for_the_approval(w):
    a = make_agreement(w, plan="horizon-europe", intensity="1")
    pay(w, a, "prefinancing")
    st = statement(w, a, ("personnel", "100000.00"))
    review_all(w, st, [("accepted", None, "")])
    with pytest.raises(ValidationError):
        services.installment_request(actor=w.partner, agreement=a, tranche="interim")
    rep = services.report_submit(actor=w.partner, agreement=a, kind="yearly", year=2024,
                                 figures={"jobs_fte": "1"})  # fmt: skip
    services.report_transition(actor=w.officer, report=rep, transition="approve")
    inst = pay(w, a, "interim")
    assert inst.amount == D("45000.00")  # (90 % - 5 %) x 100 000 - 40 000
    assert inst.report_id == rep.pk


def test_amend_without_new_terms_is_refused(w):
    a = make_agreement(w)
    with pytest.raises(ValidationError) as err:
        services.agreement_transition(actor=w.officer, agreement=a, transition="amend",
                                      reason="x")  # fmt: skip
    assert "transition" in err.value.message_dict
    a.refresh_from_db()
    assert a.status == "active"


def test_amendment_is_a_new_version_accepted_again(w):
    a = make_agreement(w)
    pay(w, a, "advance")
    with pytest.raises(ValidationError) as err:
        services.agreement_amend(actor=w.officer, agreement=a, amount="20000.00", reason="cut")
    assert "amount" in err.value.message_dict
    v2 = services.agreement_amend(actor=w.officer, agreement=a, amount="120000.00",
                                  reason="extra work")  # fmt: skip
    a.refresh_from_db()
    assert (v2.number, a.status, a.amount) == (2, "offered", D("100000.00"))
    services.agreement_transition(actor=w.partner, agreement=a, transition="accept")
    a.refresh_from_db()
    assert (a.amount, a.version) == (D("120000.00"), 2)


def test_selectors_triad(w):
    from grappe.core.scopes import scope_for

    a = make_agreement(w)
    for who in (w.partner, w.officer, w.admin):
        assert selectors.agreement_get(scope_for(who), a.pk) == a
    from django.http import Http404

    for who in (w.other_partner, w.other_officer, w.outsider):
        with pytest.raises(Http404):
            selectors.agreement_get(scope_for(who), a.pk)

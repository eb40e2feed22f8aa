"""Applications: the draft, the submission (deadline, snapshot, receipt), the screening and its
overrides — services, pages and API, with the owner / insider / outsider triad."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from grappe.core.models import AuditEvent, Transition
from grappe.core.tests import factories as f
from grappe.core.tests.pdf import pdf_text
from grappe.funding import services
from grappe.funding.domain.receipt import canonical_json, snapshot_sha256
from grappe.funding.models import PARIS, Application, RequestedAid, ScreeningVerdict
from grappe.funding.tests.helpers import consortium, open_call
from grappe.projects.services import TransitionRefused

pytestmark = pytest.mark.django_db


class World:
    """An accredited project and a call of fui-19 (whose budget rule fails for it)."""

    def __init__(self, code: str = "fui-19", slug: str = "paris-open") -> None:
        self.c = consortium()
        self.call = open_call(slug=slug, code=code)
        self.coordinator = f.user_with_role("member", organisation=self.c.coordinator)
        self.partner = f.user_with_role("member", organisation=self.c.large)
        self.officer = f.user_with_role("programme_officer", funder=self.call.funder)
        self.other_officer = f.user_with_role("programme_officer", funder=f.FunderFactory())
        self.outsider = f.user_with_role("member", organisation=f.OrganisationFactory())
        self.evaluator = f.user_with_role("evaluator")
        self.parts = {p.organisation_id: p for p in self.c.project.participations.all()}

    def draft(self) -> Application:
        return services.application_create(
            actor=self.coordinator, call=self.call, project=self.c.project
        )

    def submitted(self) -> Application:
        app = self.draft()
        services.application_update(
            actor=self.coordinator,
            application=app,
            statement="Why this call",
            requested={self.parts[self.c.coordinator.pk].pk: "30000"},
        )
        services.application_submit(actor=self.coordinator, application=app)
        return app


@pytest.fixture
def w() -> World:
    return World()


# --------------------------------------------------------------------------- create


def test_the_coordinator_creates_one_draft_per_call_and_project(w):
    app = w.draft()
    assert app.status == "draft" and app.created_by == w.coordinator
    assert AuditEvent.objects.filter(action="application.create").count() == 1
    with pytest.raises(ValidationError) as exc:
        w.draft()
    assert "project" in exc.value.message_dict
    assert Application.objects.count() == 1


@pytest.mark.parametrize("who", ["partner", "officer", "outsider", "evaluator"])
def test_only_the_coordinator_creates(w, who):
    with pytest.raises(PermissionDenied):
        services.application_create(actor=getattr(w, who), call=w.call, project=w.c.project)
    assert not Application.objects.exists()


def test_an_unaccredited_project_or_a_closed_call_is_refused_naming_the_field(w):
    w.c.project.accreditations.all().delete()
    with pytest.raises(ValidationError) as exc:
        w.draft()
    assert "project" in exc.value.message_dict
    w2 = World(slug="second-call")
    w2.call.closes_on = timezone.localdate() - dt.timedelta(days=2)
    w2.call.opens_on = w2.call.closes_on - dt.timedelta(days=30)
    w2.call.save()
    with pytest.raises(ValidationError) as exc:
        w2.draft()
    assert "call" in exc.value.message_dict
    assert not Application.objects.exists()


# --------------------------------------------------------------------------- draft


def test_the_draft_keeps_the_statement_and_amounts_between_visits(w):
    app = w.draft()
    pid = w.parts[w.c.coordinator.pk].pk
    services.application_update(
        actor=w.coordinator, application=app, statement=" Text ", requested={pid: "12 500,50"}
    )
    app = Application.objects.get(pk=app.pk)
    assert app.statement == "Text"
    assert RequestedAid.objects.get(application=app).amount == Decimal("12500.50")
    services.application_update(
        actor=w.coordinator, application=app, statement="", requested={pid: ""}
    )
    assert not RequestedAid.objects.filter(application=app).exists()


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("-1", "negative"),
        ("abc", "euros"),
        ("1.001", "cents"),
        ("1e15", "beyond"),
        ("45000.01", "maximum"),  # the small coordinator's maximum is 45 000.00 under fui-19?
    ],
)
def test_bad_amounts_are_refused_naming_the_field_with_nothing_written(w, amount, words):
    app = w.draft()
    pid = w.parts[w.c.coordinator.pk].pk
    cap = services.application_engine_run(app).max_aid(w.c.coordinator.pk)
    if words == "maximum":
        amount = f"{cap + Decimal('0.01')}"
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.application_update(
            actor=w.coordinator, application=app, statement="changed", requested={pid: amount}
        )
    field = services.requested_field(pid)
    assert list(exc.value.message_dict) == [field]
    assert words in exc.value.message_dict[field][0]
    app.refresh_from_db()
    assert app.statement == "" and not RequestedAid.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_maximum_itself_is_accepted(w):
    app = w.draft()
    pid = w.parts[w.c.coordinator.pk].pk
    cap = services.application_engine_run(app).max_aid(w.c.coordinator.pk)
    services.application_update(
        actor=w.coordinator, application=app, statement="", requested={pid: cap}
    )
    assert RequestedAid.objects.get().amount == cap


def test_a_stale_draft_form_is_refused(w):
    from grappe.core.concurrency import EditConflict, edit_token

    app = w.draft()
    token = edit_token(app)
    services.application_update(actor=w.coordinator, application=app, statement="a", requested={})
    with pytest.raises(EditConflict):
        services.application_update(
            actor=w.coordinator, application=app, statement="b", requested={}, expected_token=token
        )
    assert Application.objects.get(pk=app.pk).statement == "a"


@pytest.mark.parametrize("who", ["partner", "officer", "outsider"])
def test_only_the_coordinator_writes_the_draft(w, who):
    app = w.draft()
    with pytest.raises(PermissionDenied):
        services.application_update(
            actor=getattr(w, who), application=app, statement="x", requested={}
        )


# --------------------------------------------------------------------------- submit


def test_submission_freezes_the_snapshot_its_hash_and_the_verdicts(w):
    app = w.submitted()
    app.refresh_from_db()
    assert app.status == "submitted" and app.submitted_at is not None
    snap = app.snapshot
    assert snap["statement"] == "Why this call" and snap["requested_total"] == "30000.00"
    assert {o["name"] for o in snap["consortium"]} == {"Petite Co", "Grande SA", "Labo"}
    assert snap["consortium"][0]["identifiers"]["siren"] == w.c.coordinator.siren
    assert app.receipt_sha256 == hashlib.sha256(canonical_json(snap)).hexdigest()
    assert app.receipt_sha256 == snapshot_sha256(snap)
    verdicts = {v.rule: v.status for v in app.verdicts.all()}
    assert verdicts["budget"] == "failed" and verdicts["min_accreditations"] == "passed"
    assert "not_applicable" not in verdicts.values()
    budget = app.verdicts.get(rule="budget")
    assert budget.sentence_en and budget.sentence_fr and budget.sentence_en != budget.sentence_fr
    assert Transition.objects.filter(object_id=app.pk, transition="submit").count() == 1


def test_the_closing_instant_is_the_end_of_the_last_day_in_paris(w):
    call = w.call
    assert call.closes_at == dt.datetime.combine(
        call.closes_on + dt.timedelta(days=1), dt.time(0), tzinfo=PARIS
    )
    last = call.closes_at - dt.timedelta(microseconds=1)
    assert call.is_open_at(last) and not call.is_open_at(call.closes_at)
    assert call.is_open_at(call.opens_at) and not call.is_open_at(
        call.opens_at - dt.timedelta(seconds=1)
    )
    # In UTC the end of the day is 23:00 (winter) or 22:00 (summer) on the closing date.
    assert call.closes_at.astimezone(dt.UTC).hour in (22, 23)


def test_a_submission_one_second_before_the_closing_instant_is_on_time(w):
    app = w.draft()
    services.application_submit(
        actor=w.coordinator, application=app, now=w.call.closes_at - dt.timedelta(seconds=1)
    )
    assert app.status == "submitted"


def test_a_late_submission_is_refused_with_the_closing_time_and_nothing_written(w):
    app = w.draft()
    with pytest.raises(TransitionRefused) as exc:
        services.application_submit(actor=w.coordinator, application=app, now=w.call.closes_at)
    assert exc.value.guard == "before_deadline"
    assert "Too late" in exc.value.message
    day = w.call.closes_on
    assert f"{day.strftime('%b')}. {day.day}, {day.year}" in exc.value.message
    assert "midnight" in exc.value.message and "Europe/Paris" in exc.value.message
    app.refresh_from_db()
    assert app.status == "draft" and not app.receipt_sha256 and not app.snapshot
    assert not ScreeningVerdict.objects.exists()


@pytest.mark.parametrize("who", ["partner", "officer", "other_officer", "outsider"])
def test_only_the_coordinator_submits(w, who):
    app = w.draft()
    with pytest.raises(TransitionRefused) as exc:
        services.application_submit(actor=getattr(w, who), application=app)
    assert exc.value.refusal == "role"
    app.refresh_from_db()
    assert app.status == "draft" and not app.snapshot and not ScreeningVerdict.objects.exists()


def test_the_consortium_withdraws_with_a_reason(w):
    app = w.submitted()
    with pytest.raises(TransitionRefused):
        services.application_transition(actor=w.coordinator, application=app, transition="withdraw")
    services.application_transition(
        actor=w.coordinator, application=app, transition="withdraw", reason="Consortium changed"
    )
    assert app.status == "withdrawn"


# --------------------------------------------------------------------------- screening


def test_eligible_needs_every_rule_passed_or_overridden(w):
    app = w.submitted()
    with pytest.raises(TransitionRefused) as exc:
        services.application_screen(actor=w.officer, application=app, eligible=True)
    assert exc.value.guard == "screening_passed"
    services.screening_override(
        actor=w.officer, application=app, rule="budget", justification="Budget checked by hand"
    )
    v = app.verdicts.get(rule="budget")
    assert v.overridden_by == w.officer and v.overridden_at is not None
    assert AuditEvent.objects.filter(action="application.screening_override").count() == 1
    services.application_screen(actor=w.officer, application=app, eligible=True)
    assert app.status == "eligible"


def test_an_override_without_justification_is_refused_naming_the_field(w):
    app = w.submitted()
    with pytest.raises(ValidationError) as exc:
        services.screening_override(
            actor=w.officer, application=app, rule="budget", justification="  "
        )
    assert list(exc.value.message_dict) == ["justification"]
    assert not app.verdicts.get(rule="budget").override_justification
    with pytest.raises(ValidationError) as exc:
        services.screening_override(
            actor=w.officer, application=app, rule="min_accreditations", justification="x"
        )
    assert list(exc.value.message_dict) == ["rule"]


@pytest.mark.parametrize("who", ["coordinator", "partner", "other_officer", "outsider"])
def test_only_the_calls_officer_overrides_and_screens(w, who):
    app = w.submitted()
    with pytest.raises(PermissionDenied):
        services.screening_override(
            actor=getattr(w, who), application=app, rule="budget", justification="x"
        )
    with pytest.raises(TransitionRefused):
        services.application_screen(
            actor=getattr(w, who), application=app, eligible=False, reason="r"
        )
    assert Application.objects.get(pk=app.pk).status == "submitted"


def test_ineligible_needs_the_reasons(w):
    app = w.submitted()
    with pytest.raises(TransitionRefused) as exc:
        services.application_screen(actor=w.officer, application=app, eligible=False)
    assert exc.value.refusal == "reason"
    services.application_screen(actor=w.officer, application=app, eligible=False, reason="Budget")
    assert app.status == "ineligible"


# --------------------------------------------------------------------------- pages


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("coordinator", 200),
        ("partner", 200),
        ("officer", 200),
        ("other_officer", 404),
        ("outsider", 404),
        ("evaluator", 404),
        (None, 404),
    ],
)
def test_the_application_page_and_receipt_triad(w, who, status):
    app = w.submitted()
    client = _client(getattr(w, who) if who else None)
    assert client.get(f"/en/applications/{app.pk}/").status_code == status
    receipt = client.get(f"/en/applications/{app.pk}/receipt.pdf?lang=fr")
    assert receipt.status_code == status
    if status == 200:
        assert receipt["Content-Type"] == "application/pdf" and receipt.content.startswith(b"%PDF")


def test_the_receipt_carries_the_hash_of_the_stored_canonical_snapshot(w):
    app = w.submitted()
    app.refresh_from_db()
    expected = hashlib.sha256(canonical_json(app.snapshot)).hexdigest()
    for lang, words in (("fr", "Récépissé de dépôt"), ("en", "Submission receipt")):
        pdf = _client(w.coordinator).get(f"/en/applications/{app.pk}/receipt.pdf?lang={lang}")
        text = pdf_text(pdf.content)
        assert expected in text.replace("\n", "")
        assert words in text and "Petite Co" in text


def test_the_receipt_prints_partner_names_as_written(w):
    """Names outside Latin-1 (Polish, Greek, "Œ") print as written, not as "?"."""
    f.Organisation.objects.filter(name="Grande SA").update(name="Politechnika Łódzka Œuvre Ωmega")
    app = w.submitted()
    pdf = _client(w.coordinator).get(f"/en/applications/{app.pk}/receipt.pdf?lang=fr")
    assert "Politechnika Łódzka Œuvre Ωmega" in pdf_text(pdf.content)


def test_the_draft_page_saves_and_refuses_naming_the_field(w):
    app = w.draft()
    pid = w.parts[w.c.coordinator.pk].pk
    client = _client(w.coordinator)
    page = client.get(f"/en/applications/{app.pk}/")
    assert b"At most" in page.content
    token = page.context["form"].initial["edit_token"]
    bad = client.post(
        f"/en/applications/{app.pk}/",
        {"statement": "S", f"requested_{pid}": "-5", "edit_token": token},
    )
    assert bad.status_code == 422 and b"cannot be negative" in bad.content
    assert not RequestedAid.objects.exists()
    ok = client.post(
        f"/en/applications/{app.pk}/",
        {"statement": "S", f"requested_{pid}": "1000", "edit_token": token},
    )
    assert ok.status_code == 302
    assert RequestedAid.objects.get().amount == Decimal("1000.00")
    assert (
        _client(w.partner).post(f"/en/applications/{app.pk}/", {"statement": "x"}).status_code
        == 403
    )


def test_apply_from_the_call_page_and_the_project_page(w):
    client = _client(w.coordinator)
    call_page = client.get(f"/en/calls/{w.call.slug}/")
    assert b'data-testid="apply"' in call_page.content
    project_page = client.get(f"/en/projects/{w.c.project.pk}/")
    assert f'data-apply-call="{w.call.slug}"'.encode() in project_page.content
    made = client.post(f"/en/calls/{w.call.slug}/apply/", {"project": w.c.project.pk})
    assert made.status_code == 302
    app = Application.objects.get()
    again = client.post(f"/en/calls/{w.call.slug}/apply/", {"project": w.c.project.pk})
    assert again.status_code == 422 and Application.objects.count() == 1
    # The partner sees the application but has no "Apply".
    assert b'data-testid="apply"' not in _client(w.partner).get(f"/en/calls/{w.call.slug}/").content
    assert (
        _client(w.partner)
        .post(f"/en/calls/{w.call.slug}/apply/", {"project": w.c.project.pk})
        .status_code
        == 422
    )
    assert app.project_id == w.c.project.pk


@pytest.mark.parametrize(
    ("who", "status"),
    [("officer", 200), ("other_officer", 404), ("coordinator", 404), ("outsider", 404)],
)
def test_the_officers_list_triad_counts_and_export(w, who, status):
    w.submitted()
    client = _client(getattr(w, who))
    page = client.get(f"/en/calls/{w.call.slug}/applications/")
    assert page.status_code == status
    if status == 200:
        assert w.c.project.acronym.encode() in page.content
        assert page.context["listing"].total == 1
        assert page.context["counts"][0]["count"] == 1
        csv = client.get(f"/en/calls/{w.call.slug}/applications/?export=csv")
        assert b"Receipt SHA-256" in b"".join(csv.streaming_content)
        assert (
            client.get(f"/en/calls/{w.call.slug}/applications/?status=eligible")
            .context["listing"]
            .total
            == 0
        )
        assert (
            client.get(f"/en/calls/{w.call.slug}/applications/?failing=true")
            .context["listing"]
            .total
            == 1
        )


def test_the_officer_overrides_and_screens_on_the_page(w):
    app = w.submitted()
    client = _client(w.officer)
    refused = client.post(
        f"/en/applications/{app.pk}/override/", {"rule": "budget", "justification": ""}
    )
    assert refused.status_code == 422 and b"Justification" in refused.content
    assert (
        client.post(
            f"/en/applications/{app.pk}/override/", {"rule": "budget", "justification": "Checked"}
        ).status_code
        == 302
    )
    page = client.get(f"/en/applications/{app.pk}/")
    assert b"Checked" in page.content and w.officer.username.encode() in page.content
    assert (
        client.post(
            f"/en/applications/{app.pk}/transition/", {"transition": "screen_eligible"}
        ).status_code
        == 302
    )
    assert Application.objects.get(pk=app.pk).status == "eligible"
    # The applicant sees the verdicts, the override and its reasons.
    seen = _client(w.coordinator).get(f"/en/applications/{app.pk}/")
    assert b"Checked" in seen.content and b'data-rule="budget"' in seen.content
    assert b"override-form" not in seen.content


def test_a_late_submission_on_the_page_shows_the_closing_time(w):
    app = w.draft()
    w.call.opens_on = timezone.localdate() - dt.timedelta(days=40)
    w.call.closes_on = timezone.localdate() - dt.timedelta(days=1)
    w.call.save()
    refused = _client(w.coordinator).post(f"/en/applications/{app.pk}/submit/")
    assert refused.status_code == 409 and b"Too late" in refused.content
    assert Application.objects.get(pk=app.pk).status == "draft"


# --------------------------------------------------------------------------- API


def test_api_create_update_submit_override_screen(w):
    client = _client(w.coordinator)
    made = client.post(
        "/api/v1/applications",
        {"call": w.call.slug, "project_id": w.c.project.pk},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    pid = w.parts[w.c.coordinator.pk].pk
    bad = client.post(
        f"/api/v1/applications/{body['id']}/draft",
        {"statement": "S", "requested": [{"participation_id": pid, "amount": "99999999"}]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "requested", 0, "amount"]
    negative = client.post(
        f"/api/v1/applications/{body['id']}/draft",
        {"requested": [{"participation_id": pid, "amount": "-1"}]},
        content_type="application/json",
    )
    assert negative.status_code == 422 and "amount" in negative.json()["detail"][0]["loc"]
    assert not RequestedAid.objects.exists()
    ok = client.post(
        f"/api/v1/applications/{body['id']}/draft",
        {
            "statement": "S",
            "requested": [{"participation_id": pid, "amount": "1000.00"}],
            "edit_token": body["edit_token"],
        },
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["requested_total"] == "1000.00"
    stale = client.post(
        f"/api/v1/applications/{body['id']}/draft",
        {"statement": "T", "edit_token": body["edit_token"]},
        content_type="application/json",
    )
    assert stale.status_code == 409
    sub = client.post(f"/api/v1/applications/{body['id']}/submit")
    assert sub.status_code == 200 and sub.json()["status"] == "submitted"
    assert sub.json()["receipt_sha256"] == snapshot_sha256(sub.json()["snapshot"])
    officer = _client(w.officer)
    screened = officer.post(
        f"/api/v1/applications/{body['id']}/screening",
        {"eligible": True},
        content_type="application/json",
    )
    assert screened.status_code == 409 and screened.json()["guard"] == "screening_passed"
    no_text = officer.post(
        f"/api/v1/applications/{body['id']}/overrides",
        {"rule": "budget"},
        content_type="application/json",
    )
    assert no_text.status_code == 422
    assert no_text.json()["detail"][0]["loc"] == ["body", "justification"]
    over = officer.post(
        f"/api/v1/applications/{body['id']}/overrides",
        {"rule": "budget", "justification": "Fine"},
        content_type="application/json",
    )
    assert over.status_code == 200
    screened = officer.post(
        f"/api/v1/applications/{body['id']}/screening",
        {"eligible": True},
        content_type="application/json",
    )
    assert screened.status_code == 200 and screened.json()["status"] == "eligible"
    listed = officer.get(f"/api/v1/calls/{w.call.slug}/applications")
    assert listed.status_code == 200 and listed.json()["items"][0]["id"] == body["id"]
    assert listed.json()["items"][0]["failed_verdicts"] == 0


@pytest.mark.parametrize(
    ("who", "get", "submit", "listing"),
    [
        ("coordinator", 200, 200, 404),
        ("partner", 200, 403, 404),
        ("officer", 200, 403, 200),
        ("other_officer", 404, 404, 404),
        ("outsider", 404, 404, 404),
        ("evaluator", 404, 404, 404),
        (None, 404, 401, 401),
    ],
)
def test_api_triad(w, who, get, submit, listing):
    app = w.draft()
    client = _client(getattr(w, who) if who else None)
    assert client.get(f"/api/v1/applications/{app.pk}").status_code == get
    assert client.post(f"/api/v1/applications/{app.pk}/submit").status_code == submit
    assert client.get(f"/api/v1/calls/{w.call.slug}/applications").status_code == listing


def test_api_late_submission_is_a_409_naming_the_closing_time(w):
    app = w.draft()
    w.call.opens_on = timezone.localdate() - dt.timedelta(days=40)
    w.call.closes_on = timezone.localdate() - dt.timedelta(days=1)
    w.call.save()
    late = _client(w.coordinator).post(f"/api/v1/applications/{app.pk}/submit")
    assert late.status_code == 409 and late.json()["guard"] == "before_deadline"
    assert "Too late" in late.json()["detail"]


def test_api_double_application_is_refused(w):
    w.draft()
    again = _client(w.coordinator).post(
        "/api/v1/applications",
        {"call": w.call.slug, "project_id": w.c.project.pk},
        content_type="application/json",
    )
    assert again.status_code == 422 and again.json()["detail"][0]["loc"] == ["body", "project_id"]


# --------------------------------------------------------------------------- the write triads

WHO = ["coordinator", "partner", "officer", "other_officer", "outsider", "evaluator", None]


def _app_for(w: World, step: str) -> Application:
    return w.submitted() if step in ("overrides", "screening", "override", "screen") else w.draft()


@pytest.mark.parametrize(
    ("step", "body", "expected"),
    [
        ("draft", {"statement": "x"}, [200, 403, 403, 404, 404, 404, 401]),
        ("withdraw", {"reason": "r"}, [200, 403, 403, 404, 404, 404, 401]),
        (
            "overrides",
            {"rule": "budget", "justification": "j"},
            [403, 403, 200, 404, 404, 404, 401],
        ),
        ("screening", {"eligible": False, "reason": "r"}, [403, 403, 200, 404, 404, 404, 401]),
    ],
)
def test_api_write_triads(w, step, body, expected):
    app = _app_for(w, step)
    for who, status in zip(WHO, expected, strict=True):
        client = _client(getattr(w, who) if who else None)
        answer = client.post(
            f"/api/v1/applications/{app.pk}/{step}", body, content_type="application/json"
        )
        assert answer.status_code == status, (who, answer.content)
        if status == 200:
            return  # the owner's change is done: the rest was checked before it


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("overrides", {"rule": "budget", "justification": "j"}),
        ("screening", {"eligible": False, "reason": "r"}),
    ],
)
@pytest.mark.parametrize(
    ("lang", "words"), [("en", "Only the programme officers"), ("fr", "Seuls les chargés")]
)
def test_api_screening_by_the_coordinator_is_a_translated_403(w, step, body, lang, words):
    app = w.submitted()
    answer = _client(w.coordinator).post(
        f"/api/v1/applications/{app.pk}/{step}",
        body,
        content_type="application/json",
        headers={"accept-language": lang},
    )
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith(words)
    app.refresh_from_db()
    assert app.status == "submitted"


@pytest.mark.parametrize(
    ("step", "data", "expected"),
    [
        ("submit", {}, [302, 409, 409, 404, 404, 404, "login"]),
        (
            "override",
            {"rule": "budget", "justification": "j"},
            [403, 403, 302, 404, 404, 404, "login"],
        ),
        (
            "transition",
            {"transition": "screen_ineligible", "reason": "r"},
            [403, 403, 302, 404, 404, 404, "login"],
        ),
    ],
)
def test_page_write_triads(w, step, data, expected):
    app = _app_for(w, "override" if step in ("override", "transition") else step)
    order = [e for e in zip(WHO, expected, strict=True) if e[1] not in (302,)]
    order += [e for e in zip(WHO, expected, strict=True) if e[1] == 302]  # the owner last
    for who, status in order:
        client = _client(getattr(w, who) if who else None)
        answer = client.post(f"/en/applications/{app.pk}/{step}/", data)
        if status == "login":
            assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
        else:
            assert answer.status_code == status, (who, step)


@pytest.mark.parametrize(
    ("lang", "when"), [("en", "7 December 2026, 10:17."), ("fr", "7 décembre 2026, 10:17.")]
)
def test_the_screening_line_ends_with_one_full_stop(w, lang, when):
    """A morning time is not written `10:17 a.m.` before the sentence's own full stop."""
    app = w.submitted()
    morning = dt.datetime(2026, 12, 7, 10, 17, tzinfo=PARIS)
    Application.objects.filter(pk=app.pk).update(screened_at=morning)
    page = _client(w.coordinator).get(f"/{lang}/applications/{app.pk}/")
    line = re.search(rb'data-testid="screening-summary">(.*?)(?:<|$)', page.content, re.S)
    assert line is not None
    text = line.group(1).decode().strip()
    assert text.endswith(when), text
    assert ".." not in text and "a.m" not in text

"""The calls pages: the public list and call page (rules in plain words), the officers' set-up
pages (their calls, new call, dates and envelope, the structured rule-set editor), per role,
and the API list agreeing with the page (one CallFilterSet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from grappe.core.concurrency import edit_token
from grappe.core.models import AuditEvent, Role
from grappe.core.tests import factories as f
from grappe.funding.domain.ruleset_fields import mark_name, to_form
from grappe.funding.models import Call, CallRuleSet
from grappe.funding.services import call_update
from grappe.funding.tests.helpers import closed_call, open_call, upcoming_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_language_left_behind() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.fixture
def funder() -> Any:
    return f.FunderFactory(slug="ville", name_en="City of Paris", name_fr="Ville de Paris")


@pytest.fixture
def officer(funder: Any) -> Any:
    return f.user_with_role(Role.PROGRAMME_OFFICER, funder=funder)


def slugs(client: Any, query: str = "") -> list[str]:
    page = client.get(f"/en/calls/{query}")
    assert page.status_code == 200
    return [c.slug for c in (row["call"] for row in page.context["rows"])]


def api_slugs(client: Any, query: str = "") -> list[str]:
    r = client.get(f"/api/v1/calls{query}")
    assert r.status_code == 200, r.content
    return [c["slug"] for c in r.json()["items"]]


# --- the public pages ------------------------------------------------------------------------


def test_the_list_shows_open_and_upcoming_calls_by_default_and_filters_like_the_api(
    client: Any, funder: Any
) -> None:
    open_call(slug="paris-open", funder=funder)
    upcoming_call(slug="paris-next")
    closed_call(slug="fui-25")
    assert slugs(client) == ["paris-open", "paris-next"] == api_slugs(client)
    for query in (
        "?status=open",
        "?status=closed",
        "?status=upcoming",
        "?status=all&sort=-opens",
        "?funder=ville",
        "?q=next",
        "?q=financeur+ville&status=all",
    ):
        assert slugs(client, query) == api_slugs(client, query), query
    assert slugs(client, "?status=closed") == ["fui-25"]
    assert slugs(client, "?status=all&sort=opens") == ["fui-25", "paris-open", "paris-next"]
    assert slugs(client, "?q=ville+de+paris") == ["paris-open"]


def test_a_bad_filter_is_shown_on_the_page_and_a_422_in_the_api(client: Any) -> None:
    open_call()
    page = client.get("/en/calls/?funder=nobody")
    assert page.status_code == 200
    assert "Unknown funder slug: nobody." in page.content.decode()
    r = client.get("/api/v1/calls?funder=nobody")
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "unknown_funder"
    assert client.get("/api/v1/calls?status=weird").status_code == 422


def test_the_list_exports_csv(client: Any, funder: Any) -> None:
    call = open_call(slug="paris-open", funder=funder)
    call_update(actor=None, call=call, envelope=Decimal("2500000"))
    r = client.get("/en/calls/?export=csv")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    assert "paris-open" in text and "2500000.00" in text and "City of Paris" in text


def test_the_list_page_shows_funder_dates_envelope_and_who_may_apply(
    client: Any, funder: Any
) -> None:
    call = open_call(slug="paris-open", funder=funder)
    call_update(actor=None, call=call, envelope=Decimal("2500000"))
    html = client.get("/en/calls/").content.decode()
    assert "City of Paris" in html
    assert "2,500,000" in html
    assert "At least 1 partner located in Paris." in html and "unconfirmed" in html
    fr = client.get("/fr/calls/").content.decode()
    assert "Ville de Paris" in fr and "Au moins 1 partenaire situé à Paris." in fr


def test_an_empty_list_says_so(client: Any) -> None:
    closed_call()
    page = client.get("/en/calls/")
    assert 'data-testid="calls-empty"' in page.content.decode()
    assert "0 calls" in page.content.decode()


def test_the_call_page_shows_the_rules_in_plain_words_with_unconfirmed_badges(
    client: Any, funder: Any
) -> None:
    open_call(slug="paris-open", funder=funder)
    html = client.get("/en/calls/paris-open/").content.decode()
    assert "Who may apply" in html and "How much aid" in html
    assert "Start-ups located in Paris: +10 points." in html
    assert html.count('data-testid="unconfirmed"') >= 5
    assert 'data-testid="unconfirmed-notice"' in html
    fui = closed_call()
    html = client.get(f"/en/calls/{fui.slug}/").content.decode()
    assert "At least 2 independent companies in the consortium." in html
    assert 'data-testid="unconfirmed"' not in html
    fr = client.get(f"/fr/calls/{fui.slug}/").content.decode()
    assert "Au moins 2 entreprises indépendantes dans le consortium." in fr
    assert client.get("/en/calls/nope/").status_code == 404


def test_the_api_detail_gives_the_rules_in_the_requests_language(client: Any) -> None:
    fui = closed_call()
    rules = client.get(f"/api/v1/calls/{fui.slug}").json()["rules"]
    assert rules[0] == {
        "section": "eligibility",
        "code": "call.rules.min_independent_companies",
        "text": "At least 2 independent companies in the consortium.",
        "unconfirmed": False,
        "advisory": False,
    }
    fr = client.get(f"/api/v1/calls/{fui.slug}?lang=fr").json()["rules"]
    assert fr[0]["text"] == "Au moins 2 entreprises indépendantes dans le consortium."


# --- who may set up calls --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "manage", "edit"),
    [
        ("officer", 200, 200),
        ("other_officer", 200, 404),
        ("manager", 403, 404),
        ("anonymous", 302, 302),
    ],
)
def test_set_up_pages_per_role(
    client: Any, funder: Any, officer: Any, who: str, manage: int, edit: int
) -> None:
    call = upcoming_call(slug="paris-next", funder=funder)
    users = {
        "officer": officer,
        "other_officer": f.user_with_role(Role.PROGRAMME_OFFICER, funder=f.FunderFactory()),
        "manager": f.user_with_role(Role.CLUSTER_MANAGER, cluster=f.ClusterFactory()),
    }
    if who in users:
        client.force_login(users[who])
    assert client.get("/en/calls/manage/").status_code == manage
    assert client.get("/en/calls/new/").status_code == manage
    assert client.get(f"/en/calls/{call.slug}/edit/").status_code == edit
    assert client.get(f"/en/calls/{call.slug}/rules/").status_code == edit
    page = client.get(f"/en/calls/{call.slug}/")
    assert (f"/en/calls/{call.slug}/rules/" in page.content.decode()) is (who == "officer")
    if who == "other_officer":
        listed = client.get("/en/calls/manage/").context["rows"]
        assert listed == []


def _new_call(**changes: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "funder": changes.pop("funder"),
        "slug": "paris-2027",
        "title_en": "Paris innovation 2027",
        "title_fr": "Paris innovation 2027",
        "opens_on": (today + dt.timedelta(days=20)).isoformat(),
        "closes_on": (today + dt.timedelta(days=80)).isoformat(),
        "envelope": "3000000",
        "source_code": "city-of-paris",
        "reason": "",
        **changes,
    }


def test_an_officer_creates_a_call_from_a_ready_made_set(
    client: Any, funder: Any, officer: Any
) -> None:
    client.force_login(officer)
    r = client.post("/en/calls/new/", _new_call(funder=funder.pk))
    assert r.status_code == 302 and r["Location"].endswith("/calls/paris-2027/")
    call = Call.objects.get(slug="paris-2027")
    assert call.funder == funder and call.envelope == Decimal("3000000")
    assert call.ruleset is not None and call.ruleset.data["code"] == "city-of-paris"
    assert AuditEvent.objects.filter(action="call.create", object_id=str(call.pk)).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"closes_on": "2020-01-01"},
            "closes_on",
            "The deadline (closes on) cannot be before the opening date (opens on).",
        ),
        ({"slug": "manage"}, "slug", "is reserved for the calls pages"),
        ({"envelope": "-5"}, "envelope", "greater than or equal to 0"),
        ({"source_code": "nope"}, "source_code", "Select a valid choice."),
    ],
)
def test_a_bad_new_call_is_refused_naming_the_field_and_nothing_is_written(
    client: Any, funder: Any, officer: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    client.force_login(officer)
    r = client.post("/en/calls/new/", _new_call(funder=funder.pk, **changes))
    assert r.status_code == 200
    assert any(message in e for e in r.context["form"].errors[field])
    assert not Call.objects.exists() and not AuditEvent.objects.exists()


def test_an_officer_cannot_create_a_call_for_another_funder(
    client: Any, funder: Any, officer: Any
) -> None:
    client.force_login(officer)
    other = f.FunderFactory()
    r = client.post("/en/calls/new/", _new_call(funder=other.pk))
    assert r.status_code == 200 and "funder" in r.context["form"].errors
    assert not Call.objects.exists()


def _edit(call: Call, **changes: Any) -> dict[str, Any]:
    return {
        "funder": call.funder_id,
        "title_en": call.title_en,
        "title_fr": call.title_fr,
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "envelope": "" if call.envelope is None else str(call.envelope),
        "edit_token": edit_token(call),
        "reason": "",
        **changes,
    }


def test_an_officer_edits_the_dates_and_envelope(client: Any, funder: Any, officer: Any) -> None:
    call = upcoming_call(funder=funder)
    client.force_login(officer)
    new_close = (call.closes_on + dt.timedelta(days=7)).isoformat()
    r = client.post(
        f"/en/calls/{call.slug}/edit/", _edit(call, closes_on=new_close, envelope="1500000")
    )
    assert r.status_code == 302
    call.refresh_from_db()
    assert call.envelope == Decimal("1500000") and call.closes_on.isoformat() == new_close
    assert AuditEvent.objects.filter(action="call.update", object_id=str(call.pk)).exists()


def test_a_deadline_before_the_opening_and_a_stale_form_are_refused(
    client: Any, funder: Any, officer: Any
) -> None:
    call = upcoming_call(funder=funder)
    client.force_login(officer)
    before = edit_token(call)
    early = (call.opens_on - dt.timedelta(days=1)).isoformat()
    r = client.post(f"/en/calls/{call.slug}/edit/", _edit(call, closes_on=early))
    assert r.status_code == 200
    assert "cannot be before the opening date" in r.context["form"].errors["closes_on"][0]
    stale = _edit(call, envelope="99")
    call_update(actor=None, call=call, envelope=Decimal("10"))
    r = client.post(f"/en/calls/{call.slug}/edit/", stale)
    assert r.status_code == 200
    assert "was changed since you opened it" in r.context["form"].non_field_errors()[0]
    call.refresh_from_db()
    assert call.envelope == Decimal("10") and edit_token(call) != before


# --- the structured rule-set editor ----------------------------------------------------------


def _rules_post(call: Call, **changes: Any) -> dict[str, Any]:
    """What the editor posts when opened now on `call`, with `changes` (form values)."""
    assert call.ruleset is not None
    values = to_form(call.ruleset.data)
    values.update(changes)
    data: dict[str, Any] = {"expected_version": call.ruleset.version, "reason": "SME rate"}
    for name, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list):
            data[name] = value
        else:
            data[name] = str(value)
    return data


def test_an_officer_edits_a_rule_and_a_new_version_is_saved(
    client: Any, funder: Any, officer: Any
) -> None:
    call = upcoming_call(funder=funder, code="fui-19")
    client.force_login(officer)
    page = client.get(f"/en/calls/{call.slug}/rules/")
    assert page.status_code == 200
    assert 'name="company_rates__small" value="45"' in page.content.decode()
    r = client.post(
        f"/en/calls/{call.slug}/rules/",
        _rules_post(call, company_rates__small="47.5", **{mark_name("company_rates.small"): True}),
    )
    assert r.status_code == 302, r.context["form"].errors
    call.refresh_from_db()
    assert call.ruleset is not None and call.ruleset.version == 2
    assert call.ruleset.data["company_rates"]["small"] == "0.475"
    assert call.ruleset.data["unconfirmed"] == ["company_rates.small"]
    assert call.ruleset.reason == "SME rate"
    html = client.get(f"/en/calls/{call.slug}/").content.decode()
    assert "small 47.5 %" in html


def test_saving_the_editor_unchanged_creates_no_version(
    client: Any, funder: Any, officer: Any
) -> None:
    call = upcoming_call(funder=funder, code="city-of-paris")
    client.force_login(officer)
    r = client.post(f"/en/calls/{call.slug}/rules/", _rules_post(call))
    assert r.status_code == 302
    assert CallRuleSet.objects.filter(call=call).count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"company_rates__eti": "130"}, "company_rates__eti", "less than or equal to 100"),
        ({"company_rates__small": ""}, "company_rates__small", "This field is required."),
        (
            {"consortium__budget_min": "9000000"},
            "consortium__budget_min",
            "Minimum project budget (EUR): consortium.budget_min is out of order",
        ),
        (
            {
                "research_organisations__full_cost_rate": "",
                "research_organisations__default_basis": "full_cost",
            },
            "research_organisations__default_basis",
            "research_organisations.default_basis is required.",
        ),
        ({"reason": ""}, "reason", "This field is required."),
    ],
)
def test_a_wrong_rule_is_refused_naming_the_field_and_nothing_is_written(
    client: Any, funder: Any, officer: Any, changes: dict[str, str], field: str, message: str
) -> None:
    call = upcoming_call(funder=funder, code="fui-19")
    client.force_login(officer)
    before = AuditEvent.objects.count()
    r = client.post(f"/en/calls/{call.slug}/rules/", _rules_post(call, **changes))
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors[field]
    assert CallRuleSet.objects.filter(call=call).count() == 1
    assert AuditEvent.objects.count() == before


def test_a_rule_set_edit_opened_on_an_older_version_is_refused(
    client: Any, funder: Any, officer: Any
) -> None:
    call = upcoming_call(funder=funder, code="fui-19")
    client.force_login(officer)
    stale = _rules_post(call, company_rates__small="46")
    assert (
        client.post(
            f"/en/calls/{call.slug}/rules/", _rules_post(call, company_rates__small="48")
        ).status_code
        == 302
    )
    r = client.post(f"/en/calls/{call.slug}/rules/", stale)
    assert r.status_code == 200
    assert "version 2 is now current" in r.context["form"].non_field_errors()[0]
    assert CallRuleSet.objects.filter(call=call).count() == 2


def test_an_open_calls_rule_set_is_pinned(client: Any, funder: Any, officer: Any) -> None:
    call = open_call(funder=funder, code="fui-19")
    client.force_login(officer)
    page = client.get(f"/en/calls/{call.slug}/rules/")
    assert 'data-testid="pinned"' in page.content.decode()
    r = client.post(f"/en/calls/{call.slug}/rules/", _rules_post(call, company_rates__small="50"))
    assert r.status_code == 200
    assert "its rule set is pinned and can no longer change" in str(
        r.context["form"].non_field_errors()
    )
    assert CallRuleSet.objects.filter(call=call).count() == 1


# --- the pin, in the service and the back office ---------------------------------------------


def test_the_service_refuses_to_change_an_open_calls_rule_set_and_writes_nothing() -> None:
    import copy

    from django.core.exceptions import ValidationError

    from grappe.funding.services import call_ruleset_update

    call = open_call(code="fui-19")
    assert call.ruleset is not None
    before = AuditEvent.objects.count()
    data = copy.deepcopy(call.ruleset.data)
    data["company_rates"]["small"] = "0.50"
    with pytest.raises(ValidationError) as exc:
        call_ruleset_update(actor=None, call=call, data=data, reason="too late")
    assert exc.value.error_dict["ruleset"][0].code == "pinned"
    assert "its rule set is pinned" in exc.value.messages[0]
    assert CallRuleSet.objects.filter(call=call).count() == 1
    assert AuditEvent.objects.count() == before
    # The same rule set again is no change, so it is allowed (the admin posts it back).
    same = call_ruleset_update(actor=None, call=call, data=call.ruleset.data, reason="")
    assert same.version == 1


def test_the_back_office_refuses_to_change_an_open_calls_rule_set(client: Any) -> None:
    import json

    from django.urls import reverse

    admin = f.user_with_role(Role.ADMINISTRATOR)
    client.force_login(admin)
    call = open_call(code="fui-19")
    assert call.ruleset is not None
    data = dict(call.ruleset.data)
    data["company_rates"] = {**data["company_rates"], "small": "0.50"}
    form = {
        "funder": call.funder_id,
        "slug": call.slug,
        "title_en": call.title_en,
        "title_fr": call.title_fr,
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "envelope": "",
        "ruleset_data": json.dumps(data),
        "source_code": "",
        "reason": "too late",
        "ruleset_versions-TOTAL_FORMS": "0",
        "ruleset_versions-INITIAL_FORMS": "0",
        **f.opened(call),
    }
    r = client.post(reverse("admin:funding_call_change", args=[call.pk]), form)
    assert r.status_code == 200
    assert "its rule set is pinned" in str(r.context["adminform"].form.errors["ruleset_data"])
    assert CallRuleSet.objects.filter(call=call).count() == 1


def test_the_list_page_needs_the_same_number_of_queries_for_2_or_12_calls(client: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for total in (2, 12):
        for i in range(len(counts) * 2, total):
            open_call(slug=f"call-{i:02d}")
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/en/calls/")
        assert len(page.context["rows"]) == total
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (
            "officer",
            [
                "call-experts",
                "call-assignments",
                "call-panel",
                "call-funding",
                "call-allocation",
                "call-payments",
            ],
        ),
        ("other_officer", []),
        ("member", []),
        (None, []),
    ],
)
def test_the_call_page_links_its_officers_to_the_evaluation_decision_and_payment_pages(
    client: Any, funder: Any, officer: Any, who: str | None, expected: list[str]
) -> None:
    call = open_call(slug="paris-open", funder=funder)
    users = {
        "officer": officer,
        "other_officer": f.user_with_role(Role.PROGRAMME_OFFICER, funder=f.FunderFactory()),
        "member": f.user_with_role(Role.MEMBER, organisation=f.OrganisationFactory()),
    }
    if who:
        client.force_login(users[who])
    page = client.get(f"/en/calls/{call.slug}/")
    assert page.status_code == 200
    links = page.context["call_links"]
    assert [link["testid"] for link in links] == expected
    for link in links:  # each one opens for this officer
        assert client.get(link["url"]).status_code == 200, link["url"]

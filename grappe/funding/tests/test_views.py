"""The aid simulation page: who may see it, what it shows, what "what if" changes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from grappe.core.models import Role
from grappe.core.tests import factories as f
from grappe.funding.tests.helpers import closed_call, consortium, open_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_language_left_behind() -> Iterator[None]:
    """A request to a /fr/ page activates French in this thread: later tests must not see it."""
    yield
    translation.deactivate()


def url(project: Any, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse("project_aid_simulation", args=[project.pk])


@pytest.mark.parametrize("status", ["draft", "funded"])
def test_owner_and_insiders_see_the_page_outsiders_get_404(client: Any, status: str) -> None:
    c = consortium(status=status)
    open_call(code="fui-19")
    for user in (
        f.user_with_role(Role.MEMBER, organisation=c.lab),
        f.user_with_role(Role.CLUSTER_MANAGER, cluster=c.cluster),
        f.user_with_role(Role.ADMINISTRATOR),
    ):
        client.force_login(user)
        response = client.get(url(c.project))
        assert response.status_code == 200
        assert "Petite Co" in response.content.decode()
        client.logout()
    client.force_login(f.user_with_role(Role.MEMBER, organisation=f.OrganisationFactory()))
    assert client.get(url(c.project)).status_code == 404
    client.logout()
    assert client.get(url(c.project)).status_code == 404


def test_the_project_page_links_to_the_simulation_for_insiders_only(client: Any) -> None:
    c = consortium(status="funded")
    link = url(c.project)
    page = reverse("project_detail", args=[c.project.pk])
    assert link not in client.get(page).content.decode()
    client.force_login(f.user_with_role(Role.MEMBER, organisation=c.coordinator))
    assert link in client.get(page).content.decode()


def test_the_page_explains_each_line_and_the_consortium_rules(client: Any) -> None:
    c = consortium()
    call = open_call(code="fui-19")
    closed_call()  # closed calls are not offered
    client.force_login(f.user_with_role(Role.MEMBER, organisation=c.coordinator))
    html = client.get(url(c.project)).content.decode()
    assert call.title_en in html and "FUI 25" not in html
    assert "85 % is capped at 80 %." in html
    assert "GBER Art. 25(6)(a)" in html
    assert "€45,000.00" in html  # the small coordinator: 45 % of 100 000
    assert "€40,000.00" in html  # the lab: 40 % of full cost
    assert "2 independent companies (at least 2)." in html
    assert "badge-passed" in html
    assert "unconfirmed parameter" not in html


def test_unconfirmed_city_of_paris_parameters_carry_a_badge(client: Any) -> None:
    c = consortium()
    open_call(code="fui-19", slug="a-fui")
    city = f.FunderFactory(name_en="City of Paris", name_fr="Ville de Paris")
    paris = open_call(code="city-of-paris", slug="b-paris", funder=city)
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    html = client.get(url(c.project), {"call": paris.slug}).content.decode()
    assert "The rules of City of Paris are unconfirmed" in html
    assert html.count("badge-unconfirmed") > 3
    french = client.get(url(c.project, "fr"), {"call": paris.slug})
    assert "Règles non confirmées (Ville de Paris)" in french.content.decode()


def test_what_if_a_partner_were_medium_sized_and_a_cost_higher(client: Any) -> None:
    c = consortium()
    open_call(code="fui-25")
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    base = client.get(url(c.project)).context["sim"]
    pid = str(c.large.pk)
    line_id = next(p for p in base["partners"] if p["id"] == pid)["lines"][0]["id"]
    response = client.get(url(c.project), {f"size_{pid}": "medium", f"amount_{line_id}": "300000"})
    sim = response.context["sim"]
    large = next(p for p in sim["partners"] if p["id"] == pid)
    # FUI 25: a medium SME in the cluster's territory gets 50 % (was 30 % as a large company).
    assert (large["size"], large["lines"][0]["intensity_pct"]) == ("medium", "50")
    assert large["max_aid"] == "150000.00"
    assert response.context["what_if"] is True
    assert response.context["baseline_total"] == Decimal(base["total_max_aid"])


def test_bad_what_if_values_are_reported_and_ignored(client: Any) -> None:
    c = consortium()
    open_call(code="fui-25")
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    base = client.get(url(c.project)).context["sim"]
    line_id = base["partners"][0]["lines"][0]["id"]
    response = client.get(url(c.project), {f"amount_{line_id}": "-1", "size_x": "giant"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["sim"]["total_max_aid"] == base["total_max_aid"]


def test_without_an_open_call_the_page_says_so(client: Any) -> None:
    c = consortium()
    closed_call()
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    response = client.get(url(c.project, "fr"))
    assert response.status_code == 200
    assert response.context["call"] is None


def _page_queries(client: Any, extra: int) -> int:
    c = consortium(extra_companies=extra)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url(c.project)).status_code == 200
    return len(ctx)


def test_the_page_needs_the_same_number_of_queries_for_3_or_8_partners(client: Any) -> None:
    open_call(code="fui-19")
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    client.get(url(consortium().project))  # warm the session and content types
    assert _page_queries(client, 0) == _page_queries(client, 5)


def test_a_wrong_amount_stays_in_its_field_with_its_error_in_french(client: Any) -> None:
    c = consortium()
    open_call(code="fui-25")
    client.force_login(f.user_with_role(Role.MEMBER, organisation=c.coordinator))
    base = client.get(url(c.project)).context["sim"]
    line_id = base["partners"][0]["lines"][0]["id"]
    response = client.get(url(c.project, "fr"), {f"amount_{line_id}": "12abc"})
    html = response.content.decode()
    field = re.search(rf'<input type="text" name="amount_{line_id}"[^>]*>', html)
    assert field is not None
    assert 'value="12abc"' in field.group(0) and 'aria-invalid="true"' in field.group(0)
    error = re.search(rf'<ul class="errorlist" id="id_amount_{line_id}-error"><li>([^<]+)', html)
    assert error is not None and error.group(1) == "Saisissez un nombre."
    # The field sits in its cost line's row, beside the figures it changes.
    row = html[html.index(f'name="amount_{line_id}"') :]
    assert row.index('data-label="Aide maximale"') < row.index("</tr>")
    assert "Une valeur n'a pas été comprise" in html
    assert response.context["sim"]["total_max_aid"] == base["total_max_aid"]


def test_a_french_decimal_comma_is_understood(client: Any) -> None:
    c = consortium()
    open_call(code="fui-25")
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    base = client.get(url(c.project)).context["sim"]
    line_id = base["partners"][0]["lines"][0]["id"]
    response = client.get(url(c.project, "fr"), {f"amount_{line_id}": "150000,50"})
    assert not response.context["form"].errors
    assert response.context["sim"]["partners"][0]["lines"][0]["eligible_cost"] == "150000.50"


def test_a_start_up_set_to_large_in_the_what_if_loses_the_start_up_bonus(client: Any) -> None:
    c = consortium(parents=False)
    c.coordinator.founded_on = dt.date(2024, 1, 1)
    c.coordinator.paris_arrondissement = 11
    c.coordinator.save()
    open_call(code="city-of-paris")
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    pid = str(c.coordinator.pk)
    before = next(
        p for p in client.get(url(c.project)).context["sim"]["partners"] if p["id"] == pid
    )
    assert before["is_startup"] and before["lines"][0]["intensity_pct"] == "55"
    for lang, note in (("en", "Size set in the what-if form"), ("fr", "Taille fixée")):
        response = client.get(url(c.project, lang), {f"size_{pid}": "large"})
        after = next(p for p in response.context["sim"]["partners"] if p["id"] == pid)
        assert not after["is_startup"]
        assert after["lines"][0]["intensity_pct"] == "25"  # the City's large rate, no +10
        assert any(n.startswith(note) for n in after["notes"])
        assert "startup.not_sme" in [s["code"] for s in after["steps"]]


def test_warnings_are_shown_above_the_figures(client: Any) -> None:
    c = consortium()
    open_call(code="pspc-regions")  # budget window EUR 1-4 m (row 40); the project has 400 k
    client.force_login(f.user_with_role(Role.ADMINISTRATOR))
    html = client.get(url(c.project, "fr")).content.decode()
    warnings = html[html.index('data-testid="warnings"') :]
    assert warnings.index("inférieur au minimum de l&#x27;appel") < warnings.index("partner-sim")

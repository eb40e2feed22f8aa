"""The import runs' pages as a reader sees them: translated report, tables that scroll on a
phone (found by the QA crawl of the real CORDIS/ANR runs, benchmarks/crawl_pages.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from grappe.core.models import Role
from grappe.core.tests.factories import user_with_role
from grappe.interop.importers import NOTE_SIREN_IN_RNSR
from grappe.interop.models import ImportRun, RunStatus

pytestmark = pytest.mark.django_db


def a_run() -> ImportRun:
    return ImportRun.objects.create(
        source="anr",
        file_name="anr_dos_partners.csv",
        status=RunStatus.SUCCEEDED,
        rows_processed=55_483,
        counts={
            "organisation": {"created": 17_997, "updated": 308, "unchanged": 498, "rejected": 0},
            NOTE_SIREN_IN_RNSR: {"created": 0, "updated": 23, "unchanged": 0, "rejected": 0},
        },
    )


def test_the_run_report_is_in_french_on_the_french_page(client) -> None:
    run = a_run()
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    url = reverse("interop:run_detail", kwargs={"pk": run.pk}).replace("/en/", "/fr/", 1)
    page = client.get(url).content.decode()
    table = page[page.index('data-testid="run-counts"') :]
    table = table[: table.index("</table>")]
    headings = re.findall(r"<th>([^<]*)</th>", table)
    assert headings == ["Entité", "créés", "mis à jour", "inchangés", "rejetés", "supprimés"]
    assert "Remarque : SIREN trouvé dans la colonne RNSR, déplacé vers SIREN" in table
    assert "note:" not in table and ">organisation<" not in table


def test_an_unknown_report_key_is_shown_as_it_is(client) -> None:
    run = a_run()
    run.counts = {"widget": {"created": 2}}
    run.save()
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    page = client.get(reverse("interop:run_detail", kwargs={"pk": run.pk})).content.decode()
    assert "<td>widget</td><td>2</td><td>0</td>" in page


@pytest.mark.parametrize("name", ["interop:run_list", "interop:run_detail"])
def test_the_run_tables_scroll_inside_their_container_on_a_phone(client, name) -> None:
    run = a_run()
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    kwargs = {"pk": run.pk} if name == "interop:run_detail" else {}
    page = client.get(reverse(name, kwargs=kwargs)).content.decode()
    tables = re.findall(r"(.{0,60})<table([^>]*)>", page)
    assert tables
    for before, attributes in tables:
        # .data-table scrolls itself under 48rem (grappe.css); .table-scroll is the container.
        assert 'class="table-scroll"' in before or "data-table" in attributes, attributes


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_run_page_fits_a_phone(live_server, browser_page) -> None:
    from django.test import Client

    page, errors = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    run = a_run()
    run.checksum = "3feb596ecc84dab7b837d082916e5aa4970d8ddb794cecf4298357578bd8039f"
    run.file_name = "anr_dos_partners_" + "x" * 60 + ".csv"
    run.save()
    client = Client()
    client.force_login(user_with_role(Role.ADMINISTRATOR))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    for path in ("/fr/imports/", f"/fr/imports/{run.pk}/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide at 390px"
    assert errors == []

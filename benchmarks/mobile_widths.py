"""Which pages are wider than a phone: one page of each main kind at 390 px in Chromium.

    DATABASE_URL=sqlite:////tmp/qa.sqlite3 grappe runserver 127.0.0.1:8765 --noreload &
    DATABASE_URL=sqlite:////tmp/qa.sqlite3 python benchmarks/mobile_widths.py --base http://127.0.0.1:8765

Picks the pages from the database (the organisation and the project with the most partners, a
call, a grant, a labelling session...), opens each in headless Chromium (`/usr/bin/chromium`, as
`grappe/core/tests/browser.py` launches it) at 390 x 844 as anonymous or as the demo login that
may see it (its session cookie made with Django's `force_login`), and prints, per page, the
document's scroll width and the tables or `pre` blocks wider than the viewport that have no
scrolling ancestor (`overflow-x: auto|scroll`). A page is flagged when
`document.documentElement.scrollWidth > 390`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 390

PROBE = """() => {
  const vw = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right <= vw + 1) continue;
    let scrolled = false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { scrolled = true; break; }
    }
    if (!scrolled) wide.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' right=' + Math.round(r.right) + ' ' + (el.textContent || '').trim().slice(0, 40).replace(/\\s+/g, ' '));
  }
  return {scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 6)};
}"""


def pages() -> list[tuple[str, str | None, str]]:
    from django.db.models import Count

    from grappe.funding.models import Call
    from grappe.grants.models import GrantAgreement
    from grappe.interop.models import ImportRun
    from grappe.labelling.models import CommitteeSession
    from grappe.projects.models import Project
    from grappe.registry.models import Cluster, Organisation

    big = Project.objects.annotate(n=Count("participations")).order_by("-n").first()
    org = Organisation.objects.annotate(n=Count("participations")).order_by("-n").first()
    demo_org = Organisation.objects.filter(is_demo=True).first()
    call = Call.objects.order_by("pk").first()
    cluster = Cluster.objects.order_by("pk").first()
    grant = GrantAgreement.objects.order_by("pk").first()
    session = CommitteeSession.objects.order_by("pk").first()
    run = ImportRun.objects.order_by("-rows_processed").first()
    found: list[tuple[str, str | None, str]] = [
        ("home", None, "/fr/"),
        ("organisation list", None, "/fr/organisations/"),
        ("project list", None, "/fr/projects/"),
        ("call list", None, "/fr/calls/"),
        ("search", None, "/fr/search/?q=CNRS"),
        ("search énergie", None, "/fr/search/?q=%C3%A9nergie"),
        ("my area", "applicant", "/fr/me/"),
        ("my area (manager)", "manager", "/fr/me/"),
        ("labelling", "manager", "/fr/labelling/"),
        ("grants manage", "officer", "/fr/grants/manage/"),
        ("calls manage", "officer", "/fr/calls/manage/"),
        ("imports", "admin", "/fr/imports/"),
        ("merges", "admin", "/fr/imports/merges/"),
        ("evaluation", "evaluator", "/fr/evaluation/"),
        ("partners", "applicant", "/fr/partners/"),
    ]
    if big:
        found.append((f"project {big.pk} ({big.n} partners)", None, f"/fr/projects/{big.pk}/"))
        found.append(("project, en", None, f"/en/projects/{big.pk}/"))
    if org:
        found.append(
            (
                f"organisation {org.pk} ({org.n} participations)",
                None,
                f"/fr/organisations/{org.pk}/",
            )
        )
    if demo_org:
        found.append(("demo organisation", None, f"/fr/organisations/{demo_org.pk}/"))
    if call:
        found.append(("call", None, f"/fr/calls/{call.slug}/"))
        found.append(("call (officer)", "officer", f"/fr/calls/{call.slug}/"))
    if cluster:
        found.append(("cluster", None, f"/fr/clusters/{cluster.slug}/"))
    if grant:
        found.append(("grant", "officer", f"/fr/grants/{grant.pk}/"))
    if session:
        found.append(("labelling session", "manager", f"/fr/labelling/sessions/{session.pk}/"))
    decided = Call.objects.filter(applications__isnull=False).order_by("pk").first()
    if decided:
        base = f"/fr/calls/{decided.slug}"
        found += [
            ("call applications", "officer", f"{base}/applications/"),
            ("call panel", "officer", f"{base}/panel/"),
            ("call allocation", "officer", f"{base}/allocation/"),
            ("call payments", "officer", f"{base}/payments/"),
        ]
        application = decided.applications.order_by("pk").first()
        found.append(("application", "officer", f"/fr/applications/{application.pk}/"))
    found += [
        ("funder", None, "/fr/funders/city-of-paris/"),
        ("import run", "admin", f"/fr/imports/{run.pk}/" if run else "/fr/imports/"),
    ]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from grappe.core.tests.browser import CHROMIUM, CHROMIUM_ARGS

    # The database is read before Playwright starts (its loop makes Django refuse queries).
    plan = pages()
    cookies: dict[str, str] = {}
    for who in {who for _, who, _ in plan if who}:
        client = Client()
        client.force_login(get_user_model().objects.get(username=who))
        cookies[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
    flagged = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for label, who, url in plan:
            context = browser.new_context(viewport={"width": WIDTH, "height": 844})
            if who:
                context.add_cookies(
                    [
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": cookies[who],
                            "url": args.base,
                        }
                    ]
                )
            page = context.new_page()
            response = page.goto(args.base + url, wait_until="load")
            result = page.evaluate(PROBE)
            status = response.status if response else 0
            mark = "WIDE" if result["scroll"] > WIDTH else "ok"
            flagged += mark == "WIDE"
            print(f"{mark:4} {result['scroll']:>5}px {status} {label:<40} {who or '-':<10} {url}")
            for item in result["wide"]:
                print(f"            {item}")
            context.close()
        browser.close()
    print(f"{flagged} page(s) wider than {WIDTH}px")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

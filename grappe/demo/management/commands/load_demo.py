"""`grappe load_demo`: the 12 real clusters and hubs, the funders and a synthetic demo ecosystem."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from grappe.demo.loader import DEMO_PASSWORD, DemoError, demo_load, demo_wipe
from grappe.funding.models import Funder
from grappe.projects.models import (
    Accreditation,
    BudgetLine,
    FundingLine,
    Participation,
    Project,
)
from grappe.registry.models import (
    Cluster,
    ClusterMembership,
    ClusterTheme,
    Organisation,
    OrganisationFigures,
    Ownership,
)


class Command(BaseCommand):
    help = (
        "Load the 12 real Paris clusters and hubs, the public funders and a deterministic "
        "synthetic demo ecosystem (organisations and projects flagged as demo data), plus one "
        "demo login per role. Safe to run again: nothing is duplicated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo organisations and projects first, then load them afresh.",
        )
        parser.add_argument(
            "--wipe",
            action="store_true",
            help="Only delete the demo organisations and projects (clusters and funders stay).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            if options["wipe"]:
                demo_wipe()
                self.stdout.write(self.style.SUCCESS("Demo organisations and projects deleted."))
                return
            result = demo_load(reset=options["reset"])
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if result.loaded_ecosystem:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s."))
        else:
            self.stdout.write(
                "Demo data already present: clusters and funders refreshed, nothing duplicated "
                "(use --reset to reload it)."
            )
        self._summary()
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD})")
        width = max([len(login.role) for login in result.logins] + [4])
        self.stdout.write(f"  {'login':<10} {'role':<{width}}  scope")
        for login in result.logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<{width}}  {login.scope}")

    def _summary(self) -> None:
        demo_projects = Participation.objects.filter(project__is_demo=True)
        rows = [
            ("Clusters and hubs", Cluster.objects.count()),
            ("Cluster themes", ClusterTheme.objects.count()),
            ("Funders", Funder.objects.count()),
            ("Organisations (demo)", Organisation.objects.filter(is_demo=True).count()),
            (
                "Yearly figures (demo)",
                OrganisationFigures.objects.filter(organisation__is_demo=True).count(),
            ),
            ("Ownership links (demo)", Ownership.objects.filter(held__is_demo=True).count()),
            (
                "Cluster memberships (demo)",
                ClusterMembership.objects.filter(organisation__is_demo=True).count(),
            ),
            ("Projects (demo)", Project.objects.filter(is_demo=True).count()),
            ("Participations (demo)", demo_projects.count()),
            (
                "Budget lines (demo)",
                BudgetLine.objects.filter(participation__project__is_demo=True).count(),
            ),
            (
                "Funding lines (demo)",
                FundingLine.objects.filter(participation__project__is_demo=True).count(),
            ),
            (
                "Accreditations (demo)",
                Accreditation.objects.filter(project__is_demo=True).count(),
            ),
            ("Users", get_user_model().objects.count()),
        ]
        width = max(len(label) for label, _ in rows)
        self.stdout.write("")
        for label, count in rows:
            self.stdout.write(f"  {label:<{width}} {count:>6}")

"""Fifty officers approve at the same time: the envelope's approved total never exceeds it."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from grappe.core.tests import factories as f
from grappe.decisions import selectors, services
from grappe.decisions.models import Envelope, LedgerEntry
from grappe.decisions.tests.helpers import ranked, small_project
from grappe.funding.models import Application
from grappe.funding.tests.helpers import open_call

RACERS = 50
EACH = Decimal("10000.00")
ENVELOPE = Decimal("255000.00")  # room for 25 approvals, not 26


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_approvals_never_exceed_the_envelope() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks are PostgreSQL's: pytest-django's in-memory SQLite database cannot hold "
            "concurrent connections (SQLite serialises writers: transaction_mode IMMEDIATE). "
            "Runs in CI's PostgreSQL pass (DATABASE_URL=postgres://...)."
        )
    call = open_call("race")
    officer = f.user_with_role("programme_officer", funder=call.funder)
    services.call_funding_set(actor=officer, call=call, envelope=ENVELOPE)
    jobs = []
    for i in range(RACERS):
        app = ranked(call, small_project(), rank=i + 1, score="10")
        partner = selectors.application_partners(call, app)[0]
        assert partner.cap >= EACH
        jobs.append((app, {(partner.participation.pk, call.funder_id): EACH}))

    barrier = threading.Barrier(RACERS)
    refused: list[str] = []
    errors: list[BaseException] = []

    def approve(app: Application, amounts: dict[tuple[int, int], Decimal]) -> None:
        try:
            barrier.wait()
            services.application_approve(actor=officer, application=app, amounts=amounts)
        except ValidationError as exc:
            refused.append(next(iter(exc.message_dict)))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    env = Envelope.objects.get(call=call)
    posted = sum(LedgerEntry.objects.filter(envelope=env).values_list("amount", flat=True))
    assert env.approved == posted <= env.amount
    assert env.approved == EACH * 25
    assert refused == ["envelope"] * (RACERS - 25)
    assert Application.objects.filter(call=call, status="funded").count() == 25

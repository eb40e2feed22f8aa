"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

# The browser fixtures (`chromium`, `browser_page`) and their constants live in the root
# `grappe/conftest.py`: one Playwright instance for the whole session, whichever app's test
# opens it first (a second sync instance in the process fails).
from grappe.conftest import CHROMIUM, CHROMIUM_ARGS, CSP_LISTENER, PageErrors  # noqa: F401


@pytest.fixture(scope="module")
def demo_site(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    """The demo (clusters, ecosystem, one login per role) loaded once for a module's tests, in a
    transaction rolled back at the end: the rest of the suite never sees it. Tests using it are
    marked `django_db` (the mark makes pytest-django create the test database); their own
    transaction nests inside this one as a savepoint, so each test's writes are undone too."""
    from django.db import transaction

    from grappe.demo.loader import demo_load

    with django_db_blocker.unblock(), transaction.atomic():
        result = demo_load()
        yield result
        transaction.set_rollback(True)

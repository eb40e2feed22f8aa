"""The module-wide demo (`demo_site`) of the core tests, for the demo loop's tests."""

from grappe.core.tests.conftest import demo_site  # noqa: F401

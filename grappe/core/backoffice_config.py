"""Installs `grappe.core.backoffice.BackOfficeSite` as Django's admin site (`admin.site`).

Kept apart from `backoffice` because INSTALLED_APPS imports it before the models are ready.
"""

from django.contrib.admin.apps import AdminConfig


class BackOfficeAdminConfig(AdminConfig):
    default_site = "grappe.core.backoffice.BackOfficeSite"

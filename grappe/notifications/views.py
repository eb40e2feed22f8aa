"""The inbox and the e-mail preferences (`me/notifications/`), thin over the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from grappe.core.lists import html_filterset, html_list
from grappe.core.scopes import scope_for
from grappe.notifications import selectors
from grappe.notifications.filters import NotificationFilterSet
from grappe.notifications.forms import PreferencesForm
from grappe.notifications.models import Notification
from grappe.notifications.rendering import link, shown
from grappe.notifications.services import mark_all_read, mark_read, preferences_set


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, unread ones highlighted; keyset pages."""
    scope = scope_for(request.user)
    filterset = html_filterset(
        NotificationFilterSet, request, selectors.notifications_for(scope=scope)
    )
    listing = html_list(filterset, request)
    listing.items = [shown(n) for n in listing.items]
    return render(
        request,
        "notifications/inbox.html",
        {
            "form": listing.form,
            "listing": listing,
            "unread": selectors.unread_count(scope=scope),
        },
    )


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification as read; with `open`, go on to its page."""
    try:
        notification = selectors.notification_get(scope=scope_for(request.user), pk=pk)
    except Notification.DoesNotExist:
        raise Http404(_("No such notification.")) from None
    mark_read(actor=request.user, notification=notification)
    if request.POST.get("open") and notification.url:
        return redirect(link(notification))
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = mark_all_read(actor=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return _back(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Which notifications the user also gets by e-mail (a checkbox per kind)."""
    user = request.user
    assert user.pk is not None
    choices = selectors.email_preferences(user_id=user.pk)
    form = PreferencesForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        changed = preferences_set(actor=user, user=user, email=form.email_choices())
        if changed:
            messages.success(request, _("Your e-mail preferences are saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})

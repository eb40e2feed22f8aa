"""Reminder of the labelling committees (`grappe notifications remind`): a member who has not
scored a submission when the session meets within `REMINDER_SCORE_DAYS_BEFORE` days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from grappe.labelling.models import CommitteeMember, MemberReview, Review
from grappe.notifications.domain import kinds
from grappe.notifications.reminders import reminder
from grappe.notifications.services import notify

PARIS = ZoneInfo("Europe/Paris")


@reminder("labelling.scores_missing")
def scores_missing(now: dt.datetime) -> int:
    """Each session member who has neither scored a review under way nor declared an interest
    (or been found in conflict) is reminded once per review, from `REMINDER_SCORE_DAYS_BEFORE`
    days before the meeting until its day (Paris dates)."""
    today = now.astimezone(PARIS).date()
    last = today + dt.timedelta(days=settings.REMINDER_SCORE_DAYS_BEFORE)
    reviews = Review.objects.filter(
        status="under_review", session__meets_on__gte=today, session__meets_on__lte=last
    ).select_related("session", "submission__project")
    written = 0
    for review in reviews:
        members = set(
            CommitteeMember.objects.filter(session=review.session_id).values_list(
                "user_id", flat=True
            )
        )
        done = set(
            MemberReview.objects.filter(review=review)
            .filter(Q(scored_at__isnull=False) | Q(has_conflict=True) | Q(declares_interest=True))
            .values_list("member_id", flat=True)
        )
        written += len(
            notify(
                actor=None,
                recipients=sorted(members - done),
                kind=kinds.COMMITTEE_SCORE_REMINDER,
                params={
                    "acronym": review.submission.project.acronym,
                    "session": review.session.title,
                    "date": review.session.meets_on.isoformat(),
                },
                url=reverse("labelling:review", args=[review.pk]),
                dedupe_key=f"scores-missing:review-{review.pk}",
            )
        )
    return written

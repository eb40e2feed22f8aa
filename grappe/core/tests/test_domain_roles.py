"""The role table: consistent, the one source of the role -> scope rule, and its doc is current."""

from __future__ import annotations

from dataclasses import fields

import pytest
from django.core.management import call_command

from grappe.core.domain.roles import (
    ASSIGNABLE_ROLES,
    ROLES,
    TABLE,
    Action,
    Relation,
    Role,
    Target,
    table_problems,
)
from grappe.core.domain.scope import Scope


def test_the_table_is_consistent() -> None:
    assert table_problems() == []


def test_a_relation_that_does_not_fit_the_role_is_refused_with_its_path() -> None:
    broken = {**TABLE, Action.OPEN_DATA_IMPORT: {Role.MEMBER: (Relation.OWN_CLUSTER,)}}
    assert table_problems(broken) == [
        "open_data.import / member / own_cluster: the relation compares cluster ids, "
        "but the role is scoped to organisation"
    ]


def test_every_scope_field_is_named_by_the_table() -> None:
    named = {ROLES[r].scope_field for r in ASSIGNABLE_ROLES}
    assert named == {f.name for f in fields(Scope)} - {"user_id"}


OFFICER = Scope.of(1, [(Role.PROGRAMME_OFFICER, 7)])
MANAGER = Scope.of(2, [(Role.CLUSTER_MANAGER, 3)])
ADMIN = Scope.of(3, [(Role.ADMINISTRATOR, None)])


@pytest.mark.parametrize(
    ("scope", "action", "target", "allowed"),
    [
        (OFFICER, Action.OPEN_DATA_IMPORT, None, False),
        (OFFICER, Action.MERGE_DECIDE, None, False),
        # An officer sees their own funder's funding-line imports, no other run.
        (OFFICER, Action.IMPORT_RUN_VIEW, Target.of(own_funder=[7]), True),
        (OFFICER, Action.IMPORT_RUN_VIEW, Target.of(own_funder=[8]), False),
        (OFFICER, Action.IMPORT_RUN_VIEW, Target(), False),
        (OFFICER, Action.FUNDING_LINES_IMPORT, Target.of(own_funder=[7]), True),
        (OFFICER, Action.FUNDING_LINES_IMPORT, Target.of(own_funder=[8]), False),
        (MANAGER, Action.FUNDING_LINES_IMPORT, Target.of(own_funder=[7]), False),
        (OFFICER, Action.CALL_MANAGE, Target.of(own_funder=[7]), True),
        (OFFICER, Action.CALL_MANAGE, Target.of(own_funder=[8]), False),
        (OFFICER, Action.CALL_MANAGE, Target(), False),  # a missing fact refuses
        (MANAGER, Action.CLUSTER_IMPORT_MEMBERS, Target.of(own_cluster=[3]), True),
        (MANAGER, Action.CLUSTER_IMPORT_MEMBERS, Target.of(own_cluster=[4]), False),
        (MANAGER, Action.OPEN_DATA_IMPORT, None, False),
        (ADMIN, Action.OPEN_DATA_IMPORT, None, True),
        (ADMIN, Action.MERGE_DECIDE, Target(), True),
        (Scope.public(), Action.PROJECT_VIEW, Target(public=True), True),
        (Scope.public(), Action.PROJECT_VIEW, Target(), False),
        (Scope.public(), Action.BACK_OFFICE_ENTER, None, False),
    ],
)
def test_can_reads_the_table(scope: Scope, action: Action, target: Target, allowed: bool) -> None:
    assert scope.can(action, target) is allowed


def test_reach_lists_the_users_ids_per_relation() -> None:
    reach = Scope.of(1, [(Role.MEMBER, 5), (Role.CLUSTER_MANAGER, 3)]).reach(Action.PROJECT_VIEW)
    assert not reach.everything and reach.public
    assert reach.links == {
        Relation.PARTNER: {5},
        Relation.ACCREDITED_BY_CLUSTER: {3},
        Relation.SUBMITTED_TO_CLUSTER: {3},
    }


def test_docs_permissions_md_is_generated_from_the_table() -> None:
    # Fails when the table changed and `grappe permissions_doc` was not run.
    call_command("permissions_doc", "--check")

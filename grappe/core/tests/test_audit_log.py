"""The audit log cannot be rewritten: triggers, the hash chain, `grappe audit verify`."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction

from grappe.core.audit_guard import (
    SQLITE_TRIGGERS,
    SQLITE_WRITE_LOCK,
    audit_triggers_install,
    audit_triggers_present,
)
from grappe.core.domain.audit_chain import GENESIS, HASHED_FIELDS, chain_verify, event_hash
from grappe.core.models import AuditEvent, Role
from grappe.core.selectors import audit_chain_check
from grappe.core.services import audit_record, role_assign, user_delete
from grappe.core.tests.factories import ClusterFactory, UserFactory

REFUSED = "audit events are append-only"


def _events(n: int, actor: Any = None) -> list[AuditEvent]:
    cluster = ClusterFactory()
    return [
        audit_record(actor=actor, action=f"test.step{i}", obj=cluster, after={"i": i})
        for i in range(n)
    ]


def _verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _verify_fails(*args: str) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="failed verification"):
        call_command("audit", "verify", *args, stdout=StringIO(), stderr=err)
    return err.getvalue()


def _triggers_off() -> None:
    """What someone with direct database access can do: drop or disable the triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute(
                "SET CONSTRAINTS ALL IMMEDIATE"
            )  # no pending FK checks: ALTER is allowed
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")


def _triggers_on() -> None:
    if connection.vendor == "sqlite":
        audit_triggers_install(connection)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_an_event_cannot_be_updated_or_deleted_through_the_orm() -> None:
    event = _events(1)[0]
    event.reason = "forged"
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        event.save()
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.step0"


@pytest.mark.django_db
def test_raw_sql_cannot_update_or_delete_either() -> None:
    event = _events(1)[0]
    for sql in (
        "UPDATE core_auditevent SET reason = 'forged' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match=REFUSED),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()


@pytest.mark.django_db
def test_postgresql_refuses_truncate() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite's is DELETE, covered above)")
    _events(1)
    with (
        pytest.raises(IntegrityError, match=REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_only_update_allowed_is_unlinking_the_actor() -> None:
    user, other = UserFactory(), UserFactory()
    event = _events(1, actor=user)[0]
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor=other)
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor=None, actor_name="someone else")
    AuditEvent.objects.filter(pk=event.pk).update(actor=None)
    with pytest.raises(IntegrityError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor=user)  # relinking is a rewrite too
    assert AuditEvent.objects.get(pk=event.pk).actor_name == user.username


@pytest.mark.django_db(transaction=True)
def test_deleting_a_user_keeps_their_events_with_their_name_and_role() -> None:
    admin, user, cluster = UserFactory(), UserFactory(username="leaving"), ClusterFactory()
    role_assign(actor=admin, user=user, role=Role.CLUSTER_MANAGER, cluster=cluster)
    audit_record(actor=user, action="cluster.edit", obj=cluster, after={"name": "New"})
    user_delete(actor=admin, user=user, reason="left the cluster")

    assert not get_user_model().objects.filter(username="leaving").exists()
    event = AuditEvent.objects.get(action="cluster.edit")
    assert event.actor_id is None
    assert event.actor_name == "leaving"
    assert event.actor_role == f"cluster_manager cluster={cluster.pk}"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["role.assign", "cluster.edit", "role.revoke", "user.delete"]
    deleted = AuditEvent.objects.get(action="user.delete")
    assert deleted.before["username"] == "leaving" and deleted.actor_name == admin.username
    out, _err = _verify()
    assert "Audit log intact: 4 events" in out


@pytest.mark.django_db
def test_verify_passes_on_an_untouched_chain_and_prints_the_head() -> None:
    events = _events(3)
    out, err = _verify()
    assert err == ""
    assert out.strip() == f"Audit log intact: 3 events, chain head {events[-1].hash}."
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash


@pytest.mark.django_db
def test_verify_speaks_french() -> None:
    _events(1)
    out, _err = _verify("--lang", "fr")
    assert out.startswith("Journal d'audit intact : 1 événement")


@pytest.mark.django_db
def test_verify_names_an_altered_event() -> None:
    events = _events(3)
    _triggers_off()
    AuditEvent.objects.filter(pk=events[1].pk).update(reason="nothing happened")
    _triggers_on()
    err = _verify_fails()
    assert err.strip() == (
        f"Event #{events[1].pk} (test.step1) was altered: its content no longer matches its hash."
    )


@pytest.mark.django_db
def test_verify_names_the_event_after_a_removed_one() -> None:
    events = _events(3)
    _triggers_off()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    _triggers_on()
    err = _verify_fails()
    assert err.strip() == (
        f"Event #{events[2].pk} (test.step2) does not follow the event before it: an event was "
        "removed before it."
    )


@pytest.mark.django_db
def test_verify_finds_a_rewritten_hash_and_missing_triggers() -> None:
    events = _events(2)
    _triggers_off()
    AuditEvent.objects.filter(pk=events[0].pk).update(hash="f" * 64)
    err = _verify_fails()
    assert f"Event #{events[0].pk} (test.step0) was altered" in err
    assert f"Event #{events[1].pk} (test.step1) does not follow" in err
    assert "is missing: the audit table can be rewritten" in err


@pytest.mark.django_db
def test_verify_with_a_noted_head_finds_events_removed_from_the_end() -> None:
    events = _events(3)
    head = events[-1].hash
    assert "intact" in _verify("--expect-hash", head)[0]
    _triggers_off()
    AuditEvent.objects.filter(pk=events[-1].pk).delete()
    _triggers_on()
    err = _verify_fails("--expect-hash", head)
    assert f"No event has the hash {head}" in err


@pytest.mark.django_db
def test_the_triggers_cover_every_column() -> None:
    """Fails when a migration adds a column, or remakes the table, without reinstalling them."""
    present = audit_triggers_present(connection)
    if connection.vendor == "sqlite":
        assert set(present) == set(SQLITE_TRIGGERS)
        columns = [f.column for f in AuditEvent._meta.concrete_fields if f.column != "actor_id"]
        update_trigger = present["core_auditevent_no_update"]
        missing = [c for c in columns if f'NEW."{c}" IS OLD."{c}"' not in update_trigger]
        assert not missing, f"reinstall the audit triggers (audit_triggers_install): {missing}"
    else:
        assert set(present) == {"core_auditevent_append_only", "core_auditevent_no_truncate"}


@pytest.mark.django_db
def test_events_hold_decimals_and_dates_as_the_database_gives_them_back() -> None:
    cluster = ClusterFactory()
    event = audit_record(
        actor=None,
        action="test.values",
        obj=cluster,
        before={"amount": Decimal("12.50"), "on": dt.date(2026, 1, 2), "big": 1e16, "f": 0.1},
    )
    stored = AuditEvent.objects.values("prev_hash", "hash", *HASHED_FIELDS).get(pk=event.pk)
    assert stored["before"]["amount"] == "12.50"
    assert event_hash(stored["prev_hash"], stored) == stored["hash"]


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_log_and_only_for_its_own_duration() -> None:
    _events(2)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    _events(1)
    with pytest.raises(IntegrityError, match=REFUSED):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_chain_correctly() -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        # pytest-django's SQLite test database is in memory with a shared cache, whose table
        # locks fail at once instead of waiting: the case is SQLite's single writer, covered
        # by the lock statement itself (test_the_sqlite_lock_takes_the_write_lock).
        pytest.skip("needs a file or PostgreSQL database for concurrent connections")
    cluster = ClusterFactory()
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with transaction.atomic():
                    audit_record(actor=None, action=f"test.thread{n}", obj=cluster, after={"i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    check = audit_chain_check()
    assert check.chain.count == 40
    assert check.intact, check.chain.breaks


def test_the_sqlite_lock_takes_the_write_lock(tmp_path: Any) -> None:
    """On SQLite the head is read after taking the single write lock: no other writer between."""
    path = tmp_path / "lock.sqlite3"
    first = sqlite3.connect(path, isolation_level=None, timeout=0)
    second = sqlite3.connect(path, isolation_level=None, timeout=0)
    first.execute("PRAGMA journal_mode=WAL")
    first.execute("CREATE TABLE core_auditevent (id INTEGER PRIMARY KEY, hash TEXT)")
    first.execute("BEGIN")
    first.execute(SQLITE_WRITE_LOCK)
    second.execute("BEGIN")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        second.execute("INSERT INTO core_auditevent (hash) VALUES ('x')")
    second.execute("ROLLBACK")
    first.execute("COMMIT")
    second.execute("INSERT INTO core_auditevent (hash) VALUES ('x')")  # free once committed
    first.close()
    second.close()


def test_the_chain_checker_reports_each_break_once() -> None:
    """The pure checker, on dictionaries: a removed middle event and an altered one."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows: list[dict[str, Any]] = []
    previous = GENESIS
    for i in range(4):
        row: dict[str, Any] = {f: "" for f in HASHED_FIELDS}
        row.update(id=i + 1, action=f"a{i}", before=None, after={"i": i}, created_at=now)
        row["prev_hash"], row["hash"] = previous, event_hash(previous, row)
        previous = row["hash"]
        rows.append(row)
    assert chain_verify(rows).intact
    rows[3]["reason"] = "changed"
    report = chain_verify([rows[0], rows[2], rows[3]])
    assert [(b.event_id, b.kind) for b in report.breaks] == [(3, "gap"), (4, "altered")]


@pytest.mark.django_db(transaction=True)
def test_the_sqlite_shell_cannot_delete_or_update_events_either(tmp_path: Any) -> None:
    """Outside Grappe the function the triggers call does not exist: the statement fails."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's triggers; PostgreSQL's need no function of Grappe's")
    _events(1)
    path = tmp_path / "copy.sqlite3"
    name = str(connection.settings_dict["NAME"])
    source = sqlite3.connect(name, uri=name.startswith("file:"))
    shell = sqlite3.connect(path)  # a plain connection, as the sqlite3 shell opens
    source.backup(shell)
    source.close()
    for sql in ("DELETE FROM core_auditevent", "UPDATE core_auditevent SET reason = 'x'"):
        with pytest.raises(sqlite3.OperationalError, match="no such function"):
            shell.execute(sql)
    assert shell.execute("SELECT COUNT(*) FROM core_auditevent WHERE reason = ''").fetchone() == (
        1,
    )
    shell.close()

"""What makes the audit log append-only in the database itself, per vendor.

- Triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on `core_auditevent`. The one
  UPDATE allowed is the one Django's `on_delete=SET_NULL` issues when a user is deleted: `actor_id`
  goes from a user to NULL and every other column stays as it was (the actor's name and role stay
  as text, and the hash chain does not cover `actor_id`).
- `audit_maintenance()` lifts the triggers for one connection, for the one operation that must
  empty the table: `grappe flush` (which the test suite uses between transactional tests). On
  SQLite the triggers call a function that exists only on Grappe's own connections, so the
  `sqlite3` shell cannot delete or update events either (it gets "no such function").
- `audit_chain_lock()` serialises the writers of the chain until their transaction ends, so that
  every event links to the one committed just before it.

The triggers are installed by the migration `core.*_audit_chain_and_triggers`. A later migration
that remakes the table on SQLite (Django drops and recreates it for many ALTERs) drops them: call
`audit_triggers_install` again in that migration; `test_the_triggers_cover_every_column` fails
until it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

TABLE = "core_auditevent"
SQLITE_TRIGGERS = ("core_auditevent_no_update", "core_auditevent_no_delete")
POSTGRES_TRIGGERS = ("core_auditevent_append_only", "core_auditevent_no_truncate")
REFUSAL = (
    "audit events are append-only: {op} on core_auditevent refused "
    "(only unlinking a deleted user, actor_id set to NULL, is allowed)"
)
# An arbitrary key that no other advisory lock of Grappe uses ("GRAPPE_A" in ASCII).
_ADVISORY_LOCK_KEY = 0x4752_4150_5045_5F41
_SQLITE_FUNCTION = "grappe_audit_maintenance"
# Matches no row, so no trigger fires, but takes SQLite's write lock like any write statement.
SQLITE_WRITE_LOCK = "UPDATE core_auditevent SET id = id WHERE 0"
_FLAG = "_grappe_audit_maintenance"


def sqlite_connection_setup(wrapper: Any) -> None:
    """Register the function the SQLite triggers call (connection_created receiver)."""
    if wrapper.vendor != "sqlite":
        return
    setattr(wrapper, _FLAG, getattr(wrapper, _FLAG, False))
    wrapper.connection.create_function(
        _SQLITE_FUNCTION, 0, lambda: int(bool(getattr(wrapper, _FLAG, False)))
    )


def _sqlite_trigger_sql(columns: list[str]) -> list[str]:
    unchanged = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in columns if c != "actor_id")
    return [
        f"""CREATE TRIGGER {SQLITE_TRIGGERS[0]} BEFORE UPDATE ON {TABLE} FOR EACH ROW
        WHEN NOT {_SQLITE_FUNCTION}() AND NOT (
            OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND {unchanged})
        BEGIN SELECT RAISE(ABORT, '{REFUSAL.format(op="UPDATE")}'); END""",
        f"""CREATE TRIGGER {SQLITE_TRIGGERS[1]} BEFORE DELETE ON {TABLE} FOR EACH ROW
        WHEN NOT {_SQLITE_FUNCTION}()
        BEGIN SELECT RAISE(ABORT, '{REFUSAL.format(op="DELETE")}'); END""",
    ]


_POSTGRES_SQL = [
    f"""CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('grappe.audit_maintenance', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
           AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation',
            MESSAGE = replace('{REFUSAL}', '{{op}}', TG_OP);
    END $$""",
    f"""CREATE TRIGGER {POSTGRES_TRIGGERS[0]} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()""",
    f"""CREATE TRIGGER {POSTGRES_TRIGGERS[1]} BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_append_only()""",
]


def audit_triggers_install(connection: Any) -> None:
    """(Re)create the triggers on this connection's database, for the table's current columns."""
    audit_triggers_drop(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, TABLE)
            ]
            statements = _sqlite_trigger_sql(columns)
        elif connection.vendor == "postgresql":
            statements = _POSTGRES_SQL
        else:  # pragma: no cover - Grappe supports these two
            raise NotImplementedError(f"no audit triggers for {connection.vendor}")
        for sql in statements:
            cursor.execute(sql)


def audit_triggers_drop(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name in POSTGRES_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}")
            cursor.execute("DROP FUNCTION IF EXISTS core_auditevent_append_only()")


def audit_triggers_present(connection: Any) -> dict[str, str]:
    """The installed triggers of the audit table: name → SQL (or the trigger function's body)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "WHERE t.tgrelid = %s::regclass AND NOT t.tgisinternal AND t.tgenabled <> 'D'",
                [TABLE],
            )
        return dict(cursor.fetchall())


def audit_triggers_expected(connection: Any) -> tuple[str, ...]:
    return SQLITE_TRIGGERS if connection.vendor == "sqlite" else POSTGRES_TRIGGERS


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Lift the triggers on this connection only, for wiping the whole database (flush)."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        setattr(connection, _FLAG, True)
        try:
            yield
        finally:
            setattr(connection, _FLAG, False)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET grappe.audit_maintenance = 'on'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET grappe.audit_maintenance")


def audit_chain_lock(connection: Any) -> None:
    """Hold the chain until the current transaction ends; call it inside transaction.atomic.

    PostgreSQL: a transaction-scoped advisory lock, released at commit or rollback, so the next
    writer reads the head only once this event is committed. SQLite has one writer at a time;
    a write statement (matching no row, so no trigger fires) takes the write lock before the head
    is read, instead of reading a snapshot that another writer could overtake.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        elif connection.vendor == "sqlite":
            cursor.execute(SQLITE_WRITE_LOCK)

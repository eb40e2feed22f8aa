"""An index for a list's default order, matching the ORDER BY of keyset pages on every database.

Keyset pages order by the list's keys with NULLs last (`grappe.core.pagination`). PostgreSQL can
walk an index for that order only if the index sorts NULLs the same way, which a plain
`Index(fields=["-start_date"])` does not (DESC puts NULLs first there); SQLite refuses NULLS
LAST in an index but its DESC already puts NULLs last. `KeysetIndex` writes the PostgreSQL
index with NULLS LAST on nullable keys and a plain index elsewhere.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F


class KeysetIndex(models.Index):
    """`KeysetIndex(fields=["-start_date", "acronym", "id"], name=...)`."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql" or not self.fields:
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        expressions = []
        for token in self.fields:
            name = token.lstrip("-")
            nullable = bool(model._meta.get_field(name).null)
            column = F(name)
            if token.startswith("-"):
                expressions.append(column.desc(nulls_last=True) if nullable else column.desc())
            else:
                expressions.append(column.asc(nulls_last=True) if nullable else column.asc())
        index = models.Index(*expressions, name=self.name)
        return index.create_sql(model, schema_editor, using=using, **kwargs)

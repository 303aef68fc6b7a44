"""Database helpers for the hot paths."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def insert_once(obj: models.Model) -> bool:
    """INSERT one row unless a unique constraint says it exists; True when it was inserted.

    One statement, `INSERT ... ON CONFLICT DO NOTHING RETURNING pk` (PostgreSQL, and SQLite
    3.35+): no transaction or savepoint around it, inside a transaction or not, and a conflict
    spoils nothing. Unique constraints so make "exactly one" a database fact (one live code per
    attempt, one trust per client and user, one account per address).
    """
    meta = obj._meta
    connection = connections[router.db_for_write(type(obj), instance=obj)]
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not (f.primary_key and obj.pk is None)]
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    sql = "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING RETURNING {}".format(  # noqa: S608  (names come from the model, values are parameters)
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        quote(meta.pk.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding, obj._state.db = False, connection.alias
    return True


def insert_rows(objs: Sequence[models.Model]) -> None:
    """INSERT rows of one model in one statement, with no BEGIN/COMMIT around it (the audit
    log's buffered events). Primary keys are not read back."""
    if len(objs) == 1:
        objs[0].save(force_insert=True)
        return
    meta = objs[0]._meta
    connection = connections[router.db_for_write(type(objs[0]), instance=objs[0])]
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    row = "({})".format(", ".join(["%s"] * len(fields)))
    values = [
        f.get_db_prep_save(f.pre_save(obj, add=True), connection) for obj in objs for f in fields
    ]
    sql = "INSERT INTO {} ({}) VALUES {}".format(  # noqa: S608  (names from the model; values are parameters)
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join([row] * len(objs)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)

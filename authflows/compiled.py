"""Querysets built and compiled once per process, then run with new values.

On the sign-in path a few join-heavy querysets run on every request with nothing new but a
key or two, and Django builds and compiles each of them again: measured on PostgreSQL, about
forty times the CPU the database spends running the statement. A Compiled query is built once
with marker values where the keys go; each call puts the keys in the compiled statement's
parameters and turns the row into model instances the way a QuerySet does (its model, the
select_related objects, the annotations)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # public in use, absent from the stubs

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    #: Where each named value goes in params.
    slots: dict[str, list[int]]
    db: str
    model: type[Model]
    init_list: list[str]
    model_columns: slice
    populators: list[Any]
    annotations: dict[str, int]
    converters: list[tuple[int, list[Callable[..., Any]], Any]]


class Compiled(Generic[M]):
    """`build(**marks)` must return the queryset with each marker used as a value; the marks
    are ints or strings that no real value takes (each must reach the parameters)."""

    def __init__(self, build: Callable[..., QuerySet[M]], **marks: int | str) -> None:
        self.build, self.marks = build, marks
        self._plan: _Plan | None = None

    def first(self, **values: int | str) -> M | None:
        plan = self._plan or self._compile()
        params = list(plan.params)
        for name, positions in plan.slots.items():
            for position in positions:
                params[position] = values[name]
        connection = connections[plan.db]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            found = cursor.fetchone()
        if found is None:
            return None
        row = list(found)
        for position, functions, expression in plan.converters:
            for convert in functions:
                row[position] = convert(row[position], expression, connection)
        obj = plan.model.from_db(plan.db, plan.init_list, row[plan.model_columns])
        for populator in plan.populators:
            populator.populate(row, obj)
        for name, position in plan.annotations.items():
            setattr(obj, name, row[position])
        return obj  # type: ignore[return-value]  # an instance of the queryset's model

    def _compile(self) -> _Plan:
        queryset = self.build(**self.marks)[:1]
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = {
            name: [i for i, p in enumerate(params) if type(p) is type(mark) and p == mark]
            for name, mark in self.marks.items()
        }
        missing = [name for name, positions in slots.items() if not positions]
        if missing:
            raise ValueError(f"markers not found in the compiled statement: {missing}")
        klass_info, select = compiler.klass_info, compiler.select
        assert klass_info is not None  # a model query always has one
        columns = klass_info["select_fields"]
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        self._plan = _Plan(
            sql=sql,
            params=tuple(params),
            slots=slots,
            db=queryset.db,
            model=klass_info["model"],
            init_list=[s[0].target.attname for s in select[columns[0] : columns[-1] + 1]],
            model_columns=slice(columns[0], columns[-1] + 1),
            populators=get_related_populators(klass_info, select, queryset.db),
            annotations=dict(compiler.annotation_col_map or {}),
            converters=[(pos, funcs, expr) for pos, (funcs, expr) in converters.items()],
        )
        return self._plan

"""Hot-path queries: statements PostgreSQL plans once per connection, querysets Django compiles once.

Django binds parameters on the client and never prepares (``prepare_threshold`` is None), so
PostgreSQL parses and plans every statement each time. For the few large statements a hot path
runs thousands of times on the same persistent connections (``CONN_MAX_AGE``), such as an exam's
start, ``execute_prepared`` binds on the server and prepares the statement on first use: later
executions on that connection skip parsing and planning. It goes through Django's cursor wrapper
(errors are Django's, ``execute_wrappers`` run, and tests' query counts see the statement).
On other databases it is an ordinary ``cursor.execute``.

``QueryTemplate`` is the Python side of the same idea: a queryset built and compiled once per
process, run with new ids.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import QuerySet

_PREPARE_ONLY_WHEN_ASKED = 2**31 - 1


@contextmanager
def execute_prepared(sql: str, params: Mapping | Sequence) -> Iterator:
    """Run ``sql`` with ``params`` (``%(name)s`` or ``%s`` placeholders) as a prepared statement; yield the cursor."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            yield cursor
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns preparing off (``prepare_threshold`` None), which also refuses ``prepare=True``.
        # Its own cursors bind on the client and never prepare whatever the threshold; only the
        # statements run here are prepared, each on its first execution.
        raw.prepare_threshold = _PREPARE_ONLY_WHEN_ASKED
    # Django's own cursor wrapper (debug or not) around a server-binding psycopg cursor.
    cursor = connection._prepare_cursor(ServerBindingCursor(raw))

    def prepared(sql, params, many, context):
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            return context["cursor"].cursor.execute(sql, params, prepare=True)

    try:
        if isinstance(cursor, CursorDebugWrapper):
            with cursor.debug_sql(sql, params):
                cursor._execute_with_wrappers(sql, params, many=False, executor=prepared)
        else:
            cursor._execute_with_wrappers(sql, params, many=False, executor=prepared)
        yield cursor
    finally:
        cursor.close()


# --- queries compiled once per process ------------------------------------------------

#: Stand-ins for the values a template is built with: int4 (no integer lookup treats them as out of
#: range), far above any id this platform will hand out, each one distinct.
_SENTINEL = 2_147_000_000


@dataclass(frozen=True)
class _Compiled:
    """A template's SQL and what turns its rows back into model instances (``ModelIterable``'s steps)."""

    model: type
    sql: str
    params: tuple
    slots: dict[int, str]  # parameter position → the keyword whose value goes there
    expressions: tuple  # the SELECT list, for the converters of the connection that runs it
    fields: tuple[str, ...]  # attnames of the model's columns, in the SELECT's order
    first: int  # position of the model's first column
    annotations: tuple[tuple[str, int], ...]  # (name, position)


class QueryTemplate:
    """A queryset that Django builds and compiles once per process; each call runs its SQL with new ids.

    Building and compiling a queryset with a few subqueries costs a couple of milliseconds of
    Python each time, and planning it a couple more in PostgreSQL, far more than executing it.
    On a hot path whose query differs only in a few ids (the exam being started, the person
    starting it), ``build`` is called once with stand-in ids, the SQL and its parameters are
    kept, and each call runs that SQL with the stand-ins replaced, as a prepared statement
    (``execute_prepared``: planned once per connection). The rows become instances as the
    queryset's would: the model's fields through ``Model.from_db`` and the queryset's
    annotations as attributes, each column through the database's and the field's converters.
    A value that is not an int (``None`` gives SQL of another shape, ``IS NULL``) runs the
    queryset as built, uncached.

    ``build`` takes keyword arguments only and returns a queryset without ``select_related``,
    ``prefetch_related``, ``values()`` or ``defer``/``only``.
    """

    def __init__(self, build: Callable[..., QuerySet]):
        self._build = build
        self._names = tuple(inspect.signature(build).parameters)
        self._compiled: dict[str, _Compiled] = {}

    def __call__(self, **values) -> list:
        if set(values) != set(self._names):
            raise TypeError(f"{self._build.__qualname__} takes {self._names}, not {tuple(values)}")
        if not all(type(value) is int for value in values.values()):
            return list(self._build(**values))
        db = connection.alias
        compiled = self._compiled.get(db) or self._compile(db)
        # A stand-in may come typed (psycopg's ``Int4`` for a ``Value``): the id goes in the same type.
        bound = [
            type(param)(values[compiled.slots[i]]) if i in compiled.slots else param
            for i, param in enumerate(compiled.params)
        ]
        with execute_prepared(compiled.sql, bound) as cursor:
            rows = cursor.fetchall()
        if not rows:
            return []
        converters = connection.ops.compiler("SQLCompiler")(None, connection, db).get_converters(compiled.expressions)
        last = compiled.first + len(compiled.fields)
        result = []
        for row in rows:
            if converters:
                row = list(row)
                for position, (functions, expression) in converters.items():
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
            instance = compiled.model.from_db(db, compiled.fields, row[compiled.first : last])
            for name, position in compiled.annotations:
                setattr(instance, name, row[position])
            result.append(instance)
        return result

    def _compile(self, db: str) -> _Compiled:
        stand_ins = {name: _SENTINEL + n for n, name in enumerate(self._names)}
        queryset = self._build(**stand_ins)
        query = queryset.query
        if query.select_related or queryset._prefetch_related_lookups or query.deferred_loading[0] or queryset._fields:
            raise ValueError(f"{self._build.__qualname__}: a template reads whole rows of one model")
        compiler = query.get_compiler(db)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in stand_ins.items()}
        slots = {
            i: by_value[int(param)]
            for i, param in enumerate(params)
            if isinstance(param, int) and not isinstance(param, bool) and int(param) in by_value
        }
        missing = set(self._names) - set(slots.values())
        if missing or any(str(value) in sql for value in stand_ins.values()):
            # A value written into the SQL itself (or not used): it cannot be replaced.
            raise ValueError(f"{self._build.__qualname__}: {sorted(missing) or 'a value'} is not a query parameter")
        columns = compiler.klass_info["select_fields"]
        compiled = _Compiled(
            model=queryset.model,
            sql=sql,
            params=tuple(params),
            slots=slots,
            expressions=tuple(expression for expression, _sql, _alias in compiler.select),
            fields=tuple(compiler.select[i][0].target.attname for i in columns),
            first=columns[0],
            annotations=tuple(compiler.annotation_col_map.items()),
        )
        self._compiled[db] = compiled
        return compiled

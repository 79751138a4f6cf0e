"""A SQLAlchemy statement compiled once for a dialect and run as its SQL text by the driver.

The hot paths (the incoming-SMS webhook above all) run the same few statements thousands
of times: SQLAlchemy's compilation and cache-key work per execution costs more than
SQLite's own work. ``Compiled`` keeps the SQL text and the converted parameters; callers
pass the per-call values by name and hand ``sql`` and ``args(values)`` to the driver
(``sqlite3``, asyncpg).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Compiled:
    """A statement compiled once for a dialect: its SQL text, its positional parameters
    with the statement's own values already converted (the IN lists of constants: most of
    the ninety-odd), and the positions of the parameters given per call, with the type's
    bind processor (what SQLAlchemy would apply: UTC datetimes as SQLite text...)."""
    sql: str
    held: tuple[Any, ...]  # every position, the statement's own values converted
    given: tuple[tuple[int, str, Any, Any], ...]  # (position, name, default, processor)

    @classmethod
    def of(cls, statement: Any, dialect: Any, given: tuple[str, ...]) -> Compiled:
        # The IN lists of constants become plain parameters; ``given`` ones come per call.
        from sqlalchemy.sql import visitors

        def optional(bind: Any) -> None:
            if bind.key in given:
                bind.required = False

        compiled = visitors.cloned_traverse(statement, {}, {"bindparam": optional}).compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True})
        held = compiled.construct_params()
        processors = compiled._bind_processors
        params = [(name, held.get(name), processors.get(name)) for name in compiled.positiontup or ()]
        return cls(compiled.string,
                   tuple(process(value) if process is not None and value is not None else value
                         for _name, value, process in params),
                   tuple((i, name, value, process) for i, (name, value, process) in enumerate(params)
                         if name in given))

    def args(self, values: dict[str, Any]) -> list[Any]:
        out = list(self.held)
        for i, name, default, process in self.given:
            value = values.get(name, default)
            out[i] = process(value) if process is not None and value is not None else value
        return out

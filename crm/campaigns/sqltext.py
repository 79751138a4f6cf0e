"""A plain body's text and segments computed by the database, for the rows where that
gives exactly what rendering and analysing in Python gives.

A 100,000-recipient launch spent most of its time rendering and analysing texts in Python
and sending them back to the database. For a plain body (text and bare ``{{ name }}``,
nearly every campaign: ``templating.plain_parts``) the text is a concatenation: the launch
builds it in ONE ``INSERT … SELECT`` a chunk, and the preview adds segments up in SQL.

The SQL text is the Python one: the campaign's variables are rendered in Python and join
the literal parts (bound parameters, never formatted into the SQL); a tenant field is its
column, NULL written ""; the ends are stripped of what ``str.strip`` strips. Its segments
are plain length arithmetic, which is only right when every character costs one unit; so
the database also classifies each row by the characters of its printed values
(``values_code``: a Python function SQLite calls, regular expressions on PostgreSQL):

- the manager's text all GSM-7 basic and the values too: GSM-7, one unit a character;
- the manager's text all GSM-7 basic, the values holding characters outside GSM-7, none
  of them white space, an escape character or beyond the BMP (a residence "La Chênaie"):
  UCS-2, one unit a character (the launch without ``plain_values``; the preview groups
  these rows by those values to name the characters and price the plain alternative);
- the manager's text holding a character outside GSM-7 that stays after stripping (the
  text is UCS-2 whatever the values), the values none beyond the BMP (with ``plain_values``
  or in the preview: all GSM-7 basic): UCS-2, one unit a character plus one for each
  character of the manager's text beyond the BMP.

Any other row (an escape character, an emoji, a value ``plain_values`` would change, a
blank required field, a text too long) goes through Python, which also raises the
refusals with their usual messages. A body whose own text has GSM-7 escape characters
(``€``, ``[``...) or only odd white space outside GSM-7 goes wholly through Python.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Mapping
from typing import Any

from sqlalchemy import String, and_, case, func, literal, not_, or_, select
from sqlalchemy import text as sql_statement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnClause

from crm.campaigns.templating import TENANT_NAMES, MessageTemplate
from crm.models import Agency
from crm.phones import format_phone
from crm.sms.encoding import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    GSM7_MULTI,
    GSM7_SINGLE,
    MAX_CHARACTERS,
    MAX_SEGMENTS,
    UCS2_MULTI,
    UCS2_SINGLE,
)

MAX_AGENCY_PHONES = 500  # agency_phone is a CASE over the agencies' phones: past it, Python

# What str.strip() strips: every character str.isspace() says is white space.
WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())

# What a row's values are made of (``values_class``).
BASIC = 0  # GSM-7 basic characters only
UCS2 = 1  # characters outside GSM-7, none of them white space, an escape character or beyond the BMP
OTHER = 2  # neither, none beyond the BMP
ASTRAL = 3  # a character beyond the BMP (an emoji: two UTF-16 units)
SQLITE_FUNCTION = "crm_values_code"
_ODD = GSM7_EXTENDED | (frozenset(WHITESPACE) - GSM7_BASIC)  # escape characters, odd white space


def _char_class(chars: frozenset[str]) -> str:
    """The characters of a regular expression's class, escaped."""
    return "".join("\\" + ch if ch in "\\]^-[" else ch for ch in sorted(chars))


# A search for a character outside GSM-7 basic: about half the time of a frozenset's
# issuperset on a row's values (which makes a one-character string of each).
_not_basic = re.compile("[^" + _char_class(GSM7_BASIC) + "]").search
_isspace = str.isspace


def values_class(text: str | None) -> int:
    """The class of a row's printed values, joined."""
    if not text or _not_basic(text) is None:
        return BASIC
    if max(text) > "\uffff":
        return ASTRAL
    return UCS2 if _ODD.isdisjoint(text) else OTHER


@functools.lru_cache(maxsize=4096)
def _odd_value_class(value: str) -> int:
    """``values_class`` of one value outside GSM-7 basic: an agency, a residence, a
    name, the same few again and again."""
    return values_class(value)


def values_code(required: int, *values: str | None) -> int:
    """SQLite's ``crm_values_code(required, v1, v2...)``: ``values_class`` of the values
    joined, plus 4 << i for each value i that is blank and required (bit i of ``required``)
    and 4 << (n + i) for each value i not all GSM-7 basic (n values). One call a row, at C
    speed inside (SQLite's GLOB, or trim with a class of characters, cost 3 to 10 times
    more for 100,000 rows).

    The class of the values joined is the highest of their own classes (BASIC < UCS2 <
    OTHER < ASTRAL: a character beyond the BMP, else an odd one, else one outside GSM-7)."""
    try:
        joined = "".join(values)  # the SQL coalesces them: no NULL
    except TypeError:
        joined = "".join([v for v in values if v])
    code = BASIC
    if _not_basic(joined) is not None:
        n, kind = len(values), BASIC
        for i, v in enumerate(values):
            if v and _not_basic(v) is not None:
                kind = max(kind, _odd_value_class(v))
                code |= 4 << (n + i)
        code |= kind
    elif not required or (all(values) and not any(map(_isspace, values))):
        return BASIC  # most rows: all GSM-7 basic, nothing blank
    for i, v in enumerate(values):
        if required >> i & 1 and not (v and not v.isspace()):  # blank: str.strip() leaves nothing
            code |= 4 << i
    return code


def _regex_not_in(chars: frozenset[str]) -> str:
    """A PostgreSQL regular expression matching a text holding a character outside ``chars``."""
    ranges = [r for r in (("a", "z"), ("A", "Z"), ("0", "9"))
              if all(chr(c) in chars for c in range(ord(r[0]), ord(r[1]) + 1))]
    covered = {chr(c) for lo, hi in ranges for c in range(ord(lo), ord(hi) + 1)}
    rest = chars - covered
    return "[^" + "".join(f"{lo}-{hi}" for lo, hi in ranges) + _char_class(rest) + "]"


_PG_NOT_BASIC = _regex_not_in(GSM7_BASIC)
_PG_ODD = "[" + _char_class(_ODD) + "]"
_PG_ASTRAL = "[\U00010000-\U0010ffff]"


_REGISTERED: weakref.WeakSet[Any] = weakref.WeakSet()  # SQLite connections that have the function


async def prepare_connection(session: AsyncSession) -> None:
    """Give this session's SQLite connection ``crm_values_code``; on PostgreSQL, turn JIT
    compilation off for the transaction (it took 2.7 s of a 100,000-recipient preview to
    compile a statement that then ran in 1.7 s)."""
    if session.get_bind().dialect.name != "sqlite":
        await session.execute(sql_statement("SET LOCAL jit = off"))
        return
    conn = await session.connection()
    raw = (await conn.get_raw_connection()).driver_connection  # aiosqlite's connection
    if raw is None or raw not in _REGISTERED:  # once a connection (a round trip to its thread)
        await conn.run_sync(lambda c: c.connection.dbapi_connection.create_function(
            SQLITE_FUNCTION, -1, values_code, deterministic=True))
        if raw is not None:
            _REGISTERED.add(raw)


def _survives_strip(literal: str, i: int) -> bool:
    return bool(literal[:i].strip()) and bool(literal[i + 1:].strip())


def _segments(units: Any, single: int, multi: int) -> Any:
    # Integer division on both databases (SQLAlchemy's "/" would make it a true division).
    return case((units == 0, 0), (units <= single, 1), else_=(units + (multi - 1)).self_group().op("/")(multi))


def _max_units(single: int, multi: int) -> int:
    """The most units a text may take within MAX_SEGMENTS (and MAX_CHARACTERS)."""
    return min(MAX_CHARACTERS, multi * MAX_SEGMENTS if MAX_SEGMENTS > 1 else single)


class SqlText:
    """The SQL of a plain body's text over a select's columns (``recipients_select``).

    ``for_body(columns)`` gives the expressions; build with ``SqlText.of`` (None when the
    body is not plain or its own text has escape characters)."""

    def __init__(self, literals: list[str], names: list[str], required: set[str], *,
                 plain_values: bool, ucs2_literal: bool, astral_in_literal: int, dialect: str,
                 agency_phones: Mapping[str | None, str]) -> None:
        self.literals = literals  # len(names) + 1 parts
        self.names = names  # tenant fields, in order
        self.required = sorted(n for n in set(names) if n in required)
        self.plain_values = plain_values
        self.ucs2_literal = ucs2_literal
        self.astral_in_literal = astral_in_literal
        self.dialect = dialect
        self.agency_phones = dict(agency_phones)

    @classmethod
    def of(cls, template: MessageTemplate, dialect: str,
           agency_phones: Mapping[str | None, str]) -> SqlText | None:
        parts = template.plain_parts
        if parts is None:
            return None
        values = template.variables
        literals, names = [parts[0]], []
        for i in range(1, len(parts), 2):
            name = parts[i]
            if name in TENANT_NAMES:
                names.append(name)
                literals.append(parts[i + 1])
            elif name in values:
                literals[-1] += str(template.finalize(values[name])) + parts[i + 1]
            else:
                return None  # the sandbox names what is missing
        joined = "".join(literals)
        ucs2 = False
        if not GSM7_BASIC.issuperset(joined):
            culprits = [i for i, ch in enumerate(joined) if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED]
            ucs2 = any(not joined[i].isspace() or _survives_strip(joined, i) for i in culprits)
            if not ucs2:
                return None  # escape characters, or only white space that may be stripped
        # The ends: stripped here when the manager's text has something else before
        # (after) the first (last) value, else by the database.
        if len(literals) == 1:
            literals = [literals[0].strip()]
        else:
            if literals[0].strip():
                literals[0] = literals[0].lstrip()
            if literals[-1].strip():
                literals[-1] = literals[-1].rstrip()
        return cls(literals, names, template.required, plain_values=template.plain_values,
                   ucs2_literal=ucs2, astral_in_literal=sum(ch > "\uffff" for ch in joined),
                   dialect=dialect, agency_phones=agency_phones)

    @property
    def strip_start(self) -> bool:
        return len(self.literals) > 1 and not self.literals[0].strip()

    @property
    def strip_end(self) -> bool:
        return len(self.literals) > 1 and not self.literals[-1].strip()

    # --- expressions ------------------------------------------------------------------

    def value(self, columns: Mapping[str, Any], name: str) -> Any:
        if name == "agency_phone":
            raw = columns["agency_phone"]
            whens = [(raw == phone, literal(text, String)) for phone, text in self.agency_phones.items()
                     if phone is not None]
            return case(*whens, else_=literal("", String)) if whens else literal("", String)
        return func.coalesce(columns[name], literal("", String))

    def text_select(self, columns: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` (the text) and ``code`` (``values_code`` of the values), computed once
        in an inner select so that the outer one reads them (SQLite would compute an
        expression again at each use)."""
        values = {n: self.value(columns, n) for n in dict.fromkeys(self.names)}
        body: Any = literal(self.literals[0], String)
        for name, text in zip(self.names, self.literals[1:], strict=True):
            body = body.concat(values[name])
            if text:
                body = body.concat(literal(text, String))
        ws = literal(WHITESPACE, String)
        if self.strip_start and self.strip_end:
            body = func.trim(body, ws) if self.dialect == "sqlite" else func.btrim(body, ws)
        elif self.strip_start:
            body = func.ltrim(body, ws)
        elif self.strip_end:
            body = func.rtrim(body, ws)
        return {"body": body, "code": self._code(values)}

    def _code(self, values: dict[str, Any]) -> Any:
        """``values_code`` of the row: its class, and a bit for each blank required value."""
        names = list(values)
        if not names:
            return literal(BASIC)
        if self.dialect == "sqlite":
            required = sum(1 << i for i, n in enumerate(names) if n in self.required)
            return getattr(func, SQLITE_FUNCTION)(required, *values.values())
        joined: Any = None
        for v in values.values():
            joined = v if joined is None else joined.concat(v)
        code: Any = case((joined.op("!~")(literal(_PG_NOT_BASIC, String)), BASIC),
                         (joined.op("~")(literal(_PG_ASTRAL, String)), ASTRAL),
                         (joined.op("~")(literal(_PG_ODD, String)), OTHER), else_=UCS2)
        ws = literal(WHITESPACE, String)
        for i, n in enumerate(names):
            if n in self.required:
                code = code + case((func.length(func.btrim(values[n], ws)) == 0, 4 << i), else_=0)
            code = code + case((values[n].op("~")(literal(_PG_NOT_BASIC, String)), 4 << (len(names) + i)),
                               else_=0)
        return code

    def figures(self, columns: Mapping[str, Any]) -> dict[str, Any]:
        """Over a select of ``text_select``'s columns: ``units``, ``segments``, ``gsm``
        (the text is GSM-7), ``sql_launch`` (SQL's text and segments are right and the
        launch may write them), ``sql_preview`` (the preview may add them up),
        ``blank_<name>`` (1 when that required value is blank, else 0) and ``odd_<name>``
        (1 when that value is not all GSM-7 basic)."""
        body, code = columns["body"], columns["code"]
        kind = code.op("%")(4)
        names = list(dict.fromkeys(self.names))
        blanks = {f"blank_{n}": code.op("/")(4 << i).self_group().op("%")(2)
                  for i, n in enumerate(names) if n in self.required}
        blanks.update({f"odd_{n}": code.op("/")(4 << (len(names) + i)).self_group().op("%")(2)
                       for i, n in enumerate(names)})
        basic, no_astral, ucs2_values = kind == BASIC, kind < ASTRAL, kind == UCS2
        length = func.length(body)
        any_blank = code.op("%")(4 << len(names)) >= 4
        if self.ucs2_literal:
            units = length + self.astral_in_literal
            gsm: Any = literal(False)
            segments = _segments(units, UCS2_SINGLE, UCS2_MULTI)
            preview_ok = basic
            launch_kind = basic if self.plain_values else no_astral
            launch_ok = and_(launch_kind, units <= _max_units(UCS2_SINGLE, UCS2_MULTI))
        else:
            units = length
            gsm = basic
            segments = case((basic, _segments(units, GSM7_SINGLE, GSM7_MULTI)),
                            else_=_segments(units, UCS2_SINGLE, UCS2_MULTI))
            # Values outside GSM-7 (a residence "La Chênaie"): UCS-2, one unit a character;
            # the preview groups them by those values (``odd_<name>``), not one by one.
            preview_ok = basic if self.plain_values else or_(basic, ucs2_values)
            fits_gsm = and_(basic, units <= _max_units(GSM7_SINGLE, GSM7_MULTI))
            if self.plain_values:
                launch_ok = fits_gsm
            else:
                launch_ok = or_(fits_gsm, and_(no_astral, ucs2_values,
                                               units <= _max_units(UCS2_SINGLE, UCS2_MULTI)))
        return {"units": units, "segments": segments, "gsm": gsm,
                "sql_launch": and_(launch_ok, not_(any_blank)), "sql_preview": preview_ok, **blanks}


async def sql_text_for(session: AsyncSession, template: MessageTemplate) -> SqlText | None:
    """The SQL text of ``template`` on this session's database, None when Python renders it."""
    parts = template.plain_parts
    if parts is None:
        return None
    phones: dict[str | None, str] = {}
    if "agency_phone" in parts[1::2]:
        raw = (await session.scalars(select(Agency.phone).distinct().limit(MAX_AGENCY_PHONES + 1))).all()
        if len(raw) > MAX_AGENCY_PHONES:
            return None
        phones = {p: format_phone(p) for p in raw}
    return SqlText.of(template, session.get_bind().dialect.name, phones)


def columns_of(selectable: Any) -> dict[str, ColumnClause[Any]]:
    return {c.name: c for c in selectable.c}

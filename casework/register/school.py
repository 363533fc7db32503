"""A school's description (identity, signatories, register times, terms) read from a TOML file."""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any


class SchoolFileError(ValueError):
    """A school file that cannot be read; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Signatory:
    name: str
    position: str


@dataclass(frozen=True, slots=True)
class RegisterTimes:
    am_opens: time
    am_closes: time
    pm_opens: time
    pm_closes: time


@dataclass(frozen=True, slots=True)
class DateRange:
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Term:
    name: str
    start: date
    end: date
    half_term: DateRange | None = None
    inset_days: tuple[date, ...] = ()
    closures: tuple[date, ...] = ()  # other planned closures (polling days, extra bank holidays)


@dataclass(frozen=True, slots=True)
class SchoolConfig:
    urn: str
    name: str
    la_code: str
    policy: str
    head: Signatory
    attendance_lead: Signatory
    registers: RegisterTimes
    terms: tuple[Term, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    # The head's decisions delegated to named staff: `[school] leave_delegates = ["j.deputy",
    # "Deputy Headteacher"]` (usernames or positions) is {"leave": ("j.deputy", ...)}.
    delegates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # For the letterhead: the school's postal address (one line per item), phone and email.
    address: tuple[str, ...] = ()
    phone: str = ""
    email: str = ""


def _where(path: str | Path, key: str) -> str:
    return f"{path}: {key}"


def _require(
    table: dict[str, Any], key: str, kind: type | tuple[type, ...], path: str, at: str
) -> Any:
    if key not in table:
        raise SchoolFileError(f"{_where(path, at + key)} is missing")
    value = table[key]
    # TOML datetimes are also dates; a plain date is what a school day needs.
    if kind is date and not (isinstance(value, date) and type(value) is date):
        raise SchoolFileError(
            f"{_where(path, at + key)} must be a date like 2025-09-03, not {value!r}"
        )
    if not isinstance(value, kind):
        expected = (
            kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        )
        raise SchoolFileError(f"{_where(path, at + key)} must be a {expected}, not {value!r}")
    return value


_CLOCK = re.compile(r"\d\d:\d\d(:\d\d)?")


def _time(table: dict[str, Any], key: str, path: str) -> time:
    raw = table.get(key)
    if raw is None:
        raise SchoolFileError(f"{_where(path, 'registers.' + key)} is missing")
    if isinstance(raw, time):
        return raw
    # Only "HH:MM" or "HH:MM:SS": time.fromisoformat alone would read the number 1310 as 13:10.
    if isinstance(raw, str) and _CLOCK.fullmatch(raw):
        try:
            return time.fromisoformat(raw)
        except ValueError:
            pass
    raise SchoolFileError(
        f'{_where(path, "registers." + key)} must be a time like "08:45", not {raw!r}'
    )


def _signatory(table: dict[str, Any], key: str, path: str) -> Signatory:
    raw = _require(table, key, dict, path, "school.")
    name = _require(raw, "name", str, path, f"school.{key}.")
    position = _require(raw, "position", str, path, f"school.{key}.")
    return Signatory(name=name, position=position)


def _dates(raw: Any, path: str, at: str) -> tuple[date, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(type(d) is date for d in raw):
        raise SchoolFileError(f"{_where(path, at)} must be a list of dates like [2026-01-05]")
    return tuple(raw)


def _term(raw: Any, index: int, path: str) -> Term:
    at = f"terms[{index}]."
    if not isinstance(raw, dict):
        raise SchoolFileError(f"{_where(path, f'terms[{index}]')} must be a table, not {raw!r}")
    name = _require(raw, "name", str, path, at)
    start = _require(raw, "start", date, path, at)
    end = _require(raw, "end", date, path, at)
    if end < start:
        raise SchoolFileError(f"{_where(path, at + 'end')} ({end}) is before the start ({start})")
    half_term = None
    if "half_term" in raw:
        ht = _require(raw, "half_term", dict, path, at)
        ht_start = _require(ht, "start", date, path, at + "half_term.")
        ht_end = _require(ht, "end", date, path, at + "half_term.")
        if not (start < ht_start <= ht_end < end):
            raise SchoolFileError(
                f"{_where(path, at + 'half_term')} ({ht_start} to {ht_end}) must lie inside "
                f"the term ({start} to {end})"
            )
        half_term = DateRange(ht_start, ht_end)
    inset = _dates(raw.get("inset_days"), path, at + "inset_days")
    closures = _dates(raw.get("closures"), path, at + "closures")
    for key, days in (("inset_days", inset), ("closures", closures)):
        for day in days:
            if not start <= day <= end:
                raise SchoolFileError(
                    f"{_where(path, at + key)}: {day} is outside the term ({start} to {end})"
                )
    return Term(name, start, end, half_term, inset, closures)


_DELEGATES = "_delegates"


def _delegates(school: dict[str, Any], path: str) -> dict[str, tuple[str, ...]]:
    out = {}
    for key, raw in school.items():
        if not key.endswith(_DELEGATES):
            continue
        if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
            raise SchoolFileError(
                f"{_where(path, 'school.' + key)} must be a list of usernames or positions, "
                f'like ["j.deputy"], not {raw!r}'
            )
        out[key.removesuffix(_DELEGATES)] = tuple(v.strip() for v in raw)
    return out


def _address(raw: Any, path: str, at: str) -> tuple[str, ...]:
    """An address as lines: a list of lines, or one string with lines split by newlines or
    commas."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [part for line in raw.splitlines() for part in line.split(",")]
    if not isinstance(raw, list) or not all(isinstance(line, str) for line in raw):
        raise SchoolFileError(
            f'{_where(path, at)} must be lines of text, like ["1 High Street", "Town", "ZZ1 1AA"]'
        )
    return tuple(line.strip() for line in raw if line.strip())


def _text(table: dict[str, Any], key: str, path: str, at: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise SchoolFileError(f"{_where(path, at + key)} must be text, not {value!r}")
    return value.strip()


def parse_school(data: dict[str, Any], path: str | Path = "<school>") -> SchoolConfig:
    """Build a SchoolConfig from parsed TOML, naming the file and key of anything wrong."""
    path = str(path)
    school = _require(data, "school", dict, path, "")
    urn = str(_require(school, "urn", (str, int), path, "school."))
    if not urn.isdigit():
        raise SchoolFileError(f"{_where(path, 'school.urn')} must be digits, not {urn!r}")
    registers_raw = _require(data, "registers", dict, path, "")
    registers = RegisterTimes(
        am_opens=_time(registers_raw, "am_opens", path),
        am_closes=_time(registers_raw, "am_closes", path),
        pm_opens=_time(registers_raw, "pm_opens", path),
        pm_closes=_time(registers_raw, "pm_closes", path),
    )
    terms_raw = _require(data, "terms", list, path, "")
    if not terms_raw:
        raise SchoolFileError(f"{_where(path, 'terms')} must list at least one term")
    terms = tuple(
        sorted((_term(t, i, path) for i, t in enumerate(terms_raw)), key=lambda t: t.start)
    )
    for earlier, later in itertools.pairwise(terms):
        if later.start <= earlier.end:
            raise SchoolFileError(
                f"{_where(path, 'terms')} {earlier.name} and {later.name} overlap"
            )
    extra = {k: v for k, v in data.items() if k not in ("school", "registers", "terms")}
    return SchoolConfig(
        urn=urn,
        name=_require(school, "name", str, path, "school."),
        la_code=str(_require(school, "la_code", (str, int), path, "school.")),
        policy=str(school.get("policy", "national-2024")),
        head=_signatory(school, "head", path),
        attendance_lead=_signatory(school, "attendance_lead", path),
        registers=registers,
        terms=terms,
        extra=extra,
        delegates=_delegates(school, path),
        address=_address(school.get("address"), path, "school.address"),
        phone=_text(school, "phone", path, "school."),
        email=_text(school, "email", path, "school."),
    )


def load_school(path: str | Path) -> SchoolConfig:
    """Read a school TOML file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SchoolFileError(f"{path}: no such file") from None
    except OSError as error:
        raise SchoolFileError(f"{path}: cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise SchoolFileError(f"{path}: not valid TOML: not UTF-8 ({error.reason})") from None
    except tomllib.TOMLDecodeError as error:
        raise SchoolFileError(f"{path}: not valid TOML: {error}") from None
    if "letters" in data:
        data["letters"] = _letter_files(data["letters"], path)
    return parse_school(data, path)


def _letter_files(raw: Any, path: Path) -> dict[str, Any]:
    """A school's own letter templates, `[letters] rag_red = "letters/red.html"` (relative to
    the school file): their text is read now and kept with the school, so that every letter is
    drafted from what was loaded, wherever the server runs."""
    if not isinstance(raw, dict):
        raise SchoolFileError(f"{_where(path, 'letters')} must be a table of template files")
    out: dict[str, Any] = {}
    for letter, file in raw.items():
        if isinstance(file, dict) and isinstance(file.get("source"), str):
            out[letter] = file  # already read (a stored school written back out)
            continue
        if not isinstance(file, str) or not file.strip():
            raise SchoolFileError(
                f'{_where(path, "letters." + letter)} must be a file name, like "red.html"'
            )
        where = path.parent / file
        try:
            source = where.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SchoolFileError(
                f"{_where(path, 'letters.' + letter)}: no such file {where}"
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise SchoolFileError(
                f"{_where(path, 'letters.' + letter)}: {where} cannot be read: {error}"
            ) from None
        out[letter] = {"file": file, "source": source}
    return out


def school_to_dict(config: SchoolConfig) -> dict[str, Any]:
    """The school as plain data (for storing with the school row and for round trips)."""

    def term(t: Term) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": t.name,
            "start": t.start.isoformat(),
            "end": t.end.isoformat(),
        }
        if t.half_term:
            out["half_term"] = {
                "start": t.half_term.start.isoformat(),
                "end": t.half_term.end.isoformat(),
            }
        if t.inset_days:
            out["inset_days"] = [d.isoformat() for d in t.inset_days]
        if t.closures:
            out["closures"] = [d.isoformat() for d in t.closures]
        return out

    def clock(t: time) -> str:
        return t.isoformat(timespec="minutes" if not (t.second or t.microsecond) else "auto")

    def plain(value: Any) -> Any:
        if isinstance(value, date | time):  # datetime is a date
            return value.isoformat()
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    r = config.registers
    return {
        "school": {
            "urn": config.urn,
            "name": config.name,
            "la_code": config.la_code,
            "policy": config.policy,
            "head": {"name": config.head.name, "position": config.head.position},
            "attendance_lead": {
                "name": config.attendance_lead.name,
                "position": config.attendance_lead.position,
            },
            **{f"{k}{_DELEGATES}": list(v) for k, v in config.delegates.items()},
            **({"address": list(config.address)} if config.address else {}),
            **({"phone": config.phone} if config.phone else {}),
            **({"email": config.email} if config.email else {}),
        },
        "registers": {
            "am_opens": clock(r.am_opens),
            "am_closes": clock(r.am_closes),
            "pm_opens": clock(r.pm_opens),
            "pm_closes": clock(r.pm_closes),
        },
        "terms": [term(t) for t in config.terms],
        # other tables of the file; dates and times in them come back as ISO strings
        **{k: plain(v) for k, v in config.extra.items()},
    }


def school_from_dict(data: dict[str, Any]) -> SchoolConfig:
    """Inverse of school_to_dict (term dates stored as ISO strings)."""
    where = "<stored school>"

    # Only the term dates are converted: any other string (a name, a position) stays a string.
    def day(value: Any, at: str) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise SchoolFileError(
                f"{_where(where, at)} must be a date like 2025-09-03, not {value!r}"
            ) from None

    def term(raw: Any, index: int) -> Any:
        if not isinstance(raw, dict):
            return raw
        at = f"terms[{index}]."
        out = dict(raw)
        for key in ("start", "end"):
            if key in out:
                out[key] = day(out[key], at + key)
        if isinstance(out.get("half_term"), dict):
            out["half_term"] = {
                k: day(v, f"{at}half_term.{k}") if k in ("start", "end") else v
                for k, v in out["half_term"].items()
            }
        for key in ("inset_days", "closures"):
            if isinstance(out.get(key), list):
                out[key] = [day(v, at + key) for v in out[key]]
        return out

    fixed = dict(data)
    if isinstance(fixed.get("terms"), list):
        fixed["terms"] = [term(t, i) for i, t in enumerate(fixed["terms"])]
    return parse_school(fixed, where)

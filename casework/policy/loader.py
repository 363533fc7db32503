"""Loading attendance policies: TOML rule files, the national defaults and the presets."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from casework.policy.model import Band, Policy, PolicyError, RuleSpec
from casework.policy.rules import validate_rule

POLICY_DIR = Path(__file__).parent / "presets"
DEFAULT_POLICY = "national-2024"


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        if path.parent == POLICY_DIR:  # a name, not a file: say which names there are
            names = ", ".join(sorted(p.stem for p in POLICY_DIR.glob("*.toml")))
            raise PolicyError(f"{path}: no such policy file (policies: {names})") from None
        raise PolicyError(f"{path}: no such policy file") from None
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{path}: not valid TOML: {error}") from None


def _path_for(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A policy name's shipped file, or a .toml path (relative to the extending file)."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml":
        if relative_to is not None and not candidate.is_absolute():
            return relative_to.parent / candidate
        return candidate
    return POLICY_DIR / f"{name_or_path}.toml"


_RULE_KEYS = {
    "kind",
    "reason",
    "staff_reason",
    "action",
    "source",
    "opens",
    "statutory",
    "applies_to",
    "letter",
}
# Whom a rule applies to: every pupil on roll, or only a child of compulsory school age.
POPULATIONS = ("on_roll", "compulsory_school_age")
# What a preset may change in a statutory rule: the school's own next step, the letter it
# drafts and where they come from. The numbers, codes, window and sentence are the law's
# (DOMAIN.md, "Statutory floor").
_STATUTORY_OPEN = {"action", "source", "letter"}
# Which kind of case a finding opens: most open an attendance concern; "none" marks a rule
# that only drafts a letter or prompts a task (any preset may mark its own, or an inherited
# rule that is not statutory, so).
CASE_OPENERS = ("attendance_concern", "missing_education", "none")
# Alternative ways to give a rule's lower bound: an override that sets one drops the others.
_BOUNDS = {"at_least", "more_than", "above"}


# Settings whose meaning changed, so that a policy file written for the old one is refused
# rather than read wrongly: CME deadlines were school days after the case opened, and are now
# a day of the absence.
_RENAMED = [
    ("missing_education", f"{name}_school_days{suffix}", f"{name}_day{suffix}")
    for name in ("home_visit", "welfare_check")
    for suffix in ("", "_vulnerable")
]


def _rule(rule_id: str, raw: Any, path: Path) -> RuleSpec:
    where = f"{path}: rules.{rule_id.rsplit('.', 1)[-1]}"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be a table")
    for key in ("kind", "reason", "source"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise PolicyError(f"{where}.{key} is missing")
    params = {k: v for k, v in raw.items() if k not in _RULE_KEYS}
    opens = str(raw.get("opens", "attendance_concern"))
    if opens not in CASE_OPENERS:
        raise PolicyError(f"{where}.opens must be one of {', '.join(CASE_OPENERS)}, not {opens!r}")
    applies_to = str(raw.get("applies_to", "on_roll"))
    if applies_to not in POPULATIONS:
        raise PolicyError(
            f"{where}.applies_to must be one of {', '.join(POPULATIONS)}, not {applies_to!r}"
        )
    staff_reason = raw.get("staff_reason", "")
    if not isinstance(staff_reason, str):
        raise PolicyError(f"{where}.staff_reason must be a sentence, not {staff_reason!r}")
    letter = raw.get("letter", "")
    if not isinstance(letter, str):
        raise PolicyError(f'{where}.letter must be a letter\'s id, like "rag_red", not {letter!r}')
    statutory = raw.get("statutory", False)
    if not isinstance(statutory, bool):
        raise PolicyError(f"{where}.statutory must be true or false, not {statutory!r}")
    return RuleSpec(
        id=rule_id,
        kind=raw["kind"],
        params=params,
        reason=raw["reason"].strip(),
        action=str(raw.get("action", "")).strip(),
        source=raw["source"].strip(),
        opens=opens,
        statutory=statutory,
        applies_to=applies_to,
        staff_reason=staff_reason.strip(),
        letter=letter.strip(),
    )


def _load_raw(
    name_or_path: str, seen: tuple[str, ...] = (), relative_to: Path | None = None
) -> tuple[dict[str, Any], Path]:
    """The merged raw policy: a preset's tables over the policy it extends."""
    path = _path_for(name_or_path, relative_to)
    raw = _read(path)
    meta = raw.get("policy")
    if not isinstance(meta, dict) or not isinstance(meta.get("id"), str):
        raise PolicyError(f"{path}: [policy] id is missing")
    policy_id = meta["id"]
    if policy_id in seen:
        chain = " -> ".join((*seen, policy_id))
        raise PolicyError(f"{path}: policy.extends makes a cycle ({chain})")
    own_rules = raw.get("rules", {})
    if not isinstance(own_rules, dict):
        raise PolicyError(f"{path}: [rules] must be a table of rules")
    parent_name = meta.get("extends")
    overrides = raw.get("overrides", {})
    if not isinstance(overrides, dict):
        raise PolicyError(f"{path}: [overrides] must be a table of rule changes")
    if parent_name is None and overrides:
        # Without a parent there is nothing to override: refuse rather than drop the changes.
        first = next(iter(overrides))
        raise PolicyError(f"{path}: overrides.{first} needs [policy] extends")
    if parent_name is None:
        rules = {rule_id: (body, path) for rule_id, body in own_rules.items()}
        merged = {k: v for k, v in raw.items() if k not in ("rules", "overrides")}
        merged["_rules"] = rules
        return merged, path

    parent, _ = _load_raw(str(parent_name), (*seen, policy_id), path)
    rules = dict(parent["_rules"])
    for rule_id, changes in overrides.items():
        if rule_id not in rules:
            raise PolicyError(f"{path}: overrides.{rule_id} names no rule of {parent_name}")
        if not isinstance(changes, dict):
            raise PolicyError(f"{path}: overrides.{rule_id} must be a table of changes")
        body, _origin = rules[rule_id]
        changed = sorted(set(changes) - _STATUTORY_OPEN)
        if body.get("statutory") is True and changed:
            raise PolicyError(
                f"{path}: overrides.{rule_id} changes {', '.join(changed)} of {rule_id}, a "
                f"statutory rule of {parent_name}: a preset may change only its "
                f"{' and '.join(sorted(_STATUTORY_OPEN))}, or add a rule of its own"
            )
        # A bound given in another form replaces the old one (more_than 10 over at_least 10).
        if isinstance(changes, dict) and _BOUNDS & changes.keys():
            body = {k: v for k, v in body.items() if k not in _BOUNDS - changes.keys()}
        rules[rule_id] = (_deep_merge(body, changes), path)
    for rule_id, body in own_rules.items():
        rules[f"{policy_id}.{rule_id}"] = (body, path)
    _keep_statutory_tables(parent, raw, path, str(parent_name))
    _keep_floors(parent, raw, path, str(parent_name))
    merged = _deep_merge(
        {k: v for k, v in parent.items() if k != "_rules"},
        {k: v for k, v in raw.items() if k not in ("rules", "overrides")},
    )
    if "bands" in raw:  # a preset's bands replace the national ones rather than mixing in
        merged["bands"] = raw["bands"]
    merged["_rules"] = rules
    return merged, path


def _keep_statutory_tables(
    parent: dict[str, Any], raw: dict[str, Any], path: Path, parent_name: str
) -> None:
    """A table of numbers the parent marks `statutory = true` (the prosecution time limit)
    is the law's, not the school's: a preset may not change a number in it."""
    for name, table in raw.items():
        inherited = parent.get(name)
        if not (isinstance(inherited, dict) and inherited.get("statutory") is True):
            continue
        if not isinstance(table, dict):
            raise PolicyError(f"{path}: [{name}] must be a table, statutory in {parent_name}")
        changed = sorted(k for k, v in table.items() if inherited.get(k) != v)
        if changed:
            raise PolicyError(
                f"{path}: [{name}] changes {', '.join(changed)}, statutory in "
                f"{parent_name}: a preset may not change it"
            )


def _keep_floors(parent: dict[str, Any], raw: dict[str, Any], path: Path, parent_name: str) -> None:
    """A table the parent marks `floor = true` (the cool-off after a concern closes) holds
    floors: a preset may raise a number in it, never lower it (nor drop the mark)."""
    for name, table in raw.items():
        inherited = parent.get(name)
        if not (isinstance(inherited, dict) and inherited.get("floor") is True):
            continue
        if not isinstance(table, dict):
            raise PolicyError(f"{path}: [{name}] must be a table, a floor in {parent_name}")
        if table.get("floor", True) is not True:
            raise PolicyError(f"{path}: [{name}] is a floor in {parent_name}: it stays one")
        for key, floor in inherited.items():
            if key == "floor" or key not in table or not _is_number(floor):
                continue
            value = table[key]
            if not _is_number(value):
                raise PolicyError(f"{path}: [{name}] {key} must be a number, not {value!r}")
            if value < floor:
                raise PolicyError(
                    f"{path}: [{name}] {key} = {value} is below {parent_name}'s {floor}: a "
                    "preset may lengthen it, never shorten it"
                )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cool_off_weeks(sections: dict[str, Any], path: Path) -> int | None:
    """[cool_off] school_weeks: a whole number of school weeks, 1 or more."""
    table = sections.get("cool_off")
    if table is None:
        return None
    if not isinstance(table, dict) or "school_weeks" not in table:
        raise PolicyError(f"{path}: [cool_off] needs school_weeks (a number of school weeks)")
    weeks = table["school_weeks"]
    if not isinstance(weeks, int) or isinstance(weeks, bool) or weeks < 1:
        raise PolicyError(
            f"{path}: [cool_off] school_weeks must be a whole number of school weeks, 1 or "
            f"more, not {weeks!r}"
        )
    return weeks


@cache
def load_policy(name_or_path: str = DEFAULT_POLICY) -> Policy:
    """Load a shipped policy by name (`national-2024`, `woodlands`, ...) or a TOML file path."""
    raw, path = _load_raw(name_or_path)
    meta = raw["policy"]
    stats = raw.get("statistics", {})
    try:
        pa = float(stats["persistent_absence_at_least"])
        sa = float(stats["severe_absence_at_least"])
    except (KeyError, TypeError, ValueError):
        raise PolicyError(
            f"{path}: [statistics] needs persistent_absence_at_least and severe_absence_at_least"
        ) from None
    bands = []
    for i, band in enumerate(raw.get("bands", [])):
        try:
            inclusive = "above" not in band
            floor = float(band["at_least"] if inclusive else band["above"])
            bands.append(Band(band["name"], floor, band.get("label", band["name"]), inclusive))
        except (KeyError, TypeError, ValueError):
            raise PolicyError(f"{path}: bands[{i}] needs a name and at_least or above") from None
    bands.sort(key=lambda b: (-b.floor, not b.inclusive))
    rules: dict[str, RuleSpec] = {}
    for rule_id, (body, origin) in raw["_rules"].items():
        spec = _rule(rule_id, body, origin)
        validate_rule(spec, origin)
        rules[rule_id] = spec
    sections = {
        k: v for k, v in raw.items() if k not in ("policy", "statistics", "bands", "_rules")
    }
    for section, old, new in _RENAMED:
        if old in sections.get(section, {}):
            raise PolicyError(
                f"{path}: [{section}] {old} is no longer read: give {new} instead, the day of "
                "the absence it is due on (the first day of absence is day 1)"
            )
    return Policy(
        id=meta["id"],
        title=str(meta.get("title", meta["id"])),
        source=str(meta.get("source", "")),
        persistent_absence_at_least=pa,
        severe_absence_at_least=sa,
        bands=tuple(bands),
        rules=rules,
        sections=sections,
        cool_off_school_weeks=_cool_off_weeks(sections, path),
    )


def shipped_policies() -> list[str]:
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))

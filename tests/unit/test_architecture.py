"""The layers keep to themselves: services hold no rule of a particular kind of case."""

from __future__ import annotations

import ast
from pathlib import Path

import casework
from casework.machines import LIFECYCLES

PACKAGE = Path(casework.__file__).parent


def _sources(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _case_kind_mentions(path: Path) -> list[str]:
    """Where a module names a kind of case: a literal kind, or a comparison with one."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and node.value in LIFECYCLES:
            found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    return found


def test_services_never_branch_on_a_kind_of_case() -> None:
    # What is particular to a kind (its effects, follow-on cases, measures, who opens it)
    # is declared in its lifecycle; the services treat every kind alike.
    mentions = [m for path in _sources("services") for m in _case_kind_mentions(path)]
    assert mentions == []


def test_services_compare_no_kind_with_a_literal() -> None:
    compared = []
    for path in _sources("services"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Compare):
                continue
            sides = [node.left, *node.comparators]
            names_kind = any(
                (isinstance(s, ast.Attribute) and s.attr == "kind")
                or (isinstance(s, ast.Name) and s.id == "kind")
                for s in sides
            )
            literal = any(
                (isinstance(s, ast.Constant) and s.value in LIFECYCLES)
                or isinstance(s, ast.Tuple | ast.List | ast.Set)
                for s in sides
            )
            if names_kind and literal:
                compared.append(f"{path.name}:{node.lineno}")
    assert compared == []


def test_the_package_root_holds_at_most_a_dozen_modules() -> None:
    modules = [p for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= 12, sorted(p.name for p in modules)


def test_no_module_is_imported_under_a_one_letter_alias() -> None:
    aliased = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    if alias.asname is not None and len(alias.asname) == 1:
                        aliased.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert aliased == []

"""Redraw the README's lifecycle diagrams from the machines: `python scripts/readme_diagrams.py`.

Each lifecycle's section (`### Title (`kind`)`) is followed by a mermaid block; the block is
replaced by what `transitions` draws now. `--check` only says whether the README is current.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
sys.path.insert(0, str(ROOT))

from casework.machines import LIFECYCLES  # noqa: E402
from casework.machines.diagram import mermaid  # noqa: E402


def drawn(kind: str) -> str:
    """The lifecycle's diagram as the README shows it: without mermaid's title header and
    the styling of a case's current state (there is no case here)."""
    text = re.sub(r"\A---\n.*?\n---\n", "", mermaid(LIFECYCLES[kind]), flags=re.S)
    lines = [
        line
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith(("classDef ", "Class "))
    ]
    return "\n".join(lines)


def redrawn(readme: str) -> str:
    """The README with every lifecycle's diagram block redrawn."""
    for kind in LIFECYCLES:
        pattern = re.compile(
            rf"(### [^\n]*\(`{re.escape(kind)}`\)\n\n```mermaid\n)(.*?)(\n```)", re.S
        )
        if not pattern.search(readme):
            raise SystemExit(f"README.md has no diagram section for {kind}")
        readme = pattern.sub(lambda m, k=kind: m.group(1) + drawn(k) + m.group(3), readme)
    return readme


def main() -> None:
    current = README.read_text()
    new = redrawn(current)
    if "--check" in sys.argv[1:]:
        if new != current:
            raise SystemExit(
                "README.md's diagrams are not what the machines draw: run "
                "python scripts/readme_diagrams.py"
            )
        return
    README.write_text(new)


if __name__ == "__main__":
    main()

"""Lifecycle diagrams as mermaid text, with the case's state and its next states marked."""

from __future__ import annotations

from functools import cache

from transitions.extensions import GraphMachine

from casework.machines.lifecycle import Lifecycle

NEXT_CLASS = "classDef s_next color:darkgreen,fill:honeydew"


class _Diagram:
    state: str


@cache  # a diagram depends only on the lifecycle and the state: drawn once for each
def mermaid(lifecycle: Lifecycle, current: str | None = None) -> str:
    """The lifecycle drawn by `transitions`; `current` is classed active, its next states s_next.

    A diagram is drawn rarely (a case page), so it gets a machine of its own rather than
    adding a diagram model to the shared machine that moves cases.
    """
    model = _Diagram()
    machine = GraphMachine(
        model=model,
        states=list(lifecycle.states),
        initial=lifecycle.initial,
        # One edge per move: steps that differ only in who takes them are drawn once.
        transitions=[
            {"trigger": trigger, "source": list(source), "dest": dest}
            for trigger, source, dest in dict.fromkeys(
                (s.trigger, s.source, s.dest) for s in lifecycle.steps
            )
        ],
        graph_engine="mermaid",
        auto_transitions=False,
        title=lifecycle.title,
        show_conditions=False,
    )
    if current is not None:
        machine.set_state(current, model=model)
    text = str(model.get_graph(force_new=True).draw(None))  # type: ignore[attr-defined]
    if current is None:
        return text
    reachable = sorted({s.dest for s in lifecycle.steps_from(current)} - {current})
    extra = [NEXT_CLASS] + [f"Class {name} s_next" for name in reachable]
    return text.rstrip("\n") + "\n" + "\n".join(f"  {line}" for line in extra) + "\n"

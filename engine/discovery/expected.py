"""The expected journey of an ordered stage spec, as a process model.

A journey is expected to move forward through the stages in their order: each stage may be
skipped (journeys end early, or jump ahead), and within a stage its touchpoints come in any
order, any number of times. Going back to an earlier stage, or a touchpoint in no stage, is
a deviation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InputError
from .models import ProcessModel

if TYPE_CHECKING:
    from ..journey.model import JourneyModel


def expected_journey(model: JourneyModel) -> ProcessModel:
    """sequence over stages of: skip, or loop over a choice of the stage's touchpoints."""
    import pm4py
    from pm4py.objects.process_tree.obj import Operator, ProcessTree

    def node(operator=None, label=None, parent=None, children=()) -> ProcessTree:
        tree = ProcessTree(operator=operator, parent=parent, label=label)
        for child in children:
            child.parent = tree
            tree.children.append(child)
        return tree

    stages = []
    for stage in model.stages:
        touchpoints = sorted(t for t, s in model.touchpoints.items() if s == stage)
        if not touchpoints:
            continue
        choice = node(Operator.XOR, children=[node(label=t) for t in touchpoints])
        repeat = node(Operator.LOOP, children=[choice, node()])  # redo part: a silent step
        stages.append(node(Operator.XOR, children=[node(), repeat]))
    if not stages:
        raise InputError("the stage spec maps no touchpoint, so it expects no journey")
    tree = node(Operator.SEQUENCE, children=stages)
    net, im, fm = pm4py.convert_to_petri_net(tree)
    return ProcessModel(net, im, fm, "stage spec", 0, float("nan"), tree=tree)

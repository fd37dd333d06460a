"""Choose how each quantum block's gradient is computed, and record it on the block.

`adjoint` differentiation needs the exact state, so it serves exact simulation; `parameter_shift`
gives exact gradients from circuit runs alone, so it is what hardware and shot-based training
use; `spsa` and `finite_diff` are there when asked for. The train section's `gradient` setting
(or the `gradient` option in the context) wins where it is possible; shots (a `samples` readout,
a `shots` setting, or a hardware backend) rule adjoint out.

Reads: context.options["gradient"], ["shots"], ["backend"]; the graph's train settings.
Writes: each block's `gradient`; facts["gradient"][node] = method.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...diagnostics import ConfigError
from ...frontend.model import Samples
from ...ir import graph as G
from ..base import Pass, PassContext

METHODS = ("adjoint", "parameter_shift", "spsa", "finite_diff")


@dataclass(frozen=True)
class ChooseGradient(Pass):
    name = "choose-gradient"
    description = "pick adjoint, parameter-shift, SPSA or finite differences per block"
    analysis = True

    def run(self, graph, context: PassContext):
        train = graph.graph.get("train", {})
        asked = context.options.get("gradient") or train.get("gradient")
        forced = context.options.get("shots") or context.options.get("backend") not in (None, "simulator")
        if asked == "adjoint" and forced and not context.options.get("gradient"):
            # The file asked for adjoint, but this compilation asks for shots or hardware:
            # the command line is the later word.
            asked = None
            context.note(self.name, "shots or a hardware backend were asked for, which overrides the "
                                    "train section's gradient = adjoint: using parameter_shift")
        shots = context.options.get("shots") or train.get("shots")
        hardware = context.options.get("backend") not in (None, "simulator")
        if asked is not None and asked not in METHODS:
            raise ConfigError(f"unknown gradient method `{asked}`", hint=f"choose one of {', '.join(METHODS)}")
        g = G.copy(graph)
        facts = context.facts.setdefault("gradient", {})
        for n, b in G.blocks(graph):
            sampled = shots or hardware or any(isinstance(r, Samples) for r in b.readouts)
            if asked == "adjoint" and sampled:
                why = ("it reads samples" if any(isinstance(r, Samples) for r in b.readouts)
                       else "shots are set" if shots else "it runs on hardware")
                raise ConfigError(f"block `{b.name}` cannot use the adjoint gradient: {why}, and "
                                  "adjoint differentiation needs the exact state",
                                  hint="use gradient = parameter_shift (exact from circuit runs) or spsa")
            method = asked or ("parameter_shift" if sampled else "adjoint")
            facts[n] = method
            if b.gradient != method:
                g.nodes[n]["op"] = b.with_(gradient=method)
        return g

"""Passes of one's own, added each of the three ways (docs/passes.md), and what happens when one fails.

- Python: a pass registered with `register_pass` and named in a pipeline;
- an installed package: examples/plugins (qml-passes-example), installed into a temporary folder
  and found through the entry-point group `qml_compiler.passes` in a fresh interpreter;
- the command line: `qmlc compile --pass MODULE:CLASS` / `FILE.py:CLASS[@before:P|@after:P]`.

Also: the plugin's pass, `cancel-adjacent-inverses`, on small circuits (exact gate lists) and on
random ones (same unitary, same model outputs); the errors of a pass that raises, breaks the
graph, cannot be loaded, or is misnamed in a pipeline; and the examples of docs/passes.md, run.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from pytket import Circuit, OpType

from qml_compiler.frontend import load_file
from qml_compiler.ir import IRVerificationError, blocks, copy, from_json, lower, stats, to_json, verify
from qml_compiler.passes import (
    LEVELS,
    Pass,
    PassContext,
    PassError,
    PassManager,
    available,
    load_user_pass,
    make_pass,
    parse_pipeline,
    register_pass,
)
from qml_compiler.passes import base as passes_base
from qml_compiler.testing.reference import evaluate, random_params

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "examples" / "plugins"
DEMO = "examples/plugins/demo.qml"
DOC = ROOT / "docs" / "passes.md"


# ---- helpers and fixtures -------------------------------------------------------------------------

def _env(*paths) -> dict:
    """The environment of a fresh interpreter that sees `paths` and this checkout."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([*map(str, paths), str(ROOT)]),
                PYTHONDONTWRITEBYTECODE="1")


def run_python(code: str, *paths, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-"], input=code, cwd=cwd, env=_env(*paths),
                          capture_output=True, text=True, timeout=120)


def qmlc(*args, paths=(), cwd=ROOT, env=None) -> subprocess.CompletedProcess:
    e = _env(*paths)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "qml_compiler.cli", *map(str, args)], cwd=cwd,
                          env=e, capture_output=True, text=True, timeout=120)


def gate_list(circ: Circuit) -> list[tuple]:
    """(gate name, qubit indices, angles) of every command, for exact comparisons."""
    return [(cmd.op.type.name, tuple(q.index[0] for q in cmd.qubits), tuple(cmd.op.params))
            for cmd in circ.get_commands()]


def assert_same_outputs(g1, g2, seed: int = 0, batch: int = 4) -> None:
    """The reference evaluator gives the same outputs for both graphs on random data."""
    params = random_params(g1, seed)
    rng = np.random.default_rng(seed)
    inputs = {n: rng.uniform(-1.5, 1.5, (batch, d["op"].width)) for n, d in g1.nodes(data=True)
              if d["op"].kind == "input"}
    a, b = evaluate(g1, inputs, params), evaluate(g2, inputs, params)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], atol=1e-9, err_msg=k)


@pytest.fixture(scope="module")
def moons():
    return lower(load_file(str(ROOT / "examples" / "moons.qml"))["moons"])


@pytest.fixture(scope="module")
def demo():
    return lower(load_file(str(ROOT / DEMO))["demo"])


@pytest.fixture
def registry():
    """Passes registered by a test are forgotten after it."""
    saved = dict(passes_base._registered), passes_base._entry_points_loaded
    yield
    passes_base._registered.clear()
    passes_base._registered.update(saved[0])
    passes_base._entry_points_loaded = saved[1]


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory):
    """examples/plugins installed (as pip installs it) into a folder of its own."""
    pytest.importorskip("hatchling")
    site = tmp_path_factory.mktemp("plugin-site")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                        "--disable-pip-version-check", "--target", str(site), str(PLUGIN)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return site


@pytest.fixture(scope="module")
def plugin():
    """The plugin's module, imported from its source folder (for its unit tests)."""
    sys.path.insert(0, str(PLUGIN))
    try:
        return importlib.import_module("qml_passes_example.cancel")
    finally:
        sys.path.remove(str(PLUGIN))


USER_PASSES = '''
from dataclasses import dataclass

import sympy
from pytket import Circuit

from qml_compiler.ir import blocks, copy
from qml_compiler.passes import Pass


@dataclass(frozen=True)
class Boom(Pass):
    name = "boom"
    description = "always fails"

    def run(self, graph, context):
        return 1 / 0


@dataclass(frozen=True)
class Unplug(Pass):
    name = "unplug"
    description = "cuts the edge into the first block (a bug)"

    def run(self, graph, context):
        out = copy(graph)
        node, _ = blocks(out)[0]
        out.remove_edge(next(iter(out.predecessors(node))), node)
        return out


@dataclass(frozen=True)
class Ghost(Pass):
    name = "ghost"
    description = "adds a gate whose angle is a symbol nothing binds (a bug)"

    def run(self, graph, context):
        out = copy(graph)
        node, block = blocks(out)[0]
        c = block.circuit.copy()
        c.Rz(sympy.Symbol("ghost"), 0)
        out.nodes[node]["op"] = block.with_(circuit=c)
        return out


class NotAPass:
    name = "not-a-pass"
'''


@pytest.fixture(scope="module")
def user_passes(tmp_path_factory) -> Path:
    """A folder holding user_passes.py: passes that fail in each way, for --pass."""
    folder = tmp_path_factory.mktemp("user-passes")
    (folder / "user_passes.py").write_text(USER_PASSES)
    return folder


# ---- (a) Python: register_pass ---------------------------------------------------------------------

@pytest.fixture
def cx_to_cz(registry):
    """A transform registered in Python: CX(a, b) = H(b) CZ(a, b) H(b), for CZ-native targets."""

    @register_pass
    @dataclass(frozen=True)
    class CxToCz(Pass):
        name = "cx-to-cz"
        description = "rewrite CX as H, CZ, H"
        limit: int = -1  # at most this many rewrites per block; -1: all

        def run(self, graph, context):
            out = copy(graph)
            done = {}
            for node, block in blocks(graph):
                new, k = Circuit(block.circuit.n_qubits), 0
                for cmd in block.circuit.get_commands():
                    if cmd.op.type == OpType.CX and k != self.limit:
                        a, b = cmd.qubits
                        new.H(b).CZ(a, b).H(b)
                        k += 1
                    else:
                        new.add_gate(cmd.op, cmd.args)
                out.nodes[node]["op"] = block.with_(circuit=new)
                done[node] = k
            context.facts[self.name] = done
            context.note(self.name, f"rewrote {sum(done.values())} CX")
            return out

    return CxToCz


class TestPythonRegistration:
    def test_registered_pass_runs_by_name_and_keeps_the_outputs(self, cx_to_cz, moons):
        before = to_json(moons)
        context = PassContext()
        pm = PassManager.from_pipeline("cx-to-cz,dead-nodes", verify_each=True)
        out = pm.run(moons, context)
        assert context.facts["cx-to-cz"] == {"%1": 12}
        assert ("cx-to-cz", "rewrote 12 CX") in context.facts["notes"]
        kinds = [t for t, _, _ in gate_list(blocks(out)[0][1].circuit)]
        assert kinds.count("CX") == 0 and kinds.count("CZ") == 12 and kinds.count("H") == 24
        assert pm.records[0].changes() == {"gates": (40, 64)}
        assert to_json(moons) == before  # the input graph is untouched
        assert_same_outputs(moons, out)

    def test_listed_with_its_origin(self, cx_to_cz):
        assert available()["cx-to-cz"] == ("rewrite CX as H, CZ, H", f"python:{cx_to_cz.__module__}")
        register_pass(cx_to_cz, origin="notebook")
        assert available()["cx-to-cz"][1] == "notebook"

    def test_options_come_from_the_pipeline_text(self, cx_to_cz, moons):
        (p,) = parse_pipeline(" cx-to-cz { limit = 5 } ")
        assert p == cx_to_cz(limit=5) and p.spec() == "cx-to-cz{limit=5}"
        assert cx_to_cz().spec() == "cx-to-cz"
        context = PassContext()
        out = PassManager([p], verify_each=True).run(moons, context)
        assert context.facts["cx-to-cz"] == {"%1": 5}
        assert stats(out)["gates"] == 40 + 2 * 5
        assert_same_outputs(moons, out, seed=3)

    def test_placed_before_or_after_a_named_pass(self, cx_to_cz):
        pm = PassManager.for_level(2)
        pm.insert(cx_to_cz(), after="light-cone")
        pm.insert(cx_to_cz(limit=1), before="fuse-blocks")
        pm.insert(cx_to_cz(limit=2))
        names = [p.spec() for p in pm.passes]
        assert names == ["cx-to-cz{limit=1}", *LEVELS[2].split(",")[:3], "cx-to-cz",
                         *LEVELS[2].split(",")[3:], "cx-to-cz{limit=2}"]
        with pytest.raises(PassError, match=r"cannot place `cx-to-cz` after `route`") as e:
            pm.insert(cx_to_cz(), after="route")
        assert "light-cone" in e.value.hint

    def test_runs_inside_a_level_with_printing_callback_and_timing(self, cx_to_cz, moons):
        printed, steps = [], []
        pm = PassManager.for_level(2, verify_each=True, print_after=("cx-to-cz",), printer=printed.append,
                                   callback=lambda name, a, b, record: steps.append((name, record.changes())))
        pm.insert(cx_to_cz(), after="light-cone")
        out = pm.run(moons, PassContext())
        assert [n for n, _ in steps] == [p.name for p in pm.passes]
        assert dict(steps)["cx-to-cz"]["gates"][1] == dict(steps)["cx-to-cz"]["gates"][0] + 24
        assert len(printed) == 1 and printed[0].startswith("; IR after cx-to-cz\nmodel moons")
        report = pm.timing_report()
        assert re.search(r"^cx-to-cz\s+\d+\.\d+\s+\d+\.\d\s+gates \d+->\d+$", report, re.M), report
        assert_same_outputs(moons, out, seed=5)

    def test_an_analysis_records_facts_and_returns_its_input(self, registry, moons):
        @register_pass
        @dataclass(frozen=True)
        class CountGates(Pass):
            name = "count-gates"
            description = "record the gate count of every block"
            analysis = True

            def run(self, graph, context):
                context.facts.setdefault(self.name, []).append(
                    {n: b.circuit.n_gates for n, b in blocks(graph)})
                return graph

        context = PassContext()
        out = PassManager.from_pipeline("count-gates,light-cone,count-gates").run(moons, context)
        assert context.facts["count-gates"] == [{"%1": 40}, {"%1": stats(out)["gates"]}]
        assert PassManager.from_pipeline("count-gates").run(moons) is moons

    def test_a_builtin_name_cannot_be_taken_over(self, registry, cx_to_cz):
        # documented in docs/passes.md: registering a built-in's name is refused
        with pytest.raises(PassError, match="`dead-nodes` is the name of a built-in pass"):
            register_pass(type("FakeDeadNodes", (cx_to_cz,), {"name": "dead-nodes"}))
        assert type(make_pass("dead-nodes")).__module__ == "qml_compiler.passes.transform.dead_nodes"
        assert available()["dead-nodes"][1] == "built-in"

    def test_register_refuses_what_is_not_a_pass(self, registry):
        with pytest.raises(PassError, match="is not a Pass subclass with a `name`"):
            register_pass(int)

        class Nameless(Pass):
            pass

        with pytest.raises(PassError, match="is not a Pass subclass with a `name`"):
            register_pass(Nameless)


# ---- (b) an installed package: the entry-point group ------------------------------------------------

PLUGIN_SCRIPT = '''
import json, sys
import numpy as np
from qml_compiler.frontend import load_file
from qml_compiler.ir import blocks, lower, stats
from qml_compiler.passes import PassContext, PassManager, available, make_pass
from qml_compiler.testing.reference import evaluate, random_params

# by name, before anything listed the passes: found through the entry point
graph = lower(load_file("examples/plugins/demo.qml")["demo"])
pm = PassManager.for_level(1, verify_each=True)
pm.insert(make_pass("cancel-adjacent-inverses", {"rotations": "true"}), after="fuse-blocks")
context = PassContext()
out = pm.run(graph, context)
params = random_params(graph, 2)
x = {"x": np.random.default_rng(2).uniform(-2, 2, (6, 2))}
diff = float(np.abs(evaluate(graph, x, params)["y"] - evaluate(out, x, params)["y"]).max())
cx = lambda g: sum(c.op.type.name == "CX" for _, b in blocks(g) for c in b.circuit.get_commands())

dropped = PassManager.from_pipeline("cancel-adjacent-inverses,drop-unused-params,dead-nodes").run(graph)
kept = PassManager.from_pipeline("cancel-adjacent-inverses{rotations=false}").run(graph, PassContext())
print(json.dumps({
    "listed": available()["cancel-adjacent-inverses"], "pipeline": [p.spec() for p in pm.passes],
    "facts": context.facts["cancel-adjacent-inverses"], "diff": diff,
    "gates": [stats(graph)["gates"], stats(out)["gates"]], "cx": [cx(graph), cx(out)],
    "params": [stats(graph)["params"], stats(dropped)["params"]],
    "without_rotations": stats(kept)["gates"]}))
'''


class TestEntryPoint:
    def test_installed_plugin_is_listed_and_does_its_job(self, plugin_site):
        r = run_python(PLUGIN_SCRIPT, plugin_site)
        assert r.returncode == 0, r.stderr
        got = json.loads(r.stdout)
        description, origin = got["listed"]
        assert origin == "plugin:qml-passes-example" and "adjacent" in description
        assert got["pipeline"] == ["fuse-blocks", "cancel-adjacent-inverses", *LEVELS[1].split(",")[1:]]
        assert got["facts"] == {"removed": {"%1": 10}, "total": 10}
        assert got["gates"] == [16, 6] and got["cx"] == [4, 0]
        assert got["diff"] < 1e-9  # the reference evaluator: same outputs
        assert got["params"] == [9, 8]  # w[0] only occurred in Rz(w)·Rz(-w)
        assert got["without_rotations"] == 8

    def test_the_entry_point_is_named_as_the_pass(self, plugin):
        meta = tomllib.loads((PLUGIN / "pyproject.toml").read_text())
        (key, value), = meta["project"]["entry-points"]["qml_compiler.passes"].items()
        assert key == plugin.CancelAdjacentInverses.name
        assert value == "qml_passes_example:CancelAdjacentInverses"

    def test_a_plugin_that_fails_to_load_is_skipped_with_a_warning(self, plugin_site, tmp_path):
        dist = tmp_path / "broken_passes-0.1.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-passes\nVersion: 0.1\n")
        (dist / "entry_points.txt").write_text("[qml_compiler.passes]\nbroken = no_such_module:Broken\n")
        r = run_python("from qml_compiler.passes import available\n"
                       "print(sorted(available()))", tmp_path, plugin_site)
        assert r.returncode == 0, r.stderr
        assert "cancel-adjacent-inverses" in r.stdout and "broken" not in r.stdout
        assert "plugin pass broken (no_such_module:Broken) failed to load" in r.stderr


# ---- the plugin's pass itself -------------------------------------------------------------------------

def _circ(n: int, *gates) -> Circuit:
    c = Circuit(n)
    for g in gates:
        name, qubits, *angle = g
        c.add_gate(getattr(OpType, name), list(angle), list(qubits))
    return c


TH = sympy.Symbol("th")

CASES = {
    "cx cx": ([("CX", (0, 1)), ("CX", (0, 1))], []),
    "cx with swapped qubits stays": ([("CX", (0, 1)), ("CX", (1, 0))], None),
    "cascade h cx cx h": ([("H", (1,)), ("CX", (0, 1)), ("CX", (0, 1)), ("H", (1,))], []),
    "a gate on another qubit does not block": (
        [("CX", (0, 1)), ("H", (2,)), ("CX", (0, 1))], [("H", (2,), ())]),
    "a gate on a shared qubit blocks": ([("CX", (0, 1)), ("H", (1,)), ("CX", (0, 1))], None),
    "x x x leaves one": ([("X", (0,)), ("X", (0,)), ("X", (0,))], [("X", (0,), ())]),
    "s sdg, tdg t, sx sxdg": ([("S", (0,)), ("Sdg", (0,)), ("Tdg", (1,)), ("T", (1,)), ("SX", (2,)),
                               ("SXdg", (2,))], []),
    "s s stays": ([("S", (0,)), ("S", (0,))], None),
    "cz and swap in either order": ([("CZ", (0, 1)), ("CZ", (1, 0)), ("SWAP", (2, 1)), ("SWAP", (1, 2))], []),
    "ccx controls commute": ([("CCX", (0, 1, 2)), ("CCX", (1, 0, 2))], []),
    "ccx target differs": ([("CCX", (0, 1, 2)), ("CCX", (0, 2, 1))], None),
    "rz(a) rz(-a)": ([("Rz", (0,), 0.3), ("Rz", (0,), -0.3)], []),
    "rz whole period": ([("Rz", (0,), 0.3), ("Rz", (0,), 3.7)], []),
    "rz half period is -I: stays": ([("Rz", (0,), 0.3), ("Rz", (0,), 1.7)], None),
    "u1 period 2": ([("U1", (0,), 0.5), ("U1", (0,), 1.5)], []),
    "zzphase either order": ([("ZZPhase", (0, 1), 0.25), ("ZZPhase", (1, 0), -0.25)], []),
    "crz(a) crz(-a) control matters": ([("CRz", (0, 1), 0.5), ("CRz", (1, 0), -0.5)], None),
    "rx then ry stays": ([("Rx", (0,), 0.5), ("Ry", (0,), -0.5)], None),
    "symbolic": ([("Rz", (0,), TH), ("Rz", (0,), -TH), ("Ry", (1,), TH / 2), ("Ry", (1,), 4 - TH / 2)], []),
    "symbolic, not inverse": ([("Rz", (0,), TH), ("Rz", (0,), TH)], None),
}


class TestCancelAdjacentInverses:
    @pytest.mark.parametrize("name", list(CASES))
    def test_small_circuits(self, plugin, name):
        gates, expected = CASES[name]
        c = _circ(3, *gates)
        before = gate_list(c)
        new, removed = plugin.cancel_adjacent_inverses(c)
        assert gate_list(c) == before  # the input circuit is untouched
        if expected is None:  # nothing to cancel: the same circuit comes back
            assert new is c and removed == 0
        else:
            assert gate_list(new) == expected and removed == len(gates) - len(expected)
            assert new is not c and new.qubits == c.qubits

    def test_options(self, plugin):
        pair = [("Rz", (0,), 0.3), ("Rz", (0,), -0.3 + 1e-12)]
        assert plugin.cancel_adjacent_inverses(_circ(1, *pair))[1] == 2
        assert plugin.cancel_adjacent_inverses(_circ(1, *pair), tolerance=1e-15)[1] == 0
        assert plugin.cancel_adjacent_inverses(_circ(1, *pair), rotations=False)[1] == 0
        assert plugin.cancel_adjacent_inverses(_circ(1, ("H", (0,)), ("H", (0,))), rotations=False)[1] == 2

    def test_barriers_are_kept_and_block_cancellation(self, plugin):
        c = Circuit(2).H(0).H(0).CX(0, 1)
        c.add_barrier([0, 1])
        c.CX(0, 1).X(1).X(1)
        new, removed = plugin.cancel_adjacent_inverses(c)
        assert removed == 4
        assert [cmd.op.type for cmd in new.get_commands()] == [OpType.CX, OpType.Barrier, OpType.CX]

    def test_on_a_graph_copy_only_changed_blocks(self, plugin, demo, moons):
        before = to_json(demo)
        context = PassContext()
        out = plugin.CancelAdjacentInverses().run(demo, context)
        assert to_json(demo) == before
        verify(out, after="cancel-adjacent-inverses")
        assert context.facts["cancel-adjacent-inverses"] == {"removed": {"%1": 10}, "total": 10}
        assert context.facts["notes"] == [
            ("cancel-adjacent-inverses", "block `%1` (circuit): removed 10 gates")]
        assert sorted(map(str, gate_list(blocks(out)[0][1].circuit))) == sorted(
            str((t, q, a)) for t, q, a in gate_list(blocks(demo)[0][1].circuit)
            if (t, q) in {("Ry", (0,)), ("Ry", (1,)), ("SWAP", (0, 2)), ("Rx", (2,)), ("CZ", (1, 2))})
        assert_same_outputs(demo, out, seed=7)
        # moons has no adjacent inverses: every operation is the one it was given
        out = plugin.CancelAdjacentInverses().run(moons, PassContext())
        assert all(out.nodes[n]["op"] is moons.nodes[n]["op"] for n in moons.nodes)

    def test_circuits_with_measurements_are_left_alone(self, plugin, demo):
        node, block = blocks(demo)[0]
        c = Circuit(3, 1).CX(0, 1).CX(0, 1).Measure(0, 0)
        g = copy(demo)
        g.nodes[node]["op"] = block.with_(circuit=c)
        context = PassContext()
        out = plugin.CancelAdjacentInverses().run(g, context)
        assert out.nodes[node]["op"] is g.nodes[node]["op"]
        assert "skipped" in context.facts["notes"][0][1]

    @settings(max_examples=120, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(["H", "X", "Z", "S", "Sdg", "T", "Tdg", "CX", "CZ", "SWAP",
                                               "CCX", "Rz", "Rx", "ZZPhase", "CRz"]),
                              st.permutations([0, 1, 2]),
                              st.sampled_from([0.5, -0.5, 3.5, 0.25, 1.0, -1.0])), max_size=24))
    def test_random_circuits_keep_their_unitary(self, plugin, gates):
        arity = {"CX": 2, "CZ": 2, "SWAP": 2, "ZZPhase": 2, "CRz": 2, "CCX": 3}
        c = Circuit(3)
        for name, qubits, angle in gates:
            params = [angle] if name in ("Rz", "Rx", "ZZPhase", "CRz") else []
            c.add_gate(getattr(OpType, name), params, list(qubits[:arity.get(name, 1)]))
        new, removed = plugin.cancel_adjacent_inverses(c)
        assert removed % 2 == 0 and new.n_gates == c.n_gates - removed
        np.testing.assert_allclose(new.get_unitary(), c.get_unitary(), atol=1e-9)  # phase included
        again, more = plugin.cancel_adjacent_inverses(new)
        assert more == 0 and again is new  # nothing adjacent is left to cancel

    @pytest.mark.parametrize("seed", range(4))
    def test_random_models_keep_their_outputs(self, plugin, seed, tmp_path):
        rng = np.random.default_rng(seed)
        pool = ["h q[{a}];", "x q[{a}];", "s q[{a}];", "sdg q[{a}];", "cx q[{a}], q[{b}];",
                "cz q[{a}], q[{b}];", "swap q[{a}], q[{b}];", "rz(w[{k}]) q[{a}];", "rz(-w[{k}]) q[{a}];",
                "ry(x[{j}] * w[{k}]) q[{a}];", "crx(w[{k}]) q[{a}], q[{b}];", "crx(-w[{k}]) q[{a}], q[{b}];"]
        lines = []
        for _ in range(30):
            a, b = rng.choice(3, 2, replace=False)
            gate = pool[rng.integers(len(pool))].format(a=a, b=b, k=rng.integers(2), j=rng.integers(2))
            lines += [gate] * int(rng.integers(1, 3))  # doubled gates: many adjacent pairs
        text = ("model r { input x[2]; output y[3];\n quantum c(x[2]) on q[3] {\n param w[2];\n"
                + "\n".join(lines) + "\n readout expval(Z0), expval(X1 * Z2), expval(Y2);\n }\n"
                " forward { y = c(x); } }\n")
        (tmp_path / "r.qml").write_text(text)
        g = lower(load_file(str(tmp_path / "r.qml"))["r"])
        context = PassContext()
        out = PassManager([plugin.CancelAdjacentInverses()], verify_each=True).run(g, context)
        assert stats(out)["gates"] == stats(g)["gates"] - context.facts["cancel-adjacent-inverses"]["total"]
        assert_same_outputs(g, out, seed=seed, batch=3)


# ---- failures -----------------------------------------------------------------------------------------

def _user_pass(user_passes, name):
    return load_user_pass(f"{user_passes / 'user_passes.py'}:{name}")


class TestFailures:
    def test_a_pass_that_raises_is_a_pass_error_naming_it(self, registry, user_passes, moons):
        boom = _user_pass(user_passes, "Boom")
        before = to_json(moons)
        with pytest.raises(PassError) as e:
            PassManager.from_pipeline("light-cone,boom,dead-nodes").run(moons)
        assert e.value.message == "pass `boom` failed: ZeroDivisionError: division by zero"
        assert isinstance(e.value.__cause__, ZeroDivisionError)
        assert e.value.hint == "the model and its files are unchanged"
        assert to_json(moons) == before
        assert boom.name == "boom"

    def test_a_pass_that_returns_nothing(self, registry, moons):
        @register_pass
        @dataclass(frozen=True)
        class Forgetful(Pass):
            name = "forgetful"

            def run(self, graph, context):
                copy(graph)

        with pytest.raises(PassError, match="pass `forgetful` returned NoneType, not a graph"):
            PassManager.from_pipeline("forgetful").run(moons)

    def test_errors_a_pass_raises_itself_pass_through(self, registry, moons):
        @register_pass
        @dataclass(frozen=True)
        class Picky(Pass):
            name = "picky"

            def run(self, graph, context):
                raise PassError("picky refuses models called moons", hint="rename it")

        with pytest.raises(PassError) as e:
            PassManager.from_pipeline("picky").run(moons)
        assert e.value.message == "pass `picky`: picky refuses models called moons"
        assert e.value.hint == "rename it"

    @pytest.mark.parametrize("name, message", [
        ("Unplug", "invalid IR after pass `unplug`: block `%1` declares 1 data input(s) but has 0"),
        ("Ghost", "invalid IR after pass `ghost`: block `%1` uses symbols bound to no parameter or "
                  "input: ['ghost']"),
    ])
    def test_a_pass_that_breaks_the_graph_is_named_by_verify_each(self, registry, user_passes, moons,
                                                                  name, message):
        cls = _user_pass(user_passes, name)
        pm = PassManager.from_pipeline(f"constant-fold,{cls.name},dead-nodes", verify_each=True)
        with pytest.raises(IRVerificationError) as e:
            pm.run(moons)
        assert e.value.message == message and e.value.after == cls.name
        assert [r.name for r in pm.records] == ["constant-fold"]  # it stopped there
        # without verify_each, the manager does not look; the graph it returns is invalid
        out = PassManager.from_pipeline(cls.name).run(moons)
        with pytest.raises(IRVerificationError):
            verify(out)

    @pytest.mark.parametrize("ref, message", [
        ("user_passes", "`--pass user_passes` must be MODULE:CLASS or FILE.py:CLASS"),
        ("no_such_module_xyz:Tidy", "`--pass no_such_module_xyz:Tidy`: importing `no_such_module_xyz` "
                                    "failed: ModuleNotFoundError: No module named 'no_such_module_xyz'"),
        ("user_passes:Tidy", "`--pass user_passes:Tidy`: `Tidy` is not a Pass subclass with a `name`"),
        ("user_passes:NotAPass", "`--pass user_passes:NotAPass`: `NotAPass` is not a Pass subclass with a "
                                 "`name`"),
        ("user_passes:Pass", "`--pass user_passes:Pass`: `Pass` is not a Pass subclass with a `name`"),
        ("{dir}/missing.py:Boom", "`--pass {dir}/missing.py:Boom`: no such file `{dir}/missing.py`"),
        ("{dir}/raises.py:Boom", "`--pass {dir}/raises.py:Boom`: running `{dir}/raises.py` failed: "
                                 "RuntimeError: not today"),
    ])
    def test_load_user_pass_errors(self, registry, user_passes, monkeypatch, ref, message):
        (user_passes / "raises.py").write_text("raise RuntimeError('not today')\n")
        monkeypatch.syspath_prepend(str(user_passes))
        with pytest.raises(PassError) as e:
            load_user_pass(ref.format(dir=user_passes))
        assert e.value.message == message.format(dir=user_passes)

    def test_load_user_pass_by_module_and_by_file(self, registry, user_passes, monkeypatch):
        monkeypatch.syspath_prepend(str(user_passes))
        cls = load_user_pass("user_passes:Boom")
        assert available()["boom"] == ("always fails", "--pass user_passes:Boom")
        assert make_pass("boom").__class__ is cls
        ref = f"{user_passes / 'user_passes.py'}:Unplug"
        assert load_user_pass(ref).name == "unplug"
        assert available()["unplug"][1] == f"--pass {ref}"

    @pytest.mark.parametrize("text, message, hint", [
        ("light-con", "unknown pass `light-con`", "did you mean `light-cone`?"),
        ("zzz-unknown", "unknown pass `zzz-unknown`", "`qmlc passes` lists them"),
        ("light-cone{mod=gates}", "pass `light-cone` has no option `mod`", "did you mean `mode`?"),
        ("dead-nodes{x=1}", "pass `dead-nodes` has no option `x`", "it takes no options"),
        ("merge-rotations{commute=maybe}", "bad value for option `commute` of pass `merge-rotations`: "
                                           "expected true or false, got 'maybe'", None),
        ("light-cone{mode=gates", "pipeline `light-cone{mode=gates`: `{` after `light-cone` is never closed",
         None),
        ("light-cone{gates}", "pipeline `light-cone{gates}`: option `gates` of `light-cone` needs `=value`",
         None),
        ("{mode=gates}", "pipeline `{mode=gates}` has an empty pass name at character 1", None),
    ])
    def test_pipeline_errors(self, text, message, hint):
        with pytest.raises(PassError) as e:
            parse_pipeline(text)
        assert e.value.message == message and e.value.hint == hint

    def test_pipeline_int_and_float_options(self, cx_to_cz, plugin, registry):
        with pytest.raises(PassError, match=r"bad value for option `limit` of pass `cx-to-cz`: invalid lit"):
            parse_pipeline("cx-to-cz{limit=many}")
        register_pass(plugin.CancelAdjacentInverses)
        (p,) = parse_pipeline("cancel-adjacent-inverses{tolerance=1e-3}")
        assert p.tolerance == 1e-3 and p.spec() == "cancel-adjacent-inverses{tolerance=0.001}"
        (p,) = parse_pipeline("cancel-adjacent-inverses{rotations=no, tolerance=0}")
        assert p == plugin.CancelAdjacentInverses(rotations=False, tolerance=0.0)
        assert parse_pipeline("") == [] and len(parse_pipeline("dead-nodes, dead-nodes")) == 2
        with pytest.raises(PassError, match="empty pass name"):
            parse_pipeline("dead-nodes,,dead-nodes")
        with pytest.raises(PassError, match="expected `,` after `dead-nodes`"):
            parse_pipeline("dead-nodes{}light-cone")


# ---- docs/passes.md ------------------------------------------------------------------------------------

def _blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", DOC.read_text(), re.M | re.S)


def test_the_python_examples_of_the_docs_run(plugin_site):
    script = "\n\n".join(_blocks("python"))
    assert "register_pass" in script and "cancel-adjacent-inverses" in script
    r = run_python(script, plugin_site)
    assert r.returncode == 0, r.stderr
    assert "light-cone" in r.stdout  # the timing report


def test_the_levels_in_the_docs_are_the_levels():
    text = DOC.read_text()
    for level in (1, 2):
        assert f"| `-O{level}` | `{LEVELS[level]}` |" in text
    assert LEVELS[0] == "" and LEVELS[3].count("light-cone") == 2


def test_the_pass_shown_in_the_docs_is_the_one_in_my_passes():
    (shown,) = [b for b in re.findall(r"^```\n(.*?)^```", DOC.read_text(), re.M | re.S)
                if "class DecomposeSwaps" in b]
    source = (PLUGIN / "my_passes.py").read_text()
    source = source[source.index("@dataclass(frozen=True)\nclass DecomposeSwaps"):]

    def code(text):  # without comments, blank lines and docstrings
        return [re.sub(r"\s+# .*", "", line).rstrip() for line in text.splitlines()
                if line.strip() and not line.lstrip().startswith('"""')]

    assert code(shown) == code(source)


# ---- the command line ------------------------------------------------------------------------------

def _lines_match(expected: list[str], actual: list[str]) -> bool:
    """`...` in a line stands for any text; a line `...` for any number of lines."""
    pattern = "".join("(?:.*\n)*?" if line.strip() == "..." else
                      ".*".join(map(re.escape, line.split("..."))) + "\n" for line in expected)
    return re.fullmatch(pattern, "".join(f"{line}\n" for line in actual)) is not None


class TestCommandLine:
    """`qmlc passes`, and `qmlc compile`/`inspect` with `--pass` (run as a user runs them)."""

    def test_passes_lists_builtins_and_the_plugin(self, plugin_site):
        r = qmlc("passes", paths=[plugin_site])
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert any(re.match(r"cancel-adjacent-inverses +remove adjacent gate pairs .*"
                            r"\[plugin:qml-passes-example\]$", line) for line in lines), r.stdout
        for name in LEVELS[3].split(","):
            assert any(re.match(rf"{name} +.*\[built-in\]$", line) for line in lines), name
        assert f"-O2: {LEVELS[2].replace(',', ', ')}" in lines

    def test_pass_from_a_file_and_a_module_at_positions(self, plugin_site, tmp_path):
        out = tmp_path / "demo.json"
        r = qmlc("compile", DEMO, "--passes", "light-cone,dead-nodes",
                 "--pass", "examples/plugins/my_passes.py:DecomposeSwaps@after:light-cone",
                 "--pass", "qml_passes_example:CancelAdjacentInverses@before:light-cone",
                 "--print-after", "decompose-swaps", "--verify-each", "--time-passes", "-o", out,
                 paths=[plugin_site])
        assert r.returncode == 0, r.stderr
        assert (f"{DEMO}: model demo, pipeline: cancel-adjacent-inverses, light-cone, decompose-swaps, "
                "dead-nodes") in r.stdout
        assert "; IR after decompose-swaps\nmodel demo" in r.stdout
        assert "[decompose-swaps] replaced 1 SWAP gate(s) by 3 CX each" in r.stdout
        assert "[cancel-adjacent-inverses] block `%1` (circuit): removed 10 gates" in r.stdout
        assert re.search(r"^decompose-swaps +\d", r.stdout, re.M)
        g = from_json(out.read_text())
        kinds = [c.op.type for _, b in blocks(g) for c in b.circuit.get_commands()]
        assert OpType.SWAP not in kinds and kinds.count(OpType.CX) == 3
        assert_same_outputs(lower(load_file(str(ROOT / DEMO))["demo"]), g, seed=11)

    def test_pass_by_module_on_pythonpath_repeated(self, user_passes):
        r = qmlc("compile", "examples/moons.qml", "-O1", "--pass", "my_passes:DecomposeSwaps",
                 "--pass", "my_passes:DecomposeSwaps@before:fuse-blocks", paths=[PLUGIN])
        assert r.returncode == 0, r.stderr
        assert ("pipeline: decompose-swaps, fuse-blocks, constant-fold, dead-nodes, choose-gradient, "
                "parameter-report, decompose-swaps") in r.stdout

    def test_inspect_after_a_user_pass(self):
        r = qmlc("inspect", DEMO, "--ir", "--passes", "dead-nodes", "--circuits",
                 "--pass", "examples/plugins/my_passes.py:DecomposeSwaps@before:dead-nodes",
                 "--after", "decompose-swaps")
        assert r.returncode == 0, r.stderr
        assert "SWAP" not in r.stdout and r.stdout.count("CX q[") == 7
        r = qmlc("inspect", DEMO, "--format", "json", "--passes", "dead-nodes",
                 "--pass", "examples/plugins/my_passes.py:DecomposeSwaps", "--after", "decompose-swaps")
        assert r.returncode == 0, r.stderr
        assert stats(from_json(r.stdout))["two_qubit_gates"] == 8

    @pytest.mark.parametrize("name, verify_each, message", [
        ("Boom", False, "error: pass `boom` failed: ZeroDivisionError: division by zero\n"
                        "hint: the model and its files are unchanged\n"),
        ("Unplug", True, "error: invalid IR after pass `unplug`: block `%1` declares 1 data input(s) "
                         "but has 0\n"),
        ("Ghost", True, "error: invalid IR after pass `ghost`: block `%1` uses symbols bound to no "
                        "parameter or input: ['ghost']\n"),
    ])
    def test_a_failing_pass_exits_1_naming_it_and_writes_nothing(self, user_passes, tmp_path, name,
                                                                  verify_each, message):
        model = tmp_path / "moons.qml"
        model.write_bytes((ROOT / "examples" / "moons.qml").read_bytes())
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        out = tmp_path / "out.json"
        args = ["compile", model, "--pass", f"user_passes:{name}@after:light-cone", "-o", out]
        r = qmlc(*args, *(["--verify-each"] if verify_each else []), paths=[user_passes], cwd=tmp_path)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert r.stderr == message
        assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["moons.qml"]
        assert hashlib.sha256(model.read_bytes()).hexdigest() == digest

    @pytest.mark.parametrize("ref, message", [
        ("user_passes:Nope", "`--pass user_passes:Nope`: `Nope` is not a Pass subclass with a `name`"),
        ("no_such_module_xyz:Tidy", "importing `no_such_module_xyz` failed: ModuleNotFoundError"),
        ("user_passes:Boom@after:route", "cannot place `boom` after `route`: the pipeline has no such pass"),
        ("user_passes:Boom@beside:light-cone", "the position must be @before:NAME or @after:NAME"),
    ])
    def test_a_pass_that_cannot_be_loaded_or_placed(self, user_passes, ref, message):
        r = qmlc("compile", "examples/moons.qml", "--pass", ref, paths=[user_passes])
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert r.stderr.startswith("error: ") and message in r.stderr and r.stdout == ""

    def test_pipeline_mistakes_exit_1(self):
        r = qmlc("compile", "examples/moons.qml", "--passes", "light-con,dead-nodes")
        assert r.returncode == 1
        assert r.stderr == "error: unknown pass `light-con`\nhint: did you mean `light-cone`?\n"

    @pytest.mark.parametrize("index", range(len(_blocks("console"))))
    def test_the_console_examples_of_the_docs(self, plugin_site, index):
        lines = _blocks("console")[index].splitlines()
        assert lines[0].startswith("$ ")
        words = shlex.split(lines[0][2:])
        env = {}
        while "=" in words[0]:
            key, value = words.pop(0).split("=", 1)
            env[key] = os.pathsep.join([str(ROOT / value), str(plugin_site), str(ROOT)])
        assert words[0] == "qmlc", lines[0]
        expected, status = lines[1:], 0
        if expected and (m := re.fullmatch(r"\[exit status (\d+)\]", expected[-1])):
            expected, status = expected[:-1], int(m.group(1))
        r = qmlc(*words[1:], paths=[plugin_site], env=env)
        assert r.returncode == status, r.stderr
        actual = (r.stdout + r.stderr).splitlines()
        assert _lines_match(expected, actual), "\n".join(["expected:", *expected, "got:", *actual])

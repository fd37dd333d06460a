"""Semantic checks and elaboration: a parsed program becomes checked `ModelSpec`s.

One walk does both jobs, because most checks need values that only elaboration knows (a qubit
index `q[(i + 1) % 4]` is checked for each `i` of its loop). Names are resolved in three scopes:
the file (gates, included circuits, quantum blocks and models, plus those of imported files), the
model (inputs, layers, blocks and the values of the forward section) and the quantum block (data
inputs, parameters, loop variables, gate arguments). Every mistake found is collected; errors from
one statement do not stop the others from being checked, and the same error met again in a later
loop iteration is reported once.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import (ConfigError, DuplicateName, FileError, ImportCycle, LimitError,
                           QmlError, QmlErrors, QubitError, ShapeError, Span, TypeMismatch,
                           UnknownName, did_you_mean)
from . import ast as A
from .model import (ACTIVATIONS, CONSTANTS, FUNCTION_ARITY, FUNCTIONS, GATE_ALIASES, GATES,
                    BlockSpec, DenseSpec, Expval, GateOp, InitSpec, InputRef, ModelSpec, Node,
                    ParamRef, ParamSpec, PauliString, Probs, Samples, add, mul, neg)
from .parser import parse

MAX_LOOP = 100_000
"""Iterations one loop may run; more is refused (a typo such as range(1000000) is the usual cause)."""
MAX_STEPS = 1_000_000
"""Elaboration steps for a whole file (gates emitted plus loop iterations)."""
MAX_QUBITS = 1024
MAX_GATE_DEPTH = 64

DEFAULT_QUANTUM_INIT = InitSpec("uniform", (0.0, 2 * math.pi))
DEFAULT_DENSE_INIT = InitSpec("uniform", (-0.5, 0.5))
INITIALISERS = {"uniform": 2, "normal": 2, "constant": 1, "zeros": 0}

TRAIN_KEYS = {
    "data": "a data set: a built-in generator call such as moons(n_samples=256) or a file path",
    "loss": "mse, cross_entropy, bce, hinge or fidelity",
    "optimizer": "sgd, adam or spsa, optionally with settings: adam(lr=0.05)",
    "lr": "learning rate", "epochs": "number of passes over the data",
    "batch_size": "samples per step", "seed": "random seed",
    "gradient": "adjoint, parameter_shift, spsa or finite_diff", "shots": "measurements per circuit",
    "validation_split": "fraction held out for validation", "test_split": "fraction held out for testing",
    "scale": "feature scaling: standard, minmax or none", "metrics": "list of metric names",
    "early_stopping": "patience in epochs", "schedule": "learning-rate schedule",
    "clip": "gradient clipping norm", "checkpoint_every": "epochs between checkpoints",
    "target": "hardware target name",
    "noise": "train under noise: a target's error rates (\"heavy-hex-27\") or \"depol1=..,depol2=..,readout=..\"",
}
TRAIN_GROUPS = {"data", "optimizer", "schedule", "early_stopping"}  # accept dotted sub-keys


class _Abort(Exception):
    """Stops elaborating one statement after its error was recorded."""


@dataclass
class _FileInfo:
    path: str
    source: str
    program: A.Program
    gates: dict = field(default_factory=dict)  # name -> GateDef | QasmCircuit
    blocks: dict = field(default_factory=dict)  # name -> QuantumDef
    models: dict = field(default_factory=dict)  # name -> ModelDef (this file's own)
    defined_at: dict = field(default_factory=dict)


@dataclass
class _BlockCtx:
    """What names mean inside a quantum block or a gate body."""

    n_qubits: int
    register: str | None  # None inside a gate definition
    inputs: dict  # data input name -> width
    params: dict  # name -> ParamSpec
    qubit_names: dict  # gate qubit argument -> physical qubit
    values: dict  # loop variables and gate angle arguments -> Angle
    gate_stack: tuple = ()
    in_gate: bool = False


class Checker:
    def __init__(self, loader=None):
        self.errors: list[QmlError] = []
        self._seen: set = set()
        self.sources: dict[str, str] = {}
        self.files: dict[str, _FileInfo] = {}
        self.loading: list[str] = []
        self.steps = 0
        self.loader = loader or _read_file
        self.block_cache: dict[int, BlockSpec | None] = {}
        self.models_checked: set[int] = set()

    # ---- error bookkeeping --------------------------------------------------------------------
    def error(self, cls, message: str, span: Span | None, hint: str | None = None):
        key = (cls.__name__, message, span)
        if key not in self._seen:
            self._seen.add(key)
            self.errors.append(cls(message, span, hint=hint))
        raise _Abort

    def soft(self, cls, message, span, hint=None):
        """Record an error and carry on."""
        try:
            self.error(cls, message, span, hint)
        except _Abort:
            pass

    def finish(self):
        for e in self.errors:
            if e.span is not None and e.source is None:
                e.source = self.sources.get(e.span.file)
        if self.errors:
            self.errors.sort(key=lambda e: (e.span.file, e.span.line, e.span.col) if e.span else ("", 0, 0))
            raise self.errors[0] if len(self.errors) == 1 else QmlErrors(self.errors)

    # ---- files and imports --------------------------------------------------------------------
    def load_file(self, path: str, source: str | None = None, at: Span | None = None) -> _FileInfo | None:
        key = os.path.abspath(path) if not path.startswith("<") else path
        if key in self.files:
            return self.files[key]
        if key in self.loading:
            chain = " -> ".join(os.path.basename(p) for p in self.loading[self.loading.index(key):] + [key])
            self.soft(ImportCycle, f"import cycle: {chain}", at, hint="move what both files need into a third file")
            return None
        if source is None:
            try:
                source = self.loader(path)
            except QmlError as e:
                if at is not None and e.span is None:
                    e.span = at
                self.errors.append(e)
                return None
        self.sources[path] = source
        try:
            program = parse(source, path)
        except QmlErrors as e:
            self.errors.extend(e.errors)
            return None
        except QmlError as e:
            self.errors.append(e)
            return None
        info = _FileInfo(path, source, program)
        self.loading.append(key)
        try:
            self._declare(info)
        finally:
            self.loading.pop()
        self.files[key] = info
        return info

    def _define(self, info: _FileInfo, table: dict, name: str, value, span: Span, what: str):
        if name in info.defined_at:
            prev = info.defined_at[name]
            self.soft(DuplicateName, f"`{name}` is already defined (at {prev})", span,
                      hint=f"rename this {what}")
            return
        info.defined_at[name] = span
        table[name] = value

    def _declare(self, info: _FileInfo):
        base = os.path.dirname(info.path) if not info.path.startswith("<") else "."
        for item in info.program.items:
            if isinstance(item, A.Import):
                other = self.load_file(os.path.join(base, item.path), at=item.span)
                if other is not None:
                    for table, mine in ((other.gates, info.gates), (other.blocks, info.blocks),
                                        (other.models, info.models)):
                        for name, value in table.items():
                            if name in info.defined_at:
                                if mine.get(name) is not value:
                                    self.soft(DuplicateName, f"`{name}` from `{item.path}` clashes with "
                                              f"`{name}` defined at {info.defined_at[name]}", item.span,
                                              hint="rename one of them")
                                continue
                            info.defined_at[name] = other.defined_at.get(name, item.span)
                            mine[name] = value
            elif isinstance(item, A.Include):
                circuit = self._include(os.path.join(base, item.path), item)
                if circuit is not None:
                    self._define(info, info.gates, item.name, circuit, item.span, "include")
            elif isinstance(item, A.GateDef):
                if item.name in GATES or item.name in GATE_ALIASES:
                    self.soft(DuplicateName, f"`{item.name}` is a built-in gate", item.span,
                              hint="choose another name for your gate")
                    continue
                self._define(info, info.gates, item.name, item, item.span, "gate")
            elif isinstance(item, A.QuantumDef):
                self._define(info, info.blocks, item.name, item, item.span, "block")
            elif isinstance(item, A.ModelDef):
                self._define(info, info.models, item.name, item, item.span, "model")

    def _include(self, path: str, item: A.Include):
        if not path.lower().endswith(".qasm"):
            self.soft(FileError, f"`include` takes an OpenQASM 2 file (.qasm), got `{item.path}`",
                      item.span, hint="use `import` for .qml files")
            return None
        from .qasm import load_qasm
        try:
            text = self.loader(path)
        except QmlError as e:
            e.span = e.span or item.span
            self.errors.append(e)
            return None
        self.sources[path] = text
        try:
            return load_qasm(path, text)
        except QmlError as e:
            self.errors.append(e.with_source(text))
            return None

    # ---- models -------------------------------------------------------------------------------
    def check_models(self, info: _FileInfo) -> dict[str, ModelSpec]:
        out = {}
        own = [m for m in info.program.items if isinstance(m, A.ModelDef)]
        if id(info) in self.models_checked:
            return out
        self.models_checked.add(id(info))
        for m in own:
            spec = self.check_model(info, m)
            if spec is not None:
                out[m.name] = spec
        return out

    def check_model(self, info: _FileInfo, m: A.ModelDef) -> ModelSpec | None:
        n_errors = len(self.errors)
        scope: dict[str, tuple[str, object, Span]] = {}

        def declare(name, kind, value, span):
            if name in scope:
                self.soft(DuplicateName, f"`{name}` is already defined in model `{m.name}` "
                          f"(at {scope[name][2]})", span)
                return False
            scope[name] = (kind, value, span)
            return True

        inputs, outputs = [], []
        port_names: dict[str, Span] = {}
        for p in m.of(A.Port):
            if p.name in port_names:
                self.soft(DuplicateName, f"`{p.name}` is already an input or output (at {port_names[p.name]})",
                          p.span)
                continue
            port_names[p.name] = p.span
            if p.width < 1:
                self.soft(ShapeError, f"{p.kind} `{p.name}` must have width at least 1", p.span)
                continue
            if p.kind == "input":
                if declare(p.name, "input", p.width, p.span):
                    inputs.append((p.name, p.width))
            else:
                outputs.append((p.name, p.width, p.span))
        if not inputs:
            self.soft(ShapeError, f"model `{m.name}` has no input", m.span, hint="declare one: `input x[2];`")
        if not outputs:
            self.soft(ShapeError, f"model `{m.name}` has no output", m.span, hint="declare one: `output y[2];`")

        layers: dict[str, DenseSpec] = {}
        for layer in m.of(A.LayerDecl):
            spec = self._dense(layer)
            if spec is not None and declare(layer.name, "layer", spec, layer.span):
                layers[layer.name] = spec

        for q in m.of(A.QuantumDef):  # a model's own block shadows a file-level one of its name
            declare(q.name, "block", q, q.span)
        for name, q in info.blocks.items():
            scope.setdefault(name, ("block", q, q.span))

        forwards = m.of(A.Forward)
        if len(forwards) > 1:
            self.soft(DuplicateName, f"model `{m.name}` has more than one forward section", forwards[1].span)
        trains = m.of(A.Train)
        if len(trains) > 1:
            self.soft(DuplicateName, f"model `{m.name}` has more than one train section", trains[1].span)
        train = self._train(trains[0]) if trains else ()

        blocks: dict[str, BlockSpec] = {}
        nodes: list[Node] = [Node(name, "input", (), w) for name, w in inputs]
        values: dict[str, Node] = {n.name: n for n in nodes}
        used_layers: set = set()
        forward_failed = False
        if not forwards:
            self.soft(UnknownName, f"model `{m.name}` has no forward section", m.span,
                      hint="wire it: `forward { y = head(block(x)); }`")
        else:
            wiring = _Wiring(self, info, m, scope, layers, blocks, nodes, values, used_layers)
            for assign in forwards[0].assigns:
                try:
                    wiring.assign(assign)
                except _Abort:
                    forward_failed = True
                    wiring.failed.update(assign.targets)  # later uses are not new mistakes
        output_nodes = []
        for name, width, span in outputs:
            node = values.get(name)
            if node is None:
                if forwards and not forward_failed:
                    self.soft(UnknownName, f"output `{name}` is never assigned in the forward section",
                              span, hint=f"add `{name} = ...;` to `forward`")
                continue
            if dict(node.attrs).get("state"):
                self.soft(TypeMismatch, f"output `{name}` is a quantum state (block "
                          f"`{dict(node.attrs)['block']}` has no readout)", node.span or span,
                          hint="add a readout to the block")
                continue
            if node.width != width:
                self.soft(ShapeError, f"output `{name}` is declared with width {width} but the forward "
                          f"section gives it width {node.width}", node.span or span)
            output_nodes.append(node.name)
        if len(self.errors) > n_errors:
            return None
        return ModelSpec(m.name, info.path, tuple(inputs), tuple((n, w) for n, w, _ in outputs),
                         tuple(layers[n] for n in layers if n in used_layers) + tuple(
                             layers[n] for n in layers if n not in used_layers),
                         tuple(blocks.values()), tuple(nodes), tuple(output_nodes), train, span=m.span)

    def _dense(self, layer: A.LayerDecl) -> DenseSpec | None:
        v = layer.value
        if not isinstance(v, A.Call) or v.name != "dense":
            name = v.name if isinstance(v, (A.Call, A.Var)) else None
            hint = "layers are `dense(in, out)`; activations such as relu are used in `forward`"
            if name in ACTIVATIONS:
                hint = f"use `{name}(...)` directly in the forward section"
            self.soft(TypeMismatch, f"layer `{layer.name}` must be a `dense(in, out)` layer", v.span
                      if hasattr(v, "span") else layer.span, hint=hint)
            return None
        try:
            pos = v.positional
            if len(pos) != 2:
                self.error(TypeMismatch, f"`dense` takes two widths, `dense(in, out)`, got {len(pos)} "
                           "positional arguments", v.span)
            w_in, w_out = (self._const_int(p, "a layer width") for p in pos)
            bias, init = True, DEFAULT_DENSE_INIT
            for k, kw in v.keywords.items():
                if k == "bias":
                    bias = self._const_bool(kw.value)
                elif k == "init":
                    init = self._init(kw.value)
                else:
                    self.error(UnknownName, f"`dense` has no option `{k}`", kw.span,
                               hint=did_you_mean(k, ["bias", "init"]) or "options: bias, init")
            for w, p in zip((w_in, w_out), pos):
                if w < 1:
                    self.error(ShapeError, "a layer width must be at least 1", p.span)
            return DenseSpec(layer.name, w_in, w_out, bias, init, span=layer.span)
        except _Abort:
            return None

    def _train(self, train: A.Train) -> tuple:
        out: dict[str, object] = {}
        for s in train.settings:
            head = s.key.split(".")[0]
            if head not in TRAIN_KEYS or ("." in s.key and head not in TRAIN_GROUPS):
                hint = did_you_mean(head, TRAIN_KEYS) or "known settings: " + ", ".join(sorted(TRAIN_KEYS))
                self.soft(ConfigError, f"unknown train setting `{s.key}`", s.span, hint=hint)
                continue
            if s.key in out:
                self.soft(DuplicateName, f"train setting `{s.key}` is set twice", s.span)
                continue
            try:
                value = self._setting_value(s.value)
            except _Abort:
                continue
            for key in ("epochs", "batch_size", "shots"):
                if s.key == key and not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                    self.soft(ConfigError, f"`{key}` must be a positive integer, got {value!r}", s.span)
            if s.key == "seed" and (not isinstance(value, int) or isinstance(value, bool)):
                self.soft(ConfigError, f"`seed` must be an integer, got {value!r}", s.span)
            out[s.key] = value
        return tuple(out.items())

    def _setting_value(self, v):
        if isinstance(v, A.Str):
            return v.value
        if isinstance(v, A.ListLit):
            return [self._setting_value(i) for i in v.items]
        if isinstance(v, A.Var):
            if v.name in ("true", "false"):
                return v.name == "true"
            if v.name in CONSTANTS:
                return CONSTANTS[v.name]
            return v.name
        if isinstance(v, A.Call) and v.name not in FUNCTIONS:
            d: dict[str, object] = {"name": v.name}
            pos = [self._setting_value(a) for a in v.positional]
            if pos:
                d["args"] = pos
            for k, kw in v.keywords.items():
                d[k] = self._setting_value(kw.value)
            return d
        value = self._const(v, "a setting")
        return int(value) if isinstance(value, float) and value.is_integer() and _is_int_literal(v) else value

    # ---- constants ----------------------------------------------------------------------------
    def _const(self, e, what: str) -> float | int:
        ctx = _BlockCtx(0, None, {}, {}, {}, {})
        a = self.angle(e, ctx)
        if not isinstance(a, A.Num):
            self.error(TypeMismatch, f"{what} must be a constant", getattr(e, "span", None))
        return a.value

    def _const_int(self, e, what: str) -> int:
        v = self._const(e, what)
        if isinstance(v, float) and not v.is_integer():
            self.error(TypeMismatch, f"{what} must be an integer, got {v}", e.span)
        return int(v)

    def _const_bool(self, e) -> bool:
        if isinstance(e, A.Var) and e.name in ("true", "false"):
            return e.name == "true"
        self.error(TypeMismatch, "expected `true` or `false`", getattr(e, "span", None))

    def _init(self, e) -> InitSpec:
        if isinstance(e, A.Var) and e.name == "zeros":
            return InitSpec("zeros")
        if not isinstance(e, A.Call) or e.name not in INITIALISERS:
            name = getattr(e, "name", "")
            self.error(UnknownName, f"unknown initialiser `{name}`" if name else "expected an initialiser",
                       getattr(e, "span", None),
                       hint=did_you_mean(name, INITIALISERS) if name else None
                       or "initialisers: uniform(lo, hi), normal(mean, std), constant(v), zeros")
        n = INITIALISERS[e.name]
        if len(e.args) != n or e.keywords:
            self.error(TypeMismatch, f"`{e.name}` takes {n} positional argument{'s' if n != 1 else ''}",
                       e.span)
        args = tuple(float(self._const(a, "an initialiser argument")) for a in e.args)
        if e.name == "uniform" and args[0] >= args[1]:
            self.error(ConfigError, f"`uniform({args[0]}, {args[1]})` needs lo < hi", e.span)
        if e.name == "normal" and args[1] < 0:
            self.error(ConfigError, "a normal distribution needs std >= 0", e.span)
        return InitSpec(e.name, args)

    # ---- expressions --------------------------------------------------------------------------
    def angle(self, e, ctx: _BlockCtx):
        """Elaborate an expression to an `Angle`, folding constants."""
        if isinstance(e, A.Num):
            return A.Num(e.value)
        if isinstance(e, A.Var):
            if e.name in ctx.values:
                return ctx.values[e.name]
            if e.name in CONSTANTS:
                return A.Num(CONSTANTS[e.name])
            if e.name in ctx.params:
                p = ctx.params[e.name]
                if p.shape == ():
                    return ParamRef(p.name, 0)
                self.error(ShapeError, f"parameter `{e.name}` has shape {list(p.shape)}: index it, "
                           f"e.g. `{e.name}[{', '.join('0' for _ in p.shape)}]`", e.span)
            if e.name in ctx.inputs:
                if ctx.inputs[e.name] == 1:
                    return InputRef(e.name, 0)
                self.error(ShapeError, f"data input `{e.name}` has width {ctx.inputs[e.name]}: "
                           f"index it, e.g. `{e.name}[0]`", e.span)
            self.error(UnknownName, f"unknown name `{e.name}`", e.span,
                       hint=did_you_mean(e.name, [*ctx.values, *CONSTANTS, *ctx.params, *ctx.inputs]))
        if isinstance(e, A.Neg):
            return neg(self.angle(e.operand, ctx))
        if isinstance(e, A.BinOp):
            left, right = self.angle(e.left, ctx), self.angle(e.right, ctx)
            if isinstance(left, A.Num) and isinstance(right, A.Num):
                return A.Num(self._fold(e, left.value, right.value))
            if e.op == "+":
                return add(left, right)
            if e.op == "*":
                return mul(left, right)
            if e.op in ("/", "%") and isinstance(right, A.Num) and right.value == 0:
                self.error(TypeMismatch, "division by zero", e.span)
            return A.BinOp(e.op, left, right)
        if isinstance(e, A.Subscript):
            return self._element(e, ctx)
        if isinstance(e, A.Call):
            if e.name not in FUNCTIONS:
                self.error(UnknownName, f"unknown function `{e.name}`", e.span,
                           hint=did_you_mean(e.name, FUNCTIONS) or "functions: " + ", ".join(sorted(FUNCTIONS)))
            if e.keywords:
                self.error(TypeMismatch, f"`{e.name}` takes no keyword arguments", e.span)
            n = FUNCTION_ARITY[e.name]
            if len(e.args) != n:
                self.error(TypeMismatch, f"`{e.name}` takes {n} argument{'s' if n > 1 else ''}, got "
                           f"{len(e.args)}", e.span)
            args = tuple(self.angle(a, ctx) for a in e.args)
            if all(isinstance(a, A.Num) for a in args):
                try:
                    return A.Num(FUNCTIONS[e.name](*(a.value for a in args)))
                except (ValueError, OverflowError, ZeroDivisionError):
                    self.error(TypeMismatch, f"`{e.name}` is undefined for "
                               f"{', '.join(str(a.value) for a in args)}", e.span)
            return A.Call(e.name, args)
        if isinstance(e, (A.ListLit, A.Str)):
            self.error(TypeMismatch, "expected a number here, not a " +
                       ("string" if isinstance(e, A.Str) else "list"), e.span)
        if isinstance(e, A.KwArg):
            self.error(TypeMismatch, f"unexpected keyword argument `{e.name}`", e.span)
        self.error(TypeMismatch, "expected an expression", getattr(e, "span", None))

    def _fold(self, e: A.BinOp, x, y):
        try:
            if e.op == "+":
                return x + y
            if e.op == "-":
                return x - y
            if e.op == "*":
                return x * y
            if e.op == "/":
                r = x / y
                return int(r) if isinstance(x, int) and isinstance(y, int) and x % y == 0 else r
            if e.op == "%":
                return x % y
            r = (float(x) ** y) if abs(y) > 64 else x ** y  # huge integer powers: in floating point
            if isinstance(r, complex) or (isinstance(r, float) and not math.isfinite(r)):
                raise ValueError
            return r
        except ZeroDivisionError:
            self.error(TypeMismatch, "division by zero", e.span)
        except (OverflowError, ValueError):
            self.error(TypeMismatch, f"`{x} {e.op} {y}` has no finite real value", e.span)

    def int_value(self, e, ctx: _BlockCtx, what: str) -> int:
        if type(e) is A.Num and type(e.value) is int:  # fast paths: literals and loop variables
            return e.value
        if type(e) is A.Var:
            v = ctx.values.get(e.name)
            if type(v) is A.Num and type(v.value) is int:
                return v.value
        a = self.angle(e, ctx)
        if not isinstance(a, A.Num):
            self.error(TypeMismatch, f"{what} must be known at compile time (it depends on "
                       "parameters or data)", e.span)
        v = a.value
        if isinstance(v, float):
            if not v.is_integer():
                self.error(TypeMismatch, f"{what} must be an integer, got {v}", e.span)
            v = int(v)
        return v

    def _element(self, e: A.Subscript, ctx: _BlockCtx):
        if any(isinstance(i, A.Slice) for i in e.indices):
            self.error(TypeMismatch, "slices are not allowed in angles", e.span)
        if e.name in ctx.params:
            p = ctx.params[e.name]
            idx = [self.int_value(i, ctx, "an index") for i in e.indices]
            if len(idx) != len(p.shape):
                self.error(ShapeError, f"parameter `{p.name}` has shape {list(p.shape)} and needs "
                           f"{len(p.shape)} ind{'ices' if len(p.shape) != 1 else 'ex'}, got {len(idx)}", e.span)
            flat = 0
            for k, (i, n) in enumerate(zip(idx, p.shape)):
                if not 0 <= i < n:
                    self.error(ShapeError, f"index {i} is out of range for dimension {k} of `{p.name}` "
                               f"(size {n})", e.indices[k].span if hasattr(e.indices[k], "span") else e.span)
                flat = flat * n + i
            return ParamRef(p.name, flat)
        if e.name in ctx.inputs:
            if len(e.indices) != 1:
                self.error(ShapeError, f"data input `{e.name}` is a vector: use one index", e.span)
            i = self.int_value(e.indices[0], ctx, "an index")
            w = ctx.inputs[e.name]
            if not 0 <= i < w:
                self.error(ShapeError, f"index {i} is out of range for data input `{e.name}` of width {w}",
                           e.span)
            return InputRef(e.name, i)
        if ctx.in_gate and e.name not in ctx.values:
            self.error(UnknownName, f"unknown name `{e.name}`: a gate definition sees only its own "
                       "arguments", e.span, hint="pass the value in as an angle argument")
        self.error(UnknownName, f"unknown parameter or data input `{e.name}`", e.span,
                   hint=did_you_mean(e.name, [*ctx.params, *ctx.inputs]))

    # ---- quantum blocks -----------------------------------------------------------------------
    def block(self, info: _FileInfo, q: A.QuantumDef) -> BlockSpec | None:
        """The elaborated block (once per definition: later calls reuse it)."""
        key = id(q)
        if key not in self.block_cache:
            self.block_cache[key] = self._block(info, q)
        return self.block_cache[key]

    def gate_body(self, info: _FileInfo, g: A.GateDef) -> None:
        """Check what can be checked of a gate without calling it: the gates it names and the
        qubits it uses. (Angles and loops are checked when it is called.)"""
        from .templates import TEMPLATES
        known = {*GATES, *GATE_ALIASES, "u2", "id", *info.gates}
        stack = list(g.body)
        while stack:
            s = stack.pop()
            if isinstance(s, (A.For, A.Repeat)):
                stack.extend(s.body)
            elif isinstance(s, A.GateStmt):
                if s.name not in known:
                    self.soft(UnknownName, f"unknown gate or template `{s.name}`" if s.name not in TEMPLATES
                              else f"template `{s.name}` cannot be used inside a gate definition", s.span,
                              hint=did_you_mean(s.name, known) if s.name not in TEMPLATES else None)
                for r in s.qubits:
                    if r.index is not None or r.register not in g.qubits:
                        self.soft(QubitError, "inside a gate definition, use its qubit arguments by name"
                                  if r.index is not None else f"unknown qubit `{r.register}`", r.span,
                                  hint=f"this gate's qubits are {', '.join(g.qubits)}")
            elif isinstance(s, A.Readout):
                self.soft(TypeMismatch, "a gate definition cannot have a readout", s.span)
            elif isinstance(s, A.ParamDecl):
                self.soft(TypeMismatch, "a gate definition cannot declare parameters", s.span,
                          hint="pass values in as angle arguments")

    def _block(self, info: _FileInfo, q: A.QuantumDef) -> BlockSpec | None:
        n_errors = len(self.errors)
        if not 1 <= q.n_qubits <= MAX_QUBITS:
            self.soft(QubitError, f"block `{q.name}` must have between 1 and {MAX_QUBITS} qubits, "
                      f"got {q.n_qubits}", q.span)
            return None
        inputs: dict[str, int] = {}
        for d in q.inputs:
            if d.name in inputs:
                self.soft(DuplicateName, f"data input `{d.name}` is declared twice", d.span)
            elif d.width < 1:
                self.soft(ShapeError, f"data input `{d.name}` must have width at least 1", d.span)
            else:
                inputs[d.name] = d.width
        params: dict[str, ParamSpec] = {}
        for s in q.body:
            if isinstance(s, A.ParamDecl):
                try:
                    self._param(s, params, inputs, q)
                except _Abort:
                    pass
        ctx = _BlockCtx(q.n_qubits, q.register, inputs, params, {}, {})
        ops: list[GateOp] = []
        readouts = []
        seen_readout = None
        for s in q.body:
            if isinstance(s, A.ParamDecl):
                continue
            if seen_readout is not None and not isinstance(s, A.Readout):
                self.soft(TypeMismatch, "gates after `readout`: a readout measures the block's final state, "
                          "so it comes last", s.span, hint=f"move the readout (at {seen_readout}) to the end")
                continue
            if isinstance(s, A.Readout):
                seen_readout = s.span
                for item in s.items:
                    try:
                        readouts.extend(self._readout(item, ctx))
                    except _Abort:
                        pass
                continue
            try:
                self.stmt(info, s, ctx, ops)
            except _Abort:
                pass
        if len(self.errors) > n_errors:
            return None
        return BlockSpec(q.name, q.n_qubits, tuple(inputs.items()), tuple(params.values()), tuple(ops),
                         tuple(readouts), span=q.span)

    def _param(self, s: A.ParamDecl, params: dict, inputs: dict, q: A.QuantumDef):
        if s.name in params or s.name in inputs or s.name in CONSTANTS:
            self.error(DuplicateName, f"`{s.name}` is already defined in block `{q.name}`", s.span)
        if any(d < 1 for d in s.shape):
            self.error(ShapeError, f"every dimension of `{s.name}` must be at least 1", s.span)
        if math.prod(s.shape) > 10_000_000:
            self.error(LimitError, f"parameter `{s.name}` has {math.prod(s.shape)} elements", s.span)
        init = self._init(s.init) if s.init is not None else DEFAULT_QUANTUM_INIT
        params[s.name] = ParamSpec(s.name, s.shape, init, span=s.span)

    def _step(self, span, n=1):
        self.steps += n
        if self.steps > MAX_STEPS:
            self.error(LimitError, f"elaborating this file takes more than {MAX_STEPS:,} steps "
                       "(gates plus loop iterations)", span, hint="make loops smaller")

    def _range(self, r: A.Range, ctx: _BlockCtx) -> range:
        start, stop, step = r.bounds()
        a = self.int_value(start, ctx, "a range bound") if start is not None else 0
        b = self.int_value(stop, ctx, "a range bound")
        c = self.int_value(step, ctx, "a range step") if step is not None else 1
        if c == 0:
            self.error(TypeMismatch, "a range step cannot be zero", r.span)
        rng = range(a, b, c)
        if len(rng) > MAX_LOOP:
            self.error(LimitError, f"loop of {len(rng):,} iterations exceeds the limit of {MAX_LOOP:,}",
                       r.span, hint="loops unroll at compile time: keep them small")
        return rng

    def stmt(self, info: _FileInfo, s, ctx: _BlockCtx, ops: list):
        if isinstance(s, (A.For, A.Repeat)) and s.var is not None:
            hidden = ("parameter" if s.var in ctx.params else "data input" if s.var in ctx.inputs
                      else "constant" if s.var in CONSTANTS else None)
            if hidden:
                self.error(DuplicateName, f"loop variable `{s.var}` hides the {hidden} `{s.var}`", s.span,
                           hint="give the loop variable another name")
        if isinstance(s, A.For):
            rng = self._range(s.range, ctx)
            for i in rng:
                self._step(s.span)
                inner = _with_value(ctx, s.var, A.Num(i))
                for t in s.body:
                    try:
                        self.stmt(info, t, inner, ops)
                    except _Abort:
                        pass
        elif isinstance(s, A.Repeat):
            n = self.int_value(s.count, ctx, "a repeat count")
            if n < 0 or n > MAX_LOOP:
                self.error(LimitError if n > 0 else TypeMismatch,
                           f"repeat count {n:,} must be between 0 and {MAX_LOOP:,}", s.count.span)
            for i in range(n):
                self._step(s.span)
                inner = _with_value(ctx, s.var, A.Num(i)) if s.var else ctx
                for t in s.body:
                    try:
                        self.stmt(info, t, inner, ops)
                    except _Abort:
                        pass
        elif isinstance(s, A.GateStmt):
            self.gate(info, s, ctx, ops)
        elif isinstance(s, A.ParamDecl):
            self.error(TypeMismatch, "parameters are declared at the top of a quantum block",
                       s.span, hint="move this `param` out of the loop or gate")
        elif isinstance(s, A.Readout):
            self.error(TypeMismatch, "`readout` belongs at the top level of a quantum block", s.span)

    def _qubits(self, refs, ctx: _BlockCtx) -> list[list[int]]:
        """Each reference as a list of physical qubits (a whole register gives all of them)."""
        out = []
        for r in refs:
            if ctx.register is None:  # inside a gate definition
                if r.index is not None or r.register not in ctx.qubit_names:
                    self.error(QubitError, f"unknown qubit `{r.register}`" if r.index is None else
                               "inside a gate definition, use its qubit arguments by name", r.span,
                               hint=did_you_mean(r.register, ctx.qubit_names))
                out.append([ctx.qubit_names[r.register]])
                continue
            if r.register != ctx.register:
                self.error(QubitError, f"unknown register `{r.register}`", r.span,
                           hint=f"this block's register is `{ctx.register}`")
            if r.index is None:
                out.append(list(range(ctx.n_qubits)))
                continue
            i = self.int_value(r.index, ctx, "a qubit index")
            if not 0 <= i < ctx.n_qubits:
                self.error(QubitError, f"qubit index {i} is out of range for `{ctx.register}[{ctx.n_qubits}]`",
                           r.span, hint=f"valid indices are 0 to {ctx.n_qubits - 1}")
            out.append([i])
        return out

    def _emit(self, ops: list, op: GateOp, span):
        self._step(span)
        ops.append(op)

    def gate(self, info: _FileInfo, s: A.GateStmt, ctx: _BlockCtx, ops: list):
        name = GATE_ALIASES.get(s.name, s.name)
        if name in GATES or name in ("u2", "id"):
            n_angles, n_qubits = GATES.get(name, (2, 1) if name == "u2" else (0, 1))
            self._no_kwargs(s)
            if len(s.args) != n_angles:
                self.error(TypeMismatch, f"gate `{s.name}` takes {n_angles} angle{'s' if n_angles != 1 else ''}"
                           f", got {len(s.args)}", s.span)
            if len(s.qubits) != n_qubits:
                self.error(QubitError, f"gate `{s.name}` acts on {n_qubits} qubit{'s' if n_qubits > 1 else ''}"
                           f", got {len(s.qubits)}", s.span)
            angles = tuple(self.angle(a, ctx) for a in s.args)
            if name == "u2":
                name, angles = "u3", (A.Num(math.pi / 2), *angles)
            for qubits in self._broadcast(s, ctx):
                if name != "id":
                    self._emit(ops, GateOp(name, qubits, angles, span=s.span), s.span)
            return
        target = info.gates.get(s.name)
        if isinstance(target, A.GateDef):
            self._call_gate(info, s, target, ctx, ops)
            return
        if target is not None:  # an included OpenQASM circuit
            self._no_kwargs(s)
            if s.args:
                self.error(TypeMismatch, f"included circuit `{s.name}` takes no angles", s.span)
            if target.n_qubits == 1 and len(s.qubits) == 1:  # broadcast like any one-qubit gate
                for (q,) in self._broadcast(s, ctx):
                    for op in target.ops:
                        self._emit(ops, GateOp(op.name, (q,), tuple(A.Num(p) for p in op.params),
                                               span=s.span), s.span)
                return
            if len(s.qubits) == 1 and s.qubits[0].index is None and ctx.register is not None:
                qubits = list(range(ctx.n_qubits))[: target.n_qubits]
                if ctx.n_qubits != target.n_qubits:
                    self.error(QubitError, f"included circuit `{s.name}` acts on {target.n_qubits} qubits "
                               f"but register `{ctx.register}` has {ctx.n_qubits}", s.span,
                               hint="list the qubits it should act on")
            else:
                if len(s.qubits) != target.n_qubits:
                    self.error(QubitError, f"included circuit `{s.name}` acts on {target.n_qubits} qubits, "
                               f"got {len(s.qubits)}", s.span)
                qubits = [q[0] for q in self._single(s, ctx)]
            for op in target.ops:
                self._emit(ops, GateOp(op.name, tuple(qubits[i] for i in op.qubits),
                                       tuple(A.Num(p) for p in op.params), span=s.span), s.span)
            return
        from .templates import TEMPLATES, expand_template
        if s.name in TEMPLATES:
            if s.qubits:
                self.error(QubitError, f"template `{s.name}` acts on every qubit of the block: "
                           "list no qubits", s.span)
            if ctx.in_gate:
                self.error(TypeMismatch, f"template `{s.name}` cannot be used inside a gate definition",
                           s.span)
            args = [(self._template_value(a, ctx), a.span) for a in s.args if not isinstance(a, A.KwArg)]
            kwargs = {a.name: (self._template_value(a.value, ctx), a.span)
                      for a in s.args if isinstance(a, A.KwArg)}
            try:
                expanded = expand_template(s.name, args, kwargs, ctx.n_qubits, s.span)
            except QmlError as e:
                self.error(type(e), e.message, e.span, e.hint)
            for op in expanded:
                self._emit(ops, op, s.span)
            return
        known = [*GATES, *GATE_ALIASES, *info.gates, *TEMPLATES]
        self.error(UnknownName, f"unknown gate or template `{s.name}`", s.span, hint=did_you_mean(s.name, known))

    def _no_kwargs(self, s: A.GateStmt):
        for a in s.args:
            if isinstance(a, A.KwArg):
                self.error(TypeMismatch, f"gate `{s.name}` takes no keyword arguments", a.span)

    def _single(self, s: A.GateStmt, ctx: _BlockCtx) -> list[list[int]]:
        groups = self._qubits(s.qubits, ctx)
        for g, r in zip(groups, s.qubits):
            if len(g) != 1:
                self.error(QubitError, f"`{s.name}` needs single qubits here, not the whole register "
                           f"`{r.register}`", r.span, hint=f"write e.g. `{r.register}[0]`")
        flat = [g[0] for g in groups]
        if len(set(flat)) != len(flat):
            self.error(QubitError, f"gate `{s.name}` uses the same qubit twice", s.span)
        return groups

    def _broadcast(self, s: A.GateStmt, ctx: _BlockCtx):
        groups = self._qubits(s.qubits, ctx)
        if len(groups) == 1:
            return [(q,) for q in groups[0]]
        self._single(s, ctx)
        return [tuple(g[0] for g in groups)]

    def _call_gate(self, info, s: A.GateStmt, g: A.GateDef, ctx: _BlockCtx, ops: list):
        self._no_kwargs(s)
        if len(s.args) != len(g.params):
            self.error(TypeMismatch, f"gate `{g.name}` takes {len(g.params)} angle"
                       f"{'s' if len(g.params) != 1 else ''}, got {len(s.args)}", s.span)
        if g.name in ctx.gate_stack:
            self.error(TypeMismatch, f"gate `{g.name}` calls itself", s.span,
                       hint="gates are inlined and cannot be recursive")
        if len(ctx.gate_stack) >= MAX_GATE_DEPTH:
            self.error(LimitError, f"gate calls nested more than {MAX_GATE_DEPTH} deep", s.span)
        angles = [self.angle(a, ctx) for a in s.args]
        if len(s.qubits) == 1 and len(g.qubits) == 1:
            targets = [(q,) for q in self._qubits(s.qubits, ctx)[0]]
        else:
            if len(s.qubits) != len(g.qubits):
                self.error(QubitError, f"gate `{g.name}` acts on {len(g.qubits)} qubits, got "
                           f"{len(s.qubits)}", s.span)
            targets = [tuple(q[0] for q in self._single(s, ctx))]
        if len(set(g.qubits)) != len(g.qubits) or len(set(g.params)) != len(g.params):
            self.error(DuplicateName, f"gate `{g.name}` names an argument twice", g.span)
        for qubits in targets:
            inner = _BlockCtx(ctx.n_qubits, None, {}, {}, dict(zip(g.qubits, qubits)),
                              dict(zip(g.params, angles)), ctx.gate_stack + (g.name,), True)
            for t in g.body:
                if isinstance(t, A.Readout):
                    self.error(TypeMismatch, "a gate definition cannot have a readout", t.span)
                self.stmt(info, t, inner, ops)

    def _template_value(self, v, ctx: _BlockCtx):
        from .templates import DataVec, ParamTensor, Word
        if isinstance(v, A.Var):
            if v.name in ctx.values or v.name in CONSTANTS:
                a = self.angle(v, ctx)
                return a.value if isinstance(a, A.Num) else a
            if v.name in ctx.inputs:
                return DataVec(v.name, ctx.inputs[v.name])
            if v.name in ctx.params:
                return ParamTensor(v.name, ctx.params[v.name].shape)
            return Word(v.name)
        if isinstance(v, A.ListLit):
            items = [self._template_value(i, ctx) for i in v.items]
            return tuple(items) if v.is_tuple else items
        if isinstance(v, A.Str):
            return v.value
        a = self.angle(v, ctx)
        return a.value if isinstance(a, A.Num) else a

    def _readout(self, item, ctx: _BlockCtx) -> list:
        if isinstance(item, A.Expval):
            if item.loop is None:
                return [self._expval(item, ctx)]
            var, rng = item.loop
            return [self._expval(item, _with_value(ctx, var, A.Num(i))) for i in self._range(rng, ctx)]
        if isinstance(item, A.Probs):
            qubits = self._readout_qubits(item.qubits, ctx, item.span)
            if len(qubits) > 20:
                self.error(LimitError, f"probabilities of {len(qubits)} qubits give 2**{len(qubits)} outputs",
                           item.span, hint="read out fewer qubits, or use expval")
            return [Probs(qubits)]
        shots = self.int_value(item.shots, ctx, "a shot count")
        if shots < 1:
            self.error(TypeMismatch, "shots must be at least 1", item.shots.span)
        qubits = self._readout_qubits(item.qubits, ctx, item.span)
        if len(qubits) > 20:
            self.error(LimitError, f"samples of {len(qubits)} qubits give 2**{len(qubits)} outputs", item.span)
        return [Samples(qubits, shots)]

    def _readout_qubits(self, refs, ctx, span) -> tuple[int, ...]:
        if not refs:
            return tuple(range(ctx.n_qubits))
        flat = [q for g in self._qubits(refs, ctx) for q in g]
        if len(set(flat)) != len(flat):
            self.error(QubitError, "a qubit is read out twice", span)
        return tuple(flat)

    def _expval(self, item: A.Expval, ctx: _BlockCtx) -> Expval:
        terms = []
        for t in item.terms:
            ops = {}
            for f in t.factors:
                q = self.int_value(f.qubit, ctx, "a qubit index")
                if not 0 <= q < ctx.n_qubits:
                    self.error(QubitError, f"qubit {q} is out of range for a block of {ctx.n_qubits} qubits",
                               f.span, hint=f"valid qubits are 0 to {ctx.n_qubits - 1}")
                if q in ops:
                    self.error(QubitError, f"qubit {q} appears twice in one Pauli term", f.span,
                               hint="write each qubit once per product")
                if f.letter != "I":
                    ops[q] = f.letter
            terms.append(PauliString(t.coeff, tuple(sorted(ops.items()))))
        return Expval(tuple(terms))


class _Wiring:
    """Builds the forward section's nodes, checking every width along the way."""

    def __init__(self, checker: Checker, info, model, scope, layers, blocks, nodes, values, used_layers):
        self.c, self.info, self.model, self.scope = checker, info, model, scope
        self.layers, self.blocks, self.nodes, self.values = layers, blocks, nodes, values
        self.used_layers = used_layers
        self.counter = 0
        self.failed: set[str] = set()

    def _new(self, op, args, width, span, attrs=(), name=None) -> Node:
        if name is None:
            self.counter += 1
            name = f"%{self.counter}"
        node = Node(name, op, tuple(a.name for a in args), width, tuple(attrs), span=span)
        self.nodes.append(node)
        return node

    def assign(self, a: A.Assign):
        for t in a.targets:
            if t in self.values or (t in self.scope and self.scope[t][0] != "input"):
                self.c.error(DuplicateName, f"`{t}` is already defined", a.span,
                             hint="each name in `forward` is assigned once")
        if len(a.targets) > 1:
            if not (isinstance(a.value, A.Call) and a.value.name == "split"):
                self.c.error(TypeMismatch, "only `split(...)` gives several values", a.span)
            parts = self._split(a.value, len(a.targets))
            for t, (src, start, stop) in zip(a.targets, parts):
                self.values[t] = self._new("slice", [src], stop - start, a.span,
                                           (("start", start), ("stop", stop)), name=t)
            return
        node = self.state_or_value(a.value)
        # Name the value after its target: rename the last node if it was just made for this.
        if node is self.nodes[-1] and node.name.startswith("%"):
            renamed = Node(a.targets[0], node.op, node.args, node.width, node.attrs, span=node.span)
            self.nodes[-1] = renamed
            node = renamed
        else:
            node = self._new("scale", [node], node.width, a.span, (("factor", 1.0),), name=a.targets[0])
        self.values[a.targets[0]] = node

    def _split(self, call: A.Call, n_targets: int):
        pos = call.positional
        if not pos:
            self.c.error(TypeMismatch, "`split(value, w1, w2, ...)` needs a value and widths", call.span)
        src = self.expr(pos[0])
        widths = [self.c._const_int(w, "a split width") for w in pos[1:]]
        if len(widths) != n_targets:
            self.c.error(ShapeError, f"`split` gives {len(widths)} parts but {n_targets} names receive them",
                         call.span)
        if sum(widths) != src.width or any(w < 1 for w in widths):
            self.c.error(ShapeError, f"`split` widths {widths} must be positive and add up to the value's "
                         f"width {src.width}", call.span)
        out, start = [], 0
        for w in widths:
            out.append((src, start, start + w))
            start += w
        return out

    def expr(self, e) -> Node:
        """A classical value: a quantum state (from a block without readout) is refused here."""
        node = self.state_or_value(e)
        if node.attrs and dict(node.attrs).get("state"):
            block = dict(node.attrs)["block"]
            self.c.error(TypeMismatch, f"block `{block}` has no readout, so its value is a quantum "
                         "state: it can only start another block on as many qubits",
                         getattr(e, "span", node.span),
                         hint=f"add a readout to `{block}`, e.g. `readout expval(Z0);`, or pass its "
                              "state on: `next_block(state, ...)`")
        return node

    def state_or_value(self, e) -> Node:
        c = self.c
        if isinstance(e, A.Var):
            if e.name in self.values:
                return self.values[e.name]
            if e.name in self.failed:
                raise _Abort
            kind = self.scope.get(e.name, (None,))[0]
            if kind in ("layer", "block"):
                c.error(TypeMismatch, f"`{e.name}` is a {kind}: call it, `{e.name}(...)`", e.span)
            c.error(UnknownName, f"unknown value `{e.name}`", e.span,
                    hint=did_you_mean(e.name, self.values) or
                    (f"`{e.name}` is an output: assign it before use" if any(
                        p.name == e.name for p in self.model.of(A.Port)) else None))
        if isinstance(e, A.BinOp) and e.op in ("*", "/"):
            left_const = _is_const(e.left, self.values)
            right_const = _is_const(e.right, self.values)
            if e.op == "*" and left_const and not right_const:
                factor, value = c._const(e.left, "a scale factor"), self.expr(e.right)
            elif right_const and not left_const:
                factor, value = c._const(e.right, "a scale factor"), self.expr(e.left)
                if e.op == "/":
                    if factor == 0:
                        c.error(TypeMismatch, "division by zero", e.span)
                    factor = 1 / factor
            else:
                c.error(TypeMismatch, "in `forward`, values can only be scaled by a constant", e.span)
            return self._new("scale", [value], value.width, e.span, (("factor", float(factor)),))
        if isinstance(e, A.Subscript):
            src = self.expr(A.Var(e.name, span=e.span))
            if len(e.indices) != 1:
                c.error(ShapeError, "values in `forward` are vectors: use one index or slice", e.span)
            i = e.indices[0]
            if isinstance(i, A.Slice):
                start = c._const_int(i.start, "a slice bound") if i.start is not None else 0
                stop = c._const_int(i.stop, "a slice bound") if i.stop is not None else src.width
            else:
                start = c._const_int(i, "an index")
                stop = start + 1
            if not 0 <= start < stop <= src.width:
                what = f"slice [{start}:{stop}]" if isinstance(i, A.Slice) else f"index {start}"
                c.error(ShapeError, f"{what} is out of range for `{e.name}` of width {src.width}", e.span)
            return self._new("slice", [src], stop - start, e.span, (("start", start), ("stop", stop)))
        if isinstance(e, A.Call):
            return self.call(e)
        c.error(TypeMismatch, "expected a layer, block or function applied to values", getattr(e, "span", None))

    def call(self, e: A.Call) -> Node:
        c = self.c
        kind, target, _ = self.scope.get(e.name, (None, None, None))
        if e.name in self.values and kind is None:
            c.error(TypeMismatch, f"`{e.name}` is a value, not a layer or block", e.span)
        if kind == "layer":
            self._arity(e, 1)
            x = self.expr(e.args[0])
            if x.width != target.in_width:
                c.error(ShapeError, f"layer `{e.name}` takes width {target.in_width} but gets width "
                        f"{x.width}", e.span, hint=f"declare it as `dense({x.width}, {target.out_width})`")
            self.used_layers.add(e.name)
            return self._new("dense", [x], target.out_width, e.span, (("layer", e.name),))
        if kind == "block":
            spec = self.blocks.get(e.name)
            if spec is None:
                spec = c.block(self.info, target)
                if spec is None:
                    raise _Abort
                self.blocks[e.name] = spec
            # A first argument that is a quantum state (a block without readout) starts this
            # block from that state instead of |0...0>; the fuse pass joins the two circuits.
            args = list(e.args)
            start = self.state_or_value(args[0]) if args else None
            from_state = start is not None and bool(dict(start.attrs).get("state"))
            if from_state:
                args = args[1:]
                if start.width != spec.n_qubits:
                    c.error(ShapeError, f"block `{e.name}` has {spec.n_qubits} qubits but starts from a "
                            f"state of {start.width}", e.span)
            if len(args) != len(spec.inputs):
                c.error(TypeMismatch, f"block `{e.name}` takes {len(spec.inputs)} data input"
                        f"{'s' if len(spec.inputs) != 1 else ''}, got {len(args)}", e.span)
            xs = [self.expr(a) for a in args]
            for x, (name, width), a in zip(xs, spec.inputs, args):
                if x.width != width:
                    c.error(ShapeError, f"block `{e.name}` takes `{name}` of width {width} but gets width "
                            f"{x.width}", getattr(a, "span", e.span))
            is_state = not spec.readouts
            attrs = (("block", e.name), ("state", is_state), ("from_state", from_state))
            width = spec.n_qubits if is_state else spec.out_width
            return self._new("quantum", ([start] if from_state else []) + xs, width, e.span, attrs)
        if e.name in ACTIVATIONS:
            self._arity(e, 1)
            x = self.expr(e.args[0])
            return self._new("activation", [x], x.width, e.span, (("kind", e.name),))
        if e.name == "scale":
            self._arity(e, 2)
            x = self.expr(e.args[0])
            return self._new("scale", [x], x.width, e.span, (("factor", float(c._const(e.args[1], "a scale factor"))),))
        if e.name == "concat":
            if len(e.args) < 2:
                c.error(TypeMismatch, "`concat` joins two or more values", e.span)
            xs = [self.expr(a) for a in e.args]
            return self._new("concat", xs, sum(x.width for x in xs), e.span)
        if e.name == "split":
            c.error(TypeMismatch, "`split` gives several values: `a, b = split(h, 2, 2);`", e.span)
        known = [n for n, (k, _, _) in self.scope.items() if k in ("layer", "block")]
        c.error(UnknownName, f"unknown layer, block or function `{e.name}`", e.span,
                hint=did_you_mean(e.name, [*known, *ACTIVATIONS, "scale", "concat", "split"]))

    def _arity(self, e: A.Call, n: int):
        if e.keywords:
            self.c.error(TypeMismatch, f"`{e.name}` takes no keyword arguments", e.span)
        if len(e.args) != n:
            self.c.error(TypeMismatch, f"`{e.name}` takes {n} value{'s' if n > 1 else ''}, got {len(e.args)}",
                         e.span)


def _with_value(ctx: _BlockCtx, name: str, value) -> _BlockCtx:
    values = dict(ctx.values)
    values[name] = value
    return _BlockCtx(ctx.n_qubits, ctx.register, ctx.inputs, ctx.params, ctx.qubit_names, values,
                     ctx.gate_stack, ctx.in_gate)


def _is_const(e, values=()) -> bool:
    """Whether a forward-section expression is a number (a value named `e` or `pi` shadows the
    constant of that name)."""
    if isinstance(e, A.Num):
        return True
    if isinstance(e, A.Var):
        return e.name in CONSTANTS and e.name not in values
    if isinstance(e, A.Neg):
        return _is_const(e.operand, values)
    if isinstance(e, A.BinOp):
        return _is_const(e.left, values) and _is_const(e.right, values)
    if isinstance(e, A.Call):
        return e.name in FUNCTIONS and all(_is_const(a, values) for a in e.args)
    return False


def _is_int_literal(e) -> bool:
    return isinstance(e, A.Num) and isinstance(e.value, int)


def _read_file(path: str) -> str:
    p = Path(path)
    try:
        if p.is_dir():
            raise FileError(f"`{path}` is a directory, not a file", None)
        data = p.read_bytes()
    except FileNotFoundError:
        raise FileError(f"no such file: `{path}`", None) from None
    except PermissionError:
        raise FileError(f"cannot read `{path}`: permission denied", None) from None
    except OSError as e:
        raise FileError(f"cannot read `{path}`: {e.strerror or e}", None) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise FileError(f"`{path}` is not UTF-8 text (byte 0x{data[e.start]:02x} at line {line}, column {col})",
                        Span.point(path, line, col), hint="save the file as UTF-8") from None


def _check(checker: Checker, info: _FileInfo | None) -> dict[str, ModelSpec]:
    models: dict[str, ModelSpec] = {}
    if info is not None and not checker.errors:
        models = checker.check_models(info)
        # What no model uses is still checked, in this file and in what it imports, so that
        # a mistake shows where it was written, not later when something starts using it.
        for f in list(checker.files.values()):
            if f is not info:
                checker.check_models(f)
            for item in f.program.items:
                if isinstance(item, A.QuantumDef):
                    checker.block(f, item)
                elif isinstance(item, A.GateDef):
                    checker.gate_body(f, item)
                elif isinstance(item, A.ModelDef):
                    for q in item.of(A.QuantumDef):
                        checker.block(f, q)
    checker.finish()
    return models


def load_source(text: str, file: str = "<string>", loader=None) -> dict[str, ModelSpec]:
    """Check `.qml` source; return its models by name, or raise `QmlError`/`QmlErrors`."""
    checker = Checker(loader)
    return _check(checker, checker.load_file(file, text))


def load_file(path: str) -> dict[str, ModelSpec]:
    """Read, parse and check a `.qml` file and what it imports."""
    checker = Checker()
    return _check(checker, checker.load_file(str(path)))


def select_model(models: dict[str, ModelSpec], name: str | None, file: str) -> ModelSpec:
    """The model a command works on: `name`, or the only one in the file."""
    if name is not None:
        if name not in models:
            raise UnknownName(f"no model `{name}` in {file}", None,
                              hint=did_you_mean(name, models) or f"models: {', '.join(models) or 'none'}")
        return models[name]
    if len(models) == 1:
        return next(iter(models.values()))
    if not models:
        raise UnknownName(f"{file} defines no model", None, hint="add `model NAME { ... }`")
    raise UnknownName(f"{file} defines {len(models)} models: {', '.join(models)}", None,
                      hint="choose one with --model NAME")

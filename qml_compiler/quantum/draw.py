"""Pictures of a block's circuit: text for the terminal, interactive HTML, and PNG.

`draw_text` needs nothing beyond pytket: one row per qubit, gates in columns (a gate goes into the
first column where all the rows it spans are free, so independent gates share one), controls as
`●`, CX targets as `⊕`, SWAP ends as `×`, a `│` joining the qubits of a multi-qubit gate. Angles
are shown in radians, as multiples of π where exact; symbols through `labels` (see
`symbol_labels`), so `circuit__theta__5/pi` half-turns is shown as `theta[1,1]`. A circuit wider
than `width` is cut into sections printed one under another.

    >>> from pytket import Circuit
    >>> print(draw_text(Circuit(2).H(0).CX(0, 1).Rz(0.5, 1), width=80))
    q[0]: ─H──●───────────
              │
    q[1]: ────⊕──Rz(π/2)──

`draw_html` writes pytket's own interactive rendering as one self-contained page
(pytket-offline-display, extra `draw`); `draw_png` renders with Qiskit's matplotlib drawer (extra
`png`). Without its extra either raises `MissingExtra` naming the `pip install` line.
"""

from __future__ import annotations

import importlib
import math
import shutil
from fractions import Fraction

import sympy
from pytket import Circuit, OpType
from sympy.printing.str import StrPrinter

from ..diagnostics import QmlError

__all__ = ["MissingExtra", "draw_html", "draw_png", "draw_text", "format_angle", "symbol_labels"]


class MissingExtra(QmlError):
    """An optional feature whose packages are not installed."""


def require(module: str, extra: str, what: str):
    """Import `module`, or raise `MissingExtra` with the install line of `extra`."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingExtra(f"{what} needs the optional packages of the `{extra}` extra "
                           f"({e.name or module} is not installed)",
                           hint=f"pip install 'qml-compiler[{extra}]'") from None


# --- labels ---------------------------------------------------------------------------------------

def symbol_labels(block) -> dict[str, str]:
    """Readable names for the symbols of a `QuantumBlock`: `theta[1,1]` for element 5 of a
    parameter `theta` of shape [3, 4], `x[0]` for a data input. Where two symbols would get the
    same name (a block fused from two blocks that each have a `theta`), both are prefixed with
    their block: `left.theta[0]`."""
    shapes = {(owner, p.name): tuple(p.shape) for owner, p in block.params}
    base: dict[str, str] = {}
    for s in block.symbols:
        if s.kind == "param":
            shape = shapes.get((s.block, s.name))
            if shape is None:
                base[s.symbol] = f"{s.name}[{s.index}]"
            elif len(shape) == 0:
                base[s.symbol] = s.name
            else:
                idx = _unravel(s.index, shape)
                base[s.symbol] = f"{s.name}[{','.join(map(str, idx))}]"
        else:
            base[s.symbol] = f"{s.name}[{s.index}]"
    seen: dict[str, int] = {}
    for label in base.values():
        seen[label] = seen.get(label, 0) + 1
    by_symbol = {s.symbol: s for s in block.symbols}
    out = {}
    for sym, label in base.items():
        if seen[label] > 1:
            label = f"{by_symbol[sym].block}.{label}"
        out[sym] = label
    if len(set(out.values())) < len(out):  # still ambiguous: fall back to the symbol names
        out = {sym: (label if list(out.values()).count(label) == 1 else sym) for sym, label in out.items()}
    return out


def _unravel(index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    idx = []
    for n in reversed(shape):
        idx.append(index % n)
        index //= n
    return tuple(reversed(idx))


class _AnglePrinter(StrPrinter):
    """sympy's str printer with symbols renamed, π for pi and short floats."""

    def __init__(self, labels: dict[str, str]):
        super().__init__()
        self.labels = labels

    def _print_Symbol(self, expr):
        return self.labels.get(expr.name, expr.name)

    def _print_Pi(self, expr):
        return "π"

    def _print_Float(self, expr):
        return _short(float(expr))


def _short(x: float) -> str:
    s = f"{x:.4g}"
    return "0" if s in ("0", "-0") else s


def _pi_fraction(k: float) -> Fraction | None:
    """`k` as a fraction with a small denominator, if it is one (to 1e-9)."""
    if not math.isfinite(k):
        return None
    f = Fraction(k).limit_denominator(64)
    return f if abs(float(f) - k) <= 1e-9 * max(1.0, abs(k)) else None


def _pi_multiple(f: Fraction) -> str:
    num, den = f.numerator, f.denominator
    if num == 0:
        return "0"
    head = {1: "π", -1: "-π"}.get(num, f"{num}π")
    return head if den == 1 else f"{head}/{den}"


def format_angle(half_turns, labels: dict[str, str] | None = None) -> str:
    """A pytket angle (half-turns, number or sympy expression) as radians for people:
    `π/2`, `-3π/4`, `0.25`, `theta[1,1] + π/2`, `π/2*x[0]`."""
    labels = labels or {}
    if not isinstance(half_turns, sympy.Expr) or not half_turns.free_symbols:
        v = float(half_turns)
        f = _pi_fraction(v)
        return _pi_multiple(f) if f is not None else _short(v * math.pi)
    printer = _AnglePrinter(labels)
    expr = sympy.expand(half_turns * sympy.pi)
    parts = []
    for term in expr.as_ordered_terms():
        coeff, rest = term.as_coeff_Mul()  # a number times the symbolic rest
        if sympy.pi in sympy.Mul.make_args(rest):  # coeff counts multiples of π
            rest = rest / sympy.pi
            k = _pi_fraction(float(coeff))
            c = _pi_multiple(k) if k is not None else _short(float(coeff) * math.pi)
        else:  # coeff is in radians: a multiple of π written as one where exact
            k = _pi_fraction(float(coeff) / math.pi)
            c = _pi_multiple(k) if k is not None else _short(float(coeff))
        if rest == 1:
            parts.append(c)
            continue
        r = printer.doprint(rest)
        if isinstance(rest, sympy.Add):
            r = f"({r})"
        parts.append(r if c == "1" else "-" + r if c == "-1" else f"{c}*{r}")
    out = parts[0] if parts else "0"
    for p in parts[1:]:
        out += f" - {p[1:]}" if p.startswith("-") else f" + {p}"
    return out


# --- how each operation is drawn ------------------------------------------------------------------

# OpType -> (number of controls, what the target shows); -1 controls means all but the last qubit.
_CONTROLLED = {
    OpType.CX: (1, "⊕"), OpType.CCX: (2, "⊕"), OpType.CnX: (-1, "⊕"),
    OpType.CY: (1, "Y"), OpType.CnY: (-1, "Y"), OpType.CH: (1, "H"),
    OpType.CRx: (1, "Rx"), OpType.CRy: (1, "Ry"), OpType.CRz: (1, "Rz"),
    OpType.CnRx: (-1, "Rx"), OpType.CnRy: (-1, "Ry"), OpType.CnRz: (-1, "Rz"),
    OpType.CU1: (1, "U1"), OpType.CU3: (1, "U3"), OpType.CV: (1, "V"), OpType.CVdg: (1, "Vdg"),
    OpType.CSX: (1, "SX"), OpType.CSXdg: (1, "SXdg"), OpType.CS: (1, "S"), OpType.CSdg: (1, "Sdg"),
}
_ALL_DOTS = {OpType.CZ, OpType.CnZ}
_SYMMETRIC = {OpType.ZZPhase, OpType.XXPhase, OpType.YYPhase, OpType.ZZMax, OpType.ISWAP,
              OpType.ISWAPMax, OpType.ESWAP, OpType.FSim, OpType.TK2, OpType.XXPhase3,
              OpType.Sycamore, OpType.PhaseGadget, OpType.NPhasedX}
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _params(op, labels) -> str:
    try:
        ps = op.params
    except RuntimeError:  # boxes, barriers: no parameters
        return ""
    return f"({','.join(format_angle(p, labels) for p in ps)})" if ps else ""


def _name(op) -> str:
    t = op.type
    if t == OpType.CircBox:
        name = op.get_circuit().name
        return name or "CircBox"
    if t == OpType.CustomGate:
        return op.gate.name
    return t.name


def _cells(cmd, rows: dict, labels) -> dict[int, str]:
    """What to draw on each qubit row the command touches."""
    op = cmd.op
    qs = [rows[q] for q in cmd.qubits]
    suffix = ""
    if op.type == OpType.Conditional:
        bits = [str(b) for b in cmd.bits] or [str(a) for a in cmd.args if a not in cmd.qubits]
        suffix = f"?{','.join(bits)}={op.value}"
        op = op.op
    t = op.type
    if t == OpType.Measure:
        return {qs[0]: f"M→{cmd.bits[0]}" if cmd.bits else "M"}
    if t == OpType.Barrier:
        return {q: "░" for q in qs}
    if t == OpType.SWAP:
        return {q: "×" + suffix for q in qs}
    if t == OpType.CSWAP:
        return {qs[0]: "●", qs[1]: "×" + suffix, qs[2]: "×"}
    if t in _ALL_DOTS:
        return {q: "●" + (suffix if i == len(qs) - 1 else "") for i, q in enumerate(qs)}
    if t in _CONTROLLED:
        n, target = _CONTROLLED[t]
        n = len(qs) - 1 if n < 0 else n
        out = {q: "●" for q in qs[:n]}
        out.update({q: target + _params(op, labels) + suffix for q in qs[n:]})
        return out
    label = _name(op) + _params(op, labels)
    if len(qs) == 1 or t in _SYMMETRIC:
        return {q: label + suffix for q in qs}
    return {q: f"{label}{str(i).translate(_SUBSCRIPTS)}{suffix}" for i, q in enumerate(qs)}


def _global_phase(circuit: Circuit, labels) -> str | None:
    total = circuit.phase
    for cmd in circuit.get_commands():
        if cmd.op.type == OpType.Phase:
            total = total + cmd.op.params[0]
    if isinstance(total, sympy.Expr):
        total = sympy.expand(total)
        if total.free_symbols:
            return format_angle(total, labels)
        total = float(total)
    total = float(total) % 2.0
    return None if abs(total) < 1e-12 or abs(total - 2.0) < 1e-12 else format_angle(total, labels)


def draw_text(circuit: Circuit, labels: dict[str, str] | None = None, width: int | None = None) -> str:
    """The circuit as text: one row per qubit, gates in columns, wrapped into sections that fit
    `width` characters (default: the terminal's width, else 100)."""
    labels = labels or {}
    if width is None:
        width = shutil.get_terminal_size(fallback=(100, 24)).columns
    qubits = list(circuit.qubits)
    rows = {q: i for i, q in enumerate(qubits)}
    n = len(qubits)
    # Greedy layering: a gate takes the first column after the last one used by every row it
    # spans, the rows its connector crosses included, so lines never cross a gate.
    columns: list[list[tuple[int, int, dict[int, str]]]] = []
    free = [0] * n
    free_bits: dict = {}  # a measurement and what is conditioned on its bit keep their order
    for cmd in circuit.get_commands():
        if cmd.op.type == OpType.Phase or not cmd.qubits:
            continue
        cells = _cells(cmd, rows, labels)
        lo, hi = min(cells), max(cells)
        bits = [a for a in cmd.args if a not in rows]
        col = max(free[lo:hi + 1] + [free_bits.get(b, 0) for b in bits])
        while col >= len(columns):
            columns.append([])
        columns[col].append((lo, hi, cells))
        for r in range(lo, hi + 1):
            free[r] = col + 1
        for b in bits:
            free_bits[b] = col + 1

    names = [str(q) for q in qubits]
    pad = max((len(s) for s in names), default=0)
    prefix = [f"{s.ljust(pad)}: " for s in names]
    blank = " " * (pad + 2)

    def render(col) -> tuple[list[str], list[str]]:
        """Wire rows and the gap rows under each of them, for one column."""
        w = max(len(text) for _, _, cells in col for text in cells.values())
        wires = ["─" * (w + 2)] * n
        gaps = [" " * (w + 2)] * n
        mid = 1 + w // 2
        for lo, hi, cells in col:
            for r in range(lo, hi + 1):
                if r in cells:
                    text = cells[r]
                    left = 1 + (w - len(text)) // 2
                    if len(text) == 1:
                        left = mid
                    wires[r] = "─" * left + text + "─" * (w + 2 - left - len(text))
                elif hi > lo:
                    wires[r] = "─" * mid + "┼" + "─" * (w + 1 - mid)
                if r < hi:
                    mark = "░" if cells.get(r) == "░" and cells.get(r + 1) == "░" else "│"
                    gaps[r] = " " * mid + mark + " " * (w + 1 - mid)
        return wires, gaps

    rendered = [render(col) for col in columns]
    sections: list[list[int]] = [[]]
    used = len(blank) + 1
    for i, (wires, _) in enumerate(rendered):
        w = len(wires[0])
        if sections[-1] and used + w > width:
            sections.append([])
            used = len(blank) + 1
        sections[-1].append(i)
        used += w

    out: list[str] = []
    phase = _global_phase(circuit, labels)
    if phase is not None:
        out.append(f"global phase: {phase}")
    for k, section in enumerate(sections):
        if k:
            out.append("")
        for r in range(n):
            line = prefix[r] + "".join(rendered[i][0][r] for i in section) + "─"
            out.append(line)
            if r < n - 1:
                gap = blank + "".join(rendered[i][1][r] for i in section)
                out.append(gap.rstrip())
    return "\n".join(out)


# --- HTML and PNG ---------------------------------------------------------------------------------

def _relabelled(circuit: Circuit, labels: dict[str, str] | None) -> Circuit:
    """A copy whose symbols carry the labels as names (for renderers that print symbol names)."""
    c = circuit.copy()
    if labels:
        used = {str(s) for s in c.free_symbols()}
        c.symbol_substitution({sympy.Symbol(s): sympy.Symbol(labels[s]) for s in used if s in labels})
    return c


def draw_html(circuit: Circuit, path, labels: dict[str, str] | None = None) -> None:
    """Write pytket's interactive circuit rendering to `path` as one HTML page that works
    without a network: its scripts and styles are inline (pytket-offline-display, extra `draw`).
    Parameters are shown as plain text (as pytket stores them, in half-turns), since rendering
    them as maths would fetch MathJax from the network."""
    od = require("pytket.extensions.offline_display", "draw", "drawing a circuit as HTML")
    renderer = od.get_circuit_renderer()
    renderer.set_render_options(interpret_math=False)
    html = renderer.render_circuit_as_html(_relabelled(circuit, labels))
    with open(path, "w", encoding="utf-8") as f:
        f.write(html)


def draw_png(circuit: Circuit, path, labels: dict[str, str] | None = None) -> None:
    """Render the circuit as a PNG image with Qiskit's matplotlib drawer (extra `png`)."""
    from .export import to_qiskit

    require("matplotlib", "png", "drawing a circuit as PNG")
    require("pylatexenc", "png", "drawing a circuit as PNG")
    import matplotlib.pyplot as plt

    fig = to_qiskit(circuit, labels).draw("mpl", fold=40)
    try:
        fig.savefig(path, format="png", bbox_inches="tight", dpi=120)
    finally:
        plt.close(fig)

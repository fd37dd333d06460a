"""What a pass is, and where passes come from.

A pass is a small frozen dataclass with a class-level `name` and `description`, whose fields are
its options, and one method `run(graph, context) -> graph` that returns a new graph (it never
changes the graph it is given). Analysis passes only record facts in `context.facts` and return
their input. Passes come from three places, all in one registry:

- the built-in passes, imported lazily by name (start-up stays fast);
- `register_pass` in Python, as a decorator on the class;
- installed packages, through the entry-point group `qml_compiler.passes`.

    @register_pass
    @dataclass(frozen=True)
    class CountGates(Pass):
        name = "count-gates"
        description = "record the gate count of every block"
        def run(self, graph, context):
            context.facts["gates"] = {n: b.circuit.n_gates for n, b in blocks(graph)}
            return graph
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..diagnostics import QmlError, did_you_mean

ENTRY_POINT_GROUP = "qml_compiler.passes"


class PassError(QmlError):
    """A pass that cannot be found, configured or loaded, or that failed while running."""


@dataclass
class PassContext:
    """What passes share besides the graph: options, facts that analyses record, a log."""

    options: dict[str, Any] = field(default_factory=dict)  # e.g. shots, gradient, target
    facts: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("qml_compiler.passes"))

    def note(self, pass_name: str, message: str) -> None:
        """A remark for the compile report (what a pass did that a person should know)."""
        self.facts.setdefault("notes", []).append((pass_name, message))


@dataclass(frozen=True)
class Pass:
    """Base class: subclasses set `name`, `description`, and implement `run`."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    analysis: ClassVar[bool] = False

    def run(self, graph, context: PassContext):  # pragma: no cover - abstract
        raise NotImplementedError

    def spec(self) -> str:
        """The pipeline text that recreates this pass with its options."""
        opts = [f"{f.name}={getattr(self, f.name)}" for f in dataclasses.fields(self)
                if getattr(self, f.name) != f.default]
        return self.name + (f"{{{','.join(opts)}}}" if opts else "")


BUILTIN = {
    # name: (module, class) — imported only when asked for
    "fuse-blocks": ("qml_compiler.passes.transform.fuse_blocks", "FuseBlocks"),
    "light-cone": ("qml_compiler.passes.transform.light_cone", "LightCone"),
    "constant-fold": ("qml_compiler.passes.transform.constant_fold", "ConstantFold"),
    "merge-rotations": ("qml_compiler.passes.transform.merge_rotations", "MergeRotations"),
    "drop-unused-params": ("qml_compiler.passes.transform.merge_rotations", "DropUnusedParams"),
    "dead-nodes": ("qml_compiler.passes.transform.dead_nodes", "DeadNodes"),
    "choose-gradient": ("qml_compiler.passes.analysis.gradient", "ChooseGradient"),
    "parameter-report": ("qml_compiler.passes.analysis.parameters", "ParameterReport"),
}

_registered: dict[str, tuple[type, str]] = {}  # name -> (class, origin)
_entry_points_loaded = False


def register_pass(cls=None, *, origin: str | None = None):
    """Register a pass class under its `name` (usable as a decorator)."""

    def do(c):
        if not (isinstance(c, type) and issubclass(c, Pass)) or not c.name:
            raise PassError(f"{c!r} is not a Pass subclass with a `name`")
        if c.name in BUILTIN:
            raise PassError(f"`{c.name}` is the name of a built-in pass", hint="give your pass another name")
        known = _registered.get(c.name)
        if known is not None and known[0] is not c and known[0].__qualname__ != c.__qualname__:
            raise PassError(f"a pass named `{c.name}` is already registered ({known[1]})",
                            hint="give your pass another name")
        _registered[c.name] = (c, origin or f"python:{c.__module__}")
        return c

    return do(cls) if cls is not None else do


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = ep.load()
        except Exception as e:  # a broken plugin must not break the compiler
            logging.getLogger("qml_compiler.passes").warning(
                "plugin pass %s (%s) failed to load: %s", ep.name, ep.value, e)
            continue
        if not (isinstance(cls, type) and issubclass(cls, Pass) and cls.name):
            logging.getLogger("qml_compiler.passes").warning(
                "plugin entry point %s (%s) is not a Pass subclass with a `name`: ignored", ep.name, ep.value)
            continue
        if cls.name in BUILTIN:
            logging.getLogger("qml_compiler.passes").warning(
                "plugin pass %s (%s) uses the name of a built-in pass: ignored", cls.name, ep.value)
            continue
        dist = getattr(ep, "dist", None)
        _registered.setdefault(cls.name, (cls, f"plugin:{dist.name if dist else ep.value}"))


def available() -> dict[str, tuple[str, str]]:
    """Every pass by name: (description, origin)."""
    _load_entry_points()
    out = {}
    for name in BUILTIN:
        try:
            out[name] = (pass_class(name).description, "built-in")
        except Exception as e:  # one broken module must not hide the others
            out[name] = (f"(failed to load: {type(e).__name__}: {e})", "built-in")
    for name, (cls, origin) in _registered.items():
        out.setdefault(name, (cls.description, origin))
    return dict(sorted(out.items()))


def pass_class(name: str) -> type:
    if name in BUILTIN:
        module, cls_name = BUILTIN[name]
        return getattr(importlib.import_module(module), cls_name)
    if name not in _registered:
        _load_entry_points()
    if name in _registered:
        return _registered[name][0]
    raise PassError(f"unknown pass `{name}`",
                    hint=did_you_mean(name, [*BUILTIN, *_registered]) or "`qmlc passes` lists them")


def _convert(text: str, default):
    """An option value from pipeline text, typed like the field's default."""
    if isinstance(default, bool):
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise ValueError(f"expected true or false, got {text!r}")
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        return float(text)
    return text


def make_pass(name: str, options: dict[str, str] | None = None) -> Pass:
    """An instance of pass `name` with options given as text (from a pipeline string)."""
    cls = pass_class(name)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, text in (options or {}).items():
        if key not in fields:
            raise PassError(f"pass `{name}` has no option `{key}`",
                            hint=did_you_mean(key, fields) or (f"options: {', '.join(fields)}" if fields
                                                                else "it takes no options"))
        f = fields[key]
        default = f.default if f.default is not dataclasses.MISSING else ""
        try:
            kwargs[key] = _convert(text, default)
        except ValueError as e:
            raise PassError(f"bad value for option `{key}` of pass `{name}`: {e}") from None
    try:
        return cls(**kwargs)
    except PassError:
        raise
    except Exception as e:  # option checks in __post_init__, say
        raise PassError(f"pass `{name}` refused its options: {type(e).__name__}: {e}") from None


def parse_pipeline(text: str) -> list[Pass]:
    """`light-cone,merge-rotations{tolerance=1e-9},dead-nodes` to pass objects."""
    passes, i, n = [], 0, len(text)
    while i < n:
        j = i
        while j < n and text[j] not in ",{":
            j += 1
        name = text[i:j].strip()
        options: dict[str, str] = {}
        if j < n and text[j] == "{":
            k = text.find("}", j)
            if k < 0:
                raise PassError(f"pipeline `{text}`: `{{` after `{name}` is never closed")
            for item in filter(None, (s.strip() for s in text[j + 1:k].split(","))):
                if "=" not in item:
                    raise PassError(f"pipeline `{text}`: option `{item}` of `{name}` needs `=value`")
                key, value = item.split("=", 1)
                options[key.strip()] = value.strip()
            j = k + 1
        if not name:
            raise PassError(f"pipeline `{text}` has an empty pass name at character {i + 1}")
        passes.append(make_pass(name, options))
        while j < n and text[j] == " ":
            j += 1
        if j < n and text[j] != ",":
            raise PassError(f"pipeline `{text}`: expected `,` after `{name}` at character {j + 1}")
        j += 1
        while j < n and text[j] == " ":
            j += 1
        i = j
    return passes


_user_modules: dict[str, object] = {}


def load_user_pass(ref: str) -> type:
    """`module:Class` or `path/to/file.py:Class`, for `--pass` on the command line. A module is
    looked for on the Python path and in the current directory; each file is loaded once."""
    if ":" not in ref:
        raise PassError(f"`--pass {ref}` must be MODULE:CLASS or FILE.py:CLASS")
    cls_name = ref.rsplit(":", 1)[1]
    cls = load_object(ref)
    if not (isinstance(cls, type) and issubclass(cls, Pass) and cls.name):
        raise PassError(f"`--pass {ref}`: `{cls_name}` is not a Pass subclass with a `name`",
                        hint="subclass qml_compiler.passes.Pass and set `name` and `description`")
    register_pass(cls, origin=f"--pass {ref}")
    return cls


def load_object(ref: str, flag: str = "--pass"):
    """The object named by `module:NAME` or `path/to/file.py:NAME` (each file loaded once);
    None if the module has no such name."""
    if ":" not in ref:
        raise PassError(f"`{flag} {ref}` must be MODULE:NAME or FILE.py:NAME")
    where, name = ref.rsplit(":", 1)
    is_file = where.endswith(".py") or "/" in where or "\\" in where
    key = str(Path(where).resolve()) if is_file else where
    module = _user_modules.get(key)
    if module is None:
        module = _import_user_module(ref, where, is_file)
        _user_modules[key] = module
    return getattr(module, name, None)


def _import_user_module(ref: str, where: str, is_file: bool):
    import hashlib

    if is_file:
        path = Path(where)
        if not path.is_file():
            raise PassError(f"`--pass {ref}`: no such file `{where}`")
        if path.suffix != ".py":
            raise PassError(f"`--pass {ref}`: `{where}` is not a Python file (.py)")
        name = f"qml_user_pass_{path.stem}_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as e:
            sys.modules.pop(name, None)
            raise PassError(f"`--pass {ref}`: running `{where}` failed: {type(e).__name__}: {e}") from None
        return module
    added = False
    if "" not in sys.path and "." not in sys.path:  # an installed `qmlc` does not look in the cwd
        sys.path.insert(0, "")
        added = True
    try:
        return importlib.import_module(where)
    except Exception as e:
        sys.modules.pop(where, None)
        raise PassError(f"`--pass {ref}`: importing `{where}` failed: {type(e).__name__}: {e}") from None
    finally:
        if added:
            sys.path.remove("")

"""Data: loading CSV and NPZ files and NumPy arrays, built-in sets, splits and feature scaling.

A data set is a `Dataset`: features `X` (n, d) as floats, labels `y` (class indices 0..k-1 for a
classifier, floats for a regression) and what they mean (`feature_names`, `classes`: the
original label of each class index, strings or numbers). Every problem with a file is a
`DataError` that names the file, the line (or row) and the column, and says what to do.

    >>> ds = load_data({"name": "csv", "path": "examples/data/moons.csv", "label": "label"})
    >>> train, val, test = split(ds, validation=0.2, test=0.1, seed=0)   # stratified
    >>> scaler = Scaler.create("minmax", (-3.14159, 3.14159)).fit(train.X)
    >>> scaler.transform(test.X)

A data *spec* is what a `train` section's `data` setting holds: a built-in generator call
(`moons(n_samples=500, noise=0.1)`), a file path (`"data/iris.csv"`, relative to the model's
file) or `csv("x.csv", label="species")` / `npz("x.npz")`, plus options that apply to any
source: `label`, `features`, `header`, `delimiter`, `task` (classification or regression),
`classes` (keep only these), `pca` (components, fitted on the whole set), `labels` (target value
per class, e.g. [-1, 1] for an MSE on one expectation), `test` and `validation` (a separate
source for that split).
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field, replace

import numpy as np

from ..diagnostics import ConfigError, did_you_mean
from .errors import DataError, at

LABEL_NAMES = ("label", "labels", "target", "y", "class", "species")
FILE_OPTIONS = ("path", "label", "features", "header", "delimiter")
GENERIC_OPTIONS = ("task", "classes", "pca", "labels", "test", "validation", "scale", "range")


@dataclass
class Dataset:
    X: np.ndarray
    y: np.ndarray | None
    feature_names: list[str]
    label_name: str | None = None
    classes: list | None = None  # original label of each class index; None for a regression
    source: str = "<array>"
    label_values: list | None = None  # target value per class (the `labels` option)
    lines: np.ndarray | None = field(default=None, repr=False)  # file line of each row

    def __len__(self) -> int:
        return len(self.X)

    @property
    def is_classification(self) -> bool:
        return self.classes is not None

    def subset(self, idx) -> Dataset:
        return replace(self, X=self.X[idx], y=None if self.y is None else self.y[idx],
                       lines=None if self.lines is None else self.lines[idx])

    def where(self, i: int) -> str:
        """How to name row i in a message: the file's line when known."""
        if self.lines is not None:
            return f"line {int(self.lines[i])}"
        return f"row {i}"


# ---- labels ------------------------------------------------------------------------------------

def _as_number(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f


def _key(v):
    """A label's identity: numbers by value (so "1", 1 and 1.0 agree), anything else as text."""
    f = _as_number(v)
    if f is not None and math.isfinite(f):
        return ("n", f)
    return ("s", str(v).strip())


def encode_labels(raw, source: str, where, task: str | None = None, classes: list | None = None):
    """Class indices and the class list for raw label values (or floats for a regression).

    `classes` (from a training run) fixes the mapping; a label outside it is an error. Otherwise
    numbers with integer values and any text make a classifier (classes sorted), other numbers a
    regression. `where(i)` names row i in messages."""
    raw = list(raw)
    if task not in (None, "classification", "regression"):
        raise ConfigError(f"unknown task `{task}`", hint="choose classification or regression")
    if classes is not None:
        index = {_key(c): i for i, c in enumerate(classes)}
        y = np.empty(len(raw), dtype=np.intp)
        for i, v in enumerate(raw):
            k = _key(v)
            if k not in index:
                raise DataError(f"{where(i)}: label `{v}` is not one of the classes the model "
                                f"was trained on ({', '.join(map(str, classes))})", at(source))
            y[i] = index[k]
        return y, list(classes)
    numbers = [_as_number(v) for v in raw]
    if all(f is not None for f in numbers):
        for i, f in enumerate(numbers):
            if not math.isfinite(f):
                raise DataError(f"{where(i)}: the label is {raw[i]!s}, not a finite number",
                                at(source), hint="remove or fix that row")
        values = np.asarray(numbers, dtype=float)
        integral = bool(np.all(values == np.round(values)))
        if task == "regression" or (task is None and not integral):
            return values, None
        uniq = sorted(set(numbers))
        classes = [int(u) if float(u).is_integer() else u for u in uniq]
        index = {u: i for i, u in enumerate(uniq)}
        return np.array([index[f] for f in numbers], dtype=np.intp), classes
    if task == "regression":
        i = next(i for i, f in enumerate(numbers) if f is None)
        raise DataError(f"{where(i)}: the label `{raw[i]}` is not a number, but the task is "
                        "a regression", at(source))
    texts = [str(v).strip() for v in raw]
    empty = next((i for i, t in enumerate(texts) if t == ""), None)
    if empty is not None:
        raise DataError(f"{where(empty)}: the label is empty", at(source),
                        hint="give every row a label, or remove the row")
    classes = sorted(set(texts))
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[t] for t in texts], dtype=np.intp), classes


# ---- files -------------------------------------------------------------------------------------

def _pick_column(spec, header: list[str], path: str, what: str) -> int:
    if isinstance(spec, bool):
        raise ConfigError(f"{what} must be a column name or a 0-based index, got {spec!r}")
    if isinstance(spec, (int, np.integer)):
        if not -len(header) <= spec < len(header):
            raise DataError(f"there is no column {spec} ({what}); the file has {len(header)} "
                            f"columns (0 to {len(header) - 1})", at(path))
        return int(spec) % len(header)
    name = str(spec)
    if name in header:
        return header.index(name)
    lowered = [h.lower() for h in header]
    if name.lower() in lowered:
        return lowered.index(name.lower())
    raise DataError(f"no column `{name}` ({what}); the columns are {', '.join(header)}", at(path),
                    hint=did_you_mean(name, header))


def read_csv(path: str, label=None, features=None, header: bool = True, delimiter: str = ",",
             need_label: bool = True, known_features: list[str] | None = None,
             known_label: str | None = None):
    """(X, raw labels or None, feature names, label name, line numbers) from a CSV file.

    The label column is `label` (a name or 0-based index), else a column called label, target,
    y, class or species, else the last column. The features are `features` (names or indices),
    else every other column. Without `need_label` (prediction), a label column is used only if
    it is named or present."""
    if not os.path.exists(path):
        raise DataError(f"no such data file: `{path}`", at(path))
    if os.path.isdir(path):
        raise DataError(f"`{path}` is a directory, not a data file", at(path))
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [(r, line) for r, line in _rows(csv.reader(f, delimiter=delimiter))]
    except UnicodeDecodeError as e:
        raise DataError(f"not a UTF-8 text file ({e.reason} at byte {e.start})", at(path),
                        hint="save it as UTF-8 CSV") from None
    except csv.Error as e:
        raise DataError(f"not a readable CSV file: {e}", at(path)) from None
    if not rows:
        raise DataError("the file is empty", at(path), hint="a CSV file with a header line and "
                        "one line per sample")
    if header:
        names = [h.strip() for h in rows[0][0]]
        body = rows[1:]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise DataError(f"line 1: column `{dup}` appears twice in the header", at(path, 1, 1))
    else:
        names = [str(i) for i in range(len(rows[0][0]))]
        body = rows
    if not body:
        raise DataError("no data rows after the header", at(path))
    width = len(names)
    for r, line in body:
        if len(r) != width:
            raise DataError(f"line {line}: {len(r)} cells, but the header has {width} columns",
                            at(path, line, 1), hint="every line needs one value per column")
    # the label column
    label_col = None
    if label is not None:
        label_col = _pick_column(label, names, path, "the label column")
    elif known_label is not None and known_label in names:
        label_col = names.index(known_label)
    elif header:
        label_col = next((i for i, n in enumerate(names) if n.lower() in LABEL_NAMES), None)
        if label_col is None and need_label:
            label_col = width - 1
    elif need_label:
        label_col = width - 1
    # the feature columns
    if features is not None:
        if isinstance(features, (str, int)):
            features = [features]
        cols = [_pick_column(c, names, path, "a feature column") for c in features]
        if label_col is not None and label_col in cols:
            raise DataError(f"column `{names[label_col]}` is both the label and a feature", at(path))
    elif known_features is not None and all(n in names for n in known_features):
        cols = [names.index(n) for n in known_features]
    else:
        cols = [i for i in range(width) if i != label_col]
    if not cols:
        raise DataError(f"no feature columns (the only column is the label `{names[label_col]}`)",
                        at(path))
    X = np.empty((len(body), len(cols)))
    for k, (r, line) in enumerate(body):
        for j, c in enumerate(cols):
            cell = r[c].strip()
            if cell == "":
                raise DataError(f"line {line}, column `{names[c]}`: the cell is empty",
                                at(path, line, 1), hint="fill in or remove missing values")
            try:
                v = float(cell)
            except ValueError:
                raise DataError(f"line {line}, column `{names[c]}`: `{cell}` is not a number",
                                at(path, line, 1),
                                hint="features must be numbers; choose columns with data.features "
                                     "(--features) or the label with data.label (--label)") from None
            if not math.isfinite(v):
                raise DataError(f"line {line}, column `{names[c]}`: the value is {cell}",
                                at(path, line, 1), hint="remove or impute NaN and infinite values")
            X[k, j] = v
    raw = [r[label_col] for r, _ in body] if label_col is not None else None
    lines = np.array([line for _, line in body])
    return X, raw, [names[c] for c in cols], (names[label_col] if label_col is not None else None), lines


def _rows(reader):
    """(cells, line number) for every line that is not blank."""
    for r in reader:
        if r and any(c.strip() for c in r):
            yield r, reader.line_num


FEATURE_KEYS = ("X", "x", "features", "data")
LABEL_KEYS = ("y", "labels", "label", "target")


def read_npz(path: str, label=None, features=None, need_label: bool = True):
    """(X, raw labels or None, feature names, label name, None) from an .npz file with a feature
    array (`X`, `x`, `features` or `data`, or `features=KEY`) and a label array (`y`, `labels`,
    `label` or `target`, or `label=KEY`)."""
    if not os.path.exists(path):
        raise DataError(f"no such data file: `{path}`", at(path))
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 - zip, header and pickle errors all mean: not a usable .npz
        raise DataError(f"not a readable .npz file ({type(e).__name__}: {e})", at(path),
                        hint="write it with numpy.savez(path, X=features, y=labels)") from None
    if not arrays:
        raise DataError("the file holds no arrays", at(path))

    def pick(spec, defaults, what, required):
        if spec is not None:
            if spec not in arrays:
                raise DataError(f"no array `{spec}` ({what}); the file holds {', '.join(arrays)}",
                                at(path), hint=did_you_mean(str(spec), arrays))
            return spec
        found = next((k for k in defaults if k in arrays), None)
        if found is None and required:
            raise DataError(f"no {what} array (looked for {', '.join(defaults)}); the file holds "
                            f"{', '.join(arrays)}", at(path), hint=f"name it with data.{'features' if what == 'feature' else 'label'}=KEY")
        return found

    fkey = pick(features, FEATURE_KEYS, "feature", True)
    lkey = pick(label, LABEL_KEYS, "label", need_label)
    X = arrays[fkey]
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise DataError(f"array `{fkey}` has shape {list(X.shape)}; features must be (samples, "
                        "features)", at(path))
    if len(X) == 0:
        raise DataError(f"array `{fkey}` has no rows", at(path))
    if X.dtype.kind not in "biuf":
        raise DataError(f"array `{fkey}` holds {X.dtype} values, not numbers", at(path))
    X = X.astype(float)
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        i, j = bad[0]
        raise DataError(f"array `{fkey}`, row {i}, column {j}: the value is {X[i, j]}", at(path),
                        hint="remove or impute NaN and infinite values")
    raw = None
    if lkey is not None:
        y = arrays[lkey]
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or len(y) != len(X):
            raise DataError(f"array `{lkey}` has shape {list(y.shape)}, but `{fkey}` has {len(X)} "
                            f"rows: labels must be ({len(X)},)", at(path))
        raw = y.tolist()
    return X, raw, [f"{fkey}[{j}]" for j in range(X.shape[1])], lkey, None


# ---- specs -------------------------------------------------------------------------------------

def normalise_spec(spec) -> dict:
    """A data spec as a dict with a `name`: "x.csv" -> {"name": "csv", "path": "x.csv"}."""
    if isinstance(spec, Dataset):
        return {"name": "<dataset>"}
    if isinstance(spec, str):
        low = spec.lower()
        if low.endswith(".npz"):
            return {"name": "npz", "path": spec}
        if low.endswith((".csv", ".tsv", ".txt")):
            return {"name": "csv", "path": spec, **({"delimiter": "\t"} if low.endswith(".tsv") else {})}
        from .datasets import ALIASES, GENERATORS
        if spec in GENERATORS or spec in ALIASES:
            return {"name": spec}
        raise ConfigError(f"data `{spec}` is neither a file (.csv, .tsv, .npz) nor a built-in data set",
                          hint=did_you_mean(spec, GENERATORS) or "built-in sets: " + ", ".join(GENERATORS))
    if isinstance(spec, dict) and "name" in spec:
        out = dict(spec)
        args = out.pop("args", [])
        if out["name"] in ("csv", "npz", "file"):
            if args:
                out.setdefault("path", args[0])
            if out["name"] == "file":
                out = {**normalise_spec(str(out.get("path", ""))), **{k: v for k, v in out.items()
                                                                      if k not in ("name", "path")}}
        elif args:
            raise ConfigError(f"data set `{out['name']}` takes keyword arguments only, e.g. "
                              f"{out['name']}(n_samples=200)")
        return out
    raise ConfigError(f"a data setting must be a file path or a data set call such as moons(n_samples=200), "
                      f"got {spec!r}")


def resolve_path(path: str, base_dir: str | None) -> str:
    """A data path relative to `base_dir` (the model file's folder), shown relative to the working
    folder where that is shorter."""
    path = str(path)
    if base_dir and not os.path.isabs(path):
        path = os.path.normpath(os.path.join(base_dir, path))
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            return rel
    return path


def absolute_paths(spec):
    """A spec with its file paths made absolute against the working folder (for data named on the
    command line or in Python, which is relative to where the person is, not to the model)."""
    if isinstance(spec, str) and not os.path.isabs(spec) and spec.lower().endswith((".csv", ".tsv", ".txt", ".npz")):
        return os.path.abspath(spec)
    if isinstance(spec, dict):
        out = dict(spec)
        if out.get("name") in ("csv", "npz", "file"):
            if "path" in out and not os.path.isabs(str(out["path"])):
                out["path"] = os.path.abspath(str(out["path"]))
            if out.get("args") and isinstance(out["args"][0], str) and not os.path.isabs(out["args"][0]):
                out["args"] = [os.path.abspath(out["args"][0]), *out["args"][1:]]
        for k in ("test", "validation"):
            if k in out:
                out[k] = absolute_paths(out[k])
        return out
    return spec


def load_data(spec, base_dir: str | None = None, classes: list | None = None, need_label: bool = True,
              known_features: list[str] | None = None, known_label: str | None = None) -> Dataset:
    """The data set a spec names (see the module docstring), with the generic options applied.
    `classes` fixes the label encoding (that of a trained model)."""
    spec = normalise_spec(spec)
    name = spec["name"]
    options = {k: v for k, v in spec.items() if k != "name"}
    generic = {k: options.pop(k) for k in GENERIC_OPTIONS if k in options}
    if name in ("csv", "npz"):
        path = options.pop("path", None)
        if not path:
            raise ConfigError(f"`{name}(...)` needs a file path: {name}(\"data.{name}\")")
        path = resolve_path(path, base_dir)
        unknown = [k for k in options if k not in FILE_OPTIONS]
        if unknown:
            raise ConfigError(f"unknown data option `{unknown[0]}` for a {name} file",
                              hint=did_you_mean(unknown[0], FILE_OPTIONS + GENERIC_OPTIONS)
                              or "options: " + ", ".join(FILE_OPTIONS + GENERIC_OPTIONS))
        if name == "csv":
            X, raw, fnames, lname, lines = read_csv(
                path, options.get("label"), options.get("features"), bool(options.get("header", True)),
                str(options.get("delimiter", ",")), need_label, known_features, known_label)
        else:
            if "header" in options or "delimiter" in options:
                raise ConfigError("`header` and `delimiter` are options of CSV files, not .npz")
            X, raw, fnames, lname, lines = read_npz(path, options.get("label"), options.get("features"),
                                                    need_label)
        where = (lambda i: f"line {lines[i]}") if lines is not None else (lambda i: f"row {i}")
        if raw is None:
            y, cls = None, classes
        else:
            y, cls = encode_labels(raw, path, where, generic.get("task"), classes)
        ds = Dataset(X, y, fnames, lname, cls, path, lines=lines)
    else:
        from .datasets import generate
        ds = generate(name, **options)
        if classes is not None and ds.classes is not None and list(map(_key, ds.classes)) != \
                list(map(_key, classes)):
            raise DataError(f"data set `{name}` has classes {ds.classes}, but the model was trained on "
                            f"{classes}", at(name))
    return apply_options(ds, generic)


def apply_options(ds: Dataset, generic: dict) -> Dataset:
    """The options that apply to any source: classes, pca, labels (test/validation/scale are
    handled by the caller)."""
    if "classes" in generic:
        keep = generic["classes"]
        if not isinstance(keep, list) or not keep:
            raise ConfigError(f"`classes` must be a list of labels, got {keep!r}")
        if ds.classes is None:
            raise ConfigError("`classes` selects classes, but this data set is a regression")
        known = {_key(c): i for i, c in enumerate(ds.classes)}
        idx = []
        for c in keep:
            if _key(c) not in known:
                raise ConfigError(f"`classes`: {c!r} is not a class of {ds.source} "
                                  f"({', '.join(map(str, ds.classes))})")
            idx.append(known[_key(c)])
        rows = np.flatnonzero(np.isin(ds.y, idx))
        remap = np.full(len(ds.classes), -1, dtype=np.intp)
        remap[idx] = np.arange(len(idx))
        sub = ds.subset(rows)
        ds = replace(sub, y=remap[sub.y], classes=[ds.classes[i] for i in idx])
    if "pca" in generic:
        k = generic["pca"]
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= ds.X.shape[1]:
            raise ConfigError(f"`pca` must be a number of components from 1 to {ds.X.shape[1]}, got {k!r}")
        ds = replace(ds, X=pca(ds.X, k), feature_names=[f"pc{i}" for i in range(k)])
    if "labels" in generic:
        values = generic["labels"]
        if ds.classes is None or not isinstance(values, list) or len(values) != len(ds.classes) or \
                not all(_as_number(v) is not None for v in values):
            n = len(ds.classes) if ds.classes else 0
            raise ConfigError(f"`labels` must list one number per class ({n}: "
                              f"{', '.join(map(str, ds.classes or []))}), got {values!r}")
        ds = replace(ds, label_values=[float(v) for v in values])
    return ds


def pca(X: np.ndarray, k: int) -> np.ndarray:
    """The first k principal components (centred; scikit-learn's sign convention: the largest
    entry of each component is positive)."""
    Xc = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    top = np.argmax(np.abs(Vt), axis=1)
    Vt = Vt * np.sign(Vt[np.arange(len(Vt)), top])[:, None]
    return Xc @ Vt[:k].T


def from_arrays(X, y=None, task: str | None = None, classes: list | None = None,
                feature_names: list[str] | None = None, source: str = "<array>") -> Dataset:
    """A Dataset from NumPy arrays, checked as a file would be (rows and columns named)."""
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or len(X) == 0:
        raise DataError(f"features must be a non-empty (samples, features) array, got shape "
                        f"{list(X.shape)}", at(source))
    if X.dtype.kind not in "biuf":
        raise DataError(f"features hold {X.dtype} values, not numbers", at(source))
    X = X.astype(float)
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        i, j = bad[0]
        raise DataError(f"row {i}, column {j}: the value is {X[i, j]}", at(source),
                        hint="remove or impute NaN and infinite values")
    names = feature_names or [f"x{j}" for j in range(X.shape[1])]
    if y is None:
        return Dataset(X, None, names, None, classes, source)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != len(X):
        raise DataError(f"labels have shape {list(y.shape)}, but there are {len(X)} samples: "
                        f"give one label per sample", at(source))
    yv, cls = encode_labels(y.tolist(), source, lambda i: f"row {i}", task, classes)
    return Dataset(X, yv, names, "label", cls, source)


# ---- splits and scaling ------------------------------------------------------------------------

def _quota(counts: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to counts that sum to total (largest remainders)."""
    exact = counts * (total / counts.sum())
    base = np.floor(exact).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return np.minimum(base, counts)


def split_indices(y: np.ndarray | None, n: int, validation: float, test: float, seed: int,
                  stratify: bool = True):
    """(train, validation, test) row indices, each sorted: `test` and `validation` are fractions
    of the whole set; a classifier's classes keep their proportions in every part (stratified)."""
    for name, f in (("validation_split", validation), ("test_split", test)):
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 <= f < 1:
            raise ConfigError(f"`{name}` must be a fraction in [0, 1), got {f!r}")
    if validation + test >= 1:
        raise ConfigError(f"validation_split + test_split = {validation + test:g} leaves nothing to train on")
    rng = np.random.default_rng(seed)
    n_test, n_val = round(test * n), round(validation * n)
    if stratify and y is not None and y.dtype.kind in "iu":
        classes = np.unique(y)
        members = [rng.permutation(np.flatnonzero(y == c)) for c in classes]
        counts = np.array([len(m) for m in members])
        qt = _quota(counts, n_test)
        qv = _quota(counts - qt, n_val)
        te = np.concatenate([m[:a] for m, a in zip(members, qt)])
        va = np.concatenate([m[a:a + b] for m, a, b in zip(members, qt, qv)])
        tr = np.concatenate([m[a + b:] for m, a, b in zip(members, qt, qv)])
    else:
        perm = rng.permutation(n)
        te, va, tr = perm[:n_test], perm[n_test:n_test + n_val], perm[n_test + n_val:]
    if len(tr) == 0:
        raise ConfigError(f"the splits leave no training samples out of {n}")
    return np.sort(tr), np.sort(va), np.sort(te)


def split(ds: Dataset, validation: float = 0.0, test: float = 0.0, seed: int = 0):
    tr, va, te = split_indices(ds.y, len(ds), validation, test, seed)
    return ds.subset(tr), ds.subset(va), ds.subset(te)


SCALES = ("none", "standard", "minmax")


@dataclass
class Scaler:
    """Feature scaling fitted on the training split and applied to every other: `standard`
    (zero mean, unit variance), `minmax` (into `range`, [0, 1] by default: an angle range such as
    [-pi, pi] for an encoding) or `none`."""

    kind: str = "none"
    range: tuple[float, float] = (0.0, 1.0)
    offset: np.ndarray | None = None
    factor: np.ndarray | None = None

    @staticmethod
    def create(kind: str, range_=None) -> Scaler:
        if kind not in SCALES:
            raise ConfigError(f"unknown scaling `{kind}`", hint=did_you_mean(str(kind), SCALES)
                              or "choose standard, minmax (with range=[lo, hi]) or none")
        if range_ is None:
            range_ = (0.0, 1.0)
        if not (isinstance(range_, (list, tuple)) and len(range_) == 2
                and all(_as_number(v) is not None for v in range_) and float(range_[0]) < float(range_[1])):
            raise ConfigError(f"a scaling range must be [low, high] with low < high, got {range_!r}")
        if kind != "minmax" and tuple(map(float, range_)) != (0.0, 1.0):
            raise ConfigError(f"a range applies to `minmax` scaling, not `{kind}`")
        return Scaler(kind, (float(range_[0]), float(range_[1])))

    def fit(self, X: np.ndarray) -> Scaler:
        if self.kind == "standard":
            std = X.std(axis=0)
            return replace(self, offset=X.mean(axis=0), factor=1.0 / np.where(std > 0, std, 1.0))
        if self.kind == "minmax":
            lo, hi = self.range
            span = X.max(axis=0) - X.min(axis=0)
            return replace(self, offset=X.min(axis=0), factor=(hi - lo) / np.where(span > 0, span, 1.0))
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        if self.kind == "none":
            return X
        if self.offset is None:
            raise RuntimeError("Scaler.transform before fit")
        if X.shape[1] != len(self.offset):
            raise DataError(f"the data has {X.shape[1]} features, but the scaling was fitted on "
                            f"{len(self.offset)}")
        lo = self.range[0] if self.kind == "minmax" else 0.0
        return (X - self.offset) * self.factor + lo

    def to_json(self) -> dict:
        return {"kind": self.kind, "range": list(self.range),
                "offset": None if self.offset is None else self.offset.tolist(),
                "factor": None if self.factor is None else self.factor.tolist()}

    @staticmethod
    def from_json(d: dict) -> Scaler:
        return Scaler(d["kind"], tuple(d["range"]),
                      None if d["offset"] is None else np.asarray(d["offset"], dtype=float),
                      None if d["factor"] is None else np.asarray(d["factor"], dtype=float))

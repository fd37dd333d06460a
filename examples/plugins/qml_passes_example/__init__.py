"""An example plugin for qml_compiler: one pass, registered through an entry point.

    pip install examples/plugins
    qmlc compile model.qml --passes cancel-adjacent-inverses,dead-nodes

See README.md in this folder and docs/passes.md.
"""

from .cancel import CancelAdjacentInverses, cancel_adjacent_inverses

__all__ = ["CancelAdjacentInverses", "cancel_adjacent_inverses"]
__version__ = "0.1.0"

"""`qmlc train`, `qmlc evaluate` and `qmlc predict` (being built)."""


def add_commands(sub, pipeline_options) -> None:
    """Register this stage's subcommands on the `qmlc` parser."""

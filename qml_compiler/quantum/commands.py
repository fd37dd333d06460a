"""`qmlc targets` (being built)."""


def add_commands(sub, pipeline_options) -> None:
    """Register this stage's subcommands on the `qmlc` parser."""

"""`python -m analysis` is the `presswatch` command."""

from analysis.cli import cli

cli()

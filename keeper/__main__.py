"""`python -m keeper`: the same as the `keeper` command."""

from keeper.cli import main

main()

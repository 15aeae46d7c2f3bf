"""`python -m service` is the `o2c` command."""

from service.cli import main

main()

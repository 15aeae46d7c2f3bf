"""`python -m rules check DIR...` and `python -m rules vocabulary NAME`, without the service.

The service CLI (`o2c rules check DIR`) calls the same `check_dir`; this entry point lets
finance check a rule file where only this package is installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from rules.loader import check_dir
from rules.vocabularies import VOCABULARIES


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status is 1 when a file is refused."""
    parser = argparse.ArgumentParser(prog="python -m rules")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate every *.yaml rule set of directories")
    check.add_argument("directories", nargs="+")
    vocabulary = commands.add_parser("vocabulary", help="print what a rule set may use (JSON)")
    vocabulary.add_argument("name", choices=sorted(VOCABULARIES))
    args = parser.parse_args(argv)
    if args.command == "vocabulary":
        print(json.dumps(VOCABULARIES[args.name].rule_data, indent=2, ensure_ascii=False))
        return 0
    failed = False
    for directory in args.directories:
        reports = check_dir(directory)
        if not reports:
            print(f"no *.yaml rule sets in {directory}")
        for report in reports:
            print(report)
            failed = failed or not report.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

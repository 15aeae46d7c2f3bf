"""The go-live fixture files (tests/data/golive/): the old system's items, customers, contracts
and powers of attorney, copied with their codes made unique to one test (the databases under
test are shared by the session), in the order they are imported."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

GOLIVE = Path(__file__).parent / "data" / "golive"
# The importers, in go-live order, with the file each reads.
FILES = {
    "items": "items.csv",
    "customers": "customers.csv",
    "contracts": "contracts.csv",
    "powers-of-attorney": "powers_of_attorney.csv",
}


@dataclass(frozen=True)
class GoLive:
    prefix: str
    files: dict[str, Path]

    def code(self, code: str) -> str:
        """A code of the fixture files (GL-C01) as this copy has it."""
        return code.replace("GL-", self.prefix, 1)


def golive_files(folder: Path) -> GoLive:
    """Copies of the fixture files in `folder`, every `GL-` code given a prefix of its own."""
    prefix = f"GL{uuid.uuid4().hex[:6]}-"
    files = {}
    for name, file in FILES.items():
        text = (GOLIVE / file).read_text(encoding="utf-8").replace("GL-", prefix)
        files[name] = folder / file
        files[name].write_text(text, encoding="utf-8")
    return GoLive(prefix, files)

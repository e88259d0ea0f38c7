"""`python -m bench [name ...]`: run the benchmarks (all by default)."""

from __future__ import annotations

import sys

from bench.db import bench_database, setup_django

SUITES = [
    "audit",
    "historian",
    "collectors",
    "accounts",
    "trend",
    "ebr",
    "genealogy",
    "lims",
    "reports",
    "rootcause",
]


def main(argv: list[str]) -> int:
    setup_django()
    wanted = argv or SUITES
    with bench_database():
        for name in wanted:
            module = __import__(f"bench.{name}", fromlist=["run"])
            module.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""How many replies per second ``understand`` classifies (intent + sentiment), on the
labelled set repeated. Prints figures; not a timed test.

    .venv/bin/python bench/classify.py [repeats]
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crm.inbox.understanding import understand  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "replies_labelled.csv"


def main(repeats: int = 20) -> None:
    with DATA.open(encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    understand("chauffe")  # load the PatternAnalyzer's lexicon outside the timing
    started = time.perf_counter()
    for _ in range(repeats):
        for text in texts:
            understand(text)
    elapsed = time.perf_counter() - started
    n = repeats * len(texts)
    print(f"{n} replies in {elapsed:.2f} s: {n / elapsed:,.0f} classifications per second "
          f"({elapsed / n * 1e6:.0f} µs each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)

"""`python -m benchmarks`: every benchmark, in turn."""

import asyncio
import sys

from benchmarks import ranking

if __name__ == "__main__":
    quick = "--quick" in sys.argv
    asyncio.run(ranking.main(100_000 if quick else 1_000_000, 10, 15 if quick else 30))

"""`python -m benchmarks`: every benchmark, in turn (`--quick` for smaller ranking data)."""

import asyncio
import sys

from benchmarks import beneficiaries, ranking

if __name__ == "__main__":
    quick = "--quick" in sys.argv
    asyncio.run(beneficiaries.main())
    asyncio.run(ranking.main(100_000 if quick else 1_000_000, 10, 15 if quick else 30))

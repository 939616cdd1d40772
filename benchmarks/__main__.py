"""`python -m benchmarks`: every benchmark, in turn. `--quick`: smaller data, shorter windows (a minute or
two in all, to check that they run); without it, the figures of docs/benchmarks.md (half an hour)."""

import asyncio
import sys

from benchmarks import (
    beneficiaries,
    conversation,
    fanout,
    footprint,
    hostile_files,
    instances,
    lanes,
    ranking,
    transport,
)

if __name__ == "__main__":
    quick = "--quick" in sys.argv
    asyncio.run(transport.main())
    asyncio.run(beneficiaries.main())
    asyncio.run(hostile_files.main(5 if quick else 20))
    asyncio.run(ranking.main(100_000 if quick else 1_000_000, 10, 15 if quick else 30))
    asyncio.run(conversation.main([20, 50] if quick else [50, 500], 1 if quick else 3))
    fanout.main(5_000 if quick else 100_000, 20 if quick else 120)
    asyncio.run(lanes.main(200 if quick else 1_000))
    asyncio.run(instances.main(300 if quick else 3_000))
    asyncio.run(footprint.main(100_000 if quick else 1_000_000, 5_000 if quick else 100_000))

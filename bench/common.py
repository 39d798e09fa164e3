"""What the benchmarks share: a throwaway embedded database, the demo shop, timing and rows."""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from checkpoints.embedded import start_embedded
from settings import Settings
from tools.context import Services
from tools.gateway import SandboxGateway
from tools.seed import DEFAULT_PRODUCTS, seed
from tools.store import Store


@dataclass
class Measure:
    """One row of the report: side a against side b, their ratio and the target."""

    name: str
    a: float
    b: float
    ratio: float
    target: float
    unit: str
    note: str = ""
    # For a failing measure: the measurement, from the same run, that shows the target cannot
    # be met on this machine by anything built on this stack.
    out_of_reach: str = ""

    @property
    def passed(self) -> bool:
        """Whether the ratio is within the target."""
        return self.ratio <= self.target

    @property
    def verdict(self) -> str:
        """pass, FAIL, or FAIL with the reason it cannot pass here."""
        if self.passed:
            return "pass"
        return "FAIL (out of reach here, see why)" if self.out_of_reach else "FAIL"

    def as_json(self) -> dict[str, object]:
        """The machine-readable row."""
        return asdict(self) | {"pass": self.passed}


@contextlib.contextmanager
def embedded_database() -> Iterator[str]:
    """A fresh embedded server in a temporary folder; its URI."""
    with tempfile.TemporaryDirectory(prefix="omnisales-bench-") as folder:
        server = start_embedded(Path(folder))
        try:
            yield server.uri
        finally:
            server.stop()


@contextlib.asynccontextmanager
async def demo_shop(uri: str, db_name: str, products: int = DEFAULT_PRODUCTS
                    ) -> AsyncIterator[Services]:
    """The demo shop freshly seeded in `db_name`, and offline services over it."""
    store = Store.connect(uri, db_name)
    try:
        await seed(store, products=products, reset=True)
        async with httpx.AsyncClient() as http:
            yield Services(store=store, settings=Settings(_env_file=None),  # type: ignore[call-arg]
                           gateway=SandboxGateway(store), http=http)
    finally:
        await store.close()


def process_cpu_s(pid: int) -> float:
    """CPU seconds a process's living threads have run so far, to the nanosecond.

    From the scheduler's own account (`/proc/PID/task/*/schedstat`), which is exact, where
    `/proc/PID/stat` counts in clock ticks of 10 ms: too coarse for a few milliseconds a turn.
    Threads that ended are not counted: use it on a process whose threads live on (the embedded
    database keeps one per client connection).
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError):  # a thread that ended meanwhile
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100) of some samples."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    """The median of some samples."""
    return statistics.median(samples)


def timed_ms(started: float) -> float:
    """Milliseconds since `started` (a `time.perf_counter()` value)."""
    return (time.perf_counter() - started) * 1000

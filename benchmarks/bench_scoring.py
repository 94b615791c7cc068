"""Benchmark scoring one settlement proposal on the built-in case (issue 5: "scoring one proposal on the case in
≤ 1 s").

Run from the repository root::

    python benchmarks/bench_scoring.py            # writes the block between <!-- begin:scoring --> and
                                                  # <!-- end:scoring --> in BENCHMARKS.md
    python benchmarks/bench_scoring.py --no-write # print only

What it measures: with Natural Earth 10 m loaded (load timed apart), the status-quo side of the scorecard (the
road network, flashpoints, enclaves and access before any change) is prepared once by the first
:func:`borderline.scoring.score_case` call and timed apart; then each of the case's proposals is scored
``--repeats`` times (best and median reported): :func:`borderline.proposals.apply`, rebuilding the road network on
the new states, access, flashpoints, settlements and incidents.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_OUT, machine_line, met, seconds, time_call, write_block

TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    from borderline.datasets import load_states
    from borderline.proposals import load_case_proposals
    from borderline.scoring import score_case

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        states = load_states("naturalearth-10m")
        t_load = time.perf_counter() - t0
        proposals = load_case_proposals("kgz-tjk")
        t0 = time.perf_counter()
        score_case(proposals[0], states=states)  # prepares and caches the status-quo side
        t_base = time.perf_counter() - t0
        rows = []
        for p in proposals:
            timing, card = time_call(lambda p=p: score_case(p, states=states), args.repeats)
            laps = ", ".join(f"{k} {v:.3f}" for k, v in card.timings_s.items())
            rows.append((p.proposal_id, timing, len(card.figures), laps))
            print(f"{p.proposal_id}: best {timing.best:.3f} s, median {timing.median:.3f} s ({laps})")
    worst = max(t.best for _, t, _, _ in rows)
    lines = [
        "## Proposal scoring (issue 5)",
        "",
        f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by `python benchmarks/bench_scoring.py` (from the "
        "repository root; it rewrites only this block). Wall-clock `time.perf_counter`, best of "
        f"{args.repeats} runs (median beside it).",
        "",
        machine_line(),
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| scoring one proposal on the case ≤ {TARGET_S:g} s | slowest proposal {seconds(worst)} (best of "
        f"{args.repeats}) | {met(worst <= TARGET_S)} |",
        "",
        "| step | runs (s) | best | median | notes |",
        "|---|---|---|---|---|",
        f"| `load_states('naturalearth-10m')` | {t_load:.3f} | – | – | once per session, not part of the target |",
        f"| status-quo side of the scorecard | {t_base:.3f} | – | – | first `score_case` call: road network, "
        "flashpoints, enclaves, access before; cached per case and layer, not part of the target |",
    ]
    for pid, timing, n_fig, laps in rows:
        lines.append(f"| **`score_case('{pid}')`** | {timing.runs_str()} | {seconds(timing.best)} | "
                     f"{seconds(timing.median)} | {n_fig} figures; stages of the last run: {laps} |")
    block = "\n".join(lines)
    print(block)
    if not args.no_write:
        write_block(args.out, "scoring", block)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

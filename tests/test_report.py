"""The HTML report: self-contained, sourced, and written whole or not at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from borderline.errors import BorderlineError
from borderline.report import build_report


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report("kgz-tjk", tmp_path_factory.mktemp("r") / "report")


def test_report_is_self_contained(report: Path) -> None:
    html = report.read_text()
    # no external scripts, styles, images or fonts: it must open offline
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=\"https?://", html)
    assert "@import" not in html and "url(http" not in html
    assert html.count("<svg") >= 1 and "<script>" in html


def test_report_map_and_table(report: Path) -> None:
    html = report.read_text()
    # every border of the Fergana-valley sector is drawn and coloured by pair
    for pair in ("Kyrgyzstan – Tajikistan", "Kyrgyzstan – Uzbekistan", "Tajikistan – Uzbekistan"):
        assert pair in html
    # the table lists every border of KGZ and TJK with the data source
    for pair in ("AFG–TJK", "CHN–KGZ", "CHN–TJK", "KAZ–KGZ", "KGZ–TJK", "KGZ–UZB", "TJK–UZB"):
        assert f"<td>{pair}</td>" in html
    assert "Source: naturalearth-10m 5.1.1 (public domain)" in html
    # published figures are shown as a range with their sources, never collapsed to one number
    assert "970 to 1,006.84 km" in html
    assert "https://interfax.com/newsroom/top-stories/110332/" in html
    # place labels come from GeoNames, with their ids
    assert "Vorukh" in html and "GeoNames 1220164" in html


def test_failed_build_leaves_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "report"
    build_report("kgz-tjk", out)
    before = (out / "index.html").read_text()
    with pytest.raises(BorderlineError):
        build_report("kgz-tjk", out, source=str(tmp_path / "missing.gpkg"))
    assert (out / "index.html").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_report_refuses_a_file_as_folder(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(BorderlineError, match="is a file, not a folder"):
        build_report("kgz-tjk", target)


def test_report_enclaves_and_schematic_roads(report: Path) -> None:
    html = report.read_text()
    assert '<section id="enclaves">' in html
    # the Fergana-valley enclaves of Natural Earth, with their hosts and settlements
    assert "Vorukh (3,836)" in html and "near Shohimardon" in html
    # the authored road network is drawn and flagged schematic wherever it appears
    assert 'class="roads"' in html
    assert "Isfara–Vorukh road" in html and "— schematic" in html
    assert "kgz-tjk-roads 1.0" in html and "<b>schematic</b>" in html


def test_report_access_before_and_after(report: Path) -> None:
    html = report.read_text()
    assert '<section id="access">' in html
    assert "Vorukh (Tajik enclave) → Isfara (Tajik mainland)" in html
    assert "before 2025" in html and "after 2025" in html
    assert 'class="routes"' in html
    # the terrain fallback answers the same questions on foot, labelled as such
    assert "none: terrain, on foot" in html and 'class="terrain-routes"' in html and "Tobler" in html


def test_report_flashpoints_ranked(report: Path) -> None:
    html = report.read_text()
    assert '<section id="flashpoints">' in html
    assert "crossing" in html and "KGZ–TJK" in html and "<b>schematic</b>" in html


def test_report_flashpoints_map_numbers_every_ranked_row(report: Path) -> None:
    import re

    html = report.read_text()
    section = html[html.index('<section id="flashpoints">'):]
    section = section[:section.index("</section>")]
    assert 'id="flashpoints-map"' in section
    badges = re.search(r'<g class="flashpoints">(.*?)</g></g>', section)
    assert badges is not None
    numbers = sorted(int(n) for n in re.findall(r'r="9\.5"/><text [^>]*>(\d+)</text>', section))
    n_rows = len(re.findall(r"<tr><td class=num>\d+</td>", section))
    assert n_rows > 0 and numbers == list(range(1, n_rows + 1))
    # a dependency stretch is drawn as a line, and its rank badge sits on it
    assert 'class="fp-stretches"' in section and 'class="dependency"' in section


def test_report_register_section(report: Path) -> None:
    html = report.read_text()
    section = html[html.index('<section id="register">'):]
    section = section[:section.index("</section>")]
    assert 'id="register-chart"' in section and 'id="register-map"' in section
    assert "April 2022: 664 km agreed, 32%–34% undefined" in section
    assert "T-treaty-2025" in section and "derived" in section
    assert "970–1,006.84 km" in section  # the totals as a range, never one number


def test_report_incidents_section(report: Path) -> None:
    html = report.read_text()
    section = html[html.index('<section id="incidents">'):]
    section = section[:section.index("</section>")]
    assert 'id="incidents-chart"' in section and 'id="incidents-map"' in section
    assert "5 of 8 incidents have coordinates" in section
    assert "Tort-Kocho shootout" in section and "no coordinates" in section  # kept in the table and timeline
    assert "Kyrgyzstan 62" in section and "may count them twice" in section
    assert 'class="uncertainty"' in section
    assert "Hotspots along the border" in section and "km from flashpoint" in section


def test_report_claims_section_explains_or_compares(report: Path) -> None:
    from borderline.datasets import osm_land_cache_path

    html = report.read_text()
    section = html[html.index('<section id="claims">'):]
    section = section[:section.index("</section>")]
    if osm_land_cache_path().exists():
        assert 'id="claims-map"' in section and "km² in" in section
    else:
        assert "borderline datasets fetch osm-land-10m" in section


def test_report_flashpoints_score_incidents_and_status(report: Path) -> None:
    html = report.read_text()
    section = html[html.index('<section id="flashpoints">'):]
    section = section[:section.index("</section>")]
    assert "<th class=num>Incidents</th>" in section and "(delimited)" in section


def test_report_proposals_section(report: Path) -> None:
    html = report.read_text()
    section = html[html.index('<section id="proposals">'):]
    section = section[:section.index("</section>")]
    assert "enclaves abolished" in section and "Golovnoi water intake" in section
    assert 'id="prop-vorukh-swap-2021"' in section and 'id="prop-treaty-2025"' in section
    assert "schematic" in section
    # the optimiser's Vorukh answer sits next to the treaty, with its solver status
    assert "optimiser's answer for the Vorukh sector (OR-Tools CP-SAT" in section

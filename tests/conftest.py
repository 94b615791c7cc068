"""Session fixtures: Natural Earth, read offline from the installed package, and its borders."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest

from borderline.borders import borders
from borderline.datasets import States, load_states
from tests.helpers import naive_borders


@pytest.fixture(scope="session")
def naturalearth() -> States:
    """Natural Earth 1:10m, read offline from the installed package, once per session."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_states("naturalearth-10m")


@pytest.fixture(scope="session")
def naturalearth_borders(naturalearth: States) -> gpd.GeoDataFrame:
    """All Natural Earth borders from the engine, once per session."""
    return borders(naturalearth)


@pytest.fixture(scope="session")
def naturalearth_baseline(naturalearth: States) -> dict[str, float]:
    """All Natural Earth borders from the naive baseline, once per session."""
    return naive_borders(naturalearth.frame)

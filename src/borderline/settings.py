"""One validated settings object for borderline.

Arguments to library functions override these values; environment variables override the defaults:

``BORDERLINE_CACHE_DIR``
    Folder for converted datasets (default: the user cache directory from :mod:`platformdirs`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs


def _default_cache_dir() -> Path:
    env = os.environ.get("BORDERLINE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("borderline"))


@dataclass(frozen=True)
class Settings:
    """Settings shared by the library and its faces.

    Attributes
    ----------
    cache_dir : Path
        Where converted datasets (GeoParquet) are cached.
    ellipsoid : str
        Ellipsoid for every geodesic measure (a :class:`pyproj.Geod` ``ellps`` name).
    grid_deg : float
        Vertex identity grid in degrees for shared-arc topology. Two vertices closer than this
        (about 1 cm at 1e-7 degrees) are the same vertex. This is a hashing grid, not a distance.
    tolerance_m : float
        Default matching distance in metres for tolerance mode.
    """

    cache_dir: Path = field(default_factory=_default_cache_dir)
    ellipsoid: str = "WGS84"
    grid_deg: float = 1e-7
    tolerance_m: float = 100.0


def get_settings() -> Settings:
    """Return the settings in force, read afresh from the environment."""
    return Settings()


#: borderline's version (re-exported as ``borderline.__version__``).
VERSION = "0.1.0"

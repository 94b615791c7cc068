"""borderline: analyse and negotiate contested land borders.

The public API re-exports the library's main functions; nothing is computed at import.

>>> import borderline
>>> states = borderline.load_states("naturalearth-10m")          # doctest: +SKIP
>>> borderline.border_between(states, "KGZ", "TJK").length_km     # doctest: +SKIP
"""

from borderline.borders import border_between, borders, tripoints
from borderline.datasets import Provenance, States, catalog, load_states
from borderline.enclaves import enclaves, polygon_parts
from borderline.errors import BorderlineError, BorderlineWarning
from borderline.roads import RoadGraph, roads_from_lines, roads_from_pbf

__version__ = "0.1.0"

__all__ = [
    "BorderlineError",
    "BorderlineWarning",
    "Provenance",
    "RoadGraph",
    "States",
    "__version__",
    "border_between",
    "borders",
    "catalog",
    "enclaves",
    "load_states",
    "polygon_parts",
    "roads_from_lines",
    "roads_from_pbf",
    "tripoints",
]

"""borderline: analyse and negotiate contested land borders.

The public API re-exports the library's main functions; nothing is computed at import.

>>> import borderline
>>> states = borderline.load_states("naturalearth-10m")          # doctest: +SKIP
>>> borderline.border_between(states, "KGZ", "TJK").length_km     # doctest: +SKIP
"""

from borderline.access import Arrangement, Scenario, access_table, route
from borderline.borders import border_between, borders, tripoints
from borderline.chainage import border_line, border_lines, locate
from borderline.claims import compare_borders, disputed_areas
from borderline.datasets import Provenance, States, catalog, load_states
from borderline.enclaves import enclaves, polygon_parts
from borderline.errors import BorderlineError, BorderlineWarning
from borderline.flashpoints import flashpoints
from borderline.incidents import link_incidents, load_case_incidents, read_incidents
from borderline.optimize import optimize, parcel_grid
from borderline.proposals import load_case_proposals, read_proposals
from borderline.register import load_case_register, read_register
from borderline.roads import RoadGraph, roads_from_lines, roads_from_pbf
from borderline.scoring import score, score_case
from borderline.settings import VERSION
from borderline.terrain import load_dem, terrain_access, terrain_graph

__version__ = VERSION

__all__ = [
    "Arrangement",
    "BorderlineError",
    "BorderlineWarning",
    "Provenance",
    "RoadGraph",
    "Scenario",
    "States",
    "__version__",
    "access_table",
    "border_between",
    "border_line",
    "border_lines",
    "borders",
    "catalog",
    "compare_borders",
    "disputed_areas",
    "enclaves",
    "flashpoints",
    "link_incidents",
    "load_case_incidents",
    "load_case_proposals",
    "load_case_register",
    "load_dem",
    "load_states",
    "locate",
    "optimize",
    "parcel_grid",
    "polygon_parts",
    "read_incidents",
    "read_proposals",
    "read_register",
    "roads_from_lines",
    "roads_from_pbf",
    "route",
    "score",
    "score_case",
    "terrain_access",
    "terrain_graph",
    "tripoints",
]

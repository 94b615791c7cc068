"""borderline: analyse and negotiate contested land borders.

The public API re-exports the library's main functions; nothing is computed at import.

>>> import borderline
>>> states = borderline.load_states("naturalearth-10m")          # doctest: +SKIP
>>> borderline.border_between(states, "KGZ", "TJK").length_km     # doctest: +SKIP
"""

from borderline.borders import border_between, borders, tripoints
from borderline.datasets import Provenance, States, catalog, load_states
from borderline.errors import BorderlineError, BorderlineWarning

__version__ = "0.1.0"

__all__ = [
    "BorderlineError",
    "BorderlineWarning",
    "Provenance",
    "States",
    "__version__",
    "border_between",
    "borders",
    "catalog",
    "load_states",
    "tripoints",
]

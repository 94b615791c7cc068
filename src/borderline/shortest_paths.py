"""Shortest paths: compiled searches that stop at the first destination they reach.

:mod:`borderline.access` asks, for each origin, for the cheapest route to the nearest node of a set, three
times over (fastest, sovereign only, least foreign), under arrangements that change which edges are usable and
whose territory they count as. General-purpose routines answer that badly on a large graph:
:func:`scipy.sparse.csgraph.dijkstra` has no early exit and needs a masked, reweighted CSR per question (O(edges)
work before a search starts), and networkx pays the interpreter for every edge it relaxes.

:func:`search` runs the searches in machine code (numba) over an adjacency built once per graph
(:class:`Adjacency`):

- **Early exit.** A search stops when it settles a destination, so its work is the ball around the origin up
  to the answer, not the graph.
- **Costs on the fly.** Nothing of size O(edges) is built per question. An edge's jurisdiction is its state
  code unless the scenario overrides it (``ovr_pos`` points into the small override arrays), and its cost
  depends on the kind: ``FASTEST`` the weight on usable edges; ``SOVEREIGN`` the weight on usable edges that
  are not foreign; ``LEAST_FOREIGN`` the edge's length when foreign, else 0, plus ``tie`` × the weight. Foreign
  means a jurisdiction code ``j >= 0`` with ``home[j]`` false.
- **A* towards the destinations** (fastest and sovereign-only searches). The heuristic is ``hscale`` × the
  chord between unit vectors (straight through the Earth) to the nearest *entry* destination, a destination
  with an edge from outside the set: every route meets one first. ``hscale`` is the smallest weight per unit
  of chord of any edge (:func:`heuristic_scale`), so by the triangle inequality the heuristic never drops by
  more than an edge's weight along it: it is consistent, and the answers stay exact, whatever the edges'
  lengths or speeds. A zero-weight edge between distinct points turns it off (``hscale = 0``). The nearest
  entry is found with a small ball tree over the entries' unit vectors, once per node reached.
- **Least foreign only when needed, and guided.** When a sovereign-only route exists it is also the
  least-foreign route (0 foreign metres; among those, the least weight), so the least-foreign search runs only
  for origins without one. It is bounded by the fastest route's foreign metres and guided by a lower bound on
  the foreign metres still to come: 0 at a node with a usable edge out that is not foreign (or a destination),
  else the road distance to the nearest *mixed* node (where edges of different states meet, :func:`mixed`;
  precomputed per graph by :func:`reverse_distances`) or the chord to an end of an overridden edge or a
  destination entered by a foreign edge, whichever is less. A foreign stretch can only end at such a node, so
  the bound is consistent and the answers exact.
- **Locality.** Nodes are renumbered along a Morton (Z-order) curve of their coordinates, so a search's ball
  touches nearby memory. The visited state is kept with search stamps: no O(nodes) reset between searches.

numba compiles the kernels on first use and caches the machine code beside this file (``cache=True``; numba
falls back to a per-user cache directory when that is not writable), so only the first run on a machine pays
the compilation (a few seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from numba import njit

#: Search kinds (rows of the result arrays).
FASTEST, SOVEREIGN, LEAST_FOREIGN = 0, 1, 2
_LEAF = 16


@dataclass(frozen=True, eq=False)
class Adjacency:
    """A graph's directed entries in CSR form over Morton-ordered node numbers, built once per graph.

    Attributes
    ----------
    indptr : ndarray of int64, shape (n + 1,)
        Entries of internal node ``a`` are ``indptr[a]:indptr[a + 1]``.
    nbr, edge : ndarray of int32
        Per entry: the internal node it leads to, and the edge position.
    rindptr, rnbr, redge : ndarray
        The same for the reversed graph (who can step into a node).
    rank, order : ndarray of int64
        Node position → internal number, and back.
    xyz : ndarray of float64, shape (n, 3)
        Unit vectors of the nodes, by internal number.
    """

    indptr: npt.NDArray[np.int64]
    nbr: npt.NDArray[np.int32]
    edge: npt.NDArray[np.int32]
    rindptr: npt.NDArray[np.int64]
    rnbr: npt.NDArray[np.int32]
    redge: npt.NDArray[np.int32]
    rank: npt.NDArray[np.int64]
    order: npt.NDArray[np.int64]
    xyz: npt.NDArray[np.float64]


def unit_vectors(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Unit vectors (Earth-centred, on the unit sphere) of geographic points in degrees, shape (n, 3)."""
    lo, la = np.radians(lon), np.radians(lat)
    c = np.cos(la)
    return np.column_stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)])


def _morton(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.uint64]:
    """Z-order key of each point on a 2^16 × 2^16 grid over the points' box."""
    out = np.zeros(len(lon), dtype=np.uint64)
    for k, x in enumerate((lon, lat)):
        lo, span = (float(x.min()), float(np.ptp(x))) if len(x) else (0.0, 0.0)
        q = ((x - lo) / (span if span > 0 else 1.0) * 65535.0).astype(np.uint64)
        for s, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            q = (q | (q << np.uint64(s))) & np.uint64(mask)
        out |= q << np.uint64(k)
    return out


def _csr(n: int, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], e: npt.NDArray[np.int64],
         ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    order = np.argsort(a, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return indptr, b[order].astype(np.int32), e[order].astype(np.int32)


def adjacency(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], u: npt.NDArray[np.int64],
              v: npt.NDArray[np.int64], oneway: npt.NDArray[np.bool_]) -> Adjacency:
    """Build the :class:`Adjacency` of a graph.

    Parameters
    ----------
    lon, lat : ndarray of float64
        Node coordinates in degrees (one per node).
    u, v : ndarray of int64
        Edge end nodes (edge ``i`` runs from ``u[i]`` to ``v[i]``).
    oneway : ndarray of bool
        One-way edges are entered once (``u`` → ``v``), the others both ways. Self-loops are left out.

    Returns
    -------
    Adjacency
    """
    n = len(lon)
    order = np.argsort(_morton(lon, lat), kind="stable").astype(np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n, dtype=np.int64)
    ru, rv = rank[u], rank[v]
    pos = np.arange(len(u), dtype=np.int64)
    two = ~np.asarray(oneway, dtype=bool)
    a = np.concatenate([ru, rv[two]])
    b = np.concatenate([rv, ru[two]])
    e = np.concatenate([pos, pos[two]])
    keep = a != b
    a, b, e = a[keep], b[keep], e[keep]
    indptr, nbr, edge = _csr(n, a, b, e)
    rindptr, rnbr, redge = _csr(n, b, a, e)
    return Adjacency(indptr, nbr, edge, rindptr, rnbr, redge, rank, order,
                     unit_vectors(lon[order], lat[order]))


def heuristic_scale(adj: Adjacency, w: npt.NDArray[np.float64]) -> float:
    """The largest factor ``k`` with ``w[e] >= k × chord(e)`` on every edge (chord between unit vectors).

    With it, ``k × chord(node, nearest entry)`` never drops by more than an edge's weight along the edge (a
    consistent A* heuristic), whatever the graph's lengths and speeds. 0 when some edge joins distinct points
    at zero weight (A* off).

    Parameters
    ----------
    adj : Adjacency
    w : ndarray of float64
        Edge weights (≥ 0), by edge position.

    Returns
    -------
    float
    """
    src = np.repeat(np.arange(len(adj.indptr) - 1), np.diff(adj.indptr))
    chord = np.linalg.norm(adj.xyz[src] - adj.xyz[adj.nbr], axis=1)
    moving = chord > 0
    if not moving.any():
        return 0.0
    with np.errstate(divide="ignore"):
        k = float((w[adj.edge[moving]] / chord[moving]).min())
    # shave a relative 1e-9 so rounding in the sums never makes the heuristic overshoot
    return k * (1.0 - 1e-9) if np.isfinite(k) and k > 0 else 0.0


#: Search state reused between calls: target marks, stamps, distances, predecessors (node, edge), the two
#: heuristics' values and stamps (all by internal node), the heap (keys, nodes), the counters (search stamp,
#: heuristic call stamp), and each edge's position among the overrides (-1: none).
Workspace: TypeAlias = tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64],
                             npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64],
                             npt.NDArray[np.int32], npt.NDArray[np.float64], npt.NDArray[np.int32],
                             npt.NDArray[np.float64], npt.NDArray[np.int32], npt.NDArray[np.int64],
                             npt.NDArray[np.int32]]


def workspace(adj: Adjacency, n_edges: int) -> Workspace:
    """A fresh :data:`Workspace` for searches over ``adj`` (about 40 bytes per node, 12 per entry, 4 per edge)."""
    n = len(adj.indptr) - 1
    cap = len(adj.nbr) + 1  # a node is settled once per search, so an entry is pushed at most once
    return (np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32), np.empty(n, dtype=np.float64),
            np.empty(n, dtype=np.int32), np.empty(n, dtype=np.int32), np.empty(n, dtype=np.float64),
            np.zeros(n, dtype=np.int32), np.empty(n, dtype=np.float64), np.zeros(n, dtype=np.int32),
            np.empty(cap, dtype=np.float64), np.empty(cap, dtype=np.int32), np.zeros(2, dtype=np.int64),
            np.full(n_edges, -1, dtype=np.int32))


def compiled() -> bool:
    """Whether :func:`search`'s machine code is already in numba's cache on this machine.

    Best effort (it reads numba's cache index); True when it cannot tell. Faces use it to say that the first
    run compiles.
    """
    try:
        return bool(getattr(search, "_cache")._cache_file._load_index())  # noqa: B009 - private numba API
    except Exception:  # pragma: no cover - numba internals moved
        return True


#: What faces show while the first run on a machine compiles the searches.
COMPILING_NOTE = "first run on this machine: compiling the route search, about 10 s"


# ------------------------------------------------------------------------------------------ kernels


@njit(cache=True, nogil=True)
def entries(rindptr: npt.NDArray[np.int64], rnbr: npt.NDArray[np.int32], redge: npt.NDArray[np.int32],
            codes: npt.NDArray[np.int64], home: npt.NDArray[np.bool_], targets: npt.NDArray[np.int64],
            ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:  # pragma: no cover - compiled
    """Entry targets: those a non-target node has an entry into (internal numbers).

    Also returns those of them that an edge foreign to the traveller (by the edges' own codes; ``home`` per
    code) leads into from a non-target.
    """
    n = len(rindptr) - 1
    mark = np.zeros(n, dtype=np.bool_)
    for t in targets:
        mark[t] = True
    out = np.empty(len(targets), dtype=np.int64)
    fout = np.empty(len(targets), dtype=np.int64)
    m = 0
    fm = 0
    for t in targets:
        entry = False
        foreign = False
        for x in range(rindptr[t], rindptr[t + 1]):
            if not mark[rnbr[x]]:
                entry = True
                j = codes[redge[x]]
                if j >= 0 and not home[j]:
                    foreign = True
                    break
        if entry:
            out[m] = t
            m += 1
        if foreign:
            fout[fm] = t
            fm += 1
    return out[:m], fout[:fm]


@njit(cache=True, nogil=True)
def mixed(indptr: npt.NDArray[np.int64], edge: npt.NDArray[np.int32], rindptr: npt.NDArray[np.int64],
          redge: npt.NDArray[np.int32], codes: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:  # pragma: no cover
    """Nodes (internal numbers) whose entries in or out carry two or more different jurisdiction codes."""
    n = len(indptr) - 1
    out = np.empty(n, dtype=np.int64)
    m = 0
    for a in range(n):
        first = -2
        done = False
        for x in range(indptr[a], indptr[a + 1]):
            c = codes[edge[x]]
            if first == -2:
                first = c
            elif c != first:
                done = True
                break
        if not done:
            for x in range(rindptr[a], rindptr[a + 1]):
                c = codes[redge[x]]
                if first == -2:
                    first = c
                elif c != first:
                    done = True
                    break
        if done:
            out[m] = a
            m += 1
    return out[:m]


@njit(cache=True, nogil=True)
def reverse_distances(rindptr: npt.NDArray[np.int64], rnbr: npt.NDArray[np.int32], redge: npt.NDArray[np.int32],
                      w: npt.NDArray[np.float64], sources: npt.NDArray[np.int64],
                      ) -> npt.NDArray[np.float64]:  # pragma: no cover - compiled
    """Cheapest cost from every node to the nearest of ``sources`` along the edges (inf: none), by ``w``."""
    n = len(rindptr) - 1
    dist = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    hk = np.empty(len(rnbr) + len(sources) + 1, dtype=np.float64)
    hn = np.empty(len(rnbr) + len(sources) + 1, dtype=np.int32)
    size = 0
    for t in sources:
        if dist[t] > 0.0:
            dist[t] = 0.0
            _push(hk, hn, size, 0.0, t)
            size += 1
    while size > 0:
        a = hn[0]
        _pop(hk, hn, size)
        size -= 1
        if done[a]:
            continue
        done[a] = True
        d = dist[a]
        for x in range(rindptr[a], rindptr[a + 1]):
            b = rnbr[x]
            nd = d + w[redge[x]]
            if nd < dist[b]:
                dist[b] = nd
                _push(hk, hn, size, nd, b)
                size += 1
    return dist


@njit(cache=True, nogil=True)
def _ball_tree(pts: npt.NDArray[np.float64],
               ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64],
                          npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:  # pragma: no cover
    """A k-d tree of bounding balls over 3-D points (a reordered copy of them is returned first).

    Node ``i`` covers ``pts[lo[i]:hi[i]]`` (of the copy), split at the median of its widest axis; ``cen[i]`` /
    ``rad[i]`` is a ball holding them; its children are ``kid[i]`` and ``kid[i] + 1`` (-1: a leaf).
    """
    m = len(pts)
    own = pts.copy()
    cap = 4 * (m // _LEAF + 1) + 4
    lo = np.empty(cap, dtype=np.int64)
    hi = np.empty(cap, dtype=np.int64)
    cen = np.empty((cap, 3), dtype=np.float64)
    rad = np.empty(cap, dtype=np.float64)
    kid = np.full(cap, -1, dtype=np.int64)
    lo[0], hi[0] = 0, m
    count = 1
    stack = np.empty(cap, dtype=np.int64)
    stack[0] = 0
    top = 1
    mn = np.empty(3)
    mx = np.empty(3)
    while top > 0:
        top -= 1
        i = stack[top]
        a, b = lo[i], hi[i]
        mn[:] = np.inf
        mx[:] = -np.inf
        for p in range(a, b):
            for d in range(3):
                v = own[p, d]
                mn[d] = min(mn[d], v)
                mx[d] = max(mx[d], v)
        c0, c1, c2 = (mn[0] + mx[0]) / 2, (mn[1] + mx[1]) / 2, (mn[2] + mx[2]) / 2
        r2 = 0.0
        for p in range(a, b):
            r2 = max(r2, (own[p, 0] - c0) ** 2 + (own[p, 1] - c1) ** 2 + (own[p, 2] - c2) ** 2)
        cen[i, 0], cen[i, 1], cen[i, 2] = c0, c1, c2
        rad[i] = np.sqrt(r2) * (1.0 + 1e-12) + 1e-15
        if b - a > _LEAF:
            axis = int(np.argmax(mx - mn))
            order = np.argsort(own[a:b, axis])
            own[a:b] = own[a:b][order]
            mid = (a + b) // 2
            kid[i] = count
            lo[count], hi[count] = a, mid
            lo[count + 1], hi[count + 1] = mid, b
            stack[top] = count
            stack[top + 1] = count + 1
            top += 2
            count += 2
    return own, lo[:count], hi[:count], cen[:count], rad[:count], kid[:count]


@njit(cache=True, nogil=True, inline="always")
def _nearest(q0: float, q1: float, q2: float, pts: npt.NDArray[np.float64], lo: npt.NDArray[np.int64],
             hi: npt.NDArray[np.int64], cen: npt.NDArray[np.float64], rad: npt.NDArray[np.float64],
             kid: npt.NDArray[np.int64], stack: npt.NDArray[np.int64]) -> float:  # pragma: no cover - compiled
    """Distance from ``q`` to the nearest point of the tree (branch and bound, nearer child first)."""
    best2 = np.inf
    best = np.inf
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        i = stack[top]
        dc2 = (q0 - cen[i, 0]) ** 2 + (q1 - cen[i, 1]) ** 2 + (q2 - cen[i, 2]) ** 2
        lim = best + rad[i]
        if dc2 >= lim * lim:
            continue
        k = kid[i]
        if k < 0:
            for p in range(lo[i], hi[i]):
                d2 = (q0 - pts[p, 0]) ** 2 + (q1 - pts[p, 1]) ** 2 + (q2 - pts[p, 2]) ** 2
                best2 = min(best2, d2)
            best = np.sqrt(best2)
            continue
        da = (q0 - cen[k, 0]) ** 2 + (q1 - cen[k, 1]) ** 2 + (q2 - cen[k, 2]) ** 2
        db = (q0 - cen[k + 1, 0]) ** 2 + (q1 - cen[k + 1, 1]) ** 2 + (q2 - cen[k + 1, 2]) ** 2
        if da < db:  # the nearer child is popped first
            stack[top] = k + 1
            stack[top + 1] = k
        else:
            stack[top] = k
            stack[top + 1] = k + 1
        top += 2
    return best


@njit(cache=True, nogil=True, inline="always")
def _jurisdiction(ed: int, codes: npt.NDArray[np.int64], has_ovr: bool, ovr_pos: npt.NDArray[np.int32],
                  ovr_usable: npt.NDArray[np.bool_], ovr_jur: npt.NDArray[np.int64]) -> int:  # pragma: no cover
    """Jurisdiction code of edge ``ed`` under the scenario's overrides; -2 when the edge is not usable."""
    if has_ovr:
        p = ovr_pos[ed]
        if p >= 0:
            return ovr_jur[p] if ovr_usable[p] else -2
    return codes[ed]


@njit(cache=True, nogil=True, inline="always")
def _push(hk: npt.NDArray[np.float64], hn: npt.NDArray[np.int32], size: int, key: float,
          node: int) -> None:  # pragma: no cover - compiled
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hn[i] = hn[p]
        i = p
    hk[i] = key
    hn[i] = node


@njit(cache=True, nogil=True, inline="always")
def _pop(hk: npt.NDArray[np.float64], hn: npt.NDArray[np.int32], size: int) -> None:  # pragma: no cover
    """Remove the root of a heap of ``size`` entries (the caller has read it)."""
    last = size - 1
    key = hk[last]
    node = hn[last]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= last:
            break
        if c + 1 < last and hk[c + 1] < hk[c]:
            c += 1
        if hk[c] >= key:
            break
        hk[i] = hk[c]
        hn[i] = hn[c]
        i = c
    hk[i] = key
    hn[i] = node


@njit(cache=True, nogil=True)
def search(indptr: npt.NDArray[np.int64], nbr: npt.NDArray[np.int32], edge: npt.NDArray[np.int32],
           xyz: npt.NDArray[np.float64], w: npt.NDArray[np.float64], length: npt.NDArray[np.float64],
           codes: npt.NDArray[np.int64], ovr_edges: npt.NDArray[np.int64], ovr_usable: npt.NDArray[np.bool_],
           ovr_jur: npt.NDArray[np.int64], home: npt.NDArray[np.bool_], tie: float, hscale: float,
           origins: npt.NDArray[np.int64], targets: npt.NDArray[np.int64], tstart: npt.NDArray[np.int64],
           hpts: npt.NDArray[np.float64], lscale: float, lpts: npt.NDArray[np.float64],
           dmix: npt.NDArray[np.float64], ws: Workspace,
           ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64],
                      npt.NDArray[np.int32]]:  # pragma: no cover - compiled
    """Fastest, sovereign-only and least-foreign route from each origin to the nearest of its destinations.

    Parameters
    ----------
    indptr, nbr, edge, xyz : ndarray
        From :class:`Adjacency` (internal node numbers).
    w, length : ndarray of float64, shape (edges,)
        The weight minimised (≥ 0) and the length in metres.
    codes : ndarray of int64, shape (edges,)
        Jurisdiction code of each edge (-1: none).
    ovr_edges, ovr_usable, ovr_jur : ndarray
        The scenario's overrides: edge positions, and their usability and jurisdiction.
    home : ndarray of bool
        Per jurisdiction code: whether it is home (own state, neutral, shared) for the traveller.
    tie : float
        Factor on the weight in least-foreign costs.
    hscale : float
        A* factor on the chord to the nearest entry destination (0: plain Dijkstra).
    origins : ndarray of int64
        Origin nodes (internal numbers).
    targets, tstart : ndarray of int64
        Destinations of origin ``k`` are ``targets[tstart[k]:tstart[k + 1]]``; with ``len(tstart) == 0``
        every origin has all of ``targets``.
    hpts : ndarray of float64, shape (m, 3)
        Unit vectors of the entry destinations (shared destinations only; used when ``hscale > 0``).
    lscale : float
        Factor of the least-foreign search's heuristic on the chord to the nearest of ``lpts``; at most the
        smallest length per unit of chord of any edge (0: no least-foreign heuristic).
    lpts : ndarray of float64, shape (m, 3)
        Unit vectors of the nodes where a foreign stretch can end that ``dmix`` does not cover: ends of
        overridden edges, and destinations that a foreign edge leads into (:func:`entries`), that are not
        mixed nodes (:func:`mixed`).
    dmix : ndarray of float64, shape (nodes,)
        Length of the shortest way from each node to a mixed node (:func:`reverse_distances`). A node with no
        usable edge out that is not foreign is at least ``min(dmix, lscale × chord to lpts)`` foreign metres
        from any destination; other nodes get 0.
    ws : Workspace
        Search state of size O(nodes), reused between calls (one per thread; :func:`workspace`).

    Returns
    -------
    dist : ndarray of float64, shape (3, origins)
        Cost of each kind's best route (inf: none).
    dest : ndarray of int64, shape (3, origins)
        The destination reached (internal number; -1: none).
    pstart : ndarray of int64, shape (3 * origins + 1,)
        The route of (kind ``i``, origin ``k``) is ``path[pstart[i * K + k]:pstart[i * K + k + 1]]``.
    path : ndarray of int32
        Edge positions of every route, origin to destination.
    """
    nq = len(origins)
    shared = len(tstart) == 0
    tmark, stamp, dist, pnode, pedge, hval, hstamp, lval, lstamp, hk, hn, counters, ovr_pos = ws
    for i in range(len(ovr_edges)):
        ovr_pos[ovr_edges[i]] = i
    if counters[0] + 3 * nq + 2 >= 2**30 or counters[1] >= 2**30:  # stamps would overflow: start clean
        stamp[:] = 0
        hstamp[:] = 0
        lstamp[:] = 0
        counters[:] = 0
    counters[1] += 1
    hcall = counters[1]  # hval[v] is valid for this call when hstamp[v] == hcall
    if shared:
        for t in targets:
            tmark[t] = 1
    use_h = hscale > 0.0 and shared and len(hpts) > 0
    hpts, tlo, thi, tcen, trad, tkid = _ball_tree(hpts if use_h else np.zeros((1, 3)))
    tstack = np.empty(len(tlo) + 2, dtype=np.int64)
    use_l = lscale > 0.0 and shared
    has_lpts = len(lpts) > 0
    lpts, llo, lhi, lcen, lrad, lkid = _ball_tree(lpts if has_lpts else np.zeros((1, 3)))
    lstack = np.empty(len(llo) + 2, dtype=np.int64)
    out_d = np.full((3, nq), np.inf)
    out_t = np.full((3, nq), -1, dtype=np.int64)
    plens = np.zeros((3, nq), dtype=np.int64)
    bufs = np.empty(1024, dtype=np.int32)
    blen = 0
    starts = np.zeros((3, nq), dtype=np.int64)
    has_ovr = len(ovr_usable) > 0
    s = counters[0]
    for k in range(nq):
        want = 1
        if not shared:
            want = k + 2
            for t in targets[tstart[k]:tstart[k + 1]]:
                tmark[t] = want
        o = origins[k]
        fast_foreign_m = np.inf
        for kind in (FASTEST, SOVEREIGN, LEAST_FOREIGN):
            if kind == LEAST_FOREIGN and out_t[SOVEREIGN, k] >= 0:
                # a sovereign-only route has 0 foreign metres: it is the least-foreign route too
                out_d[kind, k] = tie * out_d[SOVEREIGN, k]
                out_t[kind, k] = out_t[SOVEREIGN, k]
                starts[kind, k] = starts[SOVEREIGN, k]
                plens[kind, k] = plens[SOVEREIGN, k]
                continue
            # the fastest route bounds the least-foreign cost (nothing dearer is pushed)
            ub = np.inf
            if kind == LEAST_FOREIGN and out_t[FASTEST, k] >= 0:
                ub = (fast_foreign_m + tie * out_d[FASTEST, k]) * (1.0 + 1e-9) + 1e-9
            astar = use_h and kind != LEAST_FOREIGN
            astar_l = use_l and kind == LEAST_FOREIGN
            s += 1
            reached = 2 * s
            settled = 2 * s + 1
            stamp[o] = reached
            dist[o] = 0.0
            pnode[o] = -1
            _push(hk, hn, 0, 0.0, o)
            size = 1
            end = -1
            while size > 0:
                a = hn[0]
                _pop(hk, hn, size)
                size -= 1
                if stamp[a] == settled:
                    continue
                stamp[a] = settled
                if tmark[a] == want:
                    end = a
                    break
                d = dist[a]
                for x in range(indptr[a], indptr[a + 1]):
                    b = nbr[x]
                    if stamp[b] == settled:
                        continue
                    ed = edge[x]
                    j = _jurisdiction(ed, codes, has_ovr, ovr_pos, ovr_usable, ovr_jur)
                    if j == -2:
                        continue
                    foreign = j >= 0 and not home[j]
                    if kind == SOVEREIGN:
                        if foreign:
                            continue
                        c = w[ed]
                    elif kind == LEAST_FOREIGN:
                        c = tie * w[ed]
                        if foreign:
                            c += length[ed]
                    else:
                        c = w[ed]
                    nd = d + c
                    if nd > ub:
                        continue
                    if stamp[b] != reached or nd < dist[b]:
                        stamp[b] = reached
                        dist[b] = nd
                        pnode[b] = a
                        pedge[b] = ed
                        key = nd
                        if astar:
                            if hstamp[b] != hcall:
                                hval[b] = hscale * _nearest(xyz[b, 0], xyz[b, 1], xyz[b, 2], hpts, tlo, thi,
                                                            tcen, trad, tkid, tstack)
                                hstamp[b] = hcall
                            key += hval[b]
                        elif astar_l:
                            if lstamp[b] != hcall:
                                home_out = tmark[b] == want
                                if not home_out:
                                    for y in range(indptr[b], indptr[b + 1]):
                                        j2 = _jurisdiction(edge[y], codes, has_ovr, ovr_pos, ovr_usable, ovr_jur)
                                        if j2 == -1 or (j2 >= 0 and home[j2]):
                                            home_out = True
                                            break
                                if home_out:
                                    lval[b] = 0.0
                                else:
                                    hl = dmix[b]
                                    if has_lpts:
                                        hl = min(hl, lscale * _nearest(xyz[b, 0], xyz[b, 1], xyz[b, 2], lpts,
                                                                       llo, lhi, lcen, lrad, lkid, lstack))
                                    lval[b] = hl * (1.0 - 1e-9)
                                lstamp[b] = hcall
                            key += lval[b]
                            if key > ub or key == np.inf:
                                continue  # dearer than the fastest route's foreign metres, or no destination ahead
                        _push(hk, hn, size, key, b)
                        size += 1
            if end >= 0:
                out_d[kind, k] = dist[end]
                out_t[kind, k] = end
                m = 0
                x = end
                while pnode[x] >= 0:
                    m += 1
                    x = pnode[x]
                if blen + m > len(bufs):
                    grown = np.empty(max(2 * len(bufs), blen + m), dtype=np.int32)
                    grown[:blen] = bufs[:blen]
                    bufs = grown
                x = end
                fm = 0.0
                for r in range(m):
                    ed = pedge[x]
                    bufs[blen + m - 1 - r] = ed
                    if kind == FASTEST:
                        j = _jurisdiction(ed, codes, has_ovr, ovr_pos, ovr_usable, ovr_jur)
                        if j >= 0 and not home[j]:
                            fm += length[ed]
                    x = pnode[x]
                if kind == FASTEST:
                    fast_foreign_m = fm
                starts[kind, k] = blen
                plens[kind, k] = m
                blen += m
        if not shared:
            for t in targets[tstart[k]:tstart[k + 1]]:
                tmark[t] = 0
    if shared:
        for t in targets:
            tmark[t] = 0
    counters[0] = s
    for i in range(len(ovr_edges)):
        ovr_pos[ovr_edges[i]] = -1
    # lay the routes out kind by kind, origin by origin
    pstart = np.zeros(3 * nq + 1, dtype=np.int64)
    for i in range(3):
        for k in range(nq):
            pstart[i * nq + k + 1] = pstart[i * nq + k] + plens[i, k]
    path = np.empty(pstart[3 * nq], dtype=np.int32)
    for i in range(3):
        for k in range(nq):
            a0 = pstart[i * nq + k]
            path[a0:a0 + plens[i, k]] = bufs[starts[i, k]:starts[i, k] + plens[i, k]]
    return out_d, out_t, pstart, path

"""Set-level bit allocation for the two CLIC tracks (pure logic, no I/O).

Every image is coded at one lambda; a set coded at one common lambda is
already equal-slope optimal for aggregate PSNR, so the low-rate track is a
1-D search over lambda followed by a discrete fill of the leftover bytes;
the transparent track adds a second multiplier for the mean MS-SSIM.

The searches call `evaluate(requests) -> points`, with requests a list of
(image index, lambda); the caller decides how (a process pool in encode.py,
a synthetic model in the tests).  Points are kept per image; the final
choice is always among evaluated points, so the constraints it reports are
measured, not predicted.
"""
import math
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np


@dataclass(frozen=True)
class Point:
    lam: float
    nbytes: int
    sse: float
    msssim: float = float("nan")


# d log(attr) / d log(lambda) of a typical DCT codec: rate ~ lambda^-0.75,
# distortion ~ lambda^0.6, the MS-SSIM gap ~ lambda^0.4
_TYPICAL_SLOPE = {"nbytes": -0.75, "sse": 0.6, "msgap": 0.4}


@dataclass
class Curves:
    """Evaluated points per image, sorted by lambda."""
    n: int
    points: List[List[Point]] = field(default_factory=list)

    def __post_init__(self):
        if not self.points:
            self.points = [[] for _ in range(self.n)]

    def add(self, i, p):
        pts = self.points[i]
        if all(q.lam != p.lam for q in pts):
            pts.append(p)
            pts.sort(key=lambda q: q.lam)

    def at(self, i, lam):
        for q in self.points[i]:
            if q.lam == lam:
                return q
        return None

    def predict(self, i, lam, attr):
        """log(attr) interpolated linearly in log(lambda) (extrapolated at the ends)."""
        pts = self.points[i]
        xs = np.array([math.log(p.lam) for p in pts])
        ys = np.array([math.log(max(_attr(p, attr), 1e-12)) for p in pts])
        x = math.log(lam)
        if len(pts) == 1:
            return math.exp(ys[0] + _TYPICAL_SLOPE[attr] * (x - xs[0]))
        if xs[0] < x < xs[-1]:
            j = int(np.searchsorted(xs, x)) - 1
            t = (x - xs[j]) / (xs[j + 1] - xs[j])
            return math.exp(ys[j] + t * (ys[j + 1] - ys[j]))
        # beyond the ends: the slope of the end segment, unless it runs the
        # wrong way (an RD-optimising encoder's bytes need not fall strictly
        # with lambda between two close lambdas; extrapolating such a segment
        # sent the search to the end of the lambda range), then the typical one
        j = 0 if x <= xs[0] else len(xs) - 2
        k = j if x <= xs[0] else j + 1
        slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
        if (slope >= 0) if attr == "nbytes" else (slope <= 0):
            slope = _TYPICAL_SLOPE[attr]
        return math.exp(ys[k] + slope * (x - xs[k]))


def _attr(p, attr):
    """nbytes, sse, or msgap = 1 - MS-SSIM (interpolated in the log domain)."""
    return 1.0 - p.msssim if attr == "msgap" else getattr(p, attr)


def _solve_log(f, target, increasing, lo=1e-3, hi=1e6, iters=60):
    """lambda with f(lambda) = target for f monotone in lambda (bisection in log)."""
    a, b = math.log(lo), math.log(hi)
    for _ in range(iters):
        m = 0.5 * (a + b)
        if (f(math.exp(m)) > target) != increasing:
            a = m
        else:
            b = m
    return math.exp(0.5 * (a + b))


def predict_lam_for_total(curves, attr, target):
    """Common lambda at which the predicted sum of `attr` (nbytes falls with
    lambda, sse rises) equals target, within the lambdas the encoder takes
    (on the search's grid, [LAM_MIN, LAM_MAX])."""
    lam = _solve_log(lambda lam: sum(curves.predict(i, lam, attr) for i in range(curves.n)),
                     target, increasing=(attr != "nbytes"))
    return min(max(lam, LAM_MIN), LAM_MAX)


# --- discrete choices among evaluated points ---------------------------------

OBJECTIVES = ("sse", "msssim")


def _cost(p, objective):
    """What the low-rate allocation minimises per image: SSE (aggregate PSNR)
    or 1 - MS-SSIM (the set's score is the plain mean over images)."""
    return p.sse if objective == "sse" else 1.0 - p.msssim


def choose_max_quality(curves, budget, objective="sse"):
    """Per image one evaluated point: minimise the summed cost (total SSE, or
    the summed MS-SSIM gap) with total bytes <= budget.  Lagrangian sweep
    over the slope, then greedy upgrades into the slack.  Returns a list of
    indices into curves.points[i], or None if even the smallest points
    exceed the budget."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective {objective!r} not one of {OBJECTIVES}")
    pts = curves.points
    cost = [[_cost(p, objective) for p in ps] for ps in pts]
    smallest = [int(np.argmin([p.nbytes for p in ps])) for ps in pts]
    if sum(pts[i][j].nbytes for i, j in enumerate(smallest)) > budget:
        return None

    def pick(slope):
        return [min(range(len(ps)), key=lambda j: cost[i][j] + slope * ps[j].nbytes)
                for i, ps in enumerate(pts)]

    def total(ch):
        return sum(pts[i][j].nbytes for i, j in enumerate(ch))

    def summed(ch):
        return sum(cost[i][j] for i, j in enumerate(ch))

    lo, hi = 1e-15, 1e12       # slope in cost per byte
    best = smallest
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        ch = pick(mid)
        if total(ch) <= budget:
            best = ch if summed(ch) <= summed(best) else best
            hi = mid
        else:
            lo = mid
    return _greedy_fill(pts, cost, list(best), budget)


def _greedy_fill(pts, cost, ch, budget):
    used = sum(pts[i][j].nbytes for i, j in enumerate(ch))
    while True:
        slack = budget - used
        best_gain, best_move = 0.0, None
        for i, ps in enumerate(pts):
            cur = cost[i][ch[i]]
            for j, p in enumerate(ps):
                db = p.nbytes - ps[ch[i]].nbytes
                ds = cur - cost[i][j]
                if ds > 0 and db <= slack:
                    gain = ds / max(db, 1)
                    if gain > best_gain:
                        best_gain, best_move = gain, (i, j, db)
        if best_move is None:
            return ch
        i, j, db = best_move
        ch[i] = j
        used += db


def choose_min_bytes(curves, sse_max, msssim_min):
    """Per image one evaluated point: minimise total bytes subject to total
    SSE <= sse_max and mean MS-SSIM >= msssim_min.  Two-multiplier Lagrangian
    (mu per unit SSE, nu per unit MS-SSIM, in bytes), then a descent by
    single and paired moves.
    Returns indices or None when no evaluated combination is feasible."""
    pts = curves.points
    n = len(pts)
    need = msssim_min * n

    def pick(mu, nu):
        return [min(range(len(ps)), key=lambda j: ps[j].nbytes + mu * ps[j].sse - nu * ps[j].msssim)
                for ps in pts]

    def sums(ch):
        return (sum(pts[i][j].nbytes for i, j in enumerate(ch)),
                sum(pts[i][j].sse for i, j in enumerate(ch)),
                sum(pts[i][j].msssim for i, j in enumerate(ch)))

    def feasible(ch):
        _, s, m = sums(ch)
        return s <= sse_max and m >= need

    best = None
    for nu in [0.0] + list(np.geomspace(1e2, 1e10, 33)):
        lo, hi = 1e-12, 1e6
        ch = pick(hi, nu)
        if not feasible(ch):
            ch_any = pick(hi, max(nu, 1e12))
            if not feasible(ch_any):
                continue
        for _ in range(50):
            mid = math.sqrt(lo * hi)
            c = pick(mid, nu)
            if feasible(c):
                hi = mid
                ch = c
            else:
                lo = mid
        if feasible(ch) and (best is None or sums(ch)[0] < sums(best)[0]):
            best = ch
    if best is None:
        # the most expensive combination is the last resort
        top = [int(np.argmax([p.nbytes for p in ps])) for ps in pts]
        return top if feasible(top) else None
    return _descend(pts, best, sse_max, need)


def _descend(pts, choice, sse_max, need):
    """Local search after the Lagrangian choice: repeatedly apply the move of
    one image, or of two images together (one pays for the other's cheaper
    point), to other evaluated points that saves the most bytes while total
    SSE <= sse_max and summed MS-SSIM >= need still hold."""
    n = len(pts)
    B = [np.array([p.nbytes for p in ps], dtype=np.float64) for ps in pts]
    S = [np.array([p.sse for p in ps], dtype=np.float64) for ps in pts]
    M = [np.array([p.msssim for p in ps], dtype=np.float64) for ps in pts]
    ch = list(choice)
    while True:
        s_tot = sum(S[i][ch[i]] for i in range(n))
        m_tot = sum(M[i][ch[i]] for i in range(n))
        d = [(B[i] - B[i][ch[i]], S[i] - S[i][ch[i]], M[i] - M[i][ch[i]]) for i in range(n)]
        best_gain, best_move = 0.0, None
        for i in range(n):
            db, ds, dm = d[i]
            ok = (s_tot + ds <= sse_max) & (m_tot + dm >= need) & (db < 0)
            if ok.any():
                j = int(np.argmin(np.where(ok, db, np.inf)))
                if -db[j] > best_gain:
                    best_gain, best_move = -db[j], ((i, j),)
            for k in range(i + 1, n):
                db2 = d[i][0][:, None] + d[k][0][None, :]
                ok = (s_tot + d[i][1][:, None] + d[k][1][None, :] <= sse_max) & \
                     (m_tot + d[i][2][:, None] + d[k][2][None, :] >= need) & (db2 < 0)
                if ok.any():
                    j, l = np.unravel_index(int(np.argmin(np.where(ok, db2, np.inf))), db2.shape)
                    if -db2[j, l] > best_gain:
                        best_gain, best_move = -db2[j, l], ((i, int(j)), (k, int(l)))
        if best_move is None:
            return ch
        for i, j in best_move:
            ch[i] = j


# --- searches ----------------------------------------------------------------

def _code(curves, evaluate, reqs):
    """Code the (image, lambda) requests (one call: the pool runs them
    together) and add the points to curves."""
    for (i, _), p in zip(reqs, evaluate(reqs)):
        curves.add(i, p)


def _code_around(curves, evaluate, n, lam, exponents, progress, label):
    """Code every image at lambda * 2**e for each exponent, where not coded yet."""
    reqs = [(i, _round_lam(lam * 2 ** e)) for e in exponents for i in range(n)]
    reqs = [(i, l) for i, l in reqs if curves.at(i, l) is None]
    if progress:
        progress(f"{label}: {len(reqs)} extra codings around lambda {lam:.4g}")
    _code(curves, evaluate, reqs)


# After the per-image points around the common lambda: an image whose choice
# has no coded lambda within EXTEND_STEP octaves on one side gets a point
# that step out on that side, and the set is chosen again, for at most
# EXTEND_ROUNDS rounds.  Where MS-SSIM decides, photos' best lambdas differ by octaves (a
# smooth sky buys MS-SSIM far more cheaply than foliage), and a fixed window
# around the common lambda cut them off.
EXTEND_STEP = 0.5
EXTEND_ROUNDS = 4


def _extend_ends(curves, evaluate, choose, score, lam_min, progress):
    """Widen each image's coded lambdas where its choice sits at the edge of
    them, and choose again; keep the best choice seen (`score` of the chosen points,
    lower is better; choices found infeasible are None).  Returns indices
    into curves.points, or None."""
    def as_lams(ch):
        return None if ch is None else [curves.points[i][j].lam for i, j in enumerate(ch)]

    best = as_lams(choose())
    for _ in range(EXTEND_ROUNDS):
        if best is None:
            break
        reqs = []
        for i, lam in enumerate(best):
            lams = [p.lam for p in curves.points[i]]
            j = lams.index(lam)
            # a side with no coded lambda within the step (the common-lambda
            # rounds may have left one far off) gets the point one step out
            if lam > lam_min and (j == 0 or lams[j - 1] < lam * 2.0 ** -(EXTEND_STEP * 1.01)):
                reqs.append((i, _round_lam(max(lam * 2.0 ** -EXTEND_STEP, lam_min))))
            if lam < LAM_MAX and (j == len(lams) - 1 or lams[j + 1] > lam * 2.0 ** (EXTEND_STEP * 1.01)):
                reqs.append((i, _round_lam(min(lam * 2.0 ** EXTEND_STEP, LAM_MAX))))
        reqs = [(i, lam) for i, lam in reqs if curves.at(i, lam) is None]
        if not reqs:
            break
        if progress:
            progress(f"extend: {len(reqs)} images chose the edge of their coded lambdas: one step further out")
        _code(curves, evaluate, reqs)
        new = as_lams(choose())
        if new is not None and score([curves.at(i, lam) for i, lam in enumerate(new)]) \
                <= score([curves.at(i, lam) for i, lam in enumerate(best)]):
            best = new
    if best is None:
        return None
    return [[p.lam for p in curves.points[i]].index(lam) for i, lam in enumerate(best)]


@dataclass
class SearchResult:
    curves: Curves
    choice: Optional[list]           # index into curves.points[i] per image
    rounds: int

    def chosen(self):
        return [self.curves.points[i][j] for i, j in enumerate(self.choice)]

    def totals(self):
        ps = self.chosen()
        return (sum(p.nbytes for p in ps), sum(p.sse for p in ps),
                float(np.mean([p.msssim for p in ps])))


# low-rate search, step 3: bisections of the common lambda below the grid's step
REFINE_ROUNDS = 6
# the smallest and largest lambdas on the search's grid that EncoderConfig
# accepts ([1e-3, 1e7])
LAM_MIN = 2.0 ** (math.ceil(64 * math.log2(1e-3)) / 64)
LAM_MAX = 2.0 ** (math.floor(64 * math.log2(1e7)) / 64)


def _round_lam(lam):
    """Lambdas on a fine log grid (2^(1/64)) so nearby requests coincide."""
    return float(2.0 ** (round(64 * math.log2(lam)) / 64))


# fill lambdas around the common one, as exponents s of lambda * 2^-s: for
# SSE the common lambda is already equal-slope, so only a little below it;
# for MS-SSIM the best per-image lambdas spread over octaves either side
FILL_STEPS = {"sse": (0.25, 0.5), "msssim": (1.5, 1.0, 0.5, -0.5, -1.0)}


def search_lowrate(evaluate, n, budget, lam_start=400.0, max_rounds=8, fill_steps=None,
                   tol=0.005, objective="sse", progress=None):
    """Largest quality within `budget` total bytes: least total SSE, or for
    objective "msssim" the largest mean MS-SSIM (points must carry it).

    1. common-lambda rounds: predict the lambda whose total meets the budget
       (per-image log-log interpolation of the points so far), code every image
       there; stop when the total is within `tol` under the budget;
    2. fill: code each image at a few lambdas near the common one
       (FILL_STEPS) and pick per image among all points (discrete Lagrangian
       + greedy), so the bytes go where they buy the most; for MS-SSIM then
       widened where an image's choice is at the edge of its points
       (_extend_ends);
    3. if that leaves more than `tol` of the budget unused (a set of one
       image has no other image to spend the slack on, and one step of the
       lambda grid can move a small file by more than 1 %), bisect the common
       lambda between the bracket on a finer grid (REFINE_ROUNDS at most).
    """
    if fill_steps is None:
        fill_steps = FILL_STEPS[objective]
    curves = Curves(n)
    lam = _round_lam(lam_start)
    rounds = 0
    best_lam = None          # smallest common lambda within the budget
    over_lam = None          # largest common lambda over it
    for rounds in range(1, max_rounds + 1):
        _code(curves, evaluate, [(i, lam) for i in range(n) if curves.at(i, lam) is None])
        total = sum(curves.at(i, lam).nbytes for i in range(n))
        if progress:
            progress(f"round {rounds}: lambda {lam:.4g} -> {total} bytes ({total / budget:.2%} of budget)")
        if total <= budget and (best_lam is None or lam < best_lam):
            best_lam = lam
        if total > budget and (over_lam is None or lam > over_lam):
            over_lam = lam
        if budget * (1 - tol) <= total <= budget:
            break
        target = budget * (1 - tol / 2)
        new = _round_lam(predict_lam_for_total(curves, "nbytes", target))
        if new == lam:
            new = _round_lam(lam * (2 ** (1 / 64) if total > budget else 2 ** (-1 / 64)))
        if best_lam is not None and all(curves.at(i, new) is not None for i in range(n)):
            break   # oscillating across a quantiser-step boundary: the fill does the rest
        lam = new
    if best_lam is None:
        # keep raising lambda until the set fits (a tiny budget), up to the largest
        # lambda an encoder takes
        lam = max(p.lam for ps in curves.points for p in ps)
        while best_lam is None and lam < LAM_MAX:
            lam = min(_round_lam(lam * 4), LAM_MAX)
            _code(curves, evaluate, [(i, lam) for i in range(n)])
            if sum(curves.at(i, lam).nbytes for i in range(n)) <= budget:
                best_lam = lam
        if best_lam is None:
            return SearchResult(curves, None, rounds)
    if fill_steps:
        _code_around(curves, evaluate, n, best_lam, [-s for s in fill_steps], progress, "fill")
    if objective == "msssim" and n > 1:
        choice = _extend_ends(curves, evaluate, lambda: choose_max_quality(curves, budget, objective),
                              lambda ps: sum(_cost(p, objective) for p in ps), LAM_MIN, progress)
    else:
        # one common lambda is already the equal-slope optimum for SSE; one
        # image has no other to trade bytes with
        choice = choose_max_quality(curves, budget, objective)
    lo, hi = over_lam, best_lam
    for _ in range(REFINE_ROUNDS):
        used = sum(curves.points[i][j].nbytes for i, j in enumerate(choice))
        if used >= budget * (1 - tol) or lo is None or not lo * 2 ** (1 / 512) < hi:
            break
        mid = 2.0 ** (round(1024 * math.log2(math.sqrt(lo * hi))) / 1024)
        _code(curves, evaluate, [(i, mid) for i in range(n) if curves.at(i, mid) is None])
        total = sum(curves.at(i, mid).nbytes for i in range(n))
        if progress:
            progress(f"refine: lambda {mid:.5g} -> {total} bytes ({total / budget:.2%} of budget)")
        lo, hi = (mid, hi) if total > budget else (lo, mid)
        choice = choose_max_quality(curves, budget, objective)
    return SearchResult(curves, choice, rounds)


def search_transparent(evaluate, n, sse_max, msssim_min, lam_start=40.0, max_rounds=16,
                       lam_min=1e-3,
                       progress=None):
    """Fewest bytes with total SSE <= sse_max and mean MS-SSIM >= msssim_min.

    1. common-lambda rounds: the largest lambda meeting both constraints is
       predicted from per-image interpolation of SSE and log(1 - MS-SSIM),
       kept inside the bracket of measured pass/fail lambdas;
    2. refine: per image, points at 2^(+-1/4), 2^(+-1/2) around the common
       lambda; choose per image among all points (two-multiplier Lagrangian +
       greedy), so MS-SSIM is bought where it is cheapest;
    3. extend: images whose choice lies at the edge of their coded lambdas
       get points further out (_extend_ends), and the set is chosen again.
    """
    curves = Curves(n)
    lam = _round_lam(lam_start)
    lam_min = _round_lam(lam_min * 1.02)     # stay inside the encoder's range after rounding
    rounds = 0
    ok_lam = None

    def at_common(lam_):
        ps = [curves.at(i, lam_) for i in range(n)]
        return sum(p.sse for p in ps), float(np.mean([p.msssim for p in ps]))

    bad_lam = None           # smallest common lambda seen failing (above ok_lam)
    for rounds in range(1, max_rounds + 1):
        _code(curves, evaluate, [(i, lam) for i in range(n) if curves.at(i, lam) is None])
        s, m = at_common(lam)
        if progress:
            progress(f"round {rounds}: lambda {lam:.4g} -> SSE {s / sse_max:.3f} of max, MS-SSIM {m:.5f}")
        if s <= sse_max and m >= msssim_min:
            ok_lam = lam if ok_lam is None else max(ok_lam, lam)
        elif bad_lam is None or lam < bad_lam:
            bad_lam = lam
        # predicted largest lambda meeting each constraint (with a small margin)
        lam_sse = predict_lam_for_total(curves, "sse", sse_max * 0.995)
        gap = (1.0 - msssim_min) * n * 0.995
        lam_ms = predict_lam_for_total(curves, "msgap", gap)
        cand = min(lam_sse, lam_ms)
        lo = ok_lam if ok_lam is not None else lam_min
        hi = bad_lam if bad_lam is not None else 1e7
        if not lo < cand < hi:
            cand = math.sqrt(lo * hi) if ok_lam is not None and bad_lam is not None else \
                (hi / 2 if ok_lam is None else lo * 2)
        cand = _round_lam(max(cand, lam_min))
        if ok_lam is not None and bad_lam is not None and bad_lam / ok_lam < 2 ** (1 / 12):
            break
        if cand == lam or (ok_lam is not None and cand <= ok_lam) or (bad_lam is not None and cand >= bad_lam):
            break
        if lam <= lam_min and cand <= lam_min:
            break
        lam = cand
    if ok_lam is None:
        return SearchResult(curves, None, rounds)
    _code_around(curves, evaluate, n, ok_lam, (0.5, 0.25, -0.25, -0.5), progress, "refine")
    choice = _extend_ends(curves, evaluate, lambda: choose_min_bytes(curves, sse_max, msssim_min),
                          lambda ps: sum(p.nbytes for p in ps), lam_min, progress)
    return SearchResult(curves, choice, rounds)

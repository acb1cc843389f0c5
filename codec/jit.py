"""How the codec's kernels are compiled (numba nopython, cached on disk).

`kernel` and `inline_kernel` compile without numba's reference-counting
runtime (NRT).  With NRT, every call that hands an array to another kernel
(inlined at the numba level or not) increments and decrements the array's
reference count with atomic instructions; in the encoder's per-coefficient
and per-mode loops those took 45 % of the encode time (measured with perf at
lambda 22.6).  A kernel without NRT cannot allocate arrays (numba refuses to
compile np.zeros and friends there), so the few kernels that allocate their
small work arrays are `alloc_kernel`s; the kernels they call are not.
The generated arithmetic is the same either way: only the bookkeeping of
array lifetimes goes, and every array a kernel sees outlives the call.
"""
from numba import njit

kernel = njit(cache=True, _nrt=False)
inline_kernel = njit(cache=True, _nrt=False, inline="always")
alloc_kernel = njit(cache=True)

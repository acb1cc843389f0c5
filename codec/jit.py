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

Every option used here exists in numba 0.53 (the last release for Python
3.6, which the CLIC 2019 decoder runtime runs) as well as in current numba.
Each kernel's cache folder is checked against the package's sources as the
kernel is created (_kernel_cache.py).
"""
from numba import njit

from . import _kernel_cache


def _cached_njit(**options):
    compile_ = njit(cache=True, **options)

    def decorate(func):
        dispatcher = compile_(func)
        _kernel_cache.check(dispatcher)
        return dispatcher
    return decorate


kernel = _cached_njit(_nrt=False)
inline_kernel = _cached_njit(_nrt=False, inline="always")
alloc_kernel = _cached_njit()
# The decoder's whole-plane stages (deblocking, restoration, colour
# conversion) release the GIL, so that DecoderConfig(threads=N) can run
# them on several planes or row bands at once; the code is the same.
plane_kernel = _cached_njit(_nrt=False, nogil=True)
alloc_plane_kernel = _cached_njit(nogil=True)

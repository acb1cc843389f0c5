"""Keep numba's on-disk kernel cache consistent with the sources.

numba invalidates a cached kernel only when the kernel's own source file
changes, but a kernel embeds the code and module constants of everything it
calls.  After an edit (or a package upgrade) of one module, cached callers in
other modules would run stale code - wrong context offsets, even
out-of-bounds reads.  So the cache is tied to a fingerprint of every .py file
of the package (sub-packages included): the first time a process creates a
kernel whose cache folder holds no marker with the current fingerprint, the
cached kernels in that folder are deleted (they are rebuilt on first use) and
the marker is written.

The check runs per cache folder as kernels are created (codec/jit.py), not
once over the whole package, so that decoding never has to import the
encoder just to check its caches.
"""
import glob
import hashlib
import os

_MARKER = "ldc-kernels.fingerprint"
_PKG_DIR = os.path.dirname(os.path.abspath(__file__))
_fingerprint_cache = []
_checked = set()


def fingerprint(pkg_dir=_PKG_DIR):
    """sha256 over the relative paths and contents of every .py file under pkg_dir."""
    h = hashlib.sha256()
    paths = []
    for root, dirs, files in os.walk(pkg_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        paths.extend(os.path.join(root, f) for f in files if f.endswith(".py"))
    for path in sorted(paths):
        h.update(os.path.relpath(path, pkg_dir).replace(os.sep, "/").encode())
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def _current():
    if not _fingerprint_cache:
        _fingerprint_cache.append(fingerprint())
    return _fingerprint_cache[0]


def check(dispatcher):
    """Called for every kernel as it is created: make its cache folder fresh
    (once per folder and process).  Pure-Python functions (NUMBA_DISABLE_JIT)
    have no cache and are ignored."""
    path = getattr(getattr(dispatcher, "_cache", None), "_cache_path", None)
    if not path or path in _checked:
        return
    _checked.add(path)
    ensure_fresh(path, _current())


def ensure_fresh(cache_dir, fp):
    """Delete the cached kernels in cache_dir unless its marker says fp."""
    marker = os.path.join(cache_dir, _MARKER)
    try:
        with open(marker) as f:
            if f.read().strip() == fp:
                return
    except OSError:
        pass
    try:
        for path in glob.glob(os.path.join(cache_dir, "*.nb[ic]")):
            os.remove(path)
        os.makedirs(cache_dir, exist_ok=True)
        tmp = "{}.{}".format(marker, os.getpid())
        with open(tmp, "w") as f:
            f.write(fp)
        os.replace(tmp, marker)
    except OSError:
        pass    # read-only cache: numba will recompile in memory

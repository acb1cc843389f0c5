"""Keep numba's on-disk kernel cache consistent with the sources.

numba invalidates a cached kernel only when the kernel's own source file
changes, but a kernel embeds the code and module constants of everything it
calls.  After an edit (or a package upgrade) of one module, cached callers in
other modules would run stale code - wrong context offsets, even
out-of-bounds reads.  So the cache is tied to a fingerprint of all of
codec/*.py: when it differs from the one recorded next to the cache files,
the cached kernels of this package are deleted and rebuilt on first use.
"""
import glob
import hashlib
import os

_MARKER = "ldc-kernels.fingerprint"


def _fingerprint(pkg_dir):
    h = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(pkg_dir, "*.py"))):
        h.update(os.path.basename(path).encode())
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def _cache_dirs(modules):
    dirs = set()
    for mod in modules:
        for obj in vars(mod).values():
            cache = getattr(obj, "_cache", None)
            path = getattr(cache, "_cache_path", None)
            if path:
                dirs.add(path)
    return dirs


def ensure_fresh(pkg_dir, modules):
    """Delete this package's cached kernels if the sources changed since they were built."""
    fp = _fingerprint(pkg_dir)
    names = {m.__name__.rsplit(".", 1)[-1] for m in modules}
    for d in _cache_dirs(modules):
        marker = os.path.join(d, _MARKER)
        try:
            with open(marker) as f:
                if f.read().strip() == fp:
                    continue
        except OSError:
            pass
        try:
            for path in glob.glob(os.path.join(d, "*.nb[ic]")):
                if os.path.basename(path).split(".", 1)[0] in names:
                    os.remove(path)
            os.makedirs(d, exist_ok=True)
            tmp = marker + f".{os.getpid()}"
            with open(tmp, "w") as f:
                f.write(fp)
            os.replace(tmp, marker)
        except OSError:
            pass    # read-only cache: numba will recompile in memory

"""How many CPUs this process may really use.

os.cpu_count() counts the machine's CPUs.  A container started with
`docker run --cpus 2` (as the CLIC 2019 server runs a decoder) sees all of
them but is throttled to two by a CFS quota, and `taskset` narrows the
affinity mask: a worker pool sized by cpu_count() would then run dozens of
processes on two CPUs, each holding its own decoder state.
"""
import math
import os

# (quota file, period file or None): cgroup v2 first, then the v1 layouts
_CGROUP_FILES = (
    ("/sys/fs/cgroup/cpu.max", None),
    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    ("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"),
)


def _read(path):
    try:
        with open(path) as f:
            return f.read().split()
    except (OSError, ValueError):
        return None


def cgroup_cpu_limit():
    """The CPU quota of this process's cgroup in CPUs (e.g. 2.0), or None if unlimited."""
    for quota_path, period_path in _CGROUP_FILES:
        words = _read(quota_path)
        if not words:
            continue
        try:
            if period_path is None:            # v2: "max 100000" or "200000 100000"
                if words[0] == "max":
                    return None
                return int(words[0]) / int(words[1])
            quota = int(words[0])
            if quota <= 0:                     # v1: -1 = no quota
                return None
            period = _read(period_path)
            return quota / int(period[0]) if period else None
        except (ValueError, IndexError, ZeroDivisionError):
            continue
    return None


def usable_cpus():
    """CPUs in this process's affinity mask, capped by its cgroup's CPU quota (at least 1)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:                     # not on Linux
        n = os.cpu_count() or 1
    limit = cgroup_cpu_limit()
    if limit is not None:
        n = min(n, int(math.ceil(limit)))
    return max(1, n)

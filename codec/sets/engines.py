"""Where a run's per-image tasks execute (codec/sets/tasks.py): a process
pool on this machine, or a Dask cluster (dask.distributed).

To the run loop both are concurrent.futures executors (engine.executor);
they differ in how a worker gets an image (engine.source):
* PoolEngine: a worker reads the input file itself (this machine's disk);
* DaskEngine: only the client reads files.  Each image's bytes go to the
  cluster once, in a load task; every task on that image names the load
  task's result as its input, so the decoded image stays in the cluster's
  memory (and if the worker holding it is lost, the scheduler runs the load
  again from the bytes the task carries).  Workers need no shared file
  system, only the same codec installed (checked by fingerprint).
Dask is imported only when a DaskEngine is made.
"""
from concurrent.futures import ProcessPoolExecutor

from . import tasks

CONNECT_SECONDS = 30        # to reach a scheduler, and for its first worker to join
NO_TRIM_KEY = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


class EngineError(Exception):
    """The engine cannot run the work (no scheduler, no worker, a different codec)."""


class PoolEngine:
    """Worker processes on this machine, reading the inputs from its disk."""

    def __init__(self, workers):
        self.workers = workers
        self.description = f"process pool, {workers} worker{'s' if workers != 1 else ''}"
        self.executor = ProcessPoolExecutor(max_workers=workers, initializer=tasks.ignore_sigint)

    def source(self, path):
        return path

    def lost(self):
        return False

    def close(self):
        self.executor.shutdown(wait=True, cancel_futures=True)


class DaskEngine:
    """A Dask cluster: an existing scheduler's address (tcp://HOST:PORT), or
    "local" / "local:N" for a LocalCluster of N single-threaded worker
    processes here (N: the CPUs this process may use)."""

    def __init__(self, scheduler):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise EngineError("--scheduler needs Dask: pip install -e \".[dask]\" "
                              "(dask.distributed)") from None
        self.address = scheduler
        self.cluster = None
        try:
            if scheduler == "local" or scheduler.startswith("local:"):
                from ..cpus import usable_cpus
                n = int(scheduler[6:]) if scheduler.startswith("local:") else usable_cpus()
                if n < 1:
                    raise ValueError(scheduler)
                # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, so
                # glibc hands freed memory back at once and every large array the
                # codec allocates is page-faulted in again: 10-13 % slower encodes
                # and decodes than a pool worker (measured).  None = leave it unset.
                with dask.config.set({NO_TRIM_KEY: None}):
                    self.cluster = LocalCluster(n_workers=n, threads_per_worker=1,
                                                processes=True, dashboard_address=":0")
                self.client = Client(self.cluster)
                self.address = self.cluster.scheduler_address
            else:
                self.client = Client(scheduler, timeout=CONNECT_SECONDS)
        except ValueError:
            raise EngineError(f"--scheduler {scheduler}: expected tcp://HOST:PORT, local or "
                              "local:N (N >= 1)") from None
        except OSError as e:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        try:
            self.client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except Exception:
            self.close()
            raise EngineError(f"no Dask worker joined the scheduler at {self.address} within "
                              f"{CONNECT_SECONDS} s") from None
        self._check_codec()
        self.workers = len(self.client.scheduler_info()["workers"])
        kind = "Dask LocalCluster" if self.cluster is not None else "Dask cluster"
        self.description = (f"{kind} at {self.address}, {self.workers} "
                            f"worker{'s' if self.workers != 1 else ''}")
        self.executor = self.client.get_executor(pure=False)
        self._sources = {}

    def _check_codec(self):
        mine = tasks.codec_fingerprint()
        theirs = self.client.run(tasks.codec_fingerprint)
        other = sorted(w for w, fp in theirs.items() if fp != mine)
        if other:
            self.close()
            raise EngineError(f"{len(other)} Dask worker(s) run other codec sources than this "
                              f"machine (e.g. {other[0]}): install the same LDC on every worker")

    def source(self, path):
        if path not in self._sources:
            with open(path, "rb") as f:
                data = f.read()
            self._sources[path] = self.client.submit(tasks.load_bytes, data, pure=False)
        return self._sources[path]

    def lost(self):
        """Whether the connection to the scheduler is gone."""
        return self.client.status not in ("running", "newly-created")

    def close(self):
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def make_engine(scheduler, jobs):
    """A DaskEngine for --scheduler, else a PoolEngine of `jobs` workers."""
    if scheduler:
        return DaskEngine(scheduler)
    return PoolEngine(jobs)

"""encode.py on a Dask cluster (--scheduler): the same files as the process
pool, a killed worker costs only its tasks, a lost scheduler ends the run
with one line and no new file."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from PIL import Image

import encode as encode_cli
from conftest import synthetic_image

distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: "
                                                        'pip install -e ".[dask]"')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on loopback, with a client to watch them."""
    import dask
    dask.config.set({"logging.distributed": "error"})
    c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=":0", host="127.0.0.1")
    client = distributed.Client(c)
    yield c, client
    client.close()
    c.close()


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    d = tmp_path_factory.mktemp("in")
    for i, (h, w) in enumerate([(96, 128), (64, 72), (120, 88), (80, 160)]):
        Image.fromarray(synthetic_image(h, w, seed=60 + i)).save(d / f"p{i}.png")
    return d


@pytest.fixture(scope="module")
def pool_run(photos, tmp_path_factory):
    """The reference: the same command on the process pool."""
    out = tmp_path_factory.mktemp("pool")
    args = ["--track", "lowrate", "--bpp", "0.4", "--quiet"]
    assert encode_cli.main([str(photos), str(out), *args, "--jobs", "2"]) == 0
    return args, {f: (out / f).read_bytes() for f in sorted(os.listdir(out))}


def _files(folder):
    return {f: (folder / f).read_bytes() for f in sorted(os.listdir(folder))}


def test_a_cluster_writes_the_same_files_as_the_pool(cluster, photos, pool_run, tmp_path, capsys):
    c, _ = cluster
    args, want = pool_run
    out = tmp_path / "out"
    assert encode_cli.main([str(photos), str(out), *args, "--scheduler", c.scheduler_address]) == 0
    assert _files(out) == want
    assert f"on Dask cluster at {c.scheduler_address}, 2 workers" in capsys.readouterr().out


def test_a_killed_worker_costs_only_its_tasks(cluster, photos, pool_run, tmp_path):
    c, client = cluster
    args, want = pool_run
    pids = client.run(os.getpid)
    killed = []

    def kill_when_busy():
        t0 = time.time()
        while time.time() - t0 < 120:
            busy = [w for w, keys in client.processing().items() if keys and w in pids]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)      # mid-task: nothing to clean up
                killed.append(busy[0])
                return
            time.sleep(0.01)

    t = threading.Thread(target=kill_when_busy)
    t.start()
    out = tmp_path / "out"
    rc = encode_cli.main([str(photos), str(out), *args, "--scheduler", c.scheduler_address])
    t.join()
    assert killed, "no task was seen running"
    assert rc == 0 and _files(out) == want
    client.wait_for_workers(2, timeout=60)                 # the nanny brought it back


def test_a_local_cluster_on_request(photos, pool_run, tmp_path, capsys):
    args, want = pool_run
    out = tmp_path / "out"
    assert encode_cli.main([str(photos), str(out), *args, "--scheduler", "local:2"]) == 0
    assert _files(out) == want
    assert "on Dask LocalCluster at tcp://" in capsys.readouterr().out


def test_bad_schedulers_are_one_line_errors(photos, tmp_path, capsys, cluster, monkeypatch):
    c, _ = cluster
    assert encode_cli.main([str(photos), str(tmp_path / "a"), "--quality", "50",
                            "--scheduler", "local:0"]) == 1
    assert "expected tcp://HOST:PORT, local or local:N" in capsys.readouterr().err
    # a worker with other codec sources (here: this process believes it runs other ones)
    import codec._kernel_cache
    monkeypatch.setattr(codec._kernel_cache, "fingerprint", lambda: "0" * 64)
    assert encode_cli.main([str(photos), str(tmp_path / "b"), "--quality", "50",
                            "--scheduler", c.scheduler_address]) == 1
    err = capsys.readouterr().err
    assert "run other codec sources than this machine" in err and "Traceback" not in err
    assert not os.path.exists(tmp_path / "b") or os.listdir(tmp_path / "b") == []


LOST = r"""
import sys
sys.path.insert(0, {root!r})
import encode
sys.exit(encode.main([{src!r}, {out!r}, "--track", "transparent", "--quiet",
                      "--scheduler", {address!r}]))
"""

# a worker preload that holds every encode until the test has stopped the
# scheduler, so the scheduler is lost mid-search whatever the machine's speed
HOLD = r"""
import time
import codec.sets.tasks as tasks

def encode(*args, **kwargs):
    open({mark!r}, "w").close()
    time.sleep(120)

tasks.encode = encode
"""


def test_a_lost_scheduler_ends_the_run_with_one_line(photos, tmp_path):
    env = dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="3s",
               DASK_LOGGING__DISTRIBUTED="error")
    mark = tmp_path / "encoding"
    preload = tmp_path / "hold.py"
    preload.write_text(HOLD.format(mark=str(mark)))
    port = 8700 + os.getpid() % 200
    address = f"tcp://127.0.0.1:{port}"
    sched = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                              "127.0.0.1", "--port", str(port), "--no-dashboard"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                               "--nthreads", "1", "--no-dashboard", "--preload", str(preload)],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    out = tmp_path / "out"
    run = None
    try:
        run = subprocess.Popen([sys.executable, "-c", LOST.format(root=ROOT, src=str(photos),
                                                                 out=str(out), address=address)],
                               env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        t0 = time.time()
        while time.time() - t0 < 120 and not mark.exists() and run.poll() is None:
            time.sleep(0.05)
        if not mark.exists():
            run.kill()
            pytest.fail("the run never reached an encode: " + run.communicate()[1])
        sched.kill()
        _, err = run.communicate(timeout=120)
    finally:
        for p in (sched, worker, run):
            if p is not None:
                p.kill()
                p.wait()
    lines = [l for l in err.splitlines() if l.strip()]
    assert run.returncode == 1, err
    assert len(lines) == 1, err
    assert f"lost the Dask scheduler at {address}: no file was written" in lines[0]
    assert not os.path.exists(out) or os.listdir(out) == []


def test_local_workers_keep_glibc_heap_trimming_default():
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 (10-13 % slower codec
    tasks, every large array page-faulted in again); a LocalCluster of ours
    leaves it unset, like a pool worker."""
    from codec.sets.engines import DaskEngine
    engine = DaskEngine("local:1")
    try:
        seen = engine.client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    finally:
        engine.close()
    assert list(seen.values()) == [os.environ.get("MALLOC_TRIM_THRESHOLD_")]

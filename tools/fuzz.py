"""Fuzz codec.decode with mutated encoder output.

  python -m tools.fuzz [--cases 100000] [--seconds 600] [--seed 1] [--save tests/data/fuzz]

Seeds are streams the encoder writes at many settings (sizes, chroma modes,
greyscale, qualities) plus the stored regression streams.  Mutations:
truncation, bit flips, random bytes, inserted/deleted/duplicated spans,
header-field lies, random payloads behind a valid header, empty input; about
half the mutants get their CRC recomputed so the arithmetic decoder, not
only the checksum, sees the damage.

Oracle: decode either returns a uint8 (height, width, 3) image of the size
the header declares, or raises CorruptStreamError (or a subclass).  Anything
else, a crash of the decoding process, or a case slower than --case-timeout
seconds is a failure; its input is saved under --save for a regression test.
Cases run in a child process so that a segfault is caught, not fatal.
"""
import argparse
import hashlib
import multiprocessing as mp
import os
import struct
import sys
import time
import zlib

import numpy as np


def _container():
    from codec.common import container
    return container


def reseal(data):
    """Recompute the CRC of a (modified) stream, if it is long enough to have one."""
    c = _container()
    hs = c.HEADER_SIZE
    if len(data) < hs:
        return data
    crc = zlib.crc32(data[hs:], zlib.crc32(data[:hs - 4]))
    return data[:hs - 4] + struct.pack(">I", crc) + data[hs:]


def make_seeds(extra_dir=None):
    """Encoder output over a spread of settings (small images, fast)."""
    import codec
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
    from conftest import synthetic_image
    seeds = []
    shapes = [(1, 1), (4, 4), (7, 13), (16, 16), (33, 65), (64, 64), (70, 40), (100, 140)]
    k = 0
    for h, w in shapes:
        for grey in (False, True):
            for chroma in ("420", "444"):
                if grey and chroma == "444":
                    continue
                for q in (5, 40, 75, 97):
                    k += 1
                    img = synthetic_image(h, w, seed=k, grey=grey)
                    # every second seed with --tune msssim (several CTUs: quantiser deltas);
                    # qualities above 50 use dependent quantisation
                    tune = "msssim" if k % 2 == 0 else "psnr"
                    seeds.append(codec.encode(img, config=codec.EncoderConfig(
                        quality=q, chroma=chroma, tune=tune)))
    if extra_dir and os.path.isdir(extra_dir):
        for n in sorted(os.listdir(extra_dir)):
            if n.endswith(".bin"):
                with open(os.path.join(extra_dir, n), "rb") as f:
                    seeds.append(f.read())
    return seeds


def mutate(rng, seed):
    """One mutant of `seed` (bytes)."""
    c = _container()
    d = bytearray(seed)
    kind = int(rng.integers(0, 9))
    if kind == 0 and len(d):                      # truncation
        d = d[:int(rng.integers(0, len(d)))]
    elif kind == 1 and len(d):                    # bit flips
        for _ in range(int(rng.integers(1, 9))):
            p = int(rng.integers(0, len(d)))
            d[p] ^= 1 << int(rng.integers(0, 8))
    elif kind == 2 and len(d):                    # random bytes
        for _ in range(int(rng.integers(1, 5))):
            d[int(rng.integers(0, len(d)))] = int(rng.integers(0, 256))
    elif kind == 3:                               # inserted bytes
        p = int(rng.integers(0, len(d) + 1))
        d[p:p] = rng.integers(0, 256, int(rng.integers(1, 16)), dtype=np.uint8).tobytes()
    elif kind == 4 and len(d) > 2:                # deleted span
        p = int(rng.integers(0, len(d) - 1))
        del d[p:p + int(rng.integers(1, min(32, len(d) - p) + 1))]
    elif kind == 5 and len(d) > 2:                # duplicated span
        p = int(rng.integers(0, len(d) - 1))
        span = d[p:p + int(rng.integers(1, 32))]
        d[p:p] = span
    elif kind == 6 and len(d) >= c.HEADER_SIZE:   # header-field lie
        off = len(c.MAGIC) if hasattr(c, "MAGIC") else 4
        fmt = ">" + "".join(f.fmt for f in c.HEADER_FIELDS)
        vals = list(struct.unpack_from(fmt, bytes(d), off))
        i = int(rng.integers(0, len(vals)))
        f = c.HEADER_FIELDS[i]
        if f.name != "payload_len" or rng.random() < 0.3:
            lo, lim = {"B": (0, 255), "H": (0, 65535), "h": (-32768, 32767),
                       "I": (0, 0xFFFFFFFF)}[f.fmt]
            choice = rng.random()
            if choice < 0.4:
                vals[i] = int(rng.integers(f.lo, min(f.hi, lim) + 1))
            elif choice < 0.7:
                vals[i] = int(min(max(vals[i] + int(rng.integers(-3, 4)), lo), lim))
            else:
                vals[i] = int(rng.integers(lo, lim + 1))
            struct.pack_into(fmt, d, off, *vals)
    elif kind == 7 and len(d) >= c.HEADER_SIZE:   # random payload behind a valid header
        n = int(rng.integers(0, 400))
        payload = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        d = d[:c.HEADER_SIZE] + payload
        d[c.HEADER_SIZE - 8:c.HEADER_SIZE - 4] = struct.pack(">I", n)
    elif kind == 8:                               # tiny inputs
        d = d[:int(rng.integers(0, 8))]
    out = bytes(d)
    if rng.random() < 0.5:
        out = reseal(out)
    return out


def check_one(data, max_pixels=1 << 22):
    """Run the oracle on one input: returns None if fine, else a failure text."""
    import codec
    from codec.common import container
    try:
        out = codec.decode(data, config=codec.DecoderConfig(max_pixels=max_pixels))
    except codec.CorruptStreamError:
        return None
    except Exception as e:   # the oracle: nothing but the typed family may escape
        return f"{type(e).__name__}: {e}"
    h, _ = container.parse(data, max_pixels=max_pixels)
    if not (isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.shape == (h.height, h.width, 3)):
        return f"bad output {getattr(out, 'shape', None)} {getattr(out, 'dtype', None)}"
    return None


def _child(conn):
    import codec  # noqa: F401  (load the kernels before the first timed case)
    while True:
        data = conn.recv_bytes()
        t = time.perf_counter()
        res = check_one(data)
        conn.send((res, time.perf_counter() - t))


def fuzz(seeds, cases, seconds, rng, case_timeout, on_failure, progress=None):
    """Run up to `cases` mutants (or `seconds`) in a child process; returns counts."""
    ctx = mp.get_context("spawn")
    parent, child_end = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child_end,), daemon=True)
    proc.start()
    stats = dict(cases=0, failures=0, crashes=0, hangs=0, max_case_seconds=0.0)
    t0 = time.time()
    first = True
    try:
        while stats["cases"] < cases and time.time() - t0 < seconds:
            data = mutate(rng, seeds[int(rng.integers(0, len(seeds)))])
            parent.send_bytes(data)
            # the first case also waits for the child to import and load the kernels
            limit = case_timeout + (120 if first else 0)
            first = False
            if not parent.poll(limit):
                if proc.is_alive():
                    stats["hangs"] += 1
                    on_failure(data, f"no answer within {limit:.0f} s")
                    proc.kill()
                else:
                    stats["crashes"] += 1
                    on_failure(data, f"decoder process died (exit code {proc.exitcode})")
                proc.join()
                parent, child_end = ctx.Pipe()
                proc = ctx.Process(target=_child, args=(child_end,), daemon=True)
                proc.start()
                first = True
                stats["cases"] += 1
                continue
            try:
                res, dt = parent.recv()
            except EOFError:
                stats["crashes"] += 1
                on_failure(data, "decoder process died")
                continue
            stats["cases"] += 1
            stats["max_case_seconds"] = max(stats["max_case_seconds"], dt)
            if res is not None:
                stats["failures"] += 1
                on_failure(data, res)
            if progress and stats["cases"] % 1000 == 0:
                progress(stats)
    finally:
        proc.kill()
    return stats


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tools.fuzz", description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=100000)
    p.add_argument("--seconds", type=float, default=600.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--case-timeout", type=float, default=10.0)
    p.add_argument("--save", default=os.path.join(os.path.dirname(__file__), "..", "tests", "data", "fuzz"),
                   help="folder for failing inputs")
    a = p.parse_args(argv)
    rng = np.random.default_rng(a.seed)
    data_dir = os.path.join(os.path.dirname(__file__), "..", "tests", "data")
    print("making seeds ...", file=sys.stderr)
    seeds = make_seeds(data_dir)
    print(f"{len(seeds)} seeds; fuzzing", file=sys.stderr)
    os.makedirs(a.save, exist_ok=True)
    found = []

    def on_failure(data, why):
        name = "crash-" + hashlib.sha256(data).hexdigest()[:16] + ".bin"
        with open(os.path.join(a.save, name), "wb") as f:
            f.write(data)
        found.append((name, why))
        print(f"FAILURE {name}: {why}", file=sys.stderr)

    t = time.time()
    stats = fuzz(seeds, a.cases, a.seconds, rng, a.case_timeout, on_failure,
                 progress=lambda s: print(f"{s['cases']} cases, {s['failures'] + s['crashes'] + s['hangs']} failures",
                                          file=sys.stderr))
    stats["seconds"] = time.time() - t
    print(stats)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

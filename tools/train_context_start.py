"""Learn the contexts' start probabilities (format 15's table) from photos.

  python -m tools.train_context_start IMAGES... [--lam 22.6,90,362,1448]
      [--chroma 444,420] [--first 64] [--jobs N] [--write]

Every image is encoded at every lambda in both chroma formats; each stream
counts the 0s and 1s among the first FIRST bins of every context (the part
of a stream where the start matters; later bins the adaptation learns
anyway), so each stream weighs the same.  A context's start is then
P(1) = (ones + 1) / (bins + 2), stored as one byte (codec/common/
context_start.py: start = byte * 128 + 64 in 1/32768).  Contexts that no
stream used start at 1/2.

Without --write the tool prints what it would change: the SHA-256 of the new
table, how many contexts were seen and the ideal code length the new table
saves on the training streams' own first bins.  With --write it replaces the
table in codec/common/context_start.py; that changes the format (bump
FORMAT_VERSION, FORMAT.md's hash, the stored streams).  The training images
and settings go into the module as a comment.

The table shipped with format 15 was trained on the 18 photos of
../shared/corpus with the defaults above, in four rounds: the first with
every byte 128 (P(1) = 0.502: format 14's encoder, in effect), each next one with the encoder
of the previous round's table (the encoder's decisions follow the prices
the table gives, and the table follows the decisions).  Leaving each image
out of its own first-round table cost 0.02 % of the bits against the
in-sample table (replayed bins); docs/RESULTS.md has every round's
measurement.  Run from the shipped table, the tool gives a fifth round.
"""
import hashlib
import os
import re
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from tools.cli import doc_parser, images_or_error

MODULE = os.path.join(os.path.dirname(__file__), "..", "codec", "common", "context_start.py")
_BLOCK = re.compile(r"# generated: .*?_TABLE_HEX = \(\n.*?\n\)\n", re.S)
HEX_PER_LINE = 64


def _job(args):
    path, lam, chroma, first = args
    import codec
    from codec.imageio import load_rgb
    rgb = load_rgb(path)[0]
    r = codec.encode_image(rgb, codec.EncoderConfig(lam=lam, chroma=chroma, context_counts=first))
    if r.context_counts is None:
        raise RuntimeError(f"{path}: the encoder's bin log ran out of room at lambda {lam}")
    return r.context_counts


def train(paths, lams, chromas, first, jobs=1, quiet=False):
    """Summed counts int64 (contexts, 2) over every (image, lambda, chroma)."""
    from tqdm import tqdm
    tasks = [(p, lam, c, first) for p in paths for lam in lams for c in chromas]
    total = None
    with ProcessPoolExecutor(jobs) as ex:
        for counts in tqdm(ex.map(_job, tasks), total=len(tasks), desc="encoding", unit="stream",
                           file=sys.stderr, disable=quiet):
            total = counts if total is None else total + counts
    return total


def table_from_counts(counts):
    """One byte per context: floor(256 * (ones + 1) / (bins + 2)), at most 255."""
    p = (counts[:, 1] + 1.0) / (counts.sum(axis=1) + 2.0)
    return np.minimum(np.floor(256 * p), 255).astype(np.uint8)


def ideal_bits(counts, table):
    """Code length of the counted bins at the table's fixed start probability."""
    from codec.common.context_start import start_probs
    from codec.common.probmodel import PROB_ONE
    p1 = start_probs(table).astype(np.float64) / PROB_ONE
    return float(-(counts[:, 1] * np.log2(p1) + counts[:, 0] * np.log2(1 - p1)).sum())


def module_block(table, note):
    hexs = bytes(table).hex()
    lines = "".join(f'    "{hexs[i:i + HEX_PER_LINE]}"\n'
                    for i in range(0, len(hexs), HEX_PER_LINE))
    head = textwrap.fill(f"generated: {note}", 96, initial_indent="# ", subsequent_indent="# ")
    return f"{head}\n_TABLE_HEX = (\n{lines})\n"


def write_table(table, note, module=MODULE):
    text = open(module).read()
    if not _BLOCK.search(text):
        raise RuntimeError(f"{module}: no generated table block to replace")
    new = _BLOCK.sub(lambda m: module_block(table, note), text, count=1)
    tmp = module + ".tmp"
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, module)


def main(argv=None):
    ap = doc_parser("python -m tools.train_context_start", __doc__)
    ap.add_argument("images", nargs="+", help="PNG files or folders of them")
    ap.add_argument("--lam", default="22.6,90,362,1448", help="lambdas, comma-separated")
    ap.add_argument("--chroma", default="444,420", help="chroma formats, comma-separated")
    ap.add_argument("--first", type=int, default=64, help="bins counted per context and stream")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--write", action="store_true", help="replace the table in context_start.py")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    a = ap.parse_args(argv)
    paths = images_or_error(a.images, "train_context_start")
    if paths is None:
        return 2
    try:
        lams = [float(x) for x in a.lam.split(",")]
    except ValueError:
        print(f"train_context_start: --lam {a.lam!r} is not a list of numbers", file=sys.stderr)
        return 2
    chromas = a.chroma.split(",")
    if a.first < 1 or any(c not in ("444", "420") for c in chromas):
        print("train_context_start: --first must be >= 1 and --chroma a list of 444 / 420",
              file=sys.stderr)
        return 2
    counts = train(paths, lams, chromas, a.first, a.jobs, a.quiet)
    from codec.common.context_start import START_TABLE, start_table_sha256
    old = np.frombuffer(START_TABLE, np.uint8)
    new = table_from_counts(counts)
    seen = int((counts.sum(axis=1) > 0).sum())
    print(f"{len(paths)} images x {len(lams)} lambdas x {len(chromas)} chroma formats; "
          f"{seen} of {len(new)} contexts seen; {int(counts.sum())} bins counted")
    print(f"ideal bits of the counted bins: current table {ideal_bits(counts, old):.0f}, "
          f"new {ideal_bits(counts, new):.0f}; {int((new != old).sum())} entries differ")
    print(f"new table SHA-256 {hashlib.sha256(bytes(new)).hexdigest()}")
    if a.write:
        names = sorted({os.path.basename(p) for p in paths})
        note = (f"python -m tools.train_context_start, {len(paths)} images "
                f"({names[0]} .. {names[-1]}), lambdas {a.lam}, chroma {a.chroma}, first {a.first}, "
                f"encoded with the start table {start_table_sha256()[:12]}")
        write_table(new, note)
        print(f"wrote {os.path.normpath(MODULE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

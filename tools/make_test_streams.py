"""(Re)generate the stored regression bitstreams in tests/data.

  python -m tools.make_test_streams --add             # streams of new CASES only
  python -m tools.make_test_streams --regenerate      # or --hostile: only tests/data/fuzz

Golden files change only on these explicit switches: encode a few generated
images (grey, 4:2:0, 4:4:4, odd sizes, several qualities, a test card),
store the .bin files and the SHA-256 of the decoded pixels in
tests/data/streams.json.  --regenerate rewrites every stream of the current
version: run it when the format version changes (the encoder's decisions
change within a version, so the stored streams are those of the encoder of
their day), and keep the old streams (the test then checks they are refused
with UnsupportedVersionError).  --add writes only the CASES whose file is
not there yet.

It also writes hand-made hostile streams of the current version to
tests/data/fuzz/ (valid header and CRC, payloads that lie: a 2048x2048 image
behind 3 bytes, all-0xFF and all-zero payloads with every tool flag on, 1x1
garbage); tests/test_fuzz.py decodes every file there and accepts only an
image of the declared size or a CorruptStreamError, as it does for the
crash inputs tools/fuzz.py saves there.
"""
import argparse
import hashlib
import json
import os
import sys

CASES = [
    # name, h, w, seed, grey, chroma, quality, tune[, other EncoderConfig fields]; the
    # image is conftest.synthetic_image, or conftest.test_card for names ending in _card
    ("grey_21x34_q60", 21, 34, 1, True, "auto", 60, "psnr"),
    ("c420_40x56_q35", 40, 56, 2, False, "420", 35, "psnr"),
    ("c444_33x65_q85", 33, 65, 3, False, "444", 85, "psnr"),
    ("c420_1x1_q50", 1, 1, 4, False, "420", 50, "psnr"),
    ("c444_72x72_q97", 72, 72, 5, False, "444", 97, "psnr"),
    ("c444_128x192_q50", 128, 192, 6, False, "444", 50, "psnr"),
    ("c420_136x200_q55_msssim", 136, 200, 7, False, "420", 55, "msssim"),   # CTU quantiser deltas
    ("c444_96x120_q70", 96, 120, 8, False, "444", 70, "psnr"),      # dependent quantisation
    # every intra mode (all 35 and CfL) and full-swing deblocking edges, in BT.601
    # planes (the path of grey and flat images); the card reaches modes 35, 36, 39 and
    # 40 (format 18: seed 12 at this quality and chroma, found by a search over the
    # chroma modes each seed reaches; seed 11, format 15's to 17's, lost mode 40)
    ("c444_128x160_q55_card", 128, 160, 12, False, "444", 55, "psnr",
     dict(colour_transform="bt601")),
    # format 16's and 17's parts at --effort max: a half split in two quarters, a ternary
    # split and parts split across (tests/test_binary_split.py checks they are there; seed
    # 6 since format 18, whose encoder no longer codes quarters at format 17's seed 53)
    ("c420_64x96_q60_max", 64, 96, 6, False, "420", 60, "psnr", dict(effort="max")),
]
DATA = os.path.join(os.path.dirname(__file__), "..", "tests", "data")
HOSTILE = [
    # name, width, height, colour, delta_q, dep_quant, payload
    ("2048x2048_3_bytes", 2048, 2048, 2, 0, 0, b"\x5a\xa5\x01"),
    ("256x256_c420_all_ff", 256, 256, 1, 1, 1, b"\xff" * 4096),
    ("256x256_c444_all_zero", 256, 256, 2, 1, 1, b"\x00" * 4096),
    ("1x1_garbage", 1, 1, 2, 0, 0, bytes(range(7, 7 + 16))),
    ("200x136_grey_1_byte", 200, 136, 0, 1, 0, b"\x80"),
]


def write_hostile(folder):
    """The HOSTILE streams of the current format version into folder."""
    from codec.common import container
    from codec.common.constants import FORMAT_VERSION
    os.makedirs(folder, exist_ok=True)
    for name, w, h, colour, qdelta, dep, payload in HOSTILE:
        hdr = container.make_header(version=FORMAT_VERSION, width=w, height=h, colour=colour,
                               qidx_y=40, qidx_cb=44, qidx_cr=44, weight_slope=0, deblock_y=3,
                               deblock_c=3, delta_q=qdelta, dep_quant=dep, payload_len=len(payload))
        fname = f"hostile_v{FORMAT_VERSION}_{name}.bin"
        with open(os.path.join(folder, fname), "wb") as f:
            f.write(container.pack(hdr, payload))
        print(os.path.join("fuzz", fname), len(payload), "payload bytes")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--regenerate", action="store_true",
                   help="overwrite tests/data (golden streams and the hostile ones)")
    p.add_argument("--hostile", action="store_true",
                   help="only (re)write the hostile streams in tests/data/fuzz")
    p.add_argument("--add", action="store_true",
                   help="only the streams of CASES not stored yet (the others stay as they are)")
    a = p.parse_args(argv)
    if not (a.regenerate or a.hostile or a.add):
        p.error("nothing done: pass --add, or --regenerate to overwrite the golden streams")
    sys.path.insert(0, os.path.join(DATA, ".."))
    if a.hostile and not a.regenerate:
        write_hostile(os.path.join(DATA, "fuzz"))
        return
    import codec
    from codec.common.constants import FORMAT_VERSION
    from conftest import synthetic_image, test_card
    manifest_path = os.path.join(DATA, "streams.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    for name, h, w, seed, grey, chroma, q, tune, *extra in CASES:
        fname = f"v{FORMAT_VERSION}_{name}.bin"
        if not a.regenerate and fname in manifest:
            continue
        img = test_card(h, w, seed=seed) if name.endswith("_card") else \
            synthetic_image(h, w, seed=seed, grey=grey)
        data = codec.encode(img, config=codec.EncoderConfig(
            quality=q, chroma=chroma, tune=tune, **(extra[0] if extra else {})))
        with open(os.path.join(DATA, fname), "wb") as f:
            f.write(data)
        out = codec.decode(data)
        manifest[fname] = dict(version=FORMAT_VERSION, shape=list(out.shape),
                               sha256=hashlib.sha256(out.tobytes()).hexdigest())
        print(fname, len(data), "bytes")
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    if a.regenerate:
        write_hostile(os.path.join(DATA, "fuzz"))


if __name__ == "__main__":
    main()

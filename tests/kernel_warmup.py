"""Fill numba's kernel cache before a test session: the encoder's kernels in
one process and the decoder's in another, at the same time.

On a cold cache (a fresh clone, or any edit under codec/, which changes the
cache fingerprint) compiling the kernels is most of a test run: about 5 min
for the encoder and 2 min for the decoder on one core.  Without this the
first test that encodes compiles the encoder in each of its pool's worker
processes (the same work twice) and the first that decodes does the same for
the decoder; run side by side here, the two compilations share the machine's
cores instead.  On a warm cache each side takes a few seconds (loading).

conftest.py starts `python -m kernel_warmup encoder` and `... decoder`
(LDC_TEST_WARMUP=0 skips it).  What a test compiles beyond this is compiled
when the test first needs it, as before: nothing here is checked.
"""
import glob
import os
import sys


def encoder_side():
    from conftest import synthetic_image
    import codec
    from codec.enc.config_enc import EncoderConfig
    colour = synthetic_image(48, 64)
    # quality 50: RDOQ, binary splits, the other transform; 90: dependent
    # quantisation; chroma "auto" codes 4:2:0 and 4:4:4; then MS-SSIM tuning
    # and a grey image
    for quality in (50, 90):
        codec.encode(colour, quality=quality)
    codec.encode(colour, config=EncoderConfig(quality=50, tune="msssim"))
    codec.encode(synthetic_image(24, 40, grey=True), quality=50)


def decoder_side():
    import codec
    from codec.common.constants import FORMAT_VERSION
    here = os.path.dirname(os.path.abspath(__file__))
    pattern = "v{}_*.bin".format(FORMAT_VERSION)       # the stored streams of today's format
    for path in sorted(glob.glob(os.path.join(here, "data", pattern))):
        with open(path, "rb") as f:
            codec.decode(f.read())


if __name__ == "__main__":
    {"encoder": encoder_side, "decoder": decoder_side}[sys.argv[1]]()

"""The per-image tasks of an encode.py run, as the workers run them.

An image source is a path (the process pool: workers read the file
themselves) or a LoadedImage (a Dask cluster: the client sends the file's
bytes once, in a load_bytes task, and every task on that image takes its
result).  Every task reports a failure as data or raises a CodecError; none
prints.
"""
import os
import signal
import time
from collections import namedtuple

# what load_bytes returns: the RGB array and the loader's notes, or the error
LoadedImage = namedtuple("LoadedImage", ["rgb", "notes", "error"])

_LOADED = {}        # path -> (rgb, notes): one image per worker (40 MP inputs exist)


def ignore_sigint():
    """Pool-worker initializer: Ctrl-C goes to the parent, which stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def codec_fingerprint():
    """The fingerprint of the codec sources this worker runs (must match the client's)."""
    from .._kernel_cache import fingerprint
    return fingerprint()


def load_bytes(data):
    """An image file's bytes -> LoadedImage (an unreadable image gives its error, not a raise)."""
    import io
    from ..errors import CodecError
    from ..imageio import load_rgb
    try:
        rgb, notes = load_rgb(io.BytesIO(data))
        return LoadedImage(rgb, notes, None)
    except CodecError as e:
        return LoadedImage(None, [], str(e))


def image(src):
    """(rgb, notes) of a source: a path, read here once per worker, or a LoadedImage."""
    from ..errors import InvalidImageError
    if isinstance(src, LoadedImage):
        if src.error is not None:
            raise InvalidImageError(src.error)
        return src.rgb, src.notes
    if src not in _LOADED:
        from ..imageio import load_rgb
        _LOADED.clear()
        _LOADED[src] = load_rgb(src)
    return _LOADED[src]


def message(e):
    """One line for an error: the codec's own message, or the exception's type and text."""
    from ..errors import CodecError
    return str(e) if isinstance(e, CodecError) else f"{type(e).__name__}: {e}"


def probe(src):
    """{ok, pixels, shape, notes} of an image the encoder takes, or {ok: False, error}."""
    try:
        from ..enc.encoder import as_rgb
        rgb, notes = image(src)
        as_rgb(rgb)                         # the encoder's own size/type checks
        return dict(ok=True, pixels=int(rgb.shape[0] * rgb.shape[1]), shape=rgb.shape[:2],
                    notes=notes)
    except Exception as e:                  # reported per file, never stops the folder
        return dict(ok=False, error=message(e))


def encode(src, lam, chroma, tune, dep_quant, effort, want_msssim):
    """One encode of an image: {data, sse, msssim (NaN unless wanted), colour, seconds}."""
    from ..enc.config_enc import EncoderConfig
    from ..enc.encoder import encode_image
    from .metrics import ms_ssim
    rgb, _ = image(src)
    t = time.perf_counter()
    r = encode_image(rgb, EncoderConfig(lam=lam, chroma=chroma, tune=tune, dep_quant=dep_quant,
                                        effort=effort))
    dt = time.perf_counter() - t
    m = ms_ssim(rgb, r.recon) if want_msssim else float("nan")
    return dict(data=r.data, sse=r.sse, msssim=m, colour=r.colour, seconds=dt)


def verify(src, data, name):
    """Decode a written stream and score it against its image: {sse, msssim, nbytes, seconds}."""
    from ..dec.decoder import decode
    from .metrics import score_image
    rgb, _ = image(src)
    t = time.perf_counter()
    out = decode(data)
    dt = time.perf_counter() - t
    s = score_image(os.path.basename(name), rgb, out, len(data))
    return dict(sse=s.sse, msssim=s.msssim, nbytes=len(data), seconds=dt)

"""Codec adapters for the peer benchmark (`tools/bench.py`).

One small adapter per codec configuration:

    prepare(rgb) -> object        # untimed input conversion (PIL image, HeifFile ...)
    encode(prepared, value) -> bytes   # the timed encoder call, one setting
    decode(data) -> uint8 (h, w, 3)     # the timed decoder call
    version() -> str
    available() -> None, or a one-line reason why the codec cannot run here

Every encoder and decoder runs single-threaded (`single_thread()` sets the
decoder-side thread knobs of the libraries once per process).  The files
are the whole files a user would store (.jpg, .webp, .j2k codestream, .heic,
.avif, bare .jxl codestream, LDC .bin), so bpp counts every byte.
"""
import hashlib
import io
import os
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --- sweeps ------------------------------------------------------------------
# Each sweep spans about 0.05..3 bpp on photographs (checked on the dev
# corpus) with denser steps near the two CLIC operating points (0.15 bpp;
# PSNR 40 dB / MS-SSIM 0.993 near 0.6-1.3 bpp).

JPEG_QUALITIES = (1, 3, 5, 8, 10, 15, 20, 25, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 98)
JPEG444_QUALITIES = (3, 5, 8, 10, 15, 20, 30, 40, 50, 60, 70, 75, 80, 85, 88, 90, 92, 95, 98)
WEBP_QUALITIES = (0, 3, 6, 10, 15, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 98, 100)
J2K_BPPS = (0.04, 0.06, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.0, 1.4, 2.0,
            2.8, 4.0)
HEIF_QUALITIES = (5, 12, 18, 24, 26, 28, 30, 34, 38, 42, 46, 50, 54, 56, 58, 62, 66, 72, 80)
AVIF_QUALITIES = (5, 12, 20, 28, 31, 33, 36, 44, 50, 56, 62, 68, 74, 76, 78, 80, 85, 90, 94)
# speed 3 costs ~10x speed 6: endpoints plus the two operating regions only
# (the dev-corpus per-image optima were q28-36 and q54-85)
AVIF_S3_QUALITIES = (10, 26, 30, 34, 40, 56, 63, 70, 77, 84, 92)
JXL_DISTANCES = (25.0, 21.0, 17.0, 13.0, 10.0, 7.5, 5.5, 4.0, 2.8, 2.0, 1.4, 1.0, 0.7, 0.5, 0.3,
                 0.2)
# LDC: lambda in RGB squared error per bit; factor sqrt(2) between 8 and 1024
# (lambda 1 is ~5 bpp and 4096 ~0.03 bpp on the dev corpus; 0.25-0.5 would only add 6-7 bpp points)
LDC_LAMBDAS = tuple([1.0, 2.0, 4.0] + [8.0 * 2.0 ** (k / 2) for k in range(15)] + [2048.0, 4096.0])


@dataclass(frozen=True)
class Peer:
    name: str
    description: str
    prefix: str                  # setting label = prefix + value ("q50", "d1.0", "lam64")
    settings: Tuple[float, ...]
    prepare: Callable
    encode: Callable
    decode: Callable
    version: Callable[[], str]
    available: Callable[[], Optional[str]]

    def label(self, value):
        return f"{self.prefix}{_fmt(value)}"


def _fmt(v):
    v = float(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.6g}"


# --- shared helpers -------------------------------------------------------------

def single_thread():
    """Per-process thread limits for the decoders (encoders take a per-call option)."""
    try:
        from PIL import AvifImagePlugin
        AvifImagePlugin.DEFAULT_MAX_THREADS = 1
    except ImportError:
        pass
    try:
        import pillow_heif
        pillow_heif.options.DECODE_THREADS = 1
        pillow_heif.options.THUMBNAILS = False
    except ImportError:
        pass


def _pil_image(rgb):
    from PIL import Image
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")


def _pil_save(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def _pil_decode(data):
    from PIL import Image
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        if im.mode != "RGB":
            im = im.convert("RGB")
        return np.asarray(im, dtype=np.uint8)


def _pil_feature(feature):
    """None if Pillow has the feature, else the reason."""
    try:
        from PIL import features
    except ImportError as e:
        return f"Pillow not importable ({e})"
    try:
        ok = features.check(feature)
    except ValueError:
        ok = False
    return None if ok else f"this Pillow build lacks {feature}"


def _pil_version(feature, lib):
    import PIL
    from PIL import features
    return f"Pillow {PIL.__version__}, {lib} {features.version(feature)}"


# --- JPEG (libjpeg-turbo) ---------------------------------------------------------

def _jpeg_encoder(subsampling):
    def enc(im, q):
        return _pil_save(im, "JPEG", quality=int(q), optimize=True, subsampling=subsampling)
    return enc


# --- WebP -------------------------------------------------------------------------

def _webp_encode(im, q):
    return _pil_save(im, "WEBP", quality=float(q), method=6, lossless=False)


# --- JPEG 2000 (OpenJPEG) -----------------------------------------------------------

def _j2k_encode(im, bpp):
    # rate control: compression ratio = 24 bits per pixel / target bpp
    return _pil_save(im, "JPEG2000", no_jp2=True, irreversible=True, mct=1,
                     quality_mode="rates", quality_layers=[24.0 / float(bpp)])


# --- HEIF / HEVC-intra (x265 via pillow-heif) ------------------------------------

def _heif_available():
    try:
        import pillow_heif
    except ImportError as e:
        return f"pillow-heif not installed ({e})"
    if not pillow_heif.libheif_info().get("encoders", {}).get("x265"):
        return "pillow-heif has no x265 encoder"
    return None


def _heif_prepare(rgb):
    import pillow_heif
    return pillow_heif.from_pillow(_pil_image(rgb))


def _heif_encoder(chroma, tune=None):
    # x265:pools=1 -> one worker thread; output is byte-identical to the default pool
    params = {"x265:pools": "1"}
    if tune:
        params["tune"] = tune

    def enc(hf, q):
        b = io.BytesIO()
        hf.save(b, format="HEIF", quality=int(q), chroma=chroma, enc_params=dict(params))
        return b.getvalue()
    return enc


def _heif_decode(data):
    import pillow_heif
    hf = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
    a = np.asarray(hf)
    if a.ndim != 3 or a.shape[2] != 3:
        a = np.asarray(_pil_image_from_heif(hf))
    return np.ascontiguousarray(a[:, :, :3], dtype=np.uint8)


def _pil_image_from_heif(hf):
    return hf.to_pillow().convert("RGB")


def _heif_version():
    import pillow_heif
    info = pillow_heif.libheif_info()
    return (f"pillow-heif {pillow_heif.__version__}, libheif {info.get('libheif')}, "
            f"{info.get('encoders', {}).get('x265')}, {', '.join(info.get('decoders', {}).values())}")


# --- AVIF (libaom via Pillow) --------------------------------------------------------

def _avif_encoder(subsampling, speed, tune=None):
    def enc(im, q):
        kw = dict(quality=int(q), speed=speed, subsampling=subsampling, max_threads=1)
        if tune:
            kw["advanced"] = {"tune": tune}
        return _pil_save(im, "AVIF", **kw)
    return enc


def _avif_version():
    import PIL
    from PIL import features
    try:
        from PIL import _avif
        codecs = _avif.codec_versions()
    except (ImportError, AttributeError):
        codecs = "?"
    return f"Pillow {PIL.__version__}, libavif {features.version('avif')}, {codecs}"


# --- JPEG XL (libjxl via imagecodecs) ---------------------------------------------

def _jxl_available():
    try:
        import imagecodecs
    except ImportError as e:
        return f"imagecodecs not installed ({e})"
    if not getattr(getattr(imagecodecs, "JPEGXL", None), "available", False):
        return "imagecodecs was built without libjxl"
    return None


def _jxl_encode(rgb, distance):
    import imagecodecs
    return bytes(imagecodecs.jpegxl_encode(rgb, effort=7, distance=float(distance), numthreads=1))


def _jxl_decode(data):
    import imagecodecs
    a = imagecodecs.jpegxl_decode(data, numthreads=1)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    return np.ascontiguousarray(a[:, :, :3], dtype=np.uint8)


def _jxl_version():
    import imagecodecs
    return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.jpegxl_version()}"


# --- LDC (this codec) ----------------------------------------------------------------

def codec_fingerprint(root=REPO):
    """sha256 over every .py file of the codec package (sub-packages included),
    as the kernel cache computes it; first 12 hex digits."""
    from codec._kernel_cache import fingerprint
    return fingerprint(os.path.join(root, "codec"))[:12]


def _ldc_available():
    try:
        import codec  # noqa: F401
    except ImportError as e:
        return f"codec package not importable ({e})"
    return None


def _ldc_encoder(effort):
    def encode(rgb, lam):
        import codec
        return codec.encode_image(rgb, codec.EncoderConfig(lam=float(lam), effort=effort)).data
    return encode


def _ldc_decode(data):
    import codec
    return codec.decode(data)


def ldc_version(fingerprint=None):
    """Version string of LDC; the fingerprint of codec/**/*.py is part of it."""
    try:
        from importlib.metadata import version
        v = version("ldc-codec")
    except Exception:      # not installed as a distribution: the source tree still works
        v = "?"
    return f"ldc-codec {v}, codec fingerprint {fingerprint or codec_fingerprint()}"


def _identity(x):
    return x


# --- the registry -----------------------------------------------------------------

def _jpeg_peer(name, subsampling, chroma, settings):
    return Peer(name, f"libjpeg-turbo via Pillow, baseline, optimize=True (Huffman), {chroma}, "
                      "quality sweep",
                "q", settings, _pil_image, _jpeg_encoder(subsampling), _pil_decode,
                lambda: _pil_version("libjpeg_turbo", "libjpeg-turbo"),
                lambda: _pil_feature("jpg"))


def _heif_peer(name, chroma, tune=None):
    t = f"tune={tune} (enc_params)" if tune else "default tune (libheif: ssim)"
    return Peer(name, f"HEVC-intra: x265 via pillow-heif/libheif, chroma {chroma}, libheif default "
                      f"preset (slow), {t}, 1 x265 thread (x265:pools=1), quality sweep; "
                      "libde265 decode, 1 thread",
                "q", HEIF_QUALITIES, _heif_prepare, _heif_encoder(chroma, tune), _heif_decode,
                _heif_version, _heif_available)


def _avif_peer(name, subsampling, speed, settings, tune=None):
    t = f"advanced tune={tune}" if tune else "libavif default tune"
    return Peer(name, f"AVIF: libaom via Pillow (libavif), {subsampling}, speed {speed}, {t}, "
                      "max_threads=1, quality sweep; dav1d decode, 1 thread",
                "q", settings, _pil_image, _avif_encoder(subsampling, speed, tune), _pil_decode,
                _avif_version, lambda: _pil_feature("avif"))


PEERS = {p.name: p for p in [
    _jpeg_peer("jpeg420", 2, "4:2:0", JPEG_QUALITIES),
    _jpeg_peer("jpeg444", 0, "4:4:4", JPEG444_QUALITIES),
    Peer("webp", "libwebp via Pillow, lossy, method=6, quality sweep (always 4:2:0)",
         "q", WEBP_QUALITIES, _pil_image, _webp_encode, _pil_decode,
         lambda: _pil_version("webp", "libwebp"), lambda: _pil_feature("webp")),
    Peer("jpeg2000", "OpenJPEG via Pillow, raw .j2k codestream, irreversible 9/7 wavelet + ICT "
                     "(mct=1), one quality layer rate-controlled to the target bpp "
                     "(quality_mode='rates', quality_layers=[24/bpp])",
         "bpp", J2K_BPPS, _pil_image, _j2k_encode, _pil_decode,
         lambda: _pil_version("jpg_2000", "OpenJPEG"), lambda: _pil_feature("jpg_2000")),
    _heif_peer("heif420", "420"),
    _heif_peer("heif444", "444"),
    _heif_peer("heif444_psnr", "444", tune="psnr"),
    _avif_peer("avif420", "4:2:0", 6, AVIF_QUALITIES),
    _avif_peer("avif444", "4:4:4", 6, AVIF_QUALITIES),
    _avif_peer("avif444_s3_psnr", "4:4:4", 3, AVIF_S3_QUALITIES, tune="psnr"),
    Peer("jxl", "JPEG XL: libjxl via imagecodecs, VarDCT lossy, effort 7, bare codestream, "
                "distance sweep, numthreads=1",
         "d", JXL_DISTANCES, _identity, _jxl_encode, _jxl_decode, _jxl_version, _jxl_available),
    Peer("ldc", "LDC (this codec): codec.encode_image with EncoderConfig(lam=L) (chroma auto, "
                "deblocking on), lambda sweep; codec.decode",
         "lam", LDC_LAMBDAS, _identity, _ldc_encoder("slow"), _ldc_decode, ldc_version,
         _ldc_available),
    Peer("ldc_max", "LDC at its slowest search (encode.py --effort max, the same format): "
                    "codec.encode_image with EncoderConfig(lam=L, effort='max') (chroma auto, "
                    "deblocking on), lambda sweep; codec.decode",
         "lam", LDC_LAMBDAS, _identity, _ldc_encoder("max"), _ldc_decode, ldc_version,
         _ldc_available),
]}
# LDC's rows: versioned by the fingerprint of codec/**/*.py, and each with its own track searches
LDC_PEERS = ("ldc", "ldc_max")

# Peers that cannot be measured in this environment at all, with the reason.
NOT_AVAILABLE = {
    "mozjpeg": "not available: no PyPI package provides the lossy mozjpeg encoder "
               "(mozjpeg-lossless-optimization only re-optimises existing JPEGs)",
}

# Peers whose extra encoder option is checked at run time: it must change the bitstream.
OPTION_CHECKED = ("heif444_psnr", "avif444_s3_psnr")


def check_option(name, rgb):
    """Does the peer's extra option change the bytes?  Returns (changed, note)."""
    if name == "heif444_psnr":
        p = PEERS[name]
        prep = p.prepare(rgb)
        a = p.encode(prep, 50)
        b = PEERS["heif444"].encode(PEERS["heif444"].prepare(rgb), 50)
        return a != b, "x265 tune=psnr vs default at q50"
    if name == "avif444_s3_psnr":
        im = _pil_image(rgb)
        a = _avif_encoder("4:4:4", 3, "psnr")(im, 50)
        b = _avif_encoder("4:4:4", 3, None)(im, 50)
        return a != b, "libaom tune=psnr vs default tune at speed 3, q50"
    raise KeyError(f"no option check for {name}")

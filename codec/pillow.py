"""A Pillow plugin for LDC files.

    import codec.pillow
    codec.pillow.register()
    im = Image.open("photo.bin")             # recognised by its magic, whatever the name
    im.save("photo.ldc", quality=80)          # or lam=..., chroma=..., effort=..., tune=...

Opening reads and checks the header only; the pixels are decoded on load()
(im.load(), im.getpixel(), conversions...).  A file that is not a valid
stream raises Pillow's usual errors (PIL.UnidentifiedImageError for a bad
header, OSError for a bad payload) carrying the codec's message.  Saving
converts the image to RGB as encode.py does (grey to R=G=B, alpha dropped,
palette expanded, 16-bit reduced) and reports each conversion as a
warning, as encode.py prints a note.  Other formats are unaffected.
"""
import warnings

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from .common import container
from .common.constants import MAGIC
from .errors import CodecError

FORMAT = "LDC"
EXTENSION = ".ldc"
SAVE_OPTIONS = ("quality", "lam", "chroma", "effort", "tune", "dep_quant", "deblock", "restore")


def _accept(prefix):
    return prefix[:len(MAGIC)] == MAGIC


class LdcImageFile(ImageFile.ImageFile):
    format = FORMAT
    format_description = "LDC (Lagrangian block-DCT codec)"

    def _open(self):
        head = self.fp.read(container.HEADER_SIZE)
        try:
            h = container.parse_header(head)
        except CodecError as e:
            # raised as is, not as SyntaxError: Pillow would swallow the message
            raise UnidentifiedImageError(f"LDC: {e}") from None
        self._size = (h.width, h.height)
        self._mode = "RGB"
        self.tile = [ImageFile._Tile(FORMAT, (0, 0) + self.size, 0, None)]


class LdcDecoder(ImageFile.PyDecoder):
    """Decodes the whole file at once (the stream is not tiled)."""
    _pulls_fd = True

    def decode(self, buffer):
        from . import decode
        self.fd.seek(0)
        try:
            rgb = decode(self.fd.read())
        except CodecError as e:
            raise OSError(f"LDC: {e}") from None
        self.set_as_raw(np.ascontiguousarray(rgb).tobytes())
        return -1, 0


def _save(im, fp, filename):
    from . import EncoderConfig, encode
    from .imageio import to_rgb
    options = {k: v for k, v in im.encoderinfo.items() if k in SAVE_OPTIONS}
    notes = []
    rgb = to_rgb(im, notes)
    for note in notes:
        warnings.warn(f"LDC: {note}", stacklevel=4)
    fp.write(encode(rgb, config=EncoderConfig(**options)))


def register():
    """Make Image.open recognise LDC files and Image.save write them (.ldc,
    or format="LDC").  Safe to call more than once."""
    Image.register_open(FORMAT, LdcImageFile, _accept)
    Image.register_save(FORMAT, _save)
    Image.register_extension(FORMAT, EXTENSION)
    Image.register_mime(FORMAT, "image/x-ldc")
    Image.register_decoder(FORMAT, LdcDecoder)

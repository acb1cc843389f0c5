"""The decoder stands on its own: it imports nothing of the encoder, the
set-level tools or scipy, and every module it loads is Python 3.6 code (the
CLIC 2019 runtime: tests/test_clic2019.py runs them there)."""
import ast
import json
import os
import subprocess
import sys

import pytest

from codec.common.constants import FORMAT_VERSION
from tools.submission import ENCODER_SIDE, decoder_files

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODEC = os.path.join(REPO, "codec")
STREAM = os.path.join(REPO, "tests", "data", f"v{FORMAT_VERSION}_c444_96x120_q70.bin")

# What decoding loads, in a fresh interpreter: the codec modules, and which
# file asked for each scipy module (numba imports scipy itself when it is
# installed: to check its version, and for BLAS when it compiles).
PROBE = r"""
import json, sys, traceback
sys.path.insert(0, {repo!r})

class Watch:
    importers = {{}}
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "scipy":
            frames = [f.filename for f in traceback.extract_stack()[:-1]
                      if not f.filename.startswith("<frozen")]
            self.importers.setdefault(name, frames[-1])
        return None

sys.meta_path.insert(0, Watch())
import decode as cli
import codec
from codec.imageio import save_png
rgb = codec.decode(open({stream!r}, "rb").read())
cli.plan([{stream!r}], ".")
print(json.dumps(dict(codec=sorted(m for m in sys.modules if m.split(".")[0] == "codec"),
                      scipy_importers=sorted(set(Watch.importers.values())))))
"""


@pytest.fixture(scope="module")
def loaded():
    r = subprocess.run([sys.executable, "-c", PROBE.format(repo=REPO, stream=STREAM)],
                       capture_output=True, text=True, timeout=600, cwd=REPO)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def _encoder_side(module):
    """Is codec.X... (a module name) in a part the zip leaves out?"""
    parts = module.split(".")
    return parts[0] == "codec" and len(parts) > 1 and (
        parts[1] in ENCODER_SIDE or parts[1] + ".py" in ENCODER_SIDE)


def test_decoding_loads_no_encoder_side_module(loaded):
    assert "codec.dec.decoder" in loaded["codec"]
    bad = [m for m in loaded["codec"] if _encoder_side(m)]
    assert not bad, f"decoding imported {bad}"


def _ours(path):
    """A file of this repository's own code (not of a virtualenv created in the clone)."""
    real = os.path.realpath(path)
    return real.startswith(REPO + os.sep) and os.sep + "site-packages" + os.sep not in real


def test_decoding_loads_no_scipy_of_its_own(loaded):
    ours = [f for f in loaded["scipy_importers"] if _ours(f)]
    assert not ours, f"scipy imported by {ours}"


def test_the_zip_ships_every_module_decoding_loads(loaded):
    shipped = {arc[:-3].replace("/", ".").replace(".__init__", "")
               for arc, _ in decoder_files() if arc.endswith(".py")}
    assert set(loaded["codec"]) <= shipped, set(loaded["codec"]) - shipped


def _imports(path):
    """(dotted module, line) of every import in a file, relative ones resolved
    against the codec package."""
    tree = ast.parse(open(path).read(), path)
    pkg = os.path.relpath(os.path.dirname(path), REPO).split(os.sep)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:         # from . import x: x is a module
                    out += [(f"{mod}.{a.name}", node.lineno) for a in node.names]
                    continue
            else:
                mod = node.module
            out.append((mod, node.lineno))
    return out


def _decoder_side_sources():
    return [(arc, src) for arc, src in decoder_files() if src.endswith(".py")
            or arc == "decode"]


def test_decoder_side_sources_import_no_encoder_side():
    """Static check over every file the zip ships, including imports inside
    functions (which the probe above only sees if they run)."""
    for arc, src in _decoder_side_sources():
        for mod, line in _imports(src):
            assert not _encoder_side(mod), f"{arc}:{line} imports {mod}"
            assert mod.split(".")[0] not in ("scipy", "tools", "encode"), \
                f"{arc}:{line} imports {mod}"


def test_common_part_imports_neither_side():
    for root, _, files in os.walk(os.path.join(CODEC, "common")):
        for f in files:
            if f.endswith(".py"):
                for mod, line in _imports(os.path.join(root, f)):
                    assert not mod.startswith(("codec.dec", "codec.enc", "codec.sets")), \
                        f"common/{f}:{line} imports {mod}"


# Standard-library modules newer than Python 3.6
NEWER_THAN_36 = {"dataclasses", "contextvars", "importlib.metadata", "importlib.resources",
                 "graphlib", "zoneinfo", "tomllib"}


@pytest.mark.parametrize("arc,src", _decoder_side_sources(), ids=lambda v: str(v))
def test_decoder_side_is_python36(arc, src):
    text = open(src).read()
    tree = ast.parse(text, src, feature_version=(3, 6))   # 3.7+ grammar (walrus, ...) fails here
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            assert all(a.name != "annotations" for a in node.names), f"{arc}: __future__ annotations"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.args.posonlyargs:
            pytest.fail(f"{arc}:{node.lineno}: positional-only parameters")
    for mod, line in _imports(src):
        assert mod not in NEWER_THAN_36, f"{arc}:{line} imports {mod} (Python 3.7+)"


def test_every_codec_file_is_either_shipped_or_encoder_side():
    shipped = {os.path.normpath(src) for _, src in decoder_files()}
    for root, dirs, files in os.walk(CODEC):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = os.path.relpath(root, CODEC).split(os.sep)[0]
        for f in files:
            if f.endswith(".py"):
                path = os.path.normpath(os.path.join(root, f))
                left_out = rel in ENCODER_SIDE or (rel == "." and f in ENCODER_SIDE)
                assert (path in shipped) != left_out, path

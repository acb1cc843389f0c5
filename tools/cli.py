"""Shared pieces of the tools' command lines."""
import argparse
import os
import sys

from codec.imageio import png_files


def doc_parser(prog, doc):
    """An ArgumentParser whose description is the first paragraph of a
    module docstring and whose epilog is the rest (shown verbatim)."""
    return argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0],
                                   epilog=doc.split("\n\n", 1)[1],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def png_paths(paths):
    """Image files named directly (any format Pillow reads) and the PNG files
    of the given folders (sorted per folder), in the order given."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            out += png_files(p)
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return out


def folder_images_or_error(folder, tool):
    """The PNG files of a folder (png_files), or None after one error line on
    stderr (no such folder, or no PNG in it)."""
    if not os.path.isdir(folder):
        print(f"{tool}: input folder not found: {folder}", file=sys.stderr)
        return None
    paths = png_files(folder)
    if not paths:
        print(f"{tool}: no .png files in {folder}", file=sys.stderr)
        return None
    return paths


def images_or_error(paths, tool):
    """png_paths(paths), or None after one error line on stderr (a missing
    path, or no image at all)."""
    try:
        files = png_paths(paths)
    except FileNotFoundError as e:
        print(f"{tool}: {e}", file=sys.stderr)
        return None
    if not files:
        print(f"{tool}: no images given (folders are searched for .png files)", file=sys.stderr)
        return None
    return files

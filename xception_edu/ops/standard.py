"""The regular convolution (Sec. 1.1): one kernel maps cross-channel and spatial correlations jointly."""
from __future__ import annotations

import torch.nn as nn

from .. import counting
from .._validate import in_out, odd_kernel, positive_int


class StandardConv(nn.Conv2d):
    """A regular convolution (Sec. 1.1): each of the Cout kernels has shape Cin x k x k, so a single
    kernel maps cross-channel and spatial correlations jointly.

    ``padding='same'`` (odd k) keeps the size; ``'valid'`` shrinks it by k-1, as in Xception's stem.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 padding: str = "same", bias: bool = False):
        in_out(in_channels, out_channels)
        positive_int("stride", stride)
        if padding == "same":
            pad = odd_kernel(kernel_size) // 2
        elif padding == "valid":
            pad = positive_int("kernel_size", kernel_size) and 0
        else:
            raise ValueError(f"padding={padding!r} is not 'same' or 'valid'")
        super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=pad, bias=bias)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        k, s, p = self.kernel_size[0], self.stride[0], self.padding[0]
        return (height + 2 * p - k) // s + 1, (width + 2 * p - k) // s + 1

    def counts(self, height: int, width: int) -> counting.Counts:
        return counting.standard(self.in_channels, self.out_channels, self.kernel_size[0],
                                 self.output_size(height, width), bias=self.bias is not None)

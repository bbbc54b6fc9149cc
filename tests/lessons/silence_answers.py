"""Answers to 08.silence_body written as a learner might: each changes weights of a Fig. 5 block (wrong
ones for ``wrong_answers.py``, a right one written otherwise for ``right_answers.py``)."""
import copy

import torch
import torch.nn as nn


def _bns(block):
    return [m for m in block.body.modules() if isinstance(m, nn.BatchNorm2d)]


def zeroing(*names, pick=lambda bns: bns[-1]):
    """Zero the tensors ``names`` of one BN of the body (the last, or the one ``pick`` chooses)."""
    def silence_body(block):
        with torch.no_grad():
            for name in names:
                getattr(pick(_bns(block)), name).zero_()
        return block
    return silence_body


def zero_everything(block):  # the shortcut's weights too
    with torch.no_grad():
        for p in block.parameters():
            p.zero_()
    return block


def zero_body_convs(block):  # the convs of the body, not the BN after them
    with torch.no_grad():
        for m in block.body.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.zero_()
    return block


def zero_last_child(block):  # right where the body ends with its BN; an entry block ends with a pool
    with torch.no_grad():
        block.body[-1].weight.zero_()
        block.body[-1].bias.zero_()
    return block


def forgets_return(block):
    zeroing("weight", "bias")(block)


def silenced_copy(block):  # right: a copy, silenced with nn.init
    block = copy.deepcopy(block)
    nn.init.zeros_(_bns(block)[-1].weight)
    nn.init.zeros_(_bns(block)[-1].bias)
    return block

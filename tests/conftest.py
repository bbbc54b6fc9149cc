"""Shared by every test module."""
import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    """The tests use small tensors: one thread is about as fast, and on a shared machine it avoids the
    many-fold slowdown of OpenMP threads waiting for a core another process holds. Notebooks run in their
    own kernels and subprocess tests set OMP_NUM_THREADS themselves."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

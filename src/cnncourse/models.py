"""Facts about PyTorch modules that the book quotes: parameter counts.

Nothing here imports PyTorch: the functions take any object with PyTorch's module interface.
"""

from __future__ import annotations

__all__ = ["n_params"]


def n_params(module, trainable_only: bool = True) -> int:
    """Number of parameters (weights and biases) of a module, counted once each even when shared.

    ``trainable_only`` (the default) counts those with ``requires_grad``, the ones an optimiser updates;
    frozen layers then count for nothing. Buffers (batch norm's running statistics) are not parameters.
    Works on modules on the ``meta`` device too (shapes only, no memory).
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)

"""n_params counts weights and biases once each, trainable ones by default, buffers never."""

from __future__ import annotations

import torch.nn as nn

from cnncourse.models import n_params


def test_counts_weights_and_biases():
    assert n_params(nn.Linear(3, 2)) == 3 * 2 + 2
    assert n_params(nn.Conv2d(3, 16, 3)) == 16 * 3 * 3 * 3 + 16
    assert n_params(nn.Conv2d(3, 16, 3, device="meta")) == 16 * 3 * 3 * 3 + 16


def test_frozen_parameters_count_only_when_asked():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    model[0].requires_grad_(False)
    assert n_params(model) == 3 * 2 + 2
    assert n_params(model, trainable_only=False) == (4 * 3 + 3) + (3 * 2 + 2)


def test_shared_parameters_count_once_and_buffers_not_at_all():
    layer = nn.Linear(5, 5)
    assert n_params(nn.Sequential(layer, nn.ReLU(), layer)) == 5 * 5 + 5
    bn = nn.BatchNorm2d(8)  # weight and bias; running mean and variance are buffers
    assert n_params(bn) == 16

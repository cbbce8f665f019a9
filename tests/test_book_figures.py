"""The book's drawings of tensors (cnncourse.plotting's cuboids, pipelines and volume convolutions) put the
shapes they are given on the axes, to one scale."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402

from cnncourse import plotting  # noqa: E402
from cnncourse.plotting import draw_cuboid, draw_pipeline, draw_volume_convolution  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_cuboid_front_face_and_depth_are_to_scale(ax):
    side, top, front = draw_cuboid(ax, 2.0, 1.0, 16, 28, 28)
    assert np.allclose(front.get_xy()[:4], [(2, 1), (18, 1), (18, 29), (2, 29)])
    dx, dy = plotting._oblique(28)
    assert np.hypot(dx, dy) == pytest.approx(28 * plotting.DEPTH_SCALE)
    assert np.allclose(top.get_xy()[2], (18 + dx, 29 + dy))
    assert np.allclose(side.get_xy()[1], (18 + dx, 1 + dy))


def test_cuboid_grid_rules_one_cell_per_pixel(ax):
    draw_cuboid(ax, 0, 0, 5, 4, 1, grid=(4, 5))
    assert len(ax.lines) == (4 - 1) + (5 - 1)


def test_pipeline_draws_each_tensor_with_its_shape_and_each_operation(ax):
    stages = [("image", (1, 28, 28)), "conv 3×3", ("", (16, 28, 28)), "max pool", ("", (16, 14, 14)),
              "flatten", ("", (3136,)), "linear", ("class scores", (10,))]
    extents = draw_pipeline(ax, stages, max_height=40)
    shown = texts(ax)
    for label in ["1 × 28 × 28", "16 × 28 × 28", "16 × 14 × 14", "3136\n(cut)", "10", "image", "class scores",
                  "conv 3×3", "max pool", "flatten", "linear"]:
        assert label in shown, f"{label!r} not drawn: {shown}"
    assert len(extents) == 5
    assert all(a < b for (_, a), (b, _) in zip(extents, extents[1:], strict=False)), "tensors overlap"
    polygons = [p for p in ax.patches if isinstance(p, Polygon)]
    fronts = polygons[2::3]                      # each cuboid: side, top, front
    widths = [np.ptp(f.get_xy()[:4, 0]) for f in fronts]
    heights = [np.ptp(f.get_xy()[:4, 1]) for f in fronts]
    assert widths == pytest.approx([1, 16, 16, 1, 1])           # channels, to scale
    assert heights == pytest.approx([28, 28, 14, 40, 10])       # pixels and entries; the long vector cut at 40


def test_pipeline_refuses_stages_that_do_not_alternate(ax):
    with pytest.raises(ValueError, match="alternate"):
        draw_pipeline(ax, [("a", (1, 2, 2)), ("b", (3,))])
    with pytest.raises(ValueError, match="shape"):
        draw_pipeline(ax, [("a", (1, 2))])


def test_volume_convolution_names_every_shape(ax):
    draw_volume_convolution(ax, (3, 7, 7), 3, (4, 5, 5), (1, 2))
    shown = " | ".join(texts(ax))
    for label in ["input 3 × 7 × 7", "kernel 3 × 3 × 3", "5 × 5", "4 kernels", "output 4 × 5 × 5"]:
        assert label in shown, f"{label!r} not drawn: {shown}"
    polygons = [p for p in ax.patches if isinstance(p, Polygon)]
    # input, its kernel, the feature map and its marked value, 4 kernels, 4 output maps: 3 faces each
    assert len(polygons) == 3 * (1 + 1 + 2 + 4 + 4)

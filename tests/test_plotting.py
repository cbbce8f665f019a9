"""The drawing helpers put what they promise on the axes, and animations come out as offline HTML."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from cnncourse.plotting import animation_html, draw_arrow, draw_box, draw_grid  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_draw_box_is_centred_with_its_text(ax):
    draw_box(ax, 4.0, 6.8, "3x3 conv", "lightsteelblue", width=4.4, fontsize=11)
    (box,) = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == pytest.approx((1.8, 6.35, 4.4, 0.9))
    assert box.get_facecolor() == pytest.approx(matplotlib.colors.to_rgba("lightsteelblue"))
    (text,) = ax.texts
    assert text.get_text() == "3x3 conv" and text.get_position() == (4.0, 6.8) and text.get_fontsize() == 11
    assert (text.get_ha(), text.get_va()) == ("center", "center")


def test_draw_arrow_points_from_start_to_end_with_its_style(ax):
    draw_arrow(ax, 8.2, 3.1, 4.95, 3.1, color="tab:red")
    (arrow,) = ax.texts  # an annotation without text
    assert arrow.xy == (4.95, 3.1) and arrow.xyann == (8.2, 3.1)
    assert arrow.arrowprops == {"arrowstyle": "-|>", "lw": 1.6, "color": "tab:red"}


def test_draw_grid_writes_each_value_and_leaves_nan_blank(ax):
    draw_grid(ax, np.array([[1.0, np.nan], [3.0, 4.0]]))
    assert sorted(t.get_text() for t in ax.texts) == ["1", "3", "4"]


def _animation(frames=3):
    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    anim = FuncAnimation(fig, lambda k: ax.set_title(str(k)), frames=frames, interval=100)
    return fig, anim


def test_animation_html_embeds_every_frame_and_fetches_nothing():
    fig, anim = _animation(frames=3)
    page = animation_html(anim)
    plt.close(fig)
    assert page.count("data:image/png;base64,") == 3
    assert "https://" not in page and "font-awesome" not in page and 'class="fa' not in page
    assert "&#x25B6;" in page and "||" in page  # play and pause, as plain characters
    assert re.search(r'value="loop"[^>]*checked', page), "default mode: loop"


def test_animation_html_refuses_a_page_that_still_needs_the_network():
    class Animation:  # what animation_html uses of a matplotlib animation
        def to_jshtml(self, default_mode):
            return '<script src="https://cdn.example/player.js"></script>'

    with pytest.raises(ValueError, match="network"):
        animation_html(Animation())

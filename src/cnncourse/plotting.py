"""Figures drawn by code, shared by the book and the exercises."""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["show_images", "draw_grid", "draw_sliding_window", "draw_box", "draw_arrow", "draw_cuboid", "draw_pipeline",
           "draw_volume_convolution", "animation_html"]


def show_images(images: Sequence[np.ndarray], titles: Sequence[str] | None = None, *, cmap: str = "gray",
                ncols: int | None = None, size: float = 3.0, symmetric: bool = False):
    """Show a row (or grid) of 2-D or (H, W, 3) images with titles; returns the figure.

    ``symmetric=True`` centres the colour map on zero (for filter responses, which have a sign).
    """
    import matplotlib.pyplot as plt

    images = list(images)
    n = len(images)
    ncols = ncols or n
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, image in enumerate(images):
        ax = axes.flat[i]
        kwargs = {}
        if image.ndim == 2:
            kwargs["cmap"] = "RdBu_r" if symmetric else cmap
            if symmetric:
                m = float(np.max(np.abs(image))) or 1.0
                kwargs.update(vmin=-m, vmax=m)
        ax.imshow(image, **kwargs)
        if titles is not None:
            ax.set_title(titles[i])
    fig.tight_layout()
    return fig


def draw_grid(ax, values: np.ndarray, *, highlight: tuple[int, int, int, int] | None = None,
              title: str | None = None, fmt: str = "{:g}", color: str = "tab:orange", cmap: str = "Blues"):
    """Draw a 2-D array as a grid of numbered cells; ``highlight=(row, col, height, width)`` frames a window.

    NaN cells are left blank (white, no number): use them for values not computed yet.
    """
    import matplotlib.patches as patches

    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    span = max(hi - lo, 1e-12)
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=lo - 0.15 * span, vmax=hi + 1.2 * span)
    for (r, c), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=11)
    ax.set_xlim(-0.5, values.shape[1] - 0.5)
    ax.set_ylim(values.shape[0] - 0.5, -0.5)
    ax.set_xticks(np.arange(-0.5, values.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, values.shape[0]), minor=True)
    ax.grid(which="minor", color="black", linewidth=0.8)
    ax.tick_params(which="both", bottom=False, left=False, labelbottom=False, labelleft=False)
    if highlight is not None:
        r, c, h, w = highlight
        ax.add_patch(patches.Rectangle((c - 0.5, r - 0.5), w, h, fill=False, edgecolor=color, linewidth=3))
    if title:
        ax.set_title(title)


def draw_sliding_window(image: np.ndarray, kernel: np.ndarray, output: np.ndarray, position: tuple[int, int],
                        *, axes=None):
    """Three panels: the input with the window at ``position``, the kernel, and the output filled in
    row by row up to the cell the window produces (framed). Returns the figure.

    The caller computes ``output`` (this module holds no convolution code).
    """
    import matplotlib.pyplot as plt

    kh, kw = kernel.shape
    i, j = position
    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(11, 3.8),
                                 gridspec_kw={"width_ratios": [image.shape[1], kw, output.shape[1]]})
    else:
        fig = axes[0].figure
    draw_grid(axes[0], image, highlight=(i, j, kh, kw), title="input")
    draw_grid(axes[1], kernel, title="kernel", cmap="Oranges")
    order = np.arange(output.size).reshape(output.shape)
    shown = np.where(order <= i * output.shape[1] + j, output, np.nan)
    draw_grid(axes[2], shown, highlight=(i, j, 1, 1), title="output")
    fig.tight_layout()
    return fig


def draw_box(ax, x: float, y: float, text: str, colour: str = "white", *, width: float = 4.0,
             height: float = 0.9, fontsize: float = 12):
    """A rounded box of ``width`` x ``height`` centred on (x, y), with ``text`` in it: a layer in a block diagram.

    Draw in data coordinates on an axes whose limits you set (and whose frame you turn off).
    """
    import matplotlib.patches as patches

    ax.add_patch(patches.FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.1",
                                        facecolor=colour, edgecolor="black"))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def draw_arrow(ax, x0: float, y0: float, x1: float, y1: float, **arrowprops):
    """An arrow from (x0, y0) to (x1, y1) with a filled head; ``arrowprops`` (``color=...``) styles it."""
    ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="-|>", lw=1.6, **arrowprops))


# Oblique (cabinet) projection: the depth axis is drawn at DEPTH_ANGLE degrees and shortened by DEPTH_SCALE.
DEPTH_ANGLE = 40.0
DEPTH_SCALE = 0.5


def _oblique(depth: float) -> tuple[float, float]:
    a = np.deg2rad(DEPTH_ANGLE)
    return depth * DEPTH_SCALE * np.cos(a), depth * DEPTH_SCALE * np.sin(a)


def draw_cuboid(ax, x: float, y: float, width: float, height: float, depth: float, colour="lightsteelblue", *,
                edgecolor="black", alpha: float = 1.0, grid: tuple[int, int] | None = None, linewidth: float = 0.8,
                zorder: float = 1.0):
    """A box of ``width`` x ``height`` x ``depth`` in oblique projection: the front face's lower-left corner at
    (x, y), the depth axis receding up and to the right (at DEPTH_ANGLE degrees, shortened by DEPTH_SCALE, the
    cabinet convention). Every length is in data units, so boxes drawn on one axes are to one scale.

    ``grid=(rows, cols)`` rules the front face into cells (one per pixel). Returns the three face polygons.
    """
    import matplotlib.colors as mcolors
    from matplotlib.patches import Polygon

    dx, dy = _oblique(depth)
    rgb = np.array(mcolors.to_rgb(colour))
    front = [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
    top = [(x, y + height), (x + width, y + height), (x + width + dx, y + height + dy), (x + dx, y + height + dy)]
    side = [(x + width, y), (x + width + dx, y + dy), (x + width + dx, y + height + dy), (x + width, y + height)]
    faces = []
    for corners, shade in ((side, 0.7), (top, 0.85), (front, 1.0)):
        faces.append(ax.add_patch(Polygon(corners, closed=True, facecolor=rgb * shade, edgecolor=edgecolor,
                                          alpha=alpha, linewidth=linewidth, zorder=zorder)))
    if grid is not None:
        rows, cols = grid
        for r in range(1, rows):
            ax.plot([x, x + width], [y + r * height / rows] * 2, color=edgecolor, lw=0.3, zorder=zorder)
        for c in range(1, cols):
            ax.plot([x + c * width / cols] * 2, [y, y + height], color=edgecolor, lw=0.3, zorder=zorder)
    return faces


def _times(shape) -> str:
    return " × ".join(str(int(n)) for n in shape)


def draw_pipeline(ax, stages, *, x: float = 0.0, y: float = 0.0, spacing: float = 16.0,
                  max_height: float | None = None, colours: dict | None = None, fontsize: float = 9):
    """A network drawn as the tensors it computes, to scale, left to right, with the operations between them.

    ``stages`` alternates tensors and operations: ``[(name, shape), "operation", (name, shape), ...]``. A tensor
    of shape (C, H, W) is a box C wide (channels along the pipeline), H high and W deep (oblique, see
    ``draw_cuboid``): one data unit per channel and per pixel, so the boxes are to one scale. A vector, shape
    (n,), is a column 1 wide and n high; one longer than ``max_height`` (default: twice the tallest box) is drawn
    cut at that height, with a break mark, and "(cut)" after its length. Each tensor is centred vertically on
    ``y``, its shape written under it and its ``name`` (if any) over it; an operation's name (``\n`` for a
    second line) is written over the arrow that leads to its result. ``colours`` maps a name to a colour.

    Returns the list of (left, right) extents of the tensors in data units (to start a branch under one).
    """
    tensors = stages[0::2]
    ops = stages[1::2]
    if len(ops) != len(tensors) - 1:
        raise ValueError("stages must alternate tensors and operations, starting and ending with a tensor")
    heights = [shape[1] for _, shape in tensors if len(shape) == 3]
    max_height = max_height or 2 * max(heights or [10])
    colours = colours or {}
    extents = []
    for i, (name, shape) in enumerate(tensors):
        colour = colours.get(name, "lightsteelblue" if len(shape) == 3 else "navajowhite")
        if len(shape) == 3:
            c, h, w = shape
            draw_cuboid(ax, x, y - h / 2, c, h, w, colour)
            dx, dy = _oblique(w)
            cut = False
        elif len(shape) == 1:
            cut = shape[0] > max_height
            h = min(shape[0], max_height)
            draw_cuboid(ax, x, y - h / 2, 1, h, 1, colour)
            dx, dy = _oblique(1)
            if cut:   # the break mark: a white band between two slanted lines across the column
                z = y + h / 6
                ax.fill_between([x - 1, x + 2.5], [z - 1, z + 0.5], [z + 1, z + 2.5], color="white", zorder=3)
                for z0 in (z - 1, z + 1):
                    ax.plot([x - 1, x + 2.5], [z0, z0 + 1.5], color="black", lw=0.8, zorder=3)
        else:
            raise ValueError(f"{name}: a shape (C, H, W) or (n,) is expected, not {shape}")
        right = x + (shape[0] if len(shape) == 3 else 1) + dx
        middle = (x + right) / 2
        ax.text(middle, y - h / 2 - 1.5, _times(shape) + ("\n(cut)" if cut else ""), ha="center", va="top",
                fontsize=fontsize)
        if name:
            ax.text(middle, y + h / 2 + dy + 1.5, name, ha="center", va="bottom", fontsize=fontsize, style="italic")
        extents.append((x, right))
        if i < len(ops):
            x = right + spacing
            draw_arrow(ax, right + 1, y, x - 1, y, color="dimgray")
            ax.text((right + x) / 2, y + 1.5, ops[i], ha="center", va="bottom", fontsize=fontsize)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.autoscale_view()
    return extents


def draw_volume_convolution(ax, in_shape, kernel_size: int, out_shape, position: tuple[int, int] = (0, 0), *,
                            colours: Sequence[str] | None = None, gap: float = 6.0, fontsize: float = 10):
    """How a convolutional layer turns a volume into a volume, in three steps from left to right, to scale:

    1. the input, ``in_shape = (C_in, H, W)`` (H x W on the front face, channels in depth), with one
       C_in x k x k kernel volume at the window ``position = (row, col)``;
    2. the one feature map, H_out x W_out, that this kernel makes as it slides, with the value it makes at
       ``position`` marked;
    3. the C_out kernel volumes of the layer and the output volume ``out_shape = (C_out, H_out, W_out)``
       that their C_out feature maps stack into, one colour per kernel and its map.

    The caller computes ``out_shape`` (this module holds no convolution code). Returns the figure.
    """
    c_in, h, w = in_shape
    c_out, h_out, w_out = out_shape
    k = kernel_size
    i, j = position
    colours = list(colours or ["tab:orange", "tab:green", "tab:purple", "tab:red", "tab:cyan", "tab:olive",
                               "tab:pink", "tab:brown"])
    colours = [colours[n % len(colours)] for n in range(c_out)]
    # 1. the input volume and the kernel at its window (drawn over it, all channels deep)
    draw_cuboid(ax, 0, 0, w, h, c_in, "lightsteelblue", grid=(h, w))
    draw_cuboid(ax, j, h - i - k, k, k, c_in, colours[0], alpha=0.75, zorder=2, linewidth=1.5)
    ax.text(w / 2, -1, f"input {_times(in_shape)}", ha="center", va="top", fontsize=fontsize)
    ax.text(j + k / 2, h + _oblique(c_in)[1] + 0.6, f"kernel {_times((c_in, k, k))}", ha="center", va="bottom",
            fontsize=fontsize, color=colours[0])
    # 2. the feature map it makes, one channel deep, with the value at `position`
    x1 = w + _oblique(c_in)[0] + gap
    y1 = (h - h_out) / 2
    draw_cuboid(ax, x1, y1, w_out, h_out, 1, "white", grid=(h_out, w_out))
    draw_cuboid(ax, x1 + j, y1 + h_out - i - 1, 1, 1, 1, colours[0], zorder=2)
    draw_arrow(ax, j + k + _oblique(c_in)[0] / 2, h - i - k / 2, x1 + j + 0.2, y1 + h_out - i - 0.5,
               color=colours[0])
    ax.text(x1 + w_out / 2, y1 - 1, f"one feature map\n{_times((h_out, w_out))}", ha="center", va="top",
            fontsize=fontsize)
    # 3. the C_out kernels and the output volume they make
    x2 = x1 + w_out + gap + 2
    step = k + _oblique(c_in)[1] + 0.5                   # kernels at full scale, one above the other
    bottom = h / 2 - (c_out * step - 0.5) / 2
    for n in range(c_out):
        draw_cuboid(ax, x2, bottom + (c_out - 1 - n) * step, k, k, c_in, colours[n], zorder=2 + n)
    ax.text(x2 + k / 2, bottom - 1, f"{c_out} kernels,\n{_times((c_in, k, k))} each", ha="center", va="top",
            fontsize=fontsize)
    x3 = x2 + k + _oblique(c_in)[0] + gap
    draw_arrow(ax, x2 + k + _oblique(c_in)[0], h / 2, x3 - 0.5, h / 2, color="dimgray")
    for n in reversed(range(c_out)):   # the back slice first, so that the front one covers it
        ox, oy = _oblique(n)
        draw_cuboid(ax, x3 + ox, y1 + oy, w_out, h_out, 1, colours[n], zorder=2 + c_out - n,
                    grid=(h_out, w_out) if n == 0 else None)
    ax.text(x3 + w_out / 2, y1 - 1, f"output {_times(out_shape)}\n(one map per kernel)", ha="center", va="top",
            fontsize=fontsize)
    ax.set_xlim(-1, x3 + w_out + _oblique(c_out)[0] + 1)
    ax.set_ylim(min(-4, bottom - 4), max(h + _oblique(max(c_in, c_out))[1] + 2, bottom + c_out * step + 1))
    ax.set_aspect("equal")
    ax.axis("off")
    return ax.figure


# to_jshtml()'s buttons are Font Awesome icons, from a stylesheet on a CDN; these characters replace them.
_BUTTON_LABELS = {"minus": "&minus;", "fast-backward": "|&#x25C0;&#x25C0;", "step-backward": "|&#x25C0;",
                  "play fa-flip-horizontal": "&#x25C0;", "pause": "||", "play": "&#x25B6;",
                  "step-forward": "&#x25B6;|", "fast-forward": "&#x25B6;&#x25B6;|", "plus": "+"}


def animation_html(anim, default_mode: str = "loop") -> str:
    """A matplotlib animation as one self-contained HTML page that works offline.

    ``anim.to_jshtml()`` embeds every frame as an inline base64 PNG, but its buttons use Font Awesome icons
    from a CDN: the stylesheet is dropped and the buttons are labelled with plain characters instead.
    Raises ``ValueError`` if anything would still be fetched from the network.
    """
    import re

    page = re.sub(r'<link rel="stylesheet"\s+href="https://[^"]*font-awesome[^"]*">', "",
                  anim.to_jshtml(default_mode=default_mode))
    page = re.sub(r'<i class="fa fa-([a-z -]+)"></i>', lambda m: _BUTTON_LABELS[m.group(1)], page)
    if "https://" in page or 'class="fa' in page:
        raise ValueError("the animation's HTML still refers to the network or to Font Awesome icons")
    return page

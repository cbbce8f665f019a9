"""Figures drawn by code, shared by the book and the exercises."""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["show_images", "draw_grid", "draw_sliding_window", "draw_box", "draw_arrow", "animation_html"]


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

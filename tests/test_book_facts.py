"""Errors found in one reading of the book (issue 13), kept fixed.

Each test reads a chapter's source as text and fails on the text that had the error. The numbers
themselves are kept right by the asserts inside the chapters' cells, which fail the build; where a test
needs the executed result it reads the built HTML in book/_build/html, after the session's one book build
(the expensive step "book" of tests/bookbuild.py; those tests are slow).
"""

import html
import re
from pathlib import Path

import pytest

import bookbuild  # noqa: F401  (registers the expensive step "book")
import steps

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "book" / "chapters"
HTML = ROOT / "book" / "_build" / "html" / "chapters"
BUILT = [pytest.mark.slow, pytest.mark.step("book")]  # the tests that read the built pages
CHECKED = ["beyond", "pytorch", "pooling", "padding-stride-dilation", "convolution", "practical-tips",
           "history"]


def source(name):
    """A chapter's MyST source with every run of whitespace made one space (prose is wrapped anywhere)."""
    return re.sub(r"\s+", " ", (CHAPTERS / f"{name}.md").read_text(encoding="utf-8"))


def raw_source(name):
    return (CHAPTERS / f"{name}.md").read_text(encoding="utf-8")


def built_text(name):
    """The prose and cell outputs of a built chapter, without the cells' source code (tags dropped,
    entities decoded, whitespace collapsed)."""
    build = steps.result("book")
    assert build["returncode"] == 0, f"the book does not build:\n{build['stdout'][-3000:]}"
    page = HTML / f"{name}.html"
    text = re.sub(r"<script.*?</script>|<style.*?</style>|<div class=\"highlight-ipython3 notranslate\">.*?</pre>",
                  " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def cell_with(name, needle):
    """The code cell of a chapter that contains `needle`."""
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", raw_source(name), flags=re.S)
    found = [c for c in cells if needle in c]
    assert found, f"{name}.md: no code cell contains {needle!r}"
    return found[0]


def glued_and_shown(name, *keys):
    """Each key is glued in a cell and shown in the prose with {glue:text} (or {glue:md})."""
    text = raw_source(name)
    for key in keys:
        assert re.search(rf"glue\(\s*[\"']{re.escape(key)}[\"']", text), f"{name}.md: nothing glues {key!r}"
        assert re.search(rf"\{{glue:(text|md)\}}`{re.escape(key)}`|```\{{glue:md\}} {re.escape(key)}\b", text), \
            f"{name}.md: {key!r} is glued but not shown"


# 1. beyond.md: the receptive field of dilations 2, 2, 2, 2 has a 17 x 17 box, 208 of whose pixels are missed.
def test_beyond_bounding_box_is_the_full_box():
    cell = cell_with("beyond", 'maps["dilations 2, 2, 2, 2"]')
    assert "m2[m2.sum(dim=1) > 0][:, m2.sum(dim=0) > 0]" not in cell, \
        "the box is built from the non-empty rows and columns only, so it has no holes by construction"
    assert "rows_hit.min():rows_hit.max() + 1" in cell
    assert re.search(r"reach = \{r \+ d \* t for r in reach for t in \(-1, 0, 1\)\}", cell), \
        "the count must be asserted against the reachable offsets (sums of d * {-1, 0, 1})"
    assert "assert (n_box, n_missed) ==" in cell
    glued_and_shown("beyond", "holes_2222", "box_2222_side", "reached_2222")


@BUILT[0]
@BUILT[1]
def test_beyond_bounding_box_numbers_in_built_page():
    text = built_text("beyond")
    assert r"208 of the 289 pixels of its 17 \(\times\) 17 bounding box never influence the output" in text
    assert "0 of the 81" not in text


# 2. beyond.md: growing or coprime dilations do not by themselves avoid gridding; the HDC condition does.
def test_beyond_gridding_condition():
    text = source("beyond")
    assert "or that share no common factor, avoid it" not in text
    assert "{cite:t}`wang2018understanding`" in text
    assert ":label: eq-beyond-hdc" in raw_source("beyond")
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    assert re.search(r"@inproceedings\{wang2018understanding,.*?Understanding Convolution for Semantic "
                     r"Segmentation.*?WACV", bib, flags=re.S)
    cell = cell_with("beyond", "for dilations in [(1, 2, 4, 8)")
    for dilations in ["(1, 2, 4, 8)", "(2, 4, 8)", "(2, 3)", "(1, 2, 5)", "(1, 2, 3)"]:
        assert dilations in cell, f"the gridding demonstration lacks the dilations {dilations}"
    assert "assert hdc_ok(dilations) == (not missed)" in cell
    glued_and_shown("beyond", "hdc_table", "hdc_checked")


# 3. pytorch.md: the 80-82% figure belongs to the material's recipe, not to the book's, and was not measured.
def test_pytorch_cifar_figure_attributed_to_its_recipe():
    text = source("pytorch")
    assert "for `SimpleCNN` trained with this recipe" not in text
    assert "the CIFAR-10 recipe that the course material uses on a GPU" not in text
    assert "The course trains `SimpleCNN` on it with the following recipe" not in text
    assert "trained with *its own* recipe, not with the one above" in text
    assert "no figure belongs to this book's" in text
    assert "Neither was measured for this page" in text
    assert "exact recipe is not in this repository" in text


# 4. pytorch.md: the first-layer kernels are mostly noise, not edge detectors.
def test_pytorch_kernels_not_called_edge_detectors():
    text = source("pytorch")
    assert "became edge detectors" not in text
    assert "look mostly like noise" in text
    glued_and_shown("pytorch", "n_ramp_kernels", "median_ramp_share")


# 5. pooling.md: ResNet's first pooling maps 112 to 56, computed with torchvision's resnet18.
def test_pooling_resnet_first_pooling():
    text = source("pooling")
    assert "(this is the first pooling of ResNet)" not in text
    cell = cell_with("pooling", "resnet18(weights=None)")
    assert "resnet.maxpool(" in cell and "resnet.conv1(" in cell
    glued_and_shown("pooling", "resnet_pool_in", "resnet_pool_out")


@BUILT[0]
@BUILT[1]
def test_pooling_resnet_shapes_in_built_page():
    text = built_text("pooling")
    assert r"112 \(\times\) 112 that the first convolution made of the 224 \(\times\) 224 image to 56 \(\times\) 56" \
        in text


# 6. padding-stride-dilation.md: only the 30-minute introduction omits the floor; the deep dive has it.
def test_padding_floor_attribution():
    text = source("padding-stride-dilation")
    assert "Our source material states the formula as" not in text
    assert "with a floor that the source material omits" not in text
    assert "30-minute introduction" in text and "deep dive" in text


# 7. convolution.md: the equivalent fully connected layer has about 4.3e11 parameters, computed.
def test_convolution_fully_connected_count():
    text = source("convolution")
    assert "would need billions." not in text
    glued_and_shown("convolution", "fc_params", "fc_n_in", "fc_n_out")


@BUILT[0]
@BUILT[1]
def test_convolution_fully_connected_count_in_built_page():
    assert "4.3 × 10¹¹ parameters" in built_text("convolution")


# 8. practical-tips.md: conclusions only from differences larger than the spread over seeds.
def test_practical_tips_conclusions_from_statistics():
    cell = cell_with("practical-tips", "difference, standard_error = {}, {}")
    assert 'assert all(mean["whole backbone transferred", k] < mean["from scratch", k] for k in shots)' not in cell, \
        "an assert on the order of means holds by chance when the spread over seeds is larger"
    assert "standard_error" in cell and "2 * " in cell
    text = source("practical-tips")
    assert "the gain is largest where the labelled data are scarcest" not in text
    assert "Transferring the whole backbone does worse than starting from scratch: its last block" not in text
    glued_and_shown("practical-tips", "tl_table", "tl_differences", "tl_verdict_whole_1", "tl_gain_change")


@BUILT[0]
@BUILT[1]
def test_practical_tips_table_has_spread_in_built_page():
    assert "±" in built_text("practical-tips")


# 9. convolution.md: the whiskers, roughly horizontal lines, light up in the horizontal-edge response.
def test_convolution_whiskers():
    text = source("convolution")
    assert "whiskers and the stripes of its fur light up in the vertical-edge response" not in text
    assert re.search(r"whiskers[^.]*horizontal-edge response", text)
    assert '"horizontal edges": np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]]' in text, \
        "the horizontal-edge kernel (rows differ) is the one the whiskers light up"


# 10. history.md: He et al. used batch normalization and argue degradation is not vanishing gradients.
def test_history_degradation_not_vanishing_gradients():
    text = source("history")
    section = text[text.index("## The degradation problem"):text.index("## Residual connections")]
    assert "vanishing gradients" in section and "section 4.1" in section
    assert "batch normalization" in section and "{cite}`ioffe2015batch`" in section
    assert "{cite:t}`he2016deep`" in section


# Also: raw label names, doubled citations, "1 seconds", build-machine paths.
@pytest.mark.parametrize("name", CHECKED)
def test_no_raw_label_names_printed(name):
    for line in raw_source(name).splitlines():
        if "print(" in line:
            assert "(eq-" not in line, f"{name}.md prints a raw equation label: {line.strip()}"


@pytest.mark.parametrize("name", CHECKED)
def test_no_doubled_citations(name):
    text = source(name)
    doubled = re.findall(r"(?:\bet al\.|\b[A-Z][a-z]+ and [A-Z][a-z]+) \{cite\}`", text)
    assert not doubled, f"{name}.md: {doubled}: the author is written out and then cited as (author, year); " \
                        "use {cite:t}"


@BUILT[0]
@BUILT[1]
@pytest.mark.parametrize("name", CHECKED)
def test_no_plural_after_one_and_no_build_path(name):
    text = built_text(name)
    assert not re.search(r"(?<![\d.,])1 seconds\b", text), f"{name}: '1 seconds'"
    assert str(ROOT) not in text, f"{name}: the build machine's path {ROOT} appears in the page"
    path = re.search(r"(?<![\w:/.~-])/(?:home|work|tmp|root|Users|mnt|opt)/\S*", text)
    assert not path, f"{name}: an absolute path of the build machine appears in the page: {path.group()}"
    assert "(eq-" not in text, f"{name}: a raw equation label appears in the page"

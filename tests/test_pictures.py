"""Tests for pictures: the message format, caps and their notes, the graph, and text renderings."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import torch

from tutor.interpreter.show import Show
from tutor.pictures import (
    Graph,
    Heatmap,
    Hist,
    Image,
    PictureError,
    Plot,
    caps,
    decode,
    describe,
    describe_all,
    encode,
    raster,
    render_text,
    tree,
)
from tutor.pictures.text import report


@pytest.fixture
def sent() -> list[dict]:
    return []


@pytest.fixture
def show(sent) -> Show:
    return Show(sent.append)


def only(sent: list[dict]) -> dict:
    assert len(sent) == 1, sent
    return sent[0]


# --- the message format ---------------------------------------------------------------------------


def test_every_kind_is_a_plain_json_object_that_round_trips(show, sent):
    x = torch.arange(3, requires_grad=True, dtype=float)
    z = torch.dot(x, x) ** 2
    show.plot([1, 4, 9])
    show.hist(torch.randn(100))
    show.image(torch.eye(4))
    show.heatmap(torch.ones(2, 3))
    show.graph(z)
    assert [m["kind"] for m in sent] == ["plot", "hist", "image", "heatmap", "graph"]
    types = [Plot, Hist, Image, Heatmap, Graph]
    for message, kind in zip(sent, types, strict=True):
        assert (
            json.loads(json.dumps(message, allow_nan=False)) == message
        )  # lists, numbers, strings
        picture = decode(message)
        assert isinstance(picture, kind)
        assert encode(picture) == message


def test_plot_message_fields(show, sent):
    show.plot([1, 4, 9], title="squares")
    assert only(sent) == {
        "kind": "plot", "title": "squares",
        "series": [{"label": "", "x": [0.0, 1.0, 2.0], "y": [1.0, 4.0, 9.0]}],
    }  # fmt: skip


def test_plot_with_x_and_several_lines_and_labels(show, sent):
    xs = torch.linspace(0, 1, 5)
    show.plot(xs, xs**2, torch.stack([xs, 2 * xs]), labels=["sq", "id", "double"], xlabel="x")
    plot = decode(only(sent))
    assert [s.label for s in plot.series] == ["sq", "id", "double"]
    assert plot.series[0].x == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert plot.series[0].y == [0.0, 0.0625, 0.25, 0.5625, 1.0]
    assert plot.series[2].y == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert plot.xlabel == "x"


def test_floats_are_sent_short_without_float32_noise(show, sent):
    show.plot(torch.tensor([0.1, 0.2, 0.3]))
    assert only(sent)["series"][0]["y"] == [0.1, 0.2, 0.3]


def test_bad_input_gets_a_clear_error_and_sends_nothing(show, sent):
    with pytest.raises(TypeError, match="cannot draw a object; pass a tensor"):
        show.plot(object())
    with pytest.raises(ValueError, match="x has 3 values but y has 2"):
        show.plot([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="2 label\\(s\\) for 1 data set"):
        show.plot([1, 2], labels=["a", "b"])
    with pytest.raises(ValueError, match=r"shape \(2, 4, 8, 8\) is not an image.*pass t\[0\]"):
        show.image(torch.zeros(2, 4, 8, 8))
    with pytest.raises(ValueError, match="not a matrix"):
        show.heatmap(torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="the data is empty"):
        show.hist(torch.tensor([]))
    with pytest.raises(ValueError, match="bins must be a positive whole number"):
        show.hist([1, 2], bins=0)
    with pytest.raises(TypeError, match="autograd graph of a tensor, not a list"):
        show.graph([1, 2])
    with pytest.raises(TypeError, match="complex"):
        show.image(torch.ones(2, 2, dtype=torch.complex64))
    assert sent == []


def test_at_most_so_many_pictures_per_cell(show, sent):
    for _ in range(caps.MAX_PER_CELL):
        show.plot([1, 2])
    with pytest.raises(RuntimeError, match=f"at most {caps.MAX_PER_CELL} pictures per cell"):
        show.plot([1, 2])
    show.new_cell()
    show.plot([1, 2])
    assert len(sent) == caps.MAX_PER_CELL + 1


def test_decode_refuses_what_is_not_a_picture():
    image = {"kind": "image", "images": [[[[0.0]]]], "shape": [1, 1], "vmin": 0.0, "vmax": 1.0}
    assert isinstance(decode(image), Image)
    cases = [
        ([1, 2], "a JSON object, not list"),
        ({"kind": "movie"}, "unknown picture kind 'movie'"),
        ({"kind": "plot", "series": "x"}, "bad plot picture: Expected `array`"),
        ({**image, "images": [[[[0.0] * 65]]]}, "1×65 is over 64×64"),
        ({**image, "images": [[[[0.0]]]] * 17}, "bad image picture"),
        ({**image, "images": [[[[0.0]], [[0.0]]]]}, "1 \\(grey\\) or 3 \\(RGB\\) channels"),
        ({"kind": "plot", "series": [{"x": [1.0], "y": [1.0, 2.0]}]}, "different lengths"),
        (
            {"kind": "graph", "nodes": [{"id": 0, "name": "A", "children": [5]}], "root": 0},
            "missing node",
        ),
        (
            {"kind": "hist", "edges": [0.0, 1.0], "series": [{"counts": [1, 2], "total": 3}]},
            "bin edges",
        ),
    ]
    for message, reason in cases:
        with pytest.raises(PictureError, match=reason):
            decode(message)
    assert describe({"kind": "movie"}).startswith("[picture] cannot be drawn: unknown picture kind")


# --- caps, said not hidden ------------------------------------------------------------------------


def test_images_over_the_caps_are_cut_and_the_notes_say_so(show, sent):
    show.image(torch.ones(20, 100, 100))
    image = decode(only(sent))
    assert len(image.images) == caps.MAX_IMAGES
    assert (len(image.images[0][0]), len(image.images[0][0][0])) == (64, 64)
    assert image.shape == [20, 100, 100]
    assert image.notes == [
        "only the first 16 of 20 images are shown (at most 16)",
        "downsampled 100×100 → 64×64 to fit 64×64 (area average)",
    ]
    assert {v for row in image.images[0][0] for v in row} == {
        1.0
    }  # an area average keeps a constant


def test_downsampling_keeps_the_aspect_ratio(show, sent):
    show.image(torch.rand(200, 300))
    image = decode(only(sent))
    assert (len(image.images[0][0]), len(image.images[0][0][0])) == (43, 64)
    assert image.notes == ["downsampled 200×300 → 43×64 to fit 64×64 (area average)"]


def test_small_images_are_sent_whole_without_notes(show, sent):
    show.image(torch.zeros(16, 28, 28))
    image = decode(only(sent))
    assert len(image.images) == 16 and image.notes == []


def test_plot_points_are_thinned_to_the_cap(show, sent):
    show.plot(torch.randn(3, 20_000))
    plot = decode(only(sent))
    assert sum(len(s.y) for s in plot.series) <= caps.MAX_POINTS
    assert plot.series[0].x[:3] == [0.0, 7.0, 14.0]
    assert plot.notes == ["thinned 60,000 points to 8,574 (1 in every 7 kept; at most 10,000)"]


def test_too_many_lines_and_bins_are_cut_and_said(show, sent):
    show.plot(torch.zeros(10, 5))
    assert decode(sent[0]).notes == ["only the first 8 of 10 lines are drawn"]
    show.hist(torch.arange(10.0), bins=500)
    hist = decode(sent[1])
    assert len(hist.edges) == caps.MAX_BINS + 1
    assert hist.notes == ["500 bins reduced to 200"]


def test_nonfinite_values_are_left_out_and_said(show, sent):
    show.plot([1.0, float("nan"), 3.0])
    assert decode(sent[0]).series[0].y == [1.0, 3.0]
    assert decode(sent[0]).notes == ["1 non-finite points (nan/inf) left out"]
    show.image(torch.tensor([[0.0, float("inf")], [1.0, 2.0]]))
    image = decode(sent[1])
    assert image.images[0][0] == [[0.0, 0.0], [1.0, 2.0]]
    assert image.notes == ["1 non-finite values (nan/inf) left out, drawn as 0"]


def test_hist_counts_statistics_and_range(show, sent):
    show.hist(torch.tensor([0.0, 0.0, 1.0, 2.0]), bins=2, labels="v")
    hist = decode(only(sent))
    assert hist.edges == [0.0, 1.0, 2.0]
    (series,) = hist.series
    assert (series.label, series.counts, series.total) == ("v", [2, 2], 4)
    assert (series.mean, series.min, series.max) == (0.75, 0.0, 2.0)
    assert series.std == pytest.approx(0.8291562)
    sent.clear()
    show.hist(torch.tensor([-5.0, 0.5, 9.0]), bins=4, range=(0, 1))
    hist = decode(only(sent))
    assert hist.series[0].counts == [0, 0, 1, 0]
    assert hist.notes == ["2 value(s) of the data outside [0, 1] not counted"]


def test_hist_of_several_data_sets_shares_its_bins(show, sent):
    show.hist(torch.rand(1000), torch.randn(1000), bins=10, labels=["rand", "randn"])
    hist = decode(only(sent))
    assert len(hist.edges) == 11 and [s.label for s in hist.series] == ["rand", "randn"]
    assert [sum(s.counts) for s in hist.series] == [1000, 1000]
    assert hist.edges[0] == pytest.approx(min(s.min for s in hist.series))


def test_heatmap_of_a_vector_and_its_cap(show, sent):
    show.heatmap(torch.arange(4.0))
    heat = decode(sent[0])
    assert heat.values == [[0.0, 1.0, 2.0, 3.0]] and (heat.vmin, heat.vmax) == (0.0, 3.0)
    show.heatmap(torch.zeros(128, 10), vmin=-1, vmax=1)
    heat = decode(sent[1])
    assert (len(heat.values), len(heat.values[0])) == (64, 5)
    assert (heat.vmin, heat.vmax) == (-1.0, 1.0)
    assert heat.notes == ["downsampled 128×10 → 64×5 to fit 64×64 (area average)"]


def test_each_image_can_be_stretched_to_its_own_range(show, sent):
    batch = torch.stack([torch.arange(4.0).view(2, 2), torch.full((2, 2), 5.0)])
    show.image(batch)
    show.image(batch, each=True)
    shared, each = decode(sent[0]), decode(sent[1])
    assert (shared.vmin, shared.vmax) == (0.0, 5.0) and shared.notes == []
    assert (each.vmin, each.vmax) == (0.0, 1.0)
    assert each.images[0][0] == [[0.0, 0.333], [0.667, 1.0]]
    assert each.images[1][0] == [[0.0, 0.0], [0.0, 0.0]]  # a flat image has no range to stretch
    assert each.notes == ["each image stretched to its own min … max (the values span 0 … 5)"]


def test_colour_images_and_batches(show, sent):
    show.image(torch.zeros(2, 3, 4, 5))
    show.image(torch.zeros(2, 1, 4, 5))
    colour, grey = decode(sent[0]), decode(sent[1])
    assert len(colour.images) == 2 and len(colour.images[0]) == 3
    assert len(grey.images) == 2 and len(grey.images[0]) == 1
    assert describe(colour) == "[image] 2 images 4×5 RGB (tensor 2×3×4×5) · values 0 … 0"


# --- the autograd graph ---------------------------------------------------------------------------


RETAIN_GRAD_TREE = """\
PowBackward0  (z.grad_fn)
└── DotBackward0  (y.grad_fn)
    ├── AccumulateGrad  (leaf x: shape (3,), float64, requires_grad=True)
    └── AccumulateGrad  (leaf x: shape (3,), float64, requires_grad=True)"""


def test_graph_of_the_notes_retain_grad_example(show, sent):
    x = torch.arange(3, requires_grad=True, dtype=float)
    y = torch.dot(x, x)
    y.retain_grad()
    z = y**2
    show.graph(z)
    graph = decode(only(sent))
    names = {node.id: node.name for node in graph.nodes}
    assert [names[n.id] for n in graph.nodes] == ["PowBackward0", "DotBackward0", "AccumulateGrad"]
    root = graph.nodes[graph.root]
    assert names[root.children[0]] == "DotBackward0"
    dot = graph.nodes[root.children[0]]
    assert dot.children == [2, 2]  # dot(x, x): the same leaf twice
    leaf = graph.nodes[2]
    assert (leaf.leaf, leaf.var, leaf.shape, leaf.dtype, leaf.requires_grad) == (
        True,
        "x",
        [3],
        "float64",
        True,
    )
    assert describe(graph) == "[graph] z: 3 nodes, 1 leaf\n" + RETAIN_GRAD_TREE


def test_graph_names_module_parameters_and_skips_constant_inputs(show, sent):
    lin = torch.nn.Linear(2, 1)
    out = lin(torch.ones(1, 2)).sum()
    show.graph(out, title="a linear layer")
    text = describe(only(sent))
    assert text.splitlines()[0] == "[graph] a linear layer · out: 5 nodes, 2 leaves"
    assert "AccumulateGrad  (leaf lin.bias: shape (1,), float32, requires_grad=True)" in text
    assert "AccumulateGrad  (leaf lin.weight: shape (1, 2), float32, requires_grad=True)" in text


def test_graph_of_a_leaf_and_of_a_tensor_without_grad(show, sent):
    w = torch.zeros(2, requires_grad=True)
    show.graph(w)
    show.graph(torch.ones(3))
    leaf, none = decode(sent[0]), decode(sent[1])
    assert describe(leaf) == (
        "[graph] w: 1 node, 1 leaf\n"
        "AccumulateGrad  (leaf w: shape (2,), float32, requires_grad=True)\n"
        "  note: w is a leaf: no grad_fn made it; backward() stores its gradient in .grad"
    )
    assert none.root is None and none.nodes == []
    assert none.notes == ["this tensor does not require grad, so autograd recorded no graph"]


def test_a_huge_graph_is_cut_and_said(show, sent):
    x = torch.zeros(1, requires_grad=True)
    t = x
    for _ in range(300):
        t = t + 1
    show.graph(t)
    graph = decode(only(sent))  # decode checks that no edge points outside the cut
    assert len(graph.nodes) == caps.MAX_GRAPH_NODES
    assert graph.notes == ["the graph has more than 200 nodes; only the first 200 are shown"]


def test_a_shared_subgraph_is_drawn_once():
    graph = Graph(nodes=[
        tree.Node(id=0, name="AddBackward0", children=[1, 1]),
        tree.Node(id=1, name="MulBackward0", children=[2]),
        tree.Node(id=2, name="AccumulateGrad", leaf=True, var="a", shape=[], dtype="float32", requires_grad=True),
    ], root=0)  # fmt: skip
    assert tree.tree_lines(graph) == [
        "AddBackward0",
        "├── MulBackward0",
        "│   └── AccumulateGrad  (leaf a: shape (), float32, requires_grad=True)",
        "└── MulBackward0  (inputs shown above)",
    ]


# --- text renderings ------------------------------------------------------------------------------


def test_image_as_ascii_ramp(show, sent):
    img = torch.zeros(4, 6)
    img[0:2, 1:3] = 1.0
    img[2:4, 3:5] = 0.5
    show.image(img, title="blocks")
    assert render_text(only(sent)) == (
        "[image] blocks · 1 image 4×6 (tensor 4×6) · values 0 … 1\n @@\n   ++"
    )


def test_image_grid_reflows_to_the_width():
    image = Image(images=[[[[float(k)] * 4] * 4] for k in range(5)], shape=[5, 4, 4], vmin=0, vmax=4,
                  labels=["a", "b", "c", "d", "e"])  # fmt: skip
    wide = raster.grid_lines(image, 40, "ascii")
    narrow = raster.grid_lines(image, 9, "ascii")
    assert len(wide) == 2 + 1  # one band of five: 2 lines of pixels, 1 of labels
    assert len(narrow) == 3 * (2 + 1)  # two per band
    assert "".join(c.char for c in wide[2]) == " a    b    c    d    e"
    assert max(len(line) for line in narrow) <= 9
    # Wider than the room: shrunk to fit rather than cut.
    big = Image(images=[[[[1.0] * 40] * 20]], shape=[20, 40], vmin=0, vmax=1)
    assert max(len(line) for line in raster.grid_lines(big, 10, "rgb")) == 10


def test_half_blocks_carry_the_two_pixels_as_colours():
    image = Image(images=[[[[1.0, 0.0], [0.0, 1.0]]]], shape=[2, 2], vmin=0, vmax=1)
    (line,) = raster.grid_lines(image, 10, "rgb")
    assert line == [
        raster.Cell("▀", fg=(255, 255, 255), bg=(0, 0, 0)),
        raster.Cell("▀", fg=(0, 0, 0), bg=(255, 255, 255)),
    ]
    colour = Image(images=[[[[1.0]], [[0.0]], [[0.0]]]], shape=[1, 3, 1, 1], vmin=0, vmax=1)
    assert raster.grid_lines(colour, 10, "rgb")[0][0] == raster.Cell("▀", fg=(255, 0, 0))
    assert raster.grid_lines(colour, 10, "grey")[0][0] == raster.Cell("▀", fg=(76, 76, 76))


def test_heatmap_colours_diverge_around_zero():
    heat = Heatmap(values=[[-1.0, 0.0, 2.0]], shape=[1, 3], vmin=-1, vmax=2)
    assert raster.colour_of(0.0, heat) == (247, 247, 247)  # white is exactly 0
    assert raster.colour_of(2.0, heat) == raster.DIVERGING[-1]
    positive = Heatmap(values=[[0.0, 1.0]], shape=[1, 2], vmin=0, vmax=1)
    assert raster.colour_of(0.0, positive) == raster.SEQUENTIAL[0]
    text = render_text(heat)
    assert text.splitlines()[0] == "[heatmap] 1×3 (tensor 1×3) · values -1 … 2"
    assert text.splitlines()[-1].startswith("-1 ") and text.splitlines()[-1].endswith(" 2")


def test_plot_drawn_as_plain_text(show, sent):
    xs = torch.linspace(-5, 5, 101)
    show.plot(xs, torch.sigmoid(xs), torch.tanh(xs), labels=["sigmoid", "tanh"], title="squashing")
    text = render_text(only(sent), width=60, height=14)
    lines = text.splitlines()
    assert (
        lines[0]
        == "[plot] squashing · 2 lines × 101 points (sigmoid, tanh) · x -5 … 5 · y -0.9999 … 0.9999"
    )
    assert "squashing" in lines[1]
    assert "•• sigmoid" in text and "++ tanh" in text  # markers tell the lines apart without colour
    assert "\x1b[" not in text
    assert max(len(line) for line in lines[1:]) <= 60
    assert "\x1b[" in render_text(only(sent), width=60, height=14, colour=True)


def test_hist_drawn_with_round_ticks(show, sent):
    show.hist(torch.arange(100.0), bins=10, title="flat")
    text = render_text(only(sent), width=50, height=10)
    assert (
        text.splitlines()[0]
        == "[hist] flat · 10 bins over 0 … 99 · n=100 mean 49.5 std 28.87 range 0 … 99"
    )
    assert "█" in text
    assert re.search(r"^\s+0\s+24\.8\s+49\.5\s+74\.2\s+99\s*$", text, re.MULTILINE), text


def test_describe_is_the_compact_form_and_report_indents_it(show, sent):
    show.image(torch.zeros(28, 28), title="blank")
    show.graph(torch.ones(1))
    assert describe_all(sent) == (
        "[image] blank · 1 image 28×28 (tensor 28×28) · values 0 … 0\n"
        "[graph] 0 nodes, 0 leaves\n"
        "  note: this tensor does not require grad, so autograd recorded no graph\n"
    )
    assert (
        report(sent, terminal=False, indent=4).splitlines()[0]
        == "    [image] blank · 1 image 28×28 (tensor 28×28) · values 0 … 0"
    )
    drawn = report(sent, terminal=True, width=80)
    assert "▀" in drawn and "\x1b[38;2;0;0;0;48;2;0;0;0m" in drawn


# --- headless ------------------------------------------------------------------------------------


def test_tutor_pictures_imports_neither_torch_nor_textual():
    code = (
        "import json, sys\n"
        "import tutor.pictures, tutor.pictures.text\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'textual'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []

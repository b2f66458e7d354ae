#!/usr/bin/env python3
"""Data for examples/bench/forget.sh (numpy only).

    forget_data.py csv OUTDIR [SRCDIR]
        Fashion-MNIST training set (IDX files of Debian's dataset-fashion-mnist) to two CSVs with columns
        id,label,shard,block,p_delete,px0..px783 (integer pixels): OUTDIR/random.csv, 10 shards x 5 blocks
        from hashes of the id; OUTDIR/sorted.csv, the same shards with blocks by p_delete inside each
        shard (the likeliest deletions in the last block, ARCANE's sorting). p_delete = u^3, u uniform
        from a hash of the id: most users rarely ask, a few often.
    forget_data.py requests DATA.csv OUT K SEED uniform|weighted
        K distinct ids drawn uniformly or with probability proportional to p_delete.
    forget_data.py expected DATA.csv EPOCHS uniform|weighted
        Row-epochs of one request, averaged exactly over the request distribution (every row's cost:
        its shard's block steps from its block on), and SISA's formula e*D*(2/3 + 1/(3R)), D = N/S.
"""
import gzip, hashlib, os, struct, sys
import numpy as np

S, R = 10, 5


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    _, _, ndim = struct.unpack(">HBB", data[:4])
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def hash_unit(ids, salt):
    return np.array([int.from_bytes(hashlib.sha256(f"{salt}:{i}".encode()).digest()[:8], "little") / 2.0**64 for i in ids])


def write(path, ids, y, shard, block, p, x):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("id,label,shard,block,p_delete," + ",".join(f"px{j}" for j in range(x.shape[1])) + "\n")
        for i in range(len(ids)):
            f.write(f"{ids[i]},{y[i]},{shard[i]},{block[i]},{p[i]:.6f}," + ",".join(map(str, x[i].tolist())) + "\n")
    os.replace(tmp, path)


def make_csv(out, src):
    x = read_idx(os.path.join(src, "train-images-idx3-ubyte.gz")).reshape(60000, -1)
    y = read_idx(os.path.join(src, "train-labels-idx1-ubyte.gz"))
    ids = [f"u{i:05d}" for i in range(len(y))]
    shard = (hash_unit(ids, "shard") * S).astype(int)
    p = np.round(hash_unit(ids, "p") ** 3, 6)
    block = (hash_unit(ids, "block") * R).astype(int)
    os.makedirs(out, exist_ok=True)
    write(os.path.join(out, "random.csv"), ids, y, shard, block, p, x)
    sorted_block = np.zeros(len(ids), dtype=int)
    for s in range(S):
        rows = np.where(shard == s)[0]
        order = rows[np.lexsort((rows, p[rows]))]  # ascending p_delete, ties by row
        sorted_block[order] = np.arange(len(order)) * R // len(order)
    write(os.path.join(out, "sorted.csv"), ids, y, shard, sorted_block, p, x)


def load(path):
    import pandas as pd
    return pd.read_csv(path, usecols=["id", "shard", "block", "p_delete"])


def requests(path, out, k, seed, how):
    d = load(path)
    rng = np.random.default_rng(seed)
    w = d.p_delete.to_numpy() if how == "weighted" else np.ones(len(d))
    pick = rng.choice(len(d), size=k, replace=False, p=w / w.sum())
    with open(out, "w") as f:
        f.write("id\n" + "".join(f"{d.id[i]}\n" for i in pick))


def epochs(e, r):
    return (r * 2 * e) // (R + 1) - ((r - 1) * 2 * e) // (R + 1)


def expected(path, e, how):
    d = load(path)
    w = d.p_delete.to_numpy() if how == "weighted" else np.ones(len(d))
    total = 0.0
    for s in range(S):
        m = d.shard.to_numpy() == s
        sizes = np.bincount(d.block.to_numpy()[m], minlength=R)
        cum = np.cumsum(sizes)
        cost_from = [sum(epochs(e, r) * cum[r - 1] for r in range(j, R + 1)) for j in range(1, R + 1)]
        total += sum(w[m][d.block.to_numpy()[m] == b].sum() * cost_from[b] for b in range(R))
    n = len(d)
    print(f"{total / w.sum():.0f} {e * n / S * (2 / 3 + 1 / (3 * R)):.0f}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "csv":
        make_csv(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "/usr/share/datasets/fashion-mnist")
    elif cmd == "requests":
        requests(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif cmd == "expected":
        expected(sys.argv[2], int(sys.argv[3]), sys.argv[4])

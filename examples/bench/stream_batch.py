"""Helpers of stream.sh's batch part and figure.

  stream_batch.py pick PARTITION K SEED OUT        OUT.worst (one id per shard, each in the shard's first block)
                                                   and OUT.random (K distinct random ids), one id a line
  stream_batch.py dist MODEL_A MODEL_B             ‖θ_A − θ_B‖ of shard 0 and ‖θ_B‖ (ulm_params)
  stream_batch.py cost PARTITION IDS [rows|steps]  rows retrained by one batch request of IDS (see below)
  stream_batch.py figure OUT REQUESTS SEEDS NAME=PARTITION[@p][:steps] ...
                                                   OUT.csv and OUT.svg: rows retrained against the number of
                                                   requests K (1 .. REQUESTS), mean over SEEDS request draws;
                                                   @p draws requests in proportion to the partition's p_delete
                                                   column instead of uniformly; :steps counts rows as one-class kinds do (below)

A PARTITION is a CSV with id, shard and block columns (ul-partition -o, or ul-partition --export of a store);
other columns are skipped. Rows retrained by a batch, as ul-forget's ledger counts them: each affected
shard reruns every block step from its earliest affected block j. Kinds trained by epochs (softmax, mlp)
train step r on the remaining rows of block r from the checkpoint of step r - 1, so "rows" counts the
shard's remaining rows of blocks j, j+1, ... (the ledger counts them once per epoch: row-epochs). One-class
kinds (ppca, knn; ARCANE) refit step r on the remaining rows of blocks 0..r, so "steps" sums those.
"""
import csv
import math
import random
import sys


def read_partition(path):
    """id -> (shard, block), and p_delete per id when the column is there."""
    place, prob = {}, {}
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        i, s, b = head.index("id"), head.index("shard"), head.index("block")
        p = head.index("p_delete") if "p_delete" in head else None
        for row in r:
            place[row[i]] = (int(row[s]), int(row[b]))
            if p is not None:
                prob[row[i]] = float(row[p])
    return place, prob


def sizes(place):
    """shard -> list of rows per block."""
    out = {}
    for s, b in place.values():
        blocks = out.setdefault(s, [])
        while len(blocks) <= b:
            blocks.append(0)
        blocks[b] += 1
    return out


def cost(place, shard_sizes, ids, steps=False):
    """Rows retrained by one request of ids (see the module's comment)."""
    first, gone = {}, {}
    for i in ids:
        s, b = place[i]
        first[s] = min(first.get(s, b), b)
        gone.setdefault(s, {}).setdefault(b, 0)
        gone[s][b] += 1
    total = 0
    for s, j in first.items():
        kept = [n - gone[s].get(b, 0) for b, n in enumerate(shard_sizes[s])]
        total += sum(sum(kept[: r + 1]) if steps else kept[r] for r in range(j, len(kept)))
    return total


def pick(path, k, seed, out):
    place, _ = read_partition(path)
    rng = random.Random(seed)
    by_shard = {}
    for i, (s, b) in sorted(place.items()):
        if b == 0:
            by_shard.setdefault(s, []).append(i)
    shards = sorted(by_shard)
    worst = [rng.choice(by_shard[shards[n % len(shards)]]) for n in range(k)]
    if len(set(worst)) < k:  # more requests than shards: distinct first-block ids, round robin
        worst, n = [], 0
        while len(worst) < k:
            c = rng.choice(by_shard[shards[n % len(shards)]])
            if c not in worst:
                worst.append(c)
                n += 1
    open(out + ".worst", "w").write("\n".join(worst) + "\n")
    open(out + ".random", "w").write("\n".join(rng.sample(sorted(place), k)) + "\n")


def dist(a, b):
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from ulm_params import params
    pa, pb = params(a), params(b)
    d = math.sqrt(sum((x - y) ** 2 for x, y in zip(pa, pb)))
    print("%.6g %.6g" % (d, math.sqrt(sum(y * y for y in pb))))


def draw(ids, weights, k, rng):
    """k distinct ids, drawn in proportion to weights (uniform when weights is None)."""
    if weights is None:
        return rng.sample(ids, k)
    chosen = set()
    while len(chosen) < k:
        chosen.update(rng.choices(ids, weights=weights, k=k - len(chosen)))
    return list(chosen)


def figure(out, most, seeds, specs):
    ks = sorted({k for k in (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1000, 2000, 5000)
                 if k <= most} | {most})
    curves = []
    for spec in specs:
        name, path = spec.split("=", 1)
        steps = path.endswith(":steps")
        path = path[:-6] if steps else path
        skewed = path.endswith("@p")
        place, prob = read_partition(path[:-2] if skewed else path)
        ids = sorted(place)
        weights = [prob[i] for i in ids] if skewed else None
        shard_sizes = sizes(place)
        ys = []
        for k in ks:
            runs = [cost(place, shard_sizes, draw(ids, weights, k, random.Random(1000 * s + k)), steps)
                    for s in range(seeds)]
            ys.append(sum(runs) / len(runs))
        curves.append((name, ys))
    with open(out + ".csv", "w") as f:
        f.write("requests," + ",".join('"%s"' % n for n, _ in curves) + "\n")
        for n, k in enumerate(ks):
            f.write("%d,%s\n" % (k, ",".join("%.1f" % ys[n] for _, ys in curves)))
    # Plain SVG: log-scaled requests on x, rows retrained on y.
    w, h, left, right, top, bottom = 720, 440, 80, 250, 40, 60
    top_y = max(max(ys) for _, ys in curves) or 1
    mag = 10 ** math.floor(math.log10(top_y))
    step = next(m * mag for m in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5) if top_y / (m * mag) <= 6)
    y_max = math.ceil(top_y / step) * step
    lx0, lx1 = 0.0, math.log10(ks[-1])
    X = lambda k: left + (math.log10(k) - lx0) / (lx1 - lx0 or 1) * (w - left - right)
    Y = lambda v: h - bottom - v / y_max * (h - top - bottom)
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    s = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">'
         % (w, h), '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="22" font-size="14">Rows retrained by one request of K ids (mean of %d draws)</text>'
         % (left, seeds)]
    s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (left, h - bottom, w - right, h - bottom))
    s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (left, top, left, h - bottom))
    decade = 1
    while decade <= ks[-1]:
        x = X(decade)
        s.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top, x, h - bottom))
        s.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (x, h - bottom + 16, decade))
        decade *= 10
    v = 0.0
    while v <= y_max + step / 2:
        y = Y(v)
        s.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (left, y, w - right, y))
        s.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (left - 6, y + 4, "{:,.0f}".format(v)))
        v += step
    s.append('<text x="%.1f" y="%d" text-anchor="middle">number of requests K (log scale)</text>'
             % ((left + w - right) / 2, h - 16))
    s.append('<text x="18" y="%.1f" text-anchor="middle" transform="rotate(-90 18 %.1f)">rows retrained '
             '(rows of the rerun blocks)</text>' % ((top + h - bottom) / 2, (top + h - bottom) / 2))
    for n, (name, ys) in enumerate(curves):
        c = colours[n % len(colours)]
        pts = " ".join("%.1f,%.1f" % (X(k), Y(y)) for k, y in zip(ks, ys))
        s.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (pts, c))
        for k, y in zip(ks, ys):
            s.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (X(k), Y(y), c))
        ly = top + 10 + 20 * n
        s.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>'
                 % (w - right + 12, ly, w - right + 32, ly, c))
        s.append('<text x="%d" y="%d">%s</text>' % (w - right + 38, ly + 4, name.replace("&", "&amp;")))
    s.append("</svg>")
    open(out + ".svg", "w").write("\n".join(s) + "\n")


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["pick"] and len(a) == 5:
        pick(a[1], int(a[2]), int(a[3]), a[4])
    elif a[:1] == ["dist"] and len(a) == 3:
        dist(a[1], a[2])
    elif a[:1] == ["cost"] and len(a) in (3, 4):
        place, _ = read_partition(a[1])
        print(cost(place, sizes(place), open(a[2]).read().split(), a[3:] == ["steps"]))
    elif a[:1] == ["figure"] and len(a) >= 5:
        figure(a[1], int(a[2]), int(a[3]), a[4:])
    else:
        raise SystemExit(__doc__)

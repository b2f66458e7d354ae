#!/bin/sh
# The stored curvature after an approximate request, on Fashion-MNIST softmax (one shard, P = 785·10 = 7850):
# (1) time of the downdate of the stored Cholesky factor by k forgotten rows (rank 10k) against computing
# the factor anew (what a dropped factor costs the next request); (2) accuracy of the NEXT request with
# (a) the downdated factor, (b) a factor recomputed at the patched θ over the remaining rows, (c) the
# original factor kept as it was (stale: it still holds the first request's rows).
#
#     examples/bench/downdate.sh [WORKDIR]      (default ${TMPDIR:-/tmp}/ul-downdate-bench)
#     ROWS=10000 SIZES="1 10 100" examples/bench/downdate.sh DIR
#
# ROWS: train on the first ROWS training rows (default all 60,000). SIZES: forgotten rows per timed
# request (default 1 10 100 600). K1, K2: rows of the first and the next request of part (2) (default 600
# and 100, disjoint, seeded). EPOCHS: L-BFGS iterations of ul-train (default 300, so that θ̂ is near the
# optimum and ‖θ − θ_retrain‖ measures the removal, not the training's remainder). RUNS: runs per timing
# (default 3; medians). PARTS: which parts to run (default "time next"). REUSE=1 keeps m.ulm and
# original.curv from an earlier run in the same WORKDIR (trained and stored with the same settings). Times are the seconds ul-forget -v reports for the downdate ("downdated to the
# remaining rows in", forced by --curvature-update downdate or refactor) so reading the CSV and the
# factor and writing files are not in them; the whole request's wall time is given beside.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export BENCH="$ROOT/examples/bench"  # ulm_params.py, for the Python below
W=${1:-${TMPDIR:-/tmp}/ul-downdate-bench}
RUNS=${RUNS:-3}
EPOCHS=${EPOCHS:-300}
SIZES=${SIZES:-1 10 100 600}
K1=${K1:-600}
K2=${K2:-100}
ROWS=${ROWS:-}
PARTS=${PARTS:-time next}
REUSE=${REUSE:-0}
SCALE=0.00392156862745098   # 1/255
mkdir -p "$W"
[ -x "$ROOT/.build/release/ul-forget" ] || (cd "$ROOT" && swift build -c release >/dev/null)
PATH=$ROOT/.build/release:$PATH
[ -f "$W/full.csv" ] || { python3 "$ROOT/examples/bench/fashion_mnist_csv.py" "$W" >/dev/null && mv "$W/train.csv" "$W/full.csv"; }
cd "$W"
if [ -n "$ROWS" ]; then head -n $((ROWS + 1)) full.csv > train.csv; else cp full.csv train.csv; fi
N=$(($(wc -l < train.csv) - 1))

# θ of shard 0 from a model file (ul-model(5)), distances, and a table row.
cat > dist.py <<'PY'
import os, struct, sys
sys.path.insert(0, os.environ["BENCH"])
from ulm_params import params
def dist(a, b): return sum((x - y) ** 2 for x, y in zip(params(a), params(b))) ** 0.5
if sys.argv[1] == "dist":
    print("%.4g" % dist(sys.argv[2], sys.argv[3]))
else:
    method, what, path, ref_b, res, cs, wall = sys.argv[2:]
    db = "%.4g" % dist(path, ref_b) if os.path.exists(ref_b) else "-"
    print("| %s | %s | %.4g | %s | %s | %s | %s |" % (method, what, dist(path, "retrain.ulm"), db, res, cs, wall))
PY

now() { python3 -c 'import time; print(time.time())'; }
median() { python3 -c "import statistics,sys; print('%.2f' % statistics.median(map(float, sys.argv[1:])))" "$@"; }
# seconds after PATTERN in a -v summary: seconds PATTERN FILE
seconds() { sed -n "s/.*$1 \([0-9.]*\) s.*/\1/p" "$2" | head -1; }

echo "## Fashion-MNIST softmax, $N rows, one shard, λ = 1, $EPOCHS L-BFGS iterations; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$REUSE" = 1 ] && [ -f m.ulm ] && [ -f original.curv ]; then
    echo "(reusing m.ulm and original.curv)"
else
    rm -f m.ulm m.ulm.curv
    ul-train -q --scale $SCALE --l2 1 -e "$EPOCHS" train.csv -o m.ulm
    # The stored factor of m.ulm's state over every row (ul-influence stores it as computed); its one-time cost.
    t0=$(now); ul-influence -q -m m.ulm -d train.csv --top 1 -o /dev/null; t1=$(now)
    mv m.ulm.curv original.curv
    echo
    echo "ul-influence (Hessian, factor and every row's solves, stored): $(python3 -c "print('%.1f' % ($t1 - $t0))") s; sidecar $(du -m original.curv | cut -f1) MB"
fi
python3 - "$K1" "$K2" $SIZES <<'PY'
import random, sys
random.seed(7)
ids = [l.split(",", 1)[0] for l in open("train.csv").readlines()[1:]]
k1, k2, sizes = int(sys.argv[1]), int(sys.argv[2]), sorted(set(map(int, sys.argv[3:])))
pick = random.sample(ids, max(sizes + [k1 + k2]))
def write(name, xs): open(name, "w").write("id\n" + "\n".join(xs) + "\n")
for k in sizes: write("req%d.csv" % k, pick[:k])
write("first.csv", pick[:k1]); write("next.csv", pick[k1:k1 + k2]); write("both.csv", pick[:k1 + k2])
PY

case " $PARTS " in *" time "*)
echo
echo "Newton requests of k rows on the trained model with its stored factor; the factor over the remaining rows by"
echo "--curvature-update downdate (rank 10k) or refactor (assembled and factored anew, n − k rows), at the same θ̂."
echo "Medians of $RUNS runs; the runs' values in brackets."
echo
echo "| rows k | rank | downdate (s) | refactorisation (s) | downdate / refactorisation | whole request, downdate (s) | whole request, refactorisation (s) |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for k in $SIZES; do
    for how in downdate refactor; do
        ts=""; walls=""
        i=0
        while [ $i -lt "$RUNS" ]; do
            ln -f original.curv c.curv
            t0=$(now)
            ul-forget -v --curvature-update $how --method newton -m m.ulm -d train.csv -r req$k.csv -o x.ulm --remaining x.csv --curvature c.curv 2> log
            t1=$(now)
            grep -q 'curvature loaded' log || { cat log >&2; echo "the stored factor was not used" >&2; exit 1; }
            [ $how = downdate ] && done_as=downdated || done_as=refactored
            d=$(seconds "shard 0 $done_as to the remaining rows in" log)
            [ -n "$d" ] || { cat log >&2; echo "no $how" >&2; exit 1; }
            ts="$ts $d"; walls="$walls $(python3 -c "print($t1 - $t0)")"
            i=$((i + 1))
        done
        eval "t_$how=\"\$(median $ts) [$(echo $ts | tr ' ' ',')]\"; w_$how=\$(median $walls); m_$how=\$(median $ts)"
    done
    echo "| $k | $((10 * k)) | $t_downdate | $t_refactor | $(python3 -c "print('%.3f' % ($m_downdate / $m_refactor))") | $w_downdate | $w_refactor |"
done

;;
esac

case " $PARTS " in *" next "*) ;; *) exit 0 ;; esac
# (2) The next request. The first (Newton, K1 rows) leaves the downdated factor under the patched state's key.
cp original.curv first.curv
ul-forget -q --curvature-update downdate --method newton -m m.ulm -d train.csv -r first.csv -o a.ulm --remaining rem_a.csv --curvature first.curv
# (c) The same entry with the original factor in place of the downdated one (made at the same θ̂).
python3 - <<'PY'
import hashlib, struct, zlib
def sections(b):
    n = struct.unpack_from("<I", b, 12)[0]
    out = {}
    for i in range(n):
        e = 16 + 48 * i
        tag, off, ln = struct.unpack_from("<16sQQ", b, e)
        out[tag.rstrip(b"\0").decode()] = (e, off, ln)
    return n, out
a = bytearray(open("first.curv", "rb").read()); o = open("original.curv", "rb").read()
n, sa = sections(a); _, so = sections(o)
e, off, ln = sa["curve0000"]; _, ooff, oln = so["curve0000"]
assert ln == oln
payload = o[ooff:ooff + oln]
a[off:off + ln] = payload
struct.pack_into("<I", a, e + 32, zlib.crc32(payload) & 0xffffffff)
a[e + 40:e + 48] = hashlib.sha256(payload).digest()[:8]
struct.pack_into("<I", a, 16 + 48 * n, zlib.crc32(bytes(a[:16 + 48 * n])) & 0xffffffff)
open("stale.curv", "wb").write(a)
PY
ul-forget -q --method retrain -m m.ulm -d train.csv -r both.csv -o retrain.ulm --remaining rem_both.csv
echo
echo "Next request: $K2 rows after a Newton request of $K1 rows (both seeded, disjoint); reference: ul-forget --method retrain"
echo "of all $((K1 + K2)) rows. Newton's residual is ‖∇J₋(θ_next)‖ on the remaining rows (what training left at θ̂ included)."
echo
echo "| method | curvature of the next request | ‖θ_next − θ_retrain‖ | ‖θ_next − θ_next(b)‖ | gradient residual | computed / downdated (s) | whole request (s) |"
echo "|---|---|---:|---:|---:|---:|---:|"
for method in newton puma; do
    for v in b a c; do
        case $v in
        a) cp first.curv n.curv; what="(a) downdated" ;;
        b) rm -f n.curv; what="(b) recomputed at the patched θ" ;;
        c) cp stale.curv n.curv; what="(c) original, stale" ;;
        esac
        t0=$(now); ul-forget -v --curvature-update downdate --method $method -m a.ulm -d rem_a.csv -r next.csv -o next_$method$v.ulm --remaining x.csv --curvature n.curv 2> log; t1=$(now)
        res=$(sed -n 's/.*gradient residual \([^,]*\),.*/\1/p' log | head -1)
        c="$(seconds 'curvature computed in' log) / $(seconds 'downdated to the remaining rows in' log)"
        python3 dist.py row "$method" "$what" "next_$method$v.ulm" "next_${method}b.ulm" "${res:--}" "$c" "$(python3 -c "print('%.1f' % ($t1 - $t0))")"
    done
done
echo
echo "For scale: ‖θ − θ_retrain‖ is $(python3 dist.py dist m.ulm retrain.ulm) for the trained model and $(python3 dist.py dist a.ulm retrain.ulm) after the first request."

#!/bin/sh
# PUMA and Newton removal on an mlp under each curvature (the exact Hessian, generalised Gauss–Newton),
# against ul's own exact retrain, on Fashion-MNIST.
#
#     examples/bench/ggn.sh [WORKDIR]        (default ${TMPDIR:-/tmp}/ul-ggn-bench)
#     HIDDENS="32 100" ROWS=10000 EPOCHS=2500 LR=0.0003 SIZES="1 10 100" examples/bench/ggn.sh DIR
#     OPTIMIZER=lbfgs EPOCHS=3000 examples/bench/ggn.sh DIR
#
# The mlp is trained full batch, so that the retrained model differs from the original by the removed
# rows alone, not by a reshuffled mini-batch path: OPTIMIZER=adam (default) takes EPOCHS Adam steps on
# all rows (--batch ROWS, step LR); OPTIMIZER=lbfgs runs EPOCHS iterations of ul-train --optimizer lbfgs
# (files prefixed lbfgs-, so both can share WORKDIR). ‖∇J(θ̂)‖ says how far from a stationary point
# training got; the retrain (ul-forget --method retrain) trains the same way, from the model's config. Per request size (seeded random
# rows) and method, each curvature (CURVATURES, kind:preconditioner:damping; CG_LIMIT iterations per solve) runs as a separate
# ul-forget from the trained model with no stored curvature (the preconditioner is part of the time):
#   ratio   ‖θ_method − θ_retrain‖ / ‖θ_original − θ_retrain‖ (target ≤ 0.5)
#   Δacc    test accuracy minus the retrained model's, in points (target within ±0.5)
#   time    median wall seconds of RUNS runs of the whole command (reading the CSV, writing the model
#           and the remaining rows); the retrain's time is one run of `ul-forget --method retrain`
#           (target: a request ≤ 1/5 of it)
#   CG      conjugate-gradient iterations of the request (PUMA: two solves; Newton: one)
# A curvature whose conjugate gradient fails is listed with the failure. Prints markdown tables.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=${1:-${TMPDIR:-/tmp}/ul-ggn-bench}
HIDDENS=${HIDDENS:-32 100}
ROWS=${ROWS:-10000}
OPTIMIZER=${OPTIMIZER:-adam}
EPOCHS=${EPOCHS:-2500}
LR=${LR:-0.0003}
L2=${L2:-1}
SIZES=${SIZES:-1 10 100}
RUNS=${RUNS:-3}
METHODS=${METHODS:-puma newton}
CURVATURES=${CURVATURES:-gauss-newton:none:10 gauss-newton:diagonal:10 hessian:diagonal:0 hessian:diagonal:10000}
CG_LIMIT=${CG_LIMIT:-1000}
SCALE=0.00392156862745098   # 1/255
EVAL="python3 $ROOT/examples/bench/ggn_eval.py"
mkdir -p "$W"
[ -x "$ROOT/.build/release/ul-forget" ] || (cd "$ROOT" && swift build -c release >/dev/null)
PATH=$ROOT/.build/release:$PATH
[ -f "$W/full.csv" ] || { python3 "$ROOT/examples/bench/fashion_mnist_csv.py" "$W" >/dev/null && mv "$W/train.csv" "$W/full.csv"; }
cd "$W"
head -n $((ROWS + 1)) full.csv > train.csv
python3 -c "
import random, sys; random.seed(1); ids = [l.split(',', 1)[0] for l in open('train.csv').readlines()[1:]]
for k in map(int, sys.argv[1:]):
    open('req%d.csv' % k, 'w').write('id\n' + '\n'.join(random.sample(ids, k)) + '\n')
" $SIZES

now() { python3 -c 'import time; print(time.time())'; }
median() { python3 -c "import statistics,sys; print('%.2f' % statistics.median(map(float, sys.argv[1:])))" "$@"; }

case $OPTIMIZER in
adam) P=""; HOW="full-batch Adam (lr $LR, $EPOCHS steps)"; FIT="--batch $ROWS --lr $LR" ;;
lbfgs) P="lbfgs-"; HOW="full-batch L-BFGS ($EPOCHS iterations at most)"; FIT="--optimizer lbfgs" ;;
*) echo "OPTIMIZER: adam or lbfgs" >&2; exit 64 ;;
esac
echo "## Fashion-MNIST mlp, $ROWS training rows, $HOW, λ = $L2 on the summed loss, pixels/255; load $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for H in $HIDDENS; do
    TRAIN="ul-train --model mlp --hidden $H --scale $SCALE --l2 $L2 $FIT -e $EPOCHS"
    if [ ! -f ${P}model$H.ulm ]; then
        t0=$(now); $TRAIN train.csv -o ${P}model$H.ulm; t1=$(now)
        echo "$(python3 -c "print('%.1f' % ($t1 - $t0))")" > ${P}model$H.time
    fi
    set -- $($EVAL grad ${P}model$H.ulm train.csv $H "$L2")
    echo
    echo "### $H hidden: trained in $(cat ${P}model$H.time) s; ‖∇J(θ̂)‖ = $1 (‖θ̂‖ = $2); test accuracy $($EVAL acc ${P}model$H.ulm test.csv $H)"
    : > ${P}runs$H.tsv
    for k in $SIZES; do
        if [ ! -f ${P}retrain$H-$k.ulm ]; then
            t0=$(now); ul-forget -q --model ${P}model$H.ulm --data train.csv --requests req$k.csv --method retrain -o ${P}retrain$H-$k.ulm --remaining rem.csv; t1=$(now)
            python3 -c "print('%.2f' % ($t1 - $t0))" > ${P}retrain$H-$k.time
        fi
        printf '%s\tretrain\t–\t%sretrain%s-%s.ulm\t%sretrain%s-%s.ulm\t%smodel%s.ulm\t%s\t–\tok\n' $k "$P" $H $k "$P" $H $k "$P" $H "$(cat ${P}retrain$H-$k.time)" >> ${P}runs$H.tsv
        for m in $METHODS; do
            for c in $CURVATURES; do
                kind=${c%%:*}; rest=${c#*:}; pre=${rest%%:*}; damping=${rest#*:}
                name="$kind/$pre/δ=$damping"
                out=${P}$m$H-$k-$kind-$pre-$damping.ulm
                ts=""; status=ok; its="–"
                i=0
                while [ $i -lt "$RUNS" ]; do
                    rm -f ${P}model$H.ulm.curv
                    t0=$(now)
                    if ul-forget -v --model ${P}model$H.ulm --data train.csv --requests req$k.csv --method $m --curvature-kind $kind \
                        --preconditioner $pre --damping $damping --cg-limit "$CG_LIMIT" -o $out --remaining rem.csv 2> err.txt; then
                        t1=$(now)
                        ts="$ts $(python3 -c "print($t1 - $t0)")"
                        its=$(sed -n 's/.*shard 0: \([0-9]*\) conjugate-gradient iterations.*/\1/p' err.txt | head -1)
                    else
                        status=$(grep -o 'did not converge in [0-9]* iterations' err.txt | head -1 | sed 's/did not converge in/CG failed after/')
                        [ -n "$status" ] || status="failed: $(tail -n 1 err.txt)"
                        break
                    fi
                    i=$((i + 1))
                done
                secs=$([ -n "$ts" ] && median $ts || echo "–")
                printf '%s\t%s\t%s\t%s\t%sretrain%s-%s.ulm\t%smodel%s.ulm\t%s\t%s\t%s\n' $k $m "$name" $out "$P" $H $k "$P" $H "$secs" "$its" "$status" >> ${P}runs$H.tsv
            done
        done
        rm -f ${P}model$H.ulm.curv
    done
    echo
    echo "| rows | method | curvature | ratio | ‖θ_original − θ_retrain‖ | Δacc (points) | time (s) | CG | status |"
    echo "|---:|---|---|---:|---:|---:|---:|---:|---|"
    $EVAL table ${P}runs$H.tsv test.csv $H
done

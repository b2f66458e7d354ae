#!/bin/sh
# The experiments of the PUMA (Wu et al., AAAI 2022) and ARCANE (Yan et al., IJCAI 2022) papers, redrawn by
# ul's tools on public data: DIR/report.md with one SVG figure (drawn by ul-plot) and the CSV behind it per
# experiment, each beside the paper's claim and what differs.
#
#     examples/bench/papers.sh DIR            Fashion-MNIST (Debian package dataset-fashion-mnist)
#     QUICK=1 examples/bench/papers.sh DIR    digits (examples/data), a few minutes at most
#
# ROWS     Fashion-MNIST training rows, the first ROWS of the 60,000 (default 20000; test: all 10,000)
# RUNS     runs per timed request, medians reported (default 3; QUICK 1)
# REQUESTS length of the request sequence of ARCANE figure 3 (default 40; QUICK 20)
# UL_BIN   directory of the ul tools to run (default: a release build of this checkout)
#
# PUMA: one-shard softmax (L-BFGS, λ = 1); removal by `ul-forget --method puma|newton` with the stored Hessian
# factor (computed once by ul-influence, timed apart), against `--method retrain` and SISA exact forgetting
# (softmax, 10 shards × 5 blocks). ARCANE: class shards × 5 blocks, `ul-select` per class, one-class knn or
# ppca models, against SISA and one model trained on everything. Random rows are chosen by ul-partition's id
# hash (seeded), so every run picks the same rows. Times are wall-clock and include reading and writing
# files; the machine's load is printed in the report.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:?usage: papers.sh DIR}
QUICK=${QUICK:-0}
if [ -z "${UL_BIN:-}" ]; then
    (cd "$ROOT" && swift build -c release >/dev/null)
    UL_BIN=$ROOT/.build/release
fi
PATH=$UL_BIN:$PATH
export BENCH="$ROOT/examples/bench"   # ulm_params.py, papers_report.py
mkdir -p "$OUT/work"
OUT=$(cd "$OUT" && pwd)
W=$OUT/work
cd "$W"
start=$(date +%s)

# --- data --------------------------------------------------------------------------------------------------
if [ "$QUICK" = 1 ]; then
    DATASET="digits (1,797 rows, 8×8 pixels 0–16; every fifth row held out)"
    tr -d '\r' < "$ROOT/examples/data/digits.csv" | awk -F, 'NR == 1 || (NR - 2) % 5 != 0' > train.csv
    tr -d '\r' < "$ROOT/examples/data/digits.csv" | awk -F, 'NR == 1 || (NR - 2) % 5 == 0' > test.csv
    SCALE=0.0625 RUNS=${RUNS:-1} REQUESTS=${REQUESTS:-20}
    ETAS="0.05 0.2 1 4" FRACTIONS="0.25 0.5 1" BLOCKS="1 2 5 10"
else
    ROWS=${ROWS:-20000}
    [ -s fashion/train.csv ] || python3 "$BENCH/fashion_mnist_csv.py" fashion >/dev/null
    head -n $((ROWS + 1)) fashion/train.csv > train.csv
    cp fashion/test.csv test.csv
    DATASET="Fashion-MNIST (the first $ROWS training rows, all 10,000 test rows; pixels/255)"
    SCALE=0.00392156862745098 RUNS=${RUNS:-3} REQUESTS=${REQUESTS:-40}
    ETAS="0.05 0.1 0.25 0.5 1 2 4" FRACTIONS="0.1 0.25 0.5 0.75 1" BLOCKS="1 2 5 10 20"
fi
EPOCHS=100
N=$(($(wc -l < train.csv) - 1))

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
mean() { awk -v f="$1" '{ s += $1; n++ } END { printf f, s / n }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Test accuracy of a model (on FILE, default test.csv; LABEL: only rows of this label; OTHER=1: the others).
accuracy() {
    ul-predict -q -m "$1" "${2:-test.csv}" | awk -F, -v want="${LABEL:-}" -v other="${OTHER:-0}" '
        NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "label") l = i; if ($i == "predicted") p = i }; next }
        want == "" || (other ? $l != want : $l == want) { n++; ok += ($l == $p) }
        END { printf "%.4f", n ? ok / n : 0 }'
}
# The rows of FILE whose id is in IDS (a CSV with an id column), header first.
rows_of() { awk -F, 'NR == FNR { if (FNR > 1) want[$1] = 1; next } FNR == 1 || ($1 in want)' "$1" "$2"; }
# id,key for every row of FILE: ul-partition's seeded id hash into 1000 buckets (a uniform, repeatable key).
keys() {
    ul-partition -q --shards 1000 --seed "$1" ${3:+--exclude "$3"} "$2" |
        awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "shard") s = i; print "id,key"; next } { print $1 "," $s }'
}
# Requests: the ids whose key is below K (of 1000), or with ONE=1 the K rows of smallest key.
ids_below() { { echo id; awk -F, -v k="$2" 'NR > 1 && $2 < k { print $1 }' "$1"; } ; }
ids_first() { { echo id; tail -n +2 "$1" | sort -t, -k2,2n -k1,1 | head -n "$2" | cut -d, -f1; } ; }
# The ledger's rows_retrained on its last line.
retrained() { tail -n 1 "$1" | awk -F, '{ print $8 }'; }
# each_row MODEL DATA METHOD: one single-row request per id of request-ids.txt, each on MODEL as it is; the
# seconds go to times.txt, the ledger's rows_retrained to rows.txt.
each_row() {
    : > times.txt; : > rows.txt
    while read -r id; do
        printf 'id\n%s\n' "$id" > one.csv
        rm -f ledger-one.csv
        t0=$(now); ul-forget -q -m "$1" -d "$2" -r one.csv --method "$3" --ledger ledger-one.csv -o one.ulm --remaining rem-one.csv
        since "$t0" >> times.txt; echo >> times.txt
        retrained ledger-one.csv >> rows.txt
    done < request-ids.txt
}
plot() { ul-plot -q "$@"; }
# section NAME: the time since the previous section started goes to timing.csv under that section's name.
echo "experiment,seconds" > ../timing.csv
section() {
    [ -z "${section_name:-}" ] || echo "$section_name,$(since "$section_start")" >> ../timing.csv
    section_name=$1 section_start=$(now)
}
# Distance ‖θ_a − θ_b‖ of two one-shard models.
distance() {
    python3 -c "
import math, sys
sys.path.insert(0, '$BENCH')
from ulm_params import params
a, b = params(sys.argv[1]), params(sys.argv[2])
print('%.4f' % math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b))))" "$1" "$2"
}

keys 7 train.csv > key-remove.csv      # which rows a removal of p % takes
keys 13 train.csv > key-flip.csv       # which labels are flipped
keys 17 train.csv > key-request.csv    # request order
keys 19 train.csv > key-delete.csv     # who is likely to ask for deletion

# --- models shared by the experiments --------------------------------------------------------------------
section "shared models and the Hessian factor"
rm -f ./*.curv
ul-train -q --scale $SCALE --epochs $EPOCHS train.csv -o full.ulm
t0=$(now); ul-influence -q --model full.ulm --data train.csv -o influence.csv; FACTOR_TIME=$(since "$t0")
ul-partition -q --shards 10 --blocks 5 --seed 1 train.csv -o sisa.csv
ul-train -q --scale $SCALE --epochs $EPOCHS sisa.csv -o sisa.ulm
ORIGINAL_ACC=$(accuracy full.ulm)

# --- PUMA 1 and 4: removal of 1 %, 5 %, 10 % of the rows (and of one row) --------------------------------
section "PUMA 1 and 4"
echo "size,rows,original,puma,newton,retrain,sisa_exact,puma_distance,newton_distance,original_distance" > ../puma-removal.csv
echo "rows,puma,newton,retrain,sisa_exact" > ../puma-time.csv
for size in one 1 5 10; do
    if [ $size = one ]; then ids_first key-remove.csv 1 > req-$size.csv; else ids_below key-remove.csv $((size * 10)) > req-$size.csv; fi
    k=$(($(wc -l < req-$size.csv) - 1))
    for method in puma newton retrain sisa; do
        times=""
        r=0
        while [ $r -lt "$RUNS" ]; do
            rm -f $method-$size.ulm $method-$size.ulm.curv
            if [ $method = sisa ]; then
                t0=$(now); ul-forget -q -m sisa.ulm -d sisa.csv -r req-$size.csv -o $method-$size.ulm --remaining rem-sisa-$size.csv
            else
                t0=$(now); ul-forget -q -m full.ulm -d train.csv -r req-$size.csv --method $method -o $method-$size.ulm --remaining rem-$size.csv
            fi
            times="$times $(since "$t0")"
            r=$((r + 1))
        done
        eval "t_$method=$(echo $times | tr ' ' '\n' | median)"
        rm -f $method-$size.ulm.curv
    done
    echo "$k,$t_puma,$t_newton,$t_retrain,$t_sisa" >> ../puma-time.csv
    [ $size = one ] && continue
    echo "$size %,$k,$ORIGINAL_ACC,$(accuracy puma-$size.ulm),$(accuracy newton-$size.ulm),$(accuracy retrain-$size.ulm),$(accuracy sisa-$size.ulm),$(distance puma-$size.ulm retrain-$size.ulm),$(distance newton-$size.ulm retrain-$size.ulm),$(distance full.ulm retrain-$size.ulm)" >> ../puma-removal.csv
done
plot --kind bar --x size --y original,puma,newton,retrain,sisa_exact --y-min 0 --y-max 1 \
    --title "PUMA 1: test accuracy after removing a share of the rows" --x-label "rows removed" --y-label "test accuracy" \
    -o ../puma-removal.svg ../puma-removal.csv
plot --x rows --y puma,newton,retrain,sisa_exact --log-x --log-y \
    --title "PUMA 4: time of one removal request" --x-label "rows removed" --y-label "seconds (median of $RUNS)" \
    -o ../puma-time.svg ../puma-time.csv

# --- PUMA 2: removal of a whole class ------------------------------------------------------------------------
section "PUMA 2"
CLASS=$(awk -F, 'NR > 1 { print $2 }' train.csv | sort | head -n 1)
{ echo id; awk -F, -v c="$CLASS" 'NR > 1 && $2 == c { print $1 }' train.csv; } > req-class.csv
ul-forget -q -m full.ulm -d train.csv -r req-class.csv --method puma -o puma-class.ulm --remaining rem-class.csv
ul-forget -q -m full.ulm -d train.csv -r req-class.csv --method newton -o newton-class.ulm --remaining rem-class.csv
ul-forget -q -m full.ulm -d train.csv -r req-class.csv --method retrain -o retrain-class.ulm --remaining rem-class.csv
ul-forget -q -m sisa.ulm -d sisa.csv -r req-class.csv -o sisa-class.ulm --remaining rem-sisa-class.csv
rm -f ./*-class.ulm.curv
echo "model,removed_class,other_classes" > ../puma-class.csv
for m in full puma-class newton-class retrain-class sisa-class; do
    case $m in full) name=original ;; sisa-class) name="SISA exact" ;; *) name=${m%-class} ;; esac
    echo "$name,$(LABEL=$CLASS accuracy $m.ulm),$(LABEL=$CLASS OTHER=1 accuracy $m.ulm)" >> ../puma-class.csv
done
plot --kind bar --x model --y removed_class,other_classes --y-min 0 --y-max 1 \
    --title "PUMA 2: accuracy after removing class $CLASS" --x-label "model" --y-label "test accuracy" \
    -o ../puma-class.svg ../puma-class.csv

# --- PUMA 3: membership-attack resistance after removing 5 % of the rows ---------------------------------------
section "PUMA 3"
rows_of req-5.csv train.csv > forgotten-5.csv
# (A model that still holds the forgotten rows fails the audit's lineage check, exit 1: its report is what we want.)
# audit MODEL: ul-audit with the rows left after the 5 % removal as retained rows; metric KEY: from that report.
audit() {
    ul-audit -q -m "$1" -d rem-5.csv -f forgotten-5.csv -t test.csv --bootstrap 0 2>>audit-lineage.txt > audit.csv || [ $? = 1 ]
}
metric() {
    awk -F, -v k="$1" '$1 == k { printf "%.4f\n", $2; found = 1 } END { if (!found) { print "papers.sh: no " k " in the audit" > "/dev/stderr"; exit 1 } }' audit.csv
}
echo "model,resistance,loss_auc" > ../puma-resistance.csv
for m in full puma-5 newton-5 retrain-5 sisa sisa-5; do
    case $m in full) name=original ;; sisa) name="SISA original" ;; sisa-5) name="SISA exact" ;; *) name=${m%-5} ;; esac
    audit $m.ulm
    echo "$name,$(metric resistance),$(metric mia_loss_auc)" >> ../puma-resistance.csv
done
plot --kind bar --x model --y resistance,loss_auc --y-min 0 --y-max 1 \
    --title "PUMA 3: forgotten rows called non-members (5 % removed)" --x-label "model" --y-label "share / AUC" \
    -o ../puma-resistance.svg ../puma-resistance.csv

# --- PUMA 5: sensitivity to η --------------------------------------------------------------------------------
section "PUMA 5"
echo "eta,accuracy,resistance,distance" > ../puma-eta.csv
for eta in $ETAS; do
    ul-forget -q -m full.ulm -d train.csv -r req-5.csv --method puma --eta "$eta" -o puma-eta.ulm --remaining rem-eta.csv
    rm -f puma-eta.ulm.curv
    audit puma-eta.ulm
    echo "$eta,$(accuracy puma-eta.ulm),$(metric resistance),$(distance puma-eta.ulm retrain-5.ulm)" >> ../puma-eta.csv
done
ul-forget -q -m full.ulm -d train.csv -r req-5.csv --method puma --iterations 0 -o plain-5.ulm --remaining rem-eta.csv
rm -f plain-5.ulm.curv
audit plain-5.ulm
PLAIN="$(accuracy plain-5.ulm),$(metric resistance),$(distance plain-5.ulm retrain-5.ulm)"
audit retrain-5.ulm
RETRAIN5="$(accuracy retrain-5.ulm),$(metric resistance)"
plot --x eta --y accuracy,resistance --log-x --y-min 0 --y-max 1 \
    --title "PUMA 5: η (step of the weight optimisation, × 1/L), 5 % removed" --x-label "η" --y-label "test accuracy / resistance" \
    -o ../puma-eta.svg ../puma-eta.csv

# --- PUMA 6: mislabel detection --------------------------------------------------------------------------------
section "PUMA 6"
# 10 % of the labels move to the next label of the sorted label list.
python3 - train.csv key-flip.csv flipped.csv flipped-ids.csv <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
key = dict(r for r in csv.reader(open(sys.argv[2])) if r[0] != "id")
labels = sorted({r[1] for r in rows[1:]})
with open(sys.argv[3], "w", newline="") as f, open(sys.argv[4], "w") as ids:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(rows[0]); ids.write("id\n")
    for r in rows[1:]:
        if int(key[r[0]]) < 100:
            r[1] = labels[(labels.index(r[1]) + 1) % len(labels)]
            ids.write(r[0] + "\n")
        w.writerow(r)
PY
ul-train -q --scale $SCALE --epochs $EPOCHS flipped.csv -o flipped.ulm
ul-influence -q --model flipped.ulm --data flipped.csv --no-store -o flipped-influence.csv
ul-predict -q --proba -m flipped.ulm flipped.csv -o flipped-pred.csv
python3 - flipped-influence.csv flipped-pred.csv flipped-ids.csv ../puma-mislabel.csv <<'PY'
import csv, math, sys
infl = list(csv.DictReader(open(sys.argv[1])))
pred = list(csv.DictReader(open(sys.argv[2])))
flipped = {r["id"] for r in csv.DictReader(open(sys.argv[3]))}
by_influence = [r["id"] for r in sorted(infl, key=lambda r: (-float(r["self_influence"]), r["id"]))]
by_loss = [r["id"] for r in sorted(pred, key=lambda r: (math.log(max(float(r["p_" + r["label"]]), 1e-300)), r["id"]))]
n, f = len(pred), len(flipped)
with open(sys.argv[4], "w") as o:
    o.write("inspected,self_influence,loss,random,optimum\n")
    for pct in [0, 1, 2, 5, 10, 15, 20, 25, 30, 40, 50, 60, 80, 100]:
        top = round(n * pct / 100)
        found = lambda order: sum(i in flipped for i in order[:top]) / f
        o.write("%.2f,%.4f,%.4f,%.4f,%.4f\n" % (pct / 100, found(by_influence), found(by_loss), pct / 100, min(1, top / f)))
PY
plot --x inspected --y self_influence,loss,random,optimum --dashed random,optimum --y-min 0 --y-max 1 \
    --title "PUMA 6: flipped labels found (10 % flipped)" --x-label "share of training rows inspected" --y-label "share of flipped labels found" \
    -o ../puma-mislabel.svg ../puma-mislabel.csv

# --- ARCANE ----------------------------------------------------------------------------------------------------
section "ARCANE models"
# A deletion probability per row: 10 % of the rows are 50 times likelier to be asked for than the rest.
awk -F, 'NR == FNR { if (FNR > 1) p[$1] = ($2 < 100 ? "0.05" : "0.001"); next }
         FNR == 1 { print $0 ",p_delete"; next } { print $0 "," p[$1] }' key-delete.csv train.csv > train-p.csv
SELECT="--scale $SCALE --exclude p_delete"
ul-partition -q --by class --blocks 5 --exclude p_delete train-p.csv -o class.csv
ul-partition -q --by class --blocks 5 --exclude p_delete --sort-by p_delete train-p.csv -o class-sorted.csv
ul-partition -q --shards 10 --blocks 5 --seed 1 --exclude p_delete train-p.csv -o sisa-p.csv
ul-partition -q --shards 10 --blocks 5 --seed 1 --exclude p_delete --sort-by p_delete train-p.csv -o sisa-sorted.csv
# arcane KIND METHOD FRACTION PART OUT: select, then train; prints the seconds both took.
arcane() {
    t0=$(now)
    spec=$(ul-select --spec --scale $SCALE --method "$2" --fraction "$3")
    ul-select -q $SELECT --method "$2" --fraction "$3" "$4" -o "$5.csv"
    ul-train -q --model "$1" $SELECT --selection "$spec" "$5.csv" -o "$5.ulm"
    since "$t0"
}
arcane knn entropy 0.5 class.csv arcane-knn >/dev/null
arcane ppca entropy 0.5 class.csv arcane-ppca >/dev/null
arcane knn random 0.5 class.csv arcane-knn-random >/dev/null
ul-train -q --model knn --scale $SCALE --exclude p_delete class.csv -o arcane-knn-all.ulm

section "ARCANE 1"
{
    echo "model,test_accuracy"
    echo "full training (softmax),$ORIGINAL_ACC"
    echo "SISA (softmax 10 × 5),$(accuracy sisa.ulm)"
    echo "ARCANE knn (entropy 50 %),$(accuracy arcane-knn.ulm)"
    echo "ARCANE knn (random 50 %),$(accuracy arcane-knn-random.ulm)"
    echo "ARCANE knn (all rows),$(accuracy arcane-knn-all.ulm)"
    echo "ARCANE ppca (entropy 50 %),$(accuracy arcane-ppca.ulm)"
} > ../arcane-accuracy.csv
plot --kind bar --x model --y test_accuracy --y-min 0 --y-max 1 \
    --title "ARCANE 1: test accuracy" --x-label "" --y-label "test accuracy" -o ../arcane-accuracy.svg ../arcane-accuracy.csv

section "ARCANE 2"
# ARCANE 2: time of one single-row request (the same random rows for every architecture, each on the original).
ids_first key-request.csv $((RUNS * 3)) | tail -n +2 > request-ids.txt
echo "model,median_seconds,mean_seconds,mean_rows_retrained,model_mb" > ../arcane-time.csv
for m in full sisa arcane-knn; do
    case $m in full) name="full retrain"; d=train.csv; method=retrain ;; sisa) name="SISA exact"; d=sisa.csv; method=exact ;;
        arcane-knn) name="ARCANE exact (knn)"; d=arcane-knn.csv; method=exact ;; esac
    each_row $m.ulm $d $method
    echo "$name,$(median < times.txt),$(mean %.3f < times.txt),$(mean %.0f < rows.txt),$(wc -c < $m.ulm | awk '{ printf "%.1f", $1 / 1e6 }')" >> ../arcane-time.csv
done
plot --kind bar --x model --y median_seconds,mean_seconds --log-y \
    --title "ARCANE 2: time of a one-row request" --x-label "" --y-label "seconds" -o ../arcane-time.svg ../arcane-time.csv

section "ARCANE 3"
# ARCANE 3: rows retrained over a sequence of requests drawn from the deletion probabilities (four of five
# requests from the likely 10 %), with and without sorting the blocks by that probability.
awk -F, 'NR == FNR { if (FNR > 1) k[$1] = $2; next } FNR > 1 { print ($NF == "0.05" ? "hi" : "lo") "," k[$1] "," $1 }' \
    key-request.csv train-p.csv | sort -t, -k1,1 -k2,2n -k3,3 > pool.txt
grep '^hi' pool.txt | cut -d, -f3 > hi.txt
grep '^lo' pool.txt | cut -d, -f3 > lo.txt
awk -v n="$REQUESTS" 'NR == FNR { hi[++h] = $1; next } { lo[++l] = $1 }
    END { a = 0; b = 0; for (i = 1; i <= n; i++) print (i % 5 == 0 ? lo[++b] : hi[++a]) }' hi.txt lo.txt > sequence.txt
sequence() {   # sequence NAME MODEL DATA: forget the sequence one request at a time, in place
    cp "$2" seq-$1.ulm; cp "$3" seq-$1.csv; rm -f ledger-seq-$1.csv
    while read -r id; do
        printf 'id\n%s\n' "$id" > one.csv
        ul-forget -q -m seq-$1.ulm -d seq-$1.csv -r one.csv --ledger ledger-seq-$1.csv -o seq-$1.ulm --remaining seq-$1.next
        mv seq-$1.next seq-$1.csv
    done < sequence.txt
}
ul-train -q --scale $SCALE --epochs $EPOCHS --exclude p_delete sisa-p.csv -o sisa-p.ulm
ul-train -q --scale $SCALE --epochs $EPOCHS --exclude p_delete sisa-sorted.csv -o sisa-sorted.ulm
arcane knn entropy 0.5 class.csv arcane-p >/dev/null
arcane knn entropy 0.5 class-sorted.csv arcane-sorted >/dev/null
sequence sisa sisa-p.ulm sisa-p.csv
sequence sisa-sorted sisa-sorted.ulm sisa-sorted.csv
sequence arcane arcane-p.ulm arcane-p.csv
sequence arcane-sorted arcane-sorted.ulm arcane-sorted.csv
python3 - ../arcane-sequence.csv ledger-seq-sisa.csv ledger-seq-sisa-sorted.csv ledger-seq-arcane.csv ledger-seq-arcane-sorted.csv <<'PY'
import csv, itertools, sys
names = ["SISA softmax (row-epochs)", "SISA softmax sorted (row-epochs)", "ARCANE knn (rows)", "ARCANE knn sorted (rows)"]
ledgers = [[int(r["rows_retrained"]) for r in csv.DictReader(open(p))] for p in sys.argv[2:]]
with open(sys.argv[1], "w") as o:
    o.write("requests," + ",".join(names) + "\n")
    for i, row in enumerate(zip(*(itertools.accumulate(l) for l in ledgers))):
        o.write("%d,%s\n" % (i + 1, ",".join(map(str, row))))
PY
plot --x requests --y "SISA softmax (row-epochs),SISA softmax sorted (row-epochs),ARCANE knn (rows),ARCANE knn sorted (rows)" --log-y --width 800 \
    --title "ARCANE 3: retraining over a sequence of requests" --x-label "requests" --y-label "cumulative rows (row-epochs) retrained" \
    -o ../arcane-sequence.svg ../arcane-sequence.csv

section "ARCANE 4"
# ARCANE 4: selection ratio × selection method (knn and ppca one-class models).
echo "fraction,method,kind,accuracy,seconds,unselected_share" > arcane-ratio.long
for fraction in $FRACTIONS; do
    for method in entropy spread random; do
        for kind in knn ppca; do
            t=$(arcane $kind $method $fraction class.csv ratio)
            unselected=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "selected") s = i; next } { n++; u += ($s == 0) } END { printf "%.3f", u / n }' ratio.csv)
            echo "$fraction,$method,$kind,$(accuracy ratio.ulm),$t,$unselected" >> arcane-ratio.long
        done
    done
done
python3 - arcane-ratio.long ../arcane-ratio.csv ../arcane-ratio-time.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
series = []
for r in rows:
    s = r["method"] + " " + r["kind"]
    if s not in series: series.append(s)
for path, field in [(sys.argv[2], "accuracy"), (sys.argv[3], "seconds")]:
    with open(path, "w") as o:
        o.write("fraction," + ",".join(series) + "\n")
        for f in dict.fromkeys(r["fraction"] for r in rows):
            v = {r["method"] + " " + r["kind"]: r[field] for r in rows if r["fraction"] == f}
            o.write(f + "," + ",".join(v[s] for s in series) + "\n")
PY
cp arcane-ratio.long ../arcane-ratio-long.csv
plot --x fraction --title "ARCANE 4: accuracy against the selected share" --x-label "fraction selected per class" \
    --y-label "test accuracy" -o ../arcane-ratio.svg ../arcane-ratio.csv
plot --x fraction --log-y --title "ARCANE 4: time of selection and training" --x-label "fraction selected per class" \
    --y-label "seconds (ul-select + ul-train)" -o ../arcane-ratio-time.svg ../arcane-ratio-time.csv

section "ARCANE 5"
# ARCANE 5: blocks per shard against the rows one request retrains (mean over the same random rows).
echo "blocks,SISA softmax (row-epochs),ARCANE knn (rows),SISA seconds,ARCANE seconds" > ../arcane-blocks.csv
for blocks in $BLOCKS; do
    ul-partition -q --shards 10 --blocks $blocks --seed 1 train.csv -o b-sisa.csv
    ul-train -q --scale $SCALE --epochs $EPOCHS b-sisa.csv -o b-sisa.ulm
    ul-partition -q --by class --blocks $blocks train.csv -o b-class.csv
    ul-train -q --model knn --scale $SCALE b-class.csv -o b-class.ulm
    line=$blocks
    for m in sisa class; do
        each_row b-$m.ulm b-$m.csv exact
        line="$line,$(mean %.0f < rows.txt)"
        t=$(median < times.txt); eval "t_$m=$t"
    done
    echo "$line,$t_sisa,$t_class" >> ../arcane-blocks.csv
done
plot --x blocks --y "SISA softmax (row-epochs),ARCANE knn (rows)" --log-x --log-y \
    --title "ARCANE 5: retraining of one request against blocks per shard" --x-label "blocks per shard" \
    --y-label "rows (row-epochs) retrained, mean" -o ../arcane-blocks.svg ../arcane-blocks.csv

section end
# --- the report --------------------------------------------------------------------------------------------------
cat > facts.txt <<EOF
dataset=$DATASET
rows=$N
runs=$RUNS
epochs=$EPOCHS
requests=$REQUESTS
factor_seconds=$FACTOR_TIME
factor_mb=$(wc -c < full.ulm.curv | awk '{ printf "%.0f", $1 / 1e6 }')
class=$CLASS
forgotten5=$(($(wc -l < forgotten-5.csv) - 1))
plain=$PLAIN
retrain5=$RETRAIN5
seconds=$(($(date +%s) - start))
load=$(cut -d' ' -f1-3 /proc/loadavg)
cores=$(nproc)
tools=$UL_BIN
EOF
python3 "$BENCH/papers_report.py" "$OUT" facts.txt
echo "$OUT/report.md"

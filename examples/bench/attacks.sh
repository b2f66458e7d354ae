#!/bin/sh
# Membership attacks and per-example unlearning ε on Fashion-MNIST: the loss attack, offline and online LiRA
# against an original model (the attacked rows are members), then ε of exact, PUMA and Newton unlearning of 10
# and 100 rows. Prints two tables; a benchmark, not a test.
#
#   examples/bench/attacks.sh [WORKDIR]
#
# Environment: KINDS ("softmax mlp"), ROWS (10000 training rows), TEST (2000 test rows), MEMBERS (1000 attacked
# training rows), SHADOW (64), EPSILON (16 models per population), SIZES ("10 100" forgotten rows), EPOCHS
# (softmax 100, mlp 20), HIDDEN (32), DAMPING (mlp's curvature damping, 10000), METHODS ("exact puma newton").
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-${TMPDIR:-/tmp}/ul-bench-attacks}
KINDS=${KINDS:-softmax mlp}
ROWS=${ROWS:-10000}
TEST=${TEST:-2000}
MEMBERS=${MEMBERS:-1000}
SHADOW=${SHADOW:-64}
EPSILON=${EPSILON:-16}
SIZES=${SIZES:-10 100}
HIDDEN=${HIDDEN:-32}
DAMPING=${DAMPING:-10000}
METHODS=${METHODS:-exact puma newton}
swift build -c release --package-path "$root" >/dev/null
export PATH="$root/.build/release:$PATH"
mkdir -p "$work"
cd "$work"
[ -f train.csv ] && [ -f test.csv ] || python3 "$here/fashion_mnist_csv.py" . >/dev/null
head -n $((ROWS + 1)) train.csv > rows.csv
head -n $((TEST + 1)) test.csv > held.csv
head -n $((MEMBERS + 1)) rows.csv > members.csv
{ head -1 rows.csv; tail -n +$((MEMBERS + 2)) rows.csv; } > others.csv
key() { awk -F, -v k="$1" '$1 == k { print $2 }' "$2"; }
now() { date +%s.%N; }

echo "attacks: $ROWS training rows, $MEMBERS of them attacked (members) against $TEST test rows, $SHADOW shadow models; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-8s %8s %10s %12s %12s\n' kind attack auc tpr@0.1% tpr@0.1%_ci s/shadow
for kind in $KINDS; do
    case $kind in
        softmax) opts="--model softmax --scale 0.00392156862745098 --epochs ${EPOCHS:-100}" ;;
        mlp) opts="--model mlp --hidden $HIDDEN --scale 0.00392156862745098 --epochs ${EPOCHS:-20}" ;;
    esac
    # shellcheck disable=SC2086
    ul-train -q $opts rows.csv -o $kind.ulm
    for attack in offline online; do
        ul-audit -q -m $kind.ulm -d others.csv -f members.csv -t held.csv --shadow "$SHADOW" --attack $attack -o $kind-$attack.csv 2>/dev/null || true
    done
    printf '%-8s %-8s %8.4f %10s %12s %12s\n' $kind loss "$(key mia_loss_auc $kind-online.csv)" - - -
    for attack in offline online; do
        r=$kind-$attack.csv
        printf '%-8s %-8s %8.4f %10s %12s %12.2f\n' $kind $attack "$(key mia_lira_auc $r)" "$(key mia_tpr_at_0_1pct $r)" \
            "$(key mia_tpr_at_0_1pct_ci_low $r | cut -c1-5)-$(key mia_tpr_at_0_1pct_ci_high $r | cut -c1-5)" "$(key shadow_seconds_each $r)"
    done
done

echo
echo "unlearning ε: $EPSILON models unlearned by each method against $EPSILON retrained, δ = 1e-5 (cap log(2N) = $(python3 -c "import math; print(f'{math.log(2 * $EPSILON):.3f}')"))"
printf '%-8s %6s %-7s %9s %9s %9s %9s\n' kind rows method median p90 max seconds
for kind in $KINDS; do
    case $kind in
        softmax) damp="" ;;
        mlp) damp="--damping $DAMPING" ;;
    esac
    for n in $SIZES; do
        head -n $((n + 1)) rows.csv > forget-$n.csv
        { head -1 rows.csv; tail -n +$((n + 2)) rows.csv; } > retain-$n.csv
        for method in $METHODS; do
            d=$([ "$method" = exact ] && echo "" || echo "$damp")
            t0=$(now)
            # shellcheck disable=SC2086
            ul-audit -q -m $kind.ulm -d retain-$n.csv -f forget-$n.csv -t held.csv --bootstrap 0 --epsilon "$EPSILON" --method $method $d \
                -o eps-$kind-$n-$method.csv 2>/dev/null || true
            t1=$(now)
            f=eps-$kind-$n-$method.csv
            printf '%-8s %6d %-7s %9.3f %9.3f %9.3f %9.1f\n' $kind $n $method "$(key epsilon_forget_median $f)" "$(key epsilon_forget_p90 $f)" \
                "$(key epsilon_forget_max $f)" "$(python3 -c "print($t1 - $t0)")"
        done
    done
done

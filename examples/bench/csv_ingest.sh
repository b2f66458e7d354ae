#!/usr/bin/env bash
# CSV ingest throughput (MB/s, median of 5 runs) on the Fashion-MNIST training CSV (60,000 rows,
# 786 columns): ul-partition --check (reads, parses every feature as a finite number, checks ids)
# beside pandas.read_csv and polars.read_csv, in the same run. pandas and polars are peers only.
#
#   examples/bench/csv_ingest.sh [WORKDIR]     (default: /tmp/ul-bench)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/ul-bench}
mkdir -p "$work"
[ -s "$work/train.csv" ] || python3 "$here/fashion_mnist_csv.py" "$work"
python3 -c 'import pandas, polars' 2>/dev/null || pip install --quiet pandas polars
(cd "$root" && swift build -c release --product ul-partition >/dev/null)
UL="$root/.build/release/ul-partition" CSV="$work/train.csv" python3 - <<'PY'
import os, statistics, subprocess, time
csv, ul = os.environ["CSV"], os.environ["UL"]
mb = os.path.getsize(csv) / 1e6
def median_seconds(f, runs=5):
    times = []
    for _ in range(runs):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return statistics.median(times)
import pandas, polars
rows = [
    ("ul-partition --check", median_seconds(lambda: subprocess.run([ul, "--check", csv], check=True))),
    ("pandas.read_csv " + pandas.__version__, median_seconds(lambda: pandas.read_csv(csv))),
    ("polars.read_csv " + polars.__version__, median_seconds(lambda: polars.read_csv(csv))),
]
print(f"input: {csv} ({mb:.1f} MB), cores: {os.cpu_count()}")
print(f"{'reader':<28}{'median s':>10}{'MB/s':>10}")
for name, s in rows:
    print(f"{name:<28}{s:>10.3f}{mb / s:>10.1f}")
PY

#!/usr/bin/env bash
# scripts/bench/scaling.sh: strong and weak scaling of the telecom monthly job
# at 1..R ranks x 1 thread. Strong: one month of N customers at every rank
# count; weak: P x M customers at P ranks. Runs with more ranks than cores
# (mpirun --oversubscribe) are marked "oversubscribed" and left out of the
# efficiency figures. Writes out/bench/scaling.json and, with
# scripts/bench/plot.py, out/bench/scaling.png and out/bench/phases.png.
# Usage: scripts/bench/scaling.sh [--customers N] [--per-rank M] [--max-ranks R]
#        (defaults 200000, 100000, 4)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
customers=200000 per_rank=100000 max_ranks=4
while [ $# -gt 0 ]; do
  case "$1" in
    --customers) customers=$2; shift 2 ;;
    --per-rank) per_rank=$2; shift 2 ;;
    --max-ranks) max_ranks=$2; shift 2 ;;
    *) echo "usage: $0 [--customers N] [--per-rank M] [--max-ranks R]" >&2; exit 2 ;;
  esac
done

"$root/scripts/build.sh"
build=${PORTRAIT_BUILD_DIR:-$root/build}
portrait=$build/src/portrait
cd "$root"
source "$root/scripts/bench/month.sh"
out=out/bench/scaling
mkdir -p "$out"
cores=$(nproc)

run() {  # mode ranks customers
  local mode=$1 ranks=$2 n=$3 name="$1-np$2"
  bench_month "$n"
  bench_job "$n" "$out/job-$n.yaml"
  echo "bench: $mode scaling, $ranks rank(s), $n customers"
  OMP_NUM_THREADS=1 scripts/mpirun.sh -np "$ranks" "$portrait" run --quiet \
    --memory-budget-mb $((16384 / ranks)) --output "$out/$name" "$out/job-$n.yaml" > "$out/$name.log"
  echo "$mode $ranks $n $((ranks > cores ? 1 : 0)) $out/$name/manifest.json" >> "$out/runs.txt"
}
rm -f "$out/runs.txt"
for ((p = 1; p <= max_ranks; ++p)); do run strong "$p" "$customers"; done
for ((p = 1; p <= max_ranks; ++p)); do run weak "$p" $((p * per_rank)); done

/usr/bin/python3 - "$out/runs.txt" "$cores" out/bench/scaling.json <<'PY'
import json, sys
runs_file, cores, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = []
for line in open(runs_file):
    mode, ranks, customers, over, manifest = line.split()
    m = json.load(open(manifest))
    runs.append({"mode": mode, "ranks": int(ranks), "customers": int(customers),
                 "oversubscribed": over == "1", "wall_seconds": m["wall_seconds"],
                 "phase_seconds": m["phase_seconds"],
                 "records": sum(a["read"] for a in m["accounting"].values()),
                 "peak_rss_bytes_per_rank": m["peak_rss_bytes_per_rank"]})
for mode in ("strong", "weak"):
    t1 = next(r["wall_seconds"] for r in runs if r["mode"] == mode and r["ranks"] == 1)
    for r in runs:
        if r["mode"] != mode:
            continue
        p, t = r["ranks"], r["wall_seconds"]
        r["speedup"] = t1 / t if mode == "strong" else None
        r["efficiency"] = None if r["oversubscribed"] else (t1 / (p * t) if mode == "strong" else t1 / t)
        eff = "oversubscribed" if r["efficiency"] is None else f"efficiency {r['efficiency'] * 100:.0f}%"
        print(f"{mode} np{p}: {r['customers']} customers, wall {t:.2f} s, "
              f"{r['records'] / t / 1e6:.2f} M records/s, {eff}")
json.dump({"cores": cores, "threads_per_rank": 1, "runs": runs}, open(out, "w"), indent=2)
print(f"summary: {out}")
PY
/usr/bin/python3 "$root/scripts/bench/plot.py" out/bench/scaling.json out/bench

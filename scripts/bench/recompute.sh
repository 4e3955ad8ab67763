#!/usr/bin/env bash
# scripts/bench/recompute.sh: the full monthly recompute as a benchmark.
# Builds portrait, generates the benchmark month once (cached in
# data/bench-<N>/), runs the telecom monthly job at np=1 x 2 threads,
# np=2 x 1 thread and np=1 x 1 thread, and the raw-read baseline (raw_read:
# the same datasets, the same read plan, nothing else) at np=2. Prints each
# run's numbers from its manifest.json and writes out/bench/recompute.json.
# Usage: scripts/bench/recompute.sh [--customers N]   (default 2000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
customers=2000000
while [ $# -gt 0 ]; do
  case "$1" in
    --customers) customers=$2; shift 2 ;;
    *) echo "usage: $0 [--customers N]" >&2; exit 2 ;;
  esac
done

"$root/scripts/build.sh"
build=${PORTRAIT_BUILD_DIR:-$root/build}
portrait=$build/src/portrait
raw_read=$build/scripts/bench/raw_read
cd "$root"

# --- the benchmark month (generated once) and the job on it -----------------
source "$root/scripts/bench/month.sh"
data=data/bench-$customers
bench_month "$customers"
out=out/bench
job=$out/telecom-bench.yaml
bench_job "$customers" "$job"

# The machine's memory (24 GiB, shared) is split between the ranks: 16 GiB of
# budget in all, whatever the rank count.
run() {  # ranks threads
  local ranks=$1 threads=$2 name="np${1}x${2}"
  echo "bench: $name"
  OMP_NUM_THREADS=$threads scripts/mpirun.sh -np "$ranks" "$portrait" run --quiet \
    --memory-budget-mb $((16384 / ranks)) --output "$out/$name" "$job" > "$out/$name.log"
}
run 1 2
run 2 1
run 1 1

echo "bench: raw read, np2"
OMP_NUM_THREADS=1 scripts/mpirun.sh -np 2 "$raw_read" "$data/shards/*.h5" > "$out/raw_read.json"

# --- summary ------------------------------------------------------------------
/usr/bin/python3 - "$out" "$customers" "$data" <<'EOF'
import json, os, sys
out, customers, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = {}
for name in ("np1x2", "np2x1", "np1x1"):
    m = json.load(open(os.path.join(out, name, "manifest.json")))
    ranks = m["ranks"]
    input_bytes = sum(f["bytes"] for f in m["inputs"])
    records = sum(a["read"] for a in m["accounting"].values())
    share = input_bytes / ranks
    peak = max(m["peak_rss_bytes_per_rank"])
    runs[name] = {
        "ranks": ranks,
        "threads_per_rank": m["threads_per_rank"],
        "wall_seconds": m["wall_seconds"],
        "phase_seconds": m["phase_seconds"],
        "records": records,
        "records_per_second": records / m["wall_seconds"],
        "shuffle_bytes_sent": m["shuffle"]["bytes_sent"],
        "shuffle_rounds": m["shuffle"]["rounds"],
        "peak_rss_bytes_per_rank": m["peak_rss_bytes_per_rank"],
        "input_bytes": input_bytes,
        "input_share_bytes_per_rank": share,
        "peak_rss_over_input_share": peak / share,
    }
raw = json.load(open(os.path.join(out, "raw_read.json")))
t1, t2 = runs["np1x1"]["wall_seconds"], runs["np2x1"]["wall_seconds"]
summary = {
    "customers": customers,
    "data": data,
    "runs": runs,
    "raw_read_np2": raw,
    "end_to_end_over_raw_read_np2": t2 / raw["seconds"],
    "efficiency_np1_to_np2": t1 / (2 * t2),
    "targets": {"end_to_end_over_raw_read_np2": "<= 2", "efficiency_np1_to_np2": ">= 0.85",
                "peak_rss_over_input_share": "<= 2.5"},
}
json.dump(summary, open(os.path.join(out, "recompute.json"), "w"), indent=2)

gb = 1e9
PHASES = ("plan", "read+shuffle", "group", "checkpoint:grouped", "restore:grouped", "restore:tagged", "previous",
          "identity", "compute", "models", "checkpoint:tagged", "merge", "reduce", "write")
print(f"\n{customers} customers, {runs['np1x1']['records']:,} records, "
      f"{runs['np1x1']['input_bytes'] / gb:.2f} GB of shards")
for name, r in runs.items():
    phases = ", ".join(f"{p} {r['phase_seconds'][p]:.2f}" for p in PHASES if p in r["phase_seconds"])
    print(f"{name}: wall {r['wall_seconds']:.2f} s, {r['records_per_second'] / 1e6:.2f} M records/s, "
          f"shuffled {r['shuffle_bytes_sent'] / gb:.2f} GB in {r['shuffle_rounds']} rounds, peak RSS/rank "
          f"{' '.join(f'{b / gb:.2f}' for b in r['peak_rss_bytes_per_rank'])} GB "
          f"({r['peak_rss_over_input_share']:.2f}x its input share)")
    print(f"  phases (s): {phases}")
print(f"raw read np2: {raw['seconds']:.2f} s, {raw['bytes'] / gb:.2f} GB, {raw['rows']:,} rows")
print(f"end-to-end / raw read (np2): {summary['end_to_end_over_raw_read_np2']:.2f} (target <= 2)")
print(f"np1 -> np2 efficiency: {summary['efficiency_np1_to_np2'] * 100:.0f}% (target >= 85%)")
print(f"summary: {os.path.join(out, 'recompute.json')}")
EOF

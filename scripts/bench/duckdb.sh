#!/usr/bin/env bash
# scripts/bench/duckdb.sh: portrait's fact layer side by side with DuckDB.
# The usage, billing and web facts of jobs/catalogs/telecom.yaml (35 facts),
# computed by portrait (a catalog of those facts alone, at np 2 x 1 thread
# and np 1 x 2 threads) and by one DuckDB SQL query at 2 threads
# (scripts/bench/duckdb/bench_duckdb.mjs) on the same month, in the same
# invocation. Every fact of every customer is cross-checked (any difference
# fails the script), and so are the records each side keeps after the record
# checks. Prints the table and writes out/bench-duckdb/duckdb.json.
#
# What is compared, both at 2 threads on the same machine and files:
#   on disk:   DuckDB's query over Parquet files (scan, checks, facts) against
#              portrait's read+shuffle + group + compute phases (HDF5 shards)
#   in memory: DuckDB's query over tables loaded in memory against portrait's
#              group + compute phases (records already in memory)
# The month is generated once with 1% dirty records (data/bench-duckdb-N),
# exported to Parquet once (untimed; data/bench-duckdb-N/parquet). DuckDB's
# npm package is installed here with `npm ci` (scripts/bench/duckdb/node_modules).
# Usage: scripts/bench/duckdb.sh [--customers N]   (default 200000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
customers=200000
while [ $# -gt 0 ]; do
  case "$1" in
    --customers) customers=$2; shift 2 ;;
    *) echo "usage: $0 [--customers N]" >&2; exit 2 ;;
  esac
done
# Node.js and npm are this benchmark's own needs, not portrait's: Debian's
# packages when the machine has none.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "duckdb.sh: needs Node.js 18 or later with npm (apt-get install nodejs npm)" >&2; exit 1; }
  echo "bench: installing Debian's nodejs and npm"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
fi

echo "bench: building portrait"
"$root/scripts/build.sh"
build=${PORTRAIT_BUILD_DIR:-$root/build}
portrait=$build/src/portrait
here=$root/scripts/bench/duckdb
cd "$root"

period=2026-10
history_months=2
data=data/bench-duckdb-$customers
out=out/bench-duckdb
# DuckDB's memory limit and portrait's budget: 16 GiB of the machine's 24.
memory_mb=16384

# --- the month (generated once) and its Parquet export (once) ----------------
if [ ! -f "$data/.complete" ]; then
  echo "bench: generating $customers customers for $period in $data (1% dirty records)"
  rm -rf "$data"
  start=$SECONDS
  OMP_NUM_THREADS=1 scripts/mpirun.sh -np 2 "$portrait" gen --customers "$customers" --period $period \
    --seed 9 --dirty-rate 0.01 --out "$data"
  echo "bench: generated in $((SECONDS - start)) s"
  touch "$data/.complete"
fi

echo "bench: installing DuckDB (npm ci in scripts/bench/duckdb)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

if [ ! -f "$data/parquet/.complete" ]; then
  echo "bench: exporting the shards to Parquet in $data/parquet (untimed)"
  rm -rf "$data/parquet" "$data/parquet-raw"
  start=$SECONDS
  /usr/bin/python3 "$here/export_parquet.py" "$data" "$data/parquet-raw" customers billing usage web
  node "$here/bench_duckdb.mjs" prepare "$data/parquet-raw" "$data/parquet"
  rm -rf "$data/parquet-raw"
  touch "$data/parquet/.complete"
  echo "bench: exported in $((SECONDS - start)) s, $(du -sh "$data/parquet" | cut -f1)"
fi

# --- portrait: the facts alone ------------------------------------------------
mkdir -p "$out"
/usr/bin/python3 "$here/fact_catalog.py" jobs/catalogs/telecom.yaml "$out/telecom-facts.yaml" \
  usage billing web > "$out/fact_ids.txt"
echo "bench: $(wc -l < "$out/fact_ids.txt") facts of the usage, billing and web channels"
cat > "$out/telecom-facts-job.yaml" <<EOF
# $out/telecom-facts-job.yaml: written by scripts/bench/duckdb.sh.
period: $period
history_months: $history_months
inputs:
  shards: [$data/shards/customers_*.h5, $data/shards/billing_*.h5, $data/shards/usage_*.h5, $data/shards/web_*.h5]
  reference: $data/reference.h5
output: $out/run
buckets: 4096
memory_budget_mb: $memory_mb
catalog: $out/telecom-facts.yaml
csv: false
overwrite: true
EOF

run() {  # ranks threads
  local ranks=$1 threads=$2 name="np${1}x${2}"
  echo "bench: portrait $name"
  OMP_NUM_THREADS=$threads scripts/mpirun.sh -np "$ranks" "$portrait" run --quiet \
    --memory-budget-mb $((memory_mb / ranks)) --output "$out/$name" "$out/telecom-facts-job.yaml" > "$out/$name.log"
  /usr/bin/python3 "$here/export_parquet.py" --tags "$out/$name/tags.h5" "$out/$name/tags.parquet"
}
run 2 1
run 1 2

# --- DuckDB: the same facts in SQL ---------------------------------------------
echo "bench: DuckDB at 2 threads"
node "$here/bench_duckdb.mjs" run "$data/parquet" "$out/duckdb" $period $history_months 2 "${memory_mb}MB"

# --- cross-checks (any difference fails the script) ---------------------------
echo "bench: cross-checking every fact of every customer"
node "$here/bench_duckdb.mjs" compare "$out/np2x1/tags.parquet" "$out/fact_ids.txt" \
  "$out/duckdb/parquet.parquet" "$out/duckdb/memory.parquet"
node "$here/bench_duckdb.mjs" compare "$out/np1x2/tags.parquet" "$out/fact_ids.txt" "$out/duckdb/parquet.parquet"

# --- summary --------------------------------------------------------------------
/usr/bin/python3 - "$out" "$customers" "$data" <<'EOF'
import json, os, sys
out, customers, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
duck = json.load(open(os.path.join(out, "duckdb", "duckdb.json")))
runs = {name: json.load(open(os.path.join(out, name, "manifest.json"))) for name in ("np2x1", "np1x2")}

# The records each side reads and keeps must agree, channel by channel.
for name, m in runs.items():
    for channel in ("customers", "billing", "usage", "web"):
        a = m["accounting"][channel]
        if a["read"] != duck["records_read"][channel] or a["used"] != duck["records_used"][channel]:
            sys.exit(f"cross-check FAILED: {channel}: portrait {name} read {a['read']} used {a['used']}, "
                     f"DuckDB read {duck['records_read'][channel]} kept {duck['records_used'][channel]}")
    extra = set(m["accounting"]) - {"customers", "billing", "usage", "web"}
    if extra:
        sys.exit(f"portrait {name} read channels beyond the compared ones: {sorted(extra)}")
print("cross-check: records read and kept per channel equal on both sides")

records = sum(duck["records_read"].values())
def rate(seconds):
    return records / seconds if seconds > 0 else float("inf")

rows = []  # (side, what, seconds)
portrait = {}
for name, m in runs.items():
    p = m["phase_seconds"]
    disk = p["read+shuffle"] + p["group"] + p["compute"]
    memory = p["group"] + p["compute"]
    portrait[name] = {"ranks": m["ranks"], "threads_per_rank": m["threads_per_rank"], "phase_seconds": p,
                      "wall_seconds": m["wall_seconds"], "peak_rss_bytes_per_rank": m["peak_rss_bytes_per_rank"],
                      "fact_layer_from_disk_seconds": disk,
                      "fact_layer_in_memory_seconds": memory}
best = min(portrait.values(), key=lambda r: r["fact_layer_from_disk_seconds"])
ratio_disk = duck["query_parquet_seconds"] / best["fact_layer_from_disk_seconds"]
ratio_memory = duck["query_memory_seconds"] / min(r["fact_layer_in_memory_seconds"] for r in portrait.values())
summary = {
    "customers": customers, "data": data, "records": records, "facts": len(open(os.path.join(out, "fact_ids.txt")).read().split()),
    "records_read": duck["records_read"], "records_kept": duck["records_used"],
    "duckdb": duck, "portrait": portrait,
    "speedup_from_disk": ratio_disk, "speedup_in_memory": ratio_memory,
    "compared": {
        "from_disk": "DuckDB query over Parquet files vs portrait read+shuffle + group + compute from HDF5 shards",
        "in_memory": "DuckDB query over tables in memory vs portrait group + compute",
        "threads": 2,
    },
    "target": {"speedup_from_disk": ">= 2"},
}
json.dump(summary, open(os.path.join(out, "duckdb.json"), "w"), indent=2)

print(f"\n{customers} customers, {records:,} records (customers, billing, usage, web), {summary['facts']} facts, "
      f"2 threads; DuckDB {duck['duckdb_version']}")
print(f"{'':34}{'seconds':>9}{'M records/s':>13}")
def line(label, seconds):
    print(f"{label:34}{seconds:9.2f}{rate(seconds) / 1e6:13.2f}")
line("DuckDB load Parquet -> memory", duck["load_seconds"])
line("DuckDB query over Parquet", duck["query_parquet_seconds"])
line("DuckDB query in memory", duck["query_memory_seconds"])
for name, r in portrait.items():
    p = r["phase_seconds"]
    print(f"portrait {name}: read+shuffle {p['read+shuffle']:.2f}, group {p['group']:.2f}, "
          f"compute {p['compute']:.2f}, wall {r['wall_seconds']:.2f} s")
    line(f"  {name} read+shuffle+group+compute", r["fact_layer_from_disk_seconds"])
    line(f"  {name} group+compute", r["fact_layer_in_memory_seconds"])
gb = 1e9
print(f"peak RSS: DuckDB (node) {duck['peak_rss_bytes'] / gb:.2f} GB; portrait " + ", ".join(
    f"{name} {' + '.join(f'{b / gb:.2f}' for b in r['peak_rss_bytes_per_rank'])} GB" for name, r in portrait.items()))
print(f"from disk (DuckDB query over Parquet / portrait's best read+shuffle+group+compute): "
      f"portrait {ratio_disk:.2f}x DuckDB's throughput (target >= 2)")
print(f"in memory (DuckDB query over tables / portrait's best group+compute): portrait {ratio_memory:.2f}x")
print(f"summary: {os.path.join(out, 'duckdb.json')}")
EOF

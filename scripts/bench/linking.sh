#!/usr/bin/env bash
# scripts/bench/linking.sh: probabilistic identity linking in the monthly
# run: the linking phase (blocking, pair generation, scoring, EM and the
# profiles' components) against the rest of the run, and pairs per second.
# Usage: scripts/bench/linking.sh [customers] [ranks]   (default 2000000 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
portrait=${PORTRAIT:-build/src/portrait}
customers=${1:-2000000}
ranks=${2:-2}
. scripts/bench/month.sh
bench_month "$customers"
job=out/bench/linking.yaml
bench_job "$customers" "$job"
start=$SECONDS
scripts/mpirun.sh -np "$ranks" "$portrait" run --quiet "$job" >out/bench/linking.log 2>&1 ||
  { cat out/bench/linking.log; exit 1; }
echo "bench: run of $customers customers at np $ranks in $((SECONDS - start)) s"
/usr/bin/python3 - out/bench/run/manifest.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
phases = m["phase_seconds"]
linking = phases.get("linking", 0.0)
rest = sum(v for k, v in phases.items() if k != "linking")
l = m["linking"]
print("bench: phases " + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(phases.items())))
print(f"bench: linking {linking:.2f} s, the rest of the run {rest:.2f} s (wall {m['wall_seconds']:.2f} s)")
print(f"bench: {l['pairs_in_blocks']} pairs in blocks, {l['pairs_compared']} compared, "
      f"{l['pairs_over_cap']} not made over the cap; {l['pairs_compared'] / max(linking, 1e-9):,.0f} pairs/s "
      f"compared over the whole phase")
for p in l["profiles"]:
    print(f"bench: profile {p['name']} (p >= {p['min_probability']}): {p['links']} links, {p['persons']} persons")
PY

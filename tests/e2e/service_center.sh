#!/usr/bin/env bash
# tests/e2e/service_center.sh: the service centre's k-means groups in a run:
# five groups with their statistics, the same bytes at np 1 and 3.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "service_center: $*" >&2; exit 1; }

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 8 --service-per-customer 1 \
  --out "$work/data" >/dev/null
sed -e "s|data/demo/|$work/data/|g; s|out/service-center|$work/out|; s|buckets: 4096|buckets: 256|" \
    -e "s|jobs/catalogs/service_center.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/service_center.yaml|" \
    "$PORTRAIT_SOURCE_DIR/jobs/service-center.yaml" >"$work/job.yaml"
$PORTRAIT_MPIEXEC -np 1 "$PORTRAIT" run --output "$work/np1" "$work/job.yaml" >"$work/np1.log" 2>&1 ||
  { cat "$work/np1.log"; fail "run at np 1 failed"; }
$PORTRAIT_MPIEXEC -np 3 "$PORTRAIT" run --output "$work/np3" "$work/job.yaml" >"$work/np3.log" 2>&1 ||
  { cat "$work/np3.log"; fail "run at np 3 failed"; }
cmp "$work/np1/tags.h5" "$work/np3/tags.h5" || fail "groups differ between np 1 and np 3"
cmp "$work/np1/statistics.json" "$work/np3/statistics.json" || fail "statistics differ between np 1 and np 3"
/usr/bin/python3 - "$work/np3/statistics.json" "$work/np3/manifest.json" <<'PY'
import json, sys
groups = json.load(open(sys.argv[1]))[0]["groups"]
names = [g["service_group"] for g in groups]
assert sorted(names) == sorted(["ordinary", "potential", "value", "guided", "business_sensitive"]), names
sizes = [g["customers"] for g in groups]
assert sum(sizes) == json.load(open(sys.argv[2]))["customers"], sizes
kmeans = json.load(open(sys.argv[2]))["models"]["service_group"]
assert kmeans["k"] == 5 and sorted(kmeans["sizes"], reverse=True) == kmeans["sizes"], kmeans
print("service_center: groups", dict(zip(names, sizes)), "inertia", kmeans["inertia"])
PY
grep -q "Service customer groups" "$work/np3.log" || fail "the groups' statistics are not printed"
echo "service_center: ok"

#!/usr/bin/env bash
# tests/e2e/faults_codes.sh: bad values inside otherwise good shards. On a
# clean generated month with planted faults:
# - codes outside their dictionaries (usage kind 99, roaming 5, a cell and a
#   domain the reference file lacks, service channel 9, marketing outcome 7,
#   identity id_type 9) are quarantined as unknown_code, exactly those; the
#   customers' (region 9999, gender 7, status 5) are set missing and counted;
# - a customer's billing amounts summing beyond int64 quarantine the largest
#   (sum_overflow) and the month completes;
# - a NaN coordinate in the reference file stops the run naming the row;
# - an empty billing shard of the period is a warning, and an error when the
#   job requires billing;
# - over the memory budget, the message shows the bytes;
# - a string in arithmetic names the operation.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "faults_codes: $*" >&2; exit 1; }
py=/usr/bin/python3
export OMP_NUM_THREADS=1

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 29 --out "$work/data" \
  >/dev/null || fail "gen failed"
cp "$work/data/reference.h5" "$work/reference.h5"
sed -e "s|data/demo/|$work/data/|g; s|out/demo|$work/out|; s|buckets: 4096|buckets: 256|" \
  -e "s|jobs/catalogs/telecom.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml|" \
  "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml" >"$work/job.yaml"

# run NAME ARGS...: portrait run at np 2 inside a timeout; rc in $rc.
run() {
  local name=$1
  shift
  rc=0
  timeout -k 5 120 $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run "$@" >"$work/$name.log" 2>&1 || rc=$?
  [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || { cat "$work/$name.log"; fail "$name: the run hung"; }
}

# Plant the faults, each in rows of its own, and say how many went where.
"$py" - "$work/data/shards" >"$work/planted.json" <<'PY'
import glob, json, os, sys
import h5py, numpy as np
shards = sys.argv[1]
planted = {}
def plant(pattern, channel, column, value, rows):
    path = sorted(glob.glob(os.path.join(shards, pattern)))[0]
    with h5py.File(path, "r+") as f:
        d = f[channel][column]
        values = d[...]
        values[rows] = value
        d[...] = values
    planted.setdefault(channel, 0)
    planted[channel] += len(rows)
plant("usage_*", "usage", "kind", 99, [3, 4])
plant("usage_*", "usage", "roaming", 5, [10])
plant("usage_*", "usage", "cell_id", 999999, [20, 21])
plant("web_*", "web", "domain_id", 999999, [5])
plant("service_*", "service", "channel", 9, [0])
plant("marketing_*", "marketing", "outcome", 7, [1, 2])
plant("identity_*", "identity", "id_type", 9, [7])
plant("customers_0*", "customers", "region", 9999, [1, 2])
plant("customers_0*", "customers", "gender", 7, [3])
plant("customers_1*", "customers", "status", 5, [4])
# One customer's three billing months at 4e18 fen each: any two overflow int64.
with h5py.File(os.path.join(shards, "customers_0.h5"), "r") as f:
    rich = int(f["customers/customer_id"][10])
for path in sorted(glob.glob(os.path.join(shards, "billing_*.h5"))):
    with h5py.File(path, "r+") as f:
        ids = f["billing/customer_id"][...]
        amount = f["billing/amount"][...]
        amount[ids == rich] = 4 * 10**18
        f["billing/amount"][...] = amount
json.dump({"unknown_code": planted, "rich": rich}, sys.stdout)
PY

run codes "$work/job.yaml" --quiet --output "$work/codes"
[ "$rc" -eq 0 ] || { cat "$work/codes.log"; fail "the run with planted codes and an overflowing sum failed"; }
"$py" - "$work/planted.json" "$work/codes/manifest.json" <<'PY' || fail "the planted faults were not quarantined as planted"
import json, sys
planted = json.load(open(sys.argv[1]))
acc = json.load(open(sys.argv[2]))["accounting"]
for channel, n in planted["unknown_code"].items():
    if channel == "customers":
        got = acc[channel].get("values_set_missing_by_reason", {}).get("unknown_code", 0)
        assert acc[channel]["quarantined"] == 0, acc[channel]
    else:
        got = acc[channel]["quarantined_by_reason"].get("unknown_code", 0)
    assert got == n, (channel, got, n)
assert acc["billing"]["quarantined_by_reason"].get("sum_overflow") == 1, acc["billing"]
PY

# A NaN latitude in the reference file.
"$py" - "$work/reference.h5" "$work/nan_reference.h5" <<'PY'
import shutil, sys, h5py, numpy as np
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    lat = f["cells/lat"][...]
    lat[5] = np.nan
    f["cells/lat"][...] = lat
PY
sed -e "s|reference: .*|reference: $work/nan_reference.h5|" "$work/job.yaml" >"$work/nan.yaml"
run nan "$work/nan.yaml" --quiet --output "$work/nan"
[ "$rc" -ne 0 ] || fail "a NaN coordinate in the reference file was accepted"
grep -q "lat of cell_id 6 is nan, not a coordinate" "$work/nan.log" && grep -q "table 'cells', row 5" "$work/nan.log" ||
  { cat "$work/nan.log"; fail "the NaN coordinate's row is not named"; }

# The period's billing shard emptied.
"$py" - "$work/data/shards/billing_2026-10.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    g = f["billing"]
    for name in g:
        g[name].resize((0,))
    g.attrs["rows"] = 0
PY
run empty "$work/job.yaml" --output "$work/empty"
[ "$rc" -eq 0 ] || { cat "$work/empty.log"; fail "a month without billing in the period failed without being required"; }
grep -q "warning: channel 'billing' has no records in 2026-10" "$work/empty.log" ||
  { cat "$work/empty.log"; fail "no warning for billing without records in the period"; }
sed -e "s|^  reference: \(.*\)|  reference: \1\n  require_channels: [billing, usage]|" "$work/job.yaml" >"$work/require.yaml"
run required "$work/require.yaml" --quiet --output "$work/required"
[ "$rc" -ne 0 ] || fail "a required channel without records in the period passed"
grep -q "channel 'billing' has no records in 2026-10, and the job requires it" "$work/required.log" ||
  { cat "$work/required.log"; fail "the required channel's error is not said"; }
[ ! -e "$work/required/manifest.json" ] || fail "the refused run left a manifest"

# Over the memory budget: the bytes, not MiB rounded to the budget.
run budget "$work/job.yaml" --quiet --memory-budget-mb 1 --output "$work/budget"
[ "$rc" -ne 0 ] || fail "a run over its memory budget passed"
grep -qE "the rank's records take [0-9,]+ bytes \([0-9.]+ MiB\), over its memory budget of 1,048,576 bytes \(1.0 MiB\)" \
  "$work/budget.log" || { cat "$work/budget.log"; fail "the memory message does not show the bytes"; }

# A string added to a number.
sed -e 's|rule: {expr: "bill_this_month < 0.7 \* arpu"}|rule: {expr: "bill_this_month + \\"x\\" > 0"}|' \
  "$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml" >"$work/string.yaml"
grep -q 'bill_this_month + \\"x\\"' "$work/string.yaml" || fail "the catalog edit did not apply"
if "$PORTRAIT" check "$work/string.yaml" >"$work/check.log" 2>&1; then fail "a string in arithmetic passed the check"; fi
grep -q "'+' needs a number, got a string '\"x\"'" "$work/check.log" || { cat "$work/check.log"; fail "the check says: $(cat "$work/check.log")"; }
echo "faults_codes: ok"

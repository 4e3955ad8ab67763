#!/usr/bin/env bash
# tests/e2e/faults_history.sh: what an independent recomputation found. On a
# dirty generated month (2 history months for billing's lookbacks):
# - every record the generator shifted out of the period is quarantined, by
#   reason (outside_period before the history window, outside_channel_months
#   in a history month of a channel whose shards are of the period only),
#   counted here from the shards independently; billing's history months
#   are kept;
# - customer rows with a join date after the period keep the customer with
#   the date missing (values_set_missing_by_reason), so no tenure is negative;
# - the same job run by a relative and by an absolute path gives the same
#   tags.h5 bytes (the file stores the job's and catalog's checksums);
# - statistics/<id>.csv writes category groups as the labels statistics.json
#   writes.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "faults_history: $*" >&2; exit 1; }
py=/usr/bin/python3
export OMP_NUM_THREADS=1

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 4000 --period 2026-10 --seed 21 --dirty-rate 0.03 \
  --out "$work/data" >/dev/null || fail "gen failed"
sed -e "s|data/demo/|$work/data/|g; s|out/demo|out|; s|buckets: 4096|buckets: 256|" \
  -e "s|jobs/catalogs/telecom.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml|" \
  "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml" >"$work/job.yaml"

(cd "$work" && timeout -k 5 120 $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --output "$work/relative" job.yaml \
  >"$work/relative.log" 2>&1) || { cat "$work/relative.log"; fail "the run by a relative path failed"; }
(cd / && timeout -k 5 120 $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet --output "$work/absolute" \
  "$work/job.yaml" --memory-budget-mb 512 >"$work/absolute.log" 2>&1) ||
  { cat "$work/absolute.log"; fail "the run by an absolute path failed"; }
cmp "$work/relative/tags.h5" "$work/absolute/tags.h5" ||
  fail "tags.h5 differs between job.yaml and $work/job.yaml (same job, same bytes)"
grep -q "history months: billing 202608..202610" "$work/relative.log" ||
  fail "the log does not say which channels keep history months"

"$py" - "$work/data" "$work/relative" "$work/job.yaml" <<'PY' || fail "the independent count differs"
import csv, glob, json, os, sys
import h5py, numpy as np

data, out, job_path = sys.argv[1:]
manifest = json.load(open(os.path.join(out, "manifest.json")))
acc = manifest["accounting"]

def month_start(y, m):  # Unix seconds of the first of a month, UTC
    import calendar
    return calendar.timegm((y, m, 1, 0, 0, 0))

start, end, history = month_start(2026, 10), month_start(2026, 11), month_start(2026, 8)
INT64_MIN = np.iinfo(np.int64).min

# Independently from the shards: each channel's records with a valid id and
# a time, dated outside the period, split at the history window.
expected = {}
for path in sorted(glob.glob(os.path.join(data, "shards", "*.h5"))):
    with h5py.File(path, "r") as f:
        for channel in f:
            g = f[channel]
            ids = g["customer_id"][...]
            ok = (ids > 0)
            e = expected.setdefault(channel, {"outside_period": 0, "outside_channel_months": 0, "kept_history": 0})
            if channel == "billing":
                m = g["month"][...]
                ok &= m != np.iinfo(np.int32).min
                e["outside_period"] += int(np.sum(ok & ((m < 202608) | (m > 202610))))
                e["kept_history"] += int(np.sum(ok & (m >= 202608) & (m < 202610)))
            elif "ts" in g:
                t = g["ts"][...]
                ok &= t != INT64_MIN
                e["outside_period"] += int(np.sum(ok & ((t < history) | (t >= end))))
                e["outside_channel_months"] += int(np.sum(ok & (t >= history) & (t < start)))
            else:  # customers: join dates after the period, and the other implausible dates
                j, c, b = g["join_date"][...], g["contract_end"][...], g["birth_year"][...]
                known = ok & (j != INT64_MIN)
                after = known & (j >= end)
                e["join_after"] = e.get("join_after", 0) + int(np.sum(after))
                e["implausible"] = e.get("implausible", 0) + int(
                    np.sum(after) + np.sum(known & ~after & (c != INT64_MIN) & (c < j)) +
                    np.sum(ok & (b != np.iinfo(np.int32).min) & ((b < 2026 - 120) | (b > 2026))))

shifted = 0
for channel, e in expected.items():
    by_reason = acc[channel]["quarantined_by_reason"]
    if channel == "customers":
        got = acc[channel].get("values_set_missing_by_reason", {}).get("implausible_date", 0)
        assert e["join_after"] > 0, "the generator planted no join date after the period"
        assert got == e["implausible"], (channel, got, e)
        continue
    for reason in ("outside_period", "outside_channel_months"):
        got = by_reason.get(reason, 0)
        assert got == e[reason], (channel, reason, got, e[reason])
        shifted += got
    if channel == "billing":
        assert e["kept_history"] > 0 and "outside_channel_months" not in by_reason, (e, by_reason)
    assert acc[channel]["balanced"], channel
assert expected["usage"]["outside_channel_months"] > 0 and expected["marketing"]["outside_channel_months"] > 0

with h5py.File(os.path.join(out, "tags.h5"), "r") as f:
    tenure = f["customers/tenure_months"][...]
    assert not np.any(tenure[~np.isnan(tenure)] < 0), "a customer has a negative tenure"
    attrs = dict(f["customers"].attrs)
    assert "job" not in attrs, attrs.keys()
    assert attrs["job_sha256"].decode() == manifest["job_sha256"] and len(manifest["job_sha256"]) == 64
    assert attrs["catalog_sha256"].decode() == manifest["catalog"]["sha256"]

# statistics/<id>.csv names category groups by the labels statistics.json uses.
for s in json.load(open(os.path.join(out, "statistics.json"))):
    rows = list(csv.DictReader(open(os.path.join(out, "statistics", s["id"] + ".csv"))))
    assert len(rows) == len(s["groups"]), s["id"]
    for row, group in zip(rows, s["groups"]):
        for column in s["group_by"]:
            want = group[column]
            want = "" if want == "(missing)" else str(want)
            assert row[column] == want, (s["id"], column, row[column], want)
segments = list(csv.DictReader(open(os.path.join(out, "statistics", "segments.csv"))))
assert {r["segment"] for r in segments} >= {"gold", "tidal"}, [r["segment"] for r in segments]
print(f"faults_history: {shifted} shifted detail and billing records quarantined by reason")
PY
echo "faults_history: ok"

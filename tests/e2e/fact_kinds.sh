#!/usr/bin/env bash
# tests/e2e/fact_kinds.sh: every fact kind, window kind, local-time function,
# reference lookup and both kinds of rule tag, end to end through the CLI, on
# a small hand-made data set whose expected tags are written by hand: import
# the CSVs of tests/data/fact_kinds with their mappings, write the reference
# file (cells, stores, domains) with h5py as docs/shard-format.md lays it out,
# run the catalog tests/data/fact_kinds/catalog.yaml at np 2 and np 1, and
# compare tags.csv with tests/data/fact_kinds/expected.csv (which explains
# every value) field by field; both runs give the same bytes.
set -euo pipefail
fail() { echo "e2e_fact_kinds: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
data="$PORTRAIT_SOURCE_DIR/tests/data/fact_kinds"

for channel in customers usage billing web service; do
  out=$("$PORTRAIT" import "$data/$channel.yaml" --out "$work/shards") || fail "import of $channel failed"
  grep -qx "rejected 0" <<<"$out" || fail "import of $channel rejected records: $out $(cat "$work/shards/rejects.csv")"
done
rm -f "$work/shards/rejects.csv"

# The reference file: stores listed with the larger ids first, so that the
# nearest-store tie of cell 104 (at equal distance from stores 7 and 8) is
# decided by the rule (smaller store_id), not by the order of the file.
$py - "$work/reference.h5" <<'PY' || fail "cannot write the reference file"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "w")
# h5py's default for str: a variable-length UTF-8 attribute, as other tools
# write them (portrait itself writes fixed-length strings).
f.attrs["format"] = "portrait-reference"
f.attrs["format_version"] = np.int64(1)
def table(name, columns):
    g = f.create_group(name)
    g.attrs["rows"] = np.int64(len(next(iter(columns.values()))[1]))
    for column, (dtype, values) in columns.items():
        g.create_dataset(column, data=np.array(values, dtype=dtype))
table("cells", {"cell_id": ("<i4", [101, 102, 103, 104, 105]),
                "lat": ("<f8", [0.0, 0.0, 0.0, 0.0, 9.0]),
                "lon": ("<f8", [0.9, 1.2, -0.8, 0.0, 9.0])})
table("stores", {"store_id": ("<i4", [9, 8, 7]),
                 "lat": ("<f8", [10.0, 0.0, 0.0]),
                 "lon": ("<f8", [10.0, -1.0, 1.0])})
table("domains", {"domain_id": ("<i4", [11, 12, 13, 14, 15]),
                  "category1": ("<i4", [1, 1, 2, 3, 3]),
                  "category2": ("<i4", [10, 11, 20, 30, 31])})
# The dictionaries that are always present (src/io/schema.cpp).
dictionaries = {
    "gender": (1, ["male", "female"]),
    "contract_type": (0, ["none", "contract", "handset contract"]),
    "payer": (0, ["self", "company"]),
    "handset_brand": (1, ["Apple", "Samsung", "Huawei", "Xiaomi", "OPPO", "vivo", "other"]),
    "status": (0, ["active", "churned"]),
    "usage_kind": (0, ["voice", "sms", "data"]),
    "service_channel": (0, ["hotline", "app", "web", "store", "social"]),
    "service_category": (0, ["consult", "complaint", "fault", "suggestion", "IT demand"]),
    "marketing_channel": (0, ["sms", "pop-up", "toolbar", "social", "store", "hotline"]),
    "marketing_outcome": (0, ["sent", "clicked", "accepted", "declined"]),
    "identity_source": (0, ["customers", "usage", "web", "service", "marketing"]),
    "id_type": (0, ["phone", "id_card", "device", "email", "account"]),
}
d = f.create_group("dictionaries")
for name, (first, labels) in dictionaries.items():
    g = d.create_group(name)
    g.create_dataset("code", data=np.arange(first, first + len(labels), dtype="<i4"))
    g.create_dataset("label", data=labels, dtype=h5py.string_dtype("utf-8"))
f.close()
PY

cat >"$work/job.yaml" <<YAML
period: 2026-03
history_months: 2
inputs:
  shards: $work/shards/*.h5
  reference: $work/reference.h5
output: $work/out
buckets: 2
memory_budget_mb: 64
catalog: $data/catalog.yaml
csv: true
YAML

run() {  # ranks
  timeout 60 $PORTRAIT_MPIEXEC -np "$1" "$PORTRAIT" run "$work/job.yaml" --quiet --output "$work/out_$1" \
    >"$work/run_$1.log" 2>&1 || { cat "$work/run_$1.log"; fail "run at np=$1 failed"; }
}
run 2
grep -v '^#' "$data/expected.csv" >"$work/expected.csv"
$py - "$work/expected.csv" "$work/out_2/tags.csv" <<'PY' || fail "tags.csv differs from expected.csv (see above)"
import sys
want = [l.rstrip("\n").split(",") for l in open(sys.argv[1])]
got = [l.rstrip("\n").split(",") for l in open(sys.argv[2])]
if got[0] != want[0]:
    sys.exit(f"header:\n  got  {','.join(got[0])}\n  want {','.join(want[0])}")
if len(got) != len(want):
    sys.exit(f"{len(got) - 1} rows, want {len(want) - 1}")
bad = 0
for g, w in zip(got[1:], want[1:]):
    for column, a, b in zip(want[0], g, w):
        if a != b:
            print(f"customer {w[0]} (row of customer {g[0]}): {column} = '{a}', want '{b}'")
            bad += 1
sys.exit(1 if bad else 0)
PY
cmp "$work/expected.csv" "$work/out_2/tags.csv" || fail "tags.csv differs from expected.csv in bytes"

run 1
cmp "$work/out_1/tags.csv" "$work/out_2/tags.csv" || fail "tags.csv differs between np 1 and np 2"
cmp "$work/out_1/tags.h5" "$work/out_2/tags.h5" || fail "tags.h5 differs between np 1 and np 2"
$py - "$work/out_2/manifest.json" <<'PY' || fail "manifest accounting"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["customers"] == m["output_rows"] == 4, m["customers"]
for channel, a in m["accounting"].items():
    assert a["quarantined"] == 0, (channel, a)  # every hand-made record is used
assert m["catalog"]["facts"] == 36 and m["catalog"]["rules"] == 3, m["catalog"]
PY
echo "e2e_fact_kinds: ok"

#!/usr/bin/env bash
# tests/e2e/previous_month.sh: last month's run as an input (`inputs:
# previous`): rules reading prev.<tag> (segment changed, ARPU dropped by 10%)
# equal a recomputation from the two months' tags.h5, customers new this
# month have them missing, category codes are matched by label, the result is
# the same bytes at np 1 and 3 and with another bucket count last month, and
# a run of the wrong month is refused.
set -euo pipefail
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
fail() { echo "previous_month: $*" >&2; exit 1; }
export OMP_NUM_THREADS=1

# September has 2,800 customers; October adds 200 new ones.
$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 2800 --period 2026-09 --seed 31 --out "$work/sep" >/dev/null
$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 31 --out "$work/oct" >/dev/null

# The telecom catalog plus two month-over-month rules after the segment.
/usr/bin/python3 - "$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml" "$work/catalog.yaml" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
anchor = "            merge: most_frequent\nmodels:"
assert anchor in text, "the segment tag is no longer the last tag before models"
rules = """            merge: most_frequent
          - id: segment_changed
            name: {zh: 分群变化, en: Segment changed since last month}
            rule: {expr: "prev.segment != segment"}
          - id: arpu_dropped
            name: {zh: ARPU下降一成, en: ARPU dropped by 10%}
            rule: {expr: "arpu < 0.9 * prev.arpu"}
models:"""
open(sys.argv[2], "w", encoding="utf-8").write(text.replace(anchor, rules))
PY
job() {  # job MONTH-DIR PERIOD BUCKETS CATALOG
  sed -e "s|data/demo/|$work/$1/|g; s|out/demo|$work/out-$1|; s|buckets: 4096|buckets: $3|" \
      -e "s|^period: .*|period: $2|; s|jobs/catalogs/telecom.yaml|$4|" \
      "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml"
}
job sep 2026-09 128 "$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml" >"$work/sep.yaml"
job oct 2026-10 256 "$work/catalog.yaml" >"$work/oct.yaml"
# `previous` goes under `inputs:`.
sed -i "s|^  reference: \(.*\)|  reference: \1\n  previous: $work/out-sep|" "$work/oct.yaml"
grep -q "previous: $work/out-sep" "$work/oct.yaml" || fail "could not add 'previous' to the job"

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet "$work/sep.yaml" >"$work/sep.log" 2>&1 ||
  { cat "$work/sep.log"; fail "September's run failed"; }
for np in 1 3; do
  $PORTRAIT_MPIEXEC -np $np "$PORTRAIT" run --quiet --output "$work/oct-np$np" "$work/oct.yaml" \
    >"$work/oct$np.log" 2>&1 || { cat "$work/oct$np.log"; fail "October's run at np $np failed"; }
done
cmp "$work/oct-np1/tags.h5" "$work/oct-np3/tags.h5" || fail "tags.h5 differs between np 1 and np 3"

/usr/bin/python3 - "$work/out-sep/tags.h5" "$work/oct-np3/tags.h5" "$work/oct-np3/manifest.json" <<'PY'
import json, sys
import h5py, numpy as np
sep, oct_ = (h5py.File(p, "r")["customers"] for p in sys.argv[1:3])
manifest = json.load(open(sys.argv[3]))
assert manifest["previous"]["period"] == "2026-09" and manifest["previous"]["checksum"].startswith("xxh3-128:")
text = lambda col, key: col.attrs[key].decode()  # fixed-length UTF-8 attributes come back as bytes
labels = lambda col: json.loads(text(col, "labels"))
assert text(oct_["segment"], "value_type") == "category" and text(oct_["arpu"], "value_type") == "float"
before = dict(zip(sep["customer_id"][:].tolist(), zip(
    [labels(sep["segment"])[c] for c in sep["segment"][:]], sep["arpu"][:].tolist())))
MISSING_BOOL = -128
now_labels = labels(oct_["segment"])
changed = new = dropped = 0
for cid, seg, arpu, seg_changed, arpu_dropped in zip(oct_["customer_id"][:].tolist(), oct_["segment"][:],
                                                      oct_["arpu"][:].tolist(), oct_["segment_changed"][:],
                                                      oct_["arpu_dropped"][:]):
    if cid not in before:
        new += 1
        assert seg_changed == MISSING_BOOL and arpu_dropped == MISSING_BOOL, f"new customer {cid} has prev values"
        continue
    prev_segment, prev_arpu = before[cid]
    expect = int(prev_segment != now_labels[seg])
    assert seg_changed == expect, f"customer {cid}: segment_changed {seg_changed}, expected {expect}"
    changed += expect
    if np.isnan(arpu) or np.isnan(prev_arpu):
        assert arpu_dropped == MISSING_BOOL, f"customer {cid}: arpu_dropped should be missing"
    else:
        expect = int(arpu < 0.9 * prev_arpu)
        assert arpu_dropped == expect, f"customer {cid}: arpu_dropped {arpu_dropped}, expected {expect}"
        dropped += expect
assert new >= 200, f"{new} customers new in October, expected at least the 200 added"
assert changed > 0 and dropped > 0, (changed, dropped)
print(f"previous_month: {changed} segment changes, {dropped} ARPU drops, {new} new customers")
PY

# A run of another month is not last month.
sed -i "s|previous: $work/out-sep|previous: $work/oct-np1|" "$work/oct.yaml"
if $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --output "$work/wrong" "$work/oct.yaml" >"$work/wrong.log" 2>&1; then
  fail "a run of the same month was accepted as last month's"
fi
grep -q "the previous run is of 2026-10, not of 2026-09" "$work/wrong.log" || { cat "$work/wrong.log"; fail "no clear error"; }
echo "previous_month: ok"

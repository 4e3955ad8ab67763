#!/usr/bin/env bash
# tests/e2e/compare_report.sh: month over month on two generated consecutive
# months of one seed, each run by the telecom job: `portrait compare` gives
# the same bytes at np 1 and 3, its migration matrix and new/lost counts equal
# a recomputation from the two tags.h5 files, customers moved but most kept
# their segment; `portrait report --previous` writes one self-contained HTML
# page that headless Chromium renders into a non-blank screenshot.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "compare_report: $*" >&2; exit 1; }
command -v chromium >/dev/null || fail "chromium is not installed: run scripts/setup.sh"
export OMP_NUM_THREADS=1

for month in 09 10; do
  $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-$month --seed 41 --dirty-rate 0.01 --out "$work/data$month" >/dev/null
  sed -e "s|data/demo/|$work/data$month/|g; s|out/demo|$work/out$month|; s|buckets: 4096|buckets: 256|" \
      -e "s|^period: 2026-10|period: 2026-$month|" \
      -e "s|jobs/catalogs/telecom.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml|" \
      "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml" >"$work/job$month.yaml"
  $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet "$work/job$month.yaml" >"$work/run$month.log" 2>&1 ||
    { cat "$work/run$month.log"; fail "run of 2026-$month failed"; }
done

for np in 1 3; do
  $PORTRAIT_MPIEXEC -np $np "$PORTRAIT" compare "$work/out09" "$work/out10" --out "$work/cmp$np" >"$work/cmp$np.log" 2>&1 ||
    { cat "$work/cmp$np.log"; fail "compare at np $np failed"; }
done
for f in migration.csv shares.csv numeric.csv new_lost.csv comparison.json; do
  [ -s "$work/cmp1/$f" ] || fail "compare wrote no $f"
  cmp "$work/cmp1/$f" "$work/cmp3/$f" || fail "$f differs between np 1 and np 3"
done
grep -q "migration of segment" "$work/cmp1.log" || fail "compare printed no segment migration"

/usr/bin/python3 - "$work/out09/tags.h5" "$work/out10/tags.h5" "$work/cmp1" "$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml" <<'PY'
import csv, json, re, sys
from collections import Counter
import h5py
a, b = h5py.File(sys.argv[1], "r")["customers"], h5py.File(sys.argv[2], "r")["customers"]
# The segment labels in catalog order (the codes stored in tags.h5).
text = open(sys.argv[4], encoding="utf-8").read()
block = text[text.index("- id: segment\n"):]
labels = re.findall(r"\{value: (\w+),", block[:block.index("merge:")])
assert len(labels) == 6, labels
def segment_of(table):
    ids, codes = table["customer_id"][:].tolist(), table["segment"][:].tolist()
    return {i: (labels[c] if 0 <= c < len(labels) else "(missing)") for i, c in zip(ids, codes)}
sa, sb = segment_of(a), segment_of(b)
both = sa.keys() & sb.keys()
expected = Counter((sa[i], sb[i]) for i in both)
got = Counter()
for row in csv.DictReader(open(sys.argv[3] + "/migration.csv")):
    if row["tag"] == "segment" and int(row["customers"]):
        got[(row["from"], row["to"])] = int(row["customers"])
assert got == expected, (got, expected)
report = json.load(open(sys.argv[3] + "/comparison.json"))
new, lost = len(sb.keys() - sa.keys()), len(sa.keys() - sb.keys())
assert report["customers"] == {"a": len(sa), "b": len(sb), "both": len(both), "new": new, "lost": lost}, report["customers"]
m = next(x for x in report["migrations"] if x["tag"] == "segment")
values = m["values"]
assert m["new"] == [Counter(sb[i] for i in sb.keys() - sa.keys())[v] for v in values], m["new"]
assert m["lost"] == [Counter(sa[i] for i in sa.keys() - sb.keys())[v] for v in values], m["lost"]
stayed = sum(m["matrix"][k][k] for k in range(len(values)))
assert new > 0 and lost > 0, (new, lost)
assert 0 < m["moved"] < stayed / 5, (m["moved"], stayed)   # customers moved; the diagonal dominates
for k, v in enumerate(values[:-1]):
    row = m["matrix"][k]
    assert row[k] == max(row), (v, row)
print(f"compare_report: {len(both)} customers in both months, {m['moved']} changed segment, {new} new, {lost} lost")
PY

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" report "$work/out10" --previous "$work/out09" --out "$work/report.html" >"$work/report.log" 2>&1 ||
  { cat "$work/report.log"; fail "report failed"; }
$PORTRAIT_MPIEXEC -np 3 "$PORTRAIT" report "$work/out10" --previous "$work/out09" --out "$work/report3.html" >/dev/null 2>&1 ||
  fail "report at np 3 failed"
cmp "$work/report.html" "$work/report3.html" || fail "the report differs between np 2 and np 3"
if grep -Eiq 'https?://|src=|<link|@import|url\(' "$work/report.html"; then fail "the report refers to outside resources"; fi
grep -q "Migration of segment" "$work/report.html" || fail "the report has no segment migration"

mkdir -p "$work/home"
HOME="$work/home" XDG_CONFIG_HOME="$work/home" XDG_CACHE_HOME="$work/home" timeout 90 chromium --headless=new \
  --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$work/home/profile" \
  --screenshot="$work/report.png" --window-size=1280,2400 "file://$work/report.html" >"$work/chromium.log" 2>&1 ||
  { cat "$work/chromium.log"; fail "chromium could not render the report"; }
/usr/bin/python3 - "$work/report.png" <<'PY' || fail "the screenshot is not a rendered report"
import sys
import matplotlib.image as mpimg
import numpy as np
image = mpimg.imread(sys.argv[1])
assert image.shape[:2] == (2400, 1280), image.shape
colours = np.unique((image[:, :, :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
assert len(colours) > 50, f"only {len(colours)} colours: blank page"
PY
echo "compare_report: ok"

#!/usr/bin/env bash
# tests/e2e/telecom_propensity.sh: the propensity models of the telecom
# catalog on a generated month. Every planted propensity (churn, handset
# change, data-product ordering, false identity) reaches holdout AUC >= 0.75;
# the churn champion's comparison table lists its three candidates in the
# manifest, models/*.csv and the report; a saved gradient-boosted model
# scores the same customers to the same bytes with model_file; and the
# opinion-leader PageRank equals networkx's (telecom_pagerank.py).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "telecom_propensity: $*" >&2; exit 1; }
py=/usr/bin/python3  # the one with h5py, numpy and networkx

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 20000 --period 2026-10 --seed 16 \
  --out "$work/data" >"$work/gen.log" 2>&1 || { cat "$work/gen.log"; fail "gen failed"; }
job() {  # output catalog
  cat <<YAML
period: 2026-10
history_months: 2
inputs:
  shards: $work/data/shards/*.h5
  reference: $work/data/reference.h5
output: $1
buckets: 256
memory_budget_mb: 512
catalog: $2
YAML
}
job "$work/out" "$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml" >"$work/job.yaml"
OMP_NUM_THREADS=1 timeout 250 $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet "$work/job.yaml" \
  >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "the run failed"; }
out="$work/out"

"$py" - "$out" <<'PY' || fail "a planted propensity is not learnt, or the comparison table is incomplete"
import csv, json, sys
out = sys.argv[1]
models = json.load(open(out + "/manifest.json"))["models"]
for model in ["churn_propensity", "handset_change_propensity", "data_order_propensity",
              "false_identity_propensity"]:
    m = models[model]
    h = m["holdout"]
    print(f"telecom_propensity: {model} ({m['kind']}): holdout AUC {h['auc']:.4f} on {h['count']} customers "
          f"({h['positives']} positive), precision {100 * h['precision']:.2f}%, recall {100 * h['recall']:.2f}%, "
          f"lift {h['lift_top_percent']:.2f} / {h['lift_top_5_percent']:.2f} / {h['lift_top_decile']:.2f} "
          f"in the top 1 / 5 / 10%")
    assert h["positives"] >= 30, (model, h)
    assert h["auc"] >= 0.75, (model, h)
    assert len(h["calibration"]) == 10, (model, h)
    assert m["importance"] if m["kind"] == "gbdt" else True, model
churn = models["churn_propensity"]
names = [c["name"] for c in churn["comparison"]["candidates"]]
assert names == ["logistic", "trees_shallow", "trees_deep"], names
assert churn["champion"] in names and churn["comparison"]["champion"] == churn["champion"]
for c in churn["comparison"]["candidates"]:
    print(f"telecom_propensity: churn candidate {c['name']}: validation AUC {c['validation']['auc']:.4f}, "
          f"holdout AUC {c['holdout']['auc']:.4f}{' (champion)' if c['champion'] else ''}")
best = max(churn["comparison"]["candidates"], key=lambda c: c["validation"]["auc"])
assert best["name"] == churn["champion"], (best["name"], churn["champion"])
rows = list(csv.DictReader(open(out + "/models/churn_propensity.comparison.csv")))
assert sorted((r["candidate"], r["subset"]) for r in rows) == sorted(
    (n, s) for n in names for s in ["validation", "holdout"]), rows
calibration = list(csv.DictReader(open(out + "/models/churn_propensity.calibration.csv")))
assert sorted((r["candidate"], r["subset"], int(r["decile"])) for r in calibration) == sorted(
    (n, s, d) for n in names for s in ["validation", "holdout"] for d in range(1, 11)), calibration
pr = models["opinion_leader"]
assert pr["converged"] and pr["leaders"] > 0, pr
PY
for f in churn_propensity.json churn_propensity.logistic.json churn_propensity.trees_shallow.json \
  churn_propensity.trees_deep.json handset_change_propensity.json; do
  [ -s "$out/models/$f" ] || fail "models/$f was not written"
done

"$PORTRAIT" report "$out" --out "$work/report.html" >"$work/report.log" 2>&1 ||
  { cat "$work/report.log"; fail "report failed"; }
for text in "trees_shallow" "trees_deep" "lift top 5%" "Calibration of" "features by gain" \
  "PageRank of the contact graph"; do
  grep -q "$text" "$work/report.html" || fail "the report lacks '$text'"
done

# The saved handset model scores with model_file, without training: the same scores.
"$py" - "$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml" "$out/models/handset_change_propensity.json" \
  "$work/scored.yaml" <<'PY'
import sys, yaml
catalog = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for m in catalog["models"]:
    if m["id"] == "handset_change_propensity":
        for key in ["label", "trees", "max_depth", "learning_rate", "early_stopping_rounds"]:
            m.pop(key)
        m["model_file"] = sys.argv[2]
yaml.safe_dump(catalog, open(sys.argv[3], "w", encoding="utf-8"), allow_unicode=True, sort_keys=False)
PY
job "$work/scored" "$work/scored.yaml" >"$work/scored_job.yaml"
$PORTRAIT_MPIEXEC -np 3 "$PORTRAIT" run --quiet "$work/scored_job.yaml" >"$work/scored.log" 2>&1 ||
  { cat "$work/scored.log"; fail "the run with model_file failed"; }
"$py" - "$out/tags.h5" "$work/scored/tags.h5" "$work/scored/manifest.json" <<'PY' || fail "model_file scores differ"
import json, sys
import h5py, numpy as np
a, b = (h5py.File(p, "r")["customers"] for p in sys.argv[1:3])
for tag in ["handset_change_propensity", "handset_change_propensity_level"]:
    assert np.array_equal(a[tag][...], b[tag][...]), tag
m = json.load(open(sys.argv[3]))["models"]["handset_change_propensity"]
assert m["trained"] is False and m["model_file"], m
print("telecom_propensity: the saved handset model scores every customer to the same bits at np 3")
PY

"$py" "$PORTRAIT_SOURCE_DIR/tests/e2e/telecom_pagerank.py" "$work/data" "$out/tags.h5" 2026-10 ||
  fail "PageRank differs from networkx"
echo "telecom_propensity: ok"

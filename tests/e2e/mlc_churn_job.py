#!/usr/bin/python3
# tests/e2e/mlc_churn_job.py: the churn model a run of jobs/mlc-churn.yaml
# trained (saved in <output>/models/churn.json) against scikit-learn's
# LogisticRegression on the same CSV, features, scaling, holdout split and C:
# coefficients within 1e-4 relative, holdout AUC within 0.005.
import csv
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

MASK = (1 << 64) - 1


def mix64(x):
    # portrait's SplitMix64 finaliser (src/core/hash.hpp)
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def main(csv_path, model_path):
    model = json.load(open(model_path))
    features = [f.removeprefix("customers.") for f in model["features"]]
    rows = list(csv.DictReader(open(csv_path, newline="")))
    x = np.array([[1.0 if r[f] == "yes" else 0.0 if r[f] == "no" else float(r[f]) for f in features] for r in rows])
    churn = np.array([1 if r["churn"] == "yes" else 0 for r in rows])
    ids = np.arange(1, len(rows) + 1)
    training = model["training"]
    salt, percent = int(training["holdout_salt"]), int(training["holdout_percent"])
    holdout = np.array([mix64(int(i) ^ salt) % 100 < percent for i in ids])

    failures = []
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    gap = np.max(np.abs(np.array(model["scaling"]["mean"]) - mean) / np.maximum(np.abs(mean), 1e-12))
    if gap > 1e-12:
        failures.append(f"scaling means differ by {gap:.3g}")
    z = (x - mean) / scale
    sk = LogisticRegression(C=training["c"], solver="newton-cholesky", tol=1e-12, max_iter=1000)
    sk.fit(z[~holdout], churn[~holdout])
    theirs = np.concatenate([sk.intercept_, sk.coef_[0]])
    ours = np.array([model["intercept"]] + model["weights"])
    gap = np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-2))
    auc = model["metrics"]["holdout"]["auc"]
    sk_auc = roc_auc_score(churn[holdout], sk.predict_proba(z[holdout])[:, 1])
    print(f"mlc_churn_job: {len(features)} features, {(~holdout).sum()} training / {holdout.sum()} holdout; "
          f"coefficients max relative gap {gap:.3g}; holdout AUC portrait {auc:.6f}, scikit-learn {sk_auc:.6f}")
    if gap > 1e-4:
        failures.append(f"coefficients differ by {gap:.3g}: {ours} vs {theirs}")
    if abs(auc - sk_auc) > 0.005:
        failures.append(f"holdout AUC {auc} vs scikit-learn {sk_auc}")
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

#!/usr/bin/python3
# tests/e2e/gbdt_xgboost.py: the gradient-boosted trees models_mlc_churn_driver
# trained on the real mlc_churn data against XGBoost (Debian's
# python3-xgboost, hist method) on the same matrix, training customers,
# trees, depth, learning rate, lambda, min child weight, bins and base score:
# holdout AUC within 0.01 of XGBoost's, and above the logistic model's.
import json
import sys

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from models_sklearn import load_matrix


def main(matrix_path, portrait_path):
    names, ids, churn, x = load_matrix(matrix_path)
    with open(portrait_path) as f:
        portrait = json.load(f)
    trees, logistic = portrait["gbdt"], portrait["model"]
    failures = []
    if trees["features"] != names:
        failures.append(f"features differ: {trees['features']} vs {names}")
    holdout = np.isin(ids, np.asarray(portrait["holdout_ids"], dtype=np.int64))
    train = ~holdout
    t = trees["training"]
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": t["max_depth"],
              "eta": t["learning_rate"], "lambda": t["lambda"], "min_child_weight": t["min_child_weight"],
              "max_bin": t["max_bins"], "base_score": float(churn[train].mean()), "nthread": 1}
    booster = xgb.train(params, xgb.DMatrix(x[train], label=churn[train]), t["trees"])
    theirs = roc_auc_score(churn[holdout], booster.predict(xgb.DMatrix(x[holdout])))
    ours = trees["metrics"]["holdout"]["auc"]
    linear = logistic["metrics"]["holdout"]["auc"]
    m = trees["metrics"]["holdout"]
    print(f"gbdt_xgboost: {train.sum()} training / {holdout.sum()} holdout customers, {t['trees']} trees of depth "
          f"{t['max_depth']}, learning rate {t['learning_rate']}")
    print(f"holdout AUC: portrait gbdt {ours:.6f}, XGBoost {xgb.__version__} hist {theirs:.6f} "
          f"(gap {ours - theirs:+.4f}), portrait logistic {linear:.6f}")
    print(f"portrait gbdt holdout: log loss {m['log_loss']:.4f}, precision {m['precision']:.4f}, recall "
          f"{m['recall']:.4f} at {m['threshold']}, lift top 1% {m['lift_top_percent']:.2f}, 5% "
          f"{m['lift_top_5_percent']:.2f}, 10% {m['lift_top_decile']:.2f}")
    if abs(ours - theirs) > 0.01:
        failures.append(f"holdout AUC {ours} is more than 0.01 from XGBoost's {theirs}")
    if not ours > linear:
        failures.append(f"the trees' holdout AUC {ours} is not above the logistic model's {linear}")
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

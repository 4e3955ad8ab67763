#!/usr/bin/python3
# scripts/bench/gbdt_xgboost.py: XGBoost's hist method on the matrix
# gbdt_bench wrote, with the settings of the portrait run beside it: the same
# training customers, trees, depth, learning rate, bins, lambda, min child
# weight and base score. Usage: gbdt_xgboost.py MATRIX THREADS [--trees T] [--depth D]
import sys
import time

import numpy as np
import xgboost as xgb
from sklearn.metrics import roc_auc_score


def main(path, threads, args):
    settings = dict(zip(args[::2], args[1::2]))
    with open(path, "rb") as f:
        rows, features = (int(v) for v in f.readline().split())
        x = np.fromfile(f, dtype=np.float64, count=rows * features).reshape(rows, features)
        y = np.fromfile(f, dtype=np.int8, count=rows)
        training = np.fromfile(f, dtype=np.int8, count=rows).astype(bool)
    holdout = ~training
    start = time.perf_counter()
    train = xgb.DMatrix(x[training], label=y[training], nthread=threads)
    built = time.perf_counter() - start
    params = {"objective": "binary:logistic", "tree_method": "hist", "max_depth": int(settings.get("--depth", 6)),
              "eta": 0.1, "max_bin": 255, "lambda": 1.0, "min_child_weight": 1.0, "nthread": threads,
              "base_score": float(y[training].mean())}
    start = time.perf_counter()
    booster = xgb.train(params, train, int(settings.get("--trees", 200)))
    trained = time.perf_counter() - start
    auc = roc_auc_score(y[holdout], booster.predict(xgb.DMatrix(x[holdout], nthread=threads)))
    print(f"xgboost {xgb.__version__} hist: {rows} customers x {features} features, {threads} threads: "
          f"DMatrix {built:.2f} s, train {trained:.2f} s (sketch and bins included), holdout AUC {auc:.6f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3:])

#!/usr/bin/python3
# tests/e2e/models_sklearn.py: the scikit-learn side of the models cross-check
# on the real mlc_churn data: `prepare` writes the numeric matrix the C++
# driver reads; `compare` refits with scikit-learn on the same features,
# scaling and split and checks portrait's model and k-means against it.
import csv
import json
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

NUMERIC = ["account_length", "number_vmail_messages", "total_day_minutes", "total_day_calls", "total_day_charge",
           "total_eve_minutes", "total_eve_calls", "total_eve_charge", "total_night_minutes", "total_night_calls",
           "total_night_charge", "total_intl_minutes", "total_intl_calls", "total_intl_charge",
           "number_customer_service_calls"]
YES_NO = ["international_plan", "voice_mail_plan"]


def prepare(csv_path, matrix_path):
    with open(csv_path, newline="") as f:
        records = list(csv.DictReader(f))
    names = NUMERIC + YES_NO
    with open(matrix_path, "w") as out:
        out.write(f"{len(records)} {len(names)}\n")
        out.write("id churn " + " ".join(names) + "\n")
        for row_number, r in enumerate(records, start=1):
            values = [r[n] for n in NUMERIC] + [("1" if r[n] == "yes" else "0") for n in YES_NO]
            churn = "1" if r["churn"] == "yes" else "0"
            out.write(f"{row_number} {churn} " + " ".join(values) + "\n")


def load_matrix(matrix_path):
    with open(matrix_path) as f:
        f.readline()
        names = f.readline().split()[2:]
        data = np.loadtxt(f)
    return names, data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2:]


def relative_gap(a, b, floor):
    return np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.maximum(np.abs(np.asarray(b)), floor))


def compare(matrix_path, portrait_path):
    names, ids, churn, x = load_matrix(matrix_path)
    with open(portrait_path) as f:
        portrait = json.load(f)
    model = portrait["model"]
    failures = []
    if model["features"] != names:
        failures.append(f"features differ: {model['features']} vs {names}")

    # Same scaling: population deviation over every customer.
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    gap = max(relative_gap(model["scaling"]["mean"], mean, 1e-12), relative_gap(model["scaling"]["scale"], scale, 1e-12))
    print(f"scaling: max relative gap {gap:.3g}")
    if gap > 1e-12:
        failures.append(f"scaling differs by {gap:.3g}")
    z = (x - mean) / scale

    holdout = np.isin(ids, np.asarray(portrait["holdout_ids"], dtype=np.int64))
    train = ~holdout
    c = model["training"]["c"]
    sk = LogisticRegression(C=c, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(z[train], churn[train])
    coefficients = np.concatenate([sk.intercept_, sk.coef_[0]])
    ours = np.asarray([model["intercept"]] + model["weights"])
    gap = relative_gap(ours, coefficients, 1e-2)
    print(f"logistic: {train.sum()} training, {holdout.sum()} holdout customers, C={c}")
    print(f"coefficients: max relative gap {gap:.3g} (intercept {ours[0]:.6f} vs {coefficients[0]:.6f})")
    if gap > 1e-4:
        failures.append(f"coefficients differ by {gap:.3g}: {ours} vs {coefficients}")
    sk_auc = roc_auc_score(churn[holdout], sk.predict_proba(z[holdout])[:, 1])
    metrics = model["metrics"]["holdout"]
    print(f"holdout AUC: portrait {metrics['auc']:.6f}, scikit-learn {sk_auc:.6f}")
    print(f"holdout precision {metrics['precision']:.4f} recall {metrics['recall']:.4f} at threshold "
          f"{metrics['threshold']}, lift top decile {metrics['lift_top_decile']:.3f}, "
          f"lift top 1% {metrics['lift_top_percent']:.3f}")
    if abs(metrics["auc"] - sk_auc) > 0.005:
        failures.append(f"holdout AUC {metrics['auc']} vs scikit-learn {sk_auc}")

    if "kmeans" in portrait:
        km = portrait["kmeans"]
        init = np.asarray(km["initial_centres"])
        sk_km = KMeans(n_clusters=len(init), init=init, n_init=1, tol=0.0, max_iter=1000, algorithm="lloyd").fit(z)
        gap = abs(km["inertia"] - sk_km.inertia_) / sk_km.inertia_
        print(f"k-means k={len(init)}: inertia portrait {km['inertia']:.6f}, scikit-learn {sk_km.inertia_:.6f}, "
              f"relative gap {gap:.3g}, iterations {km['iterations']} vs {sk_km.n_iter_}")
        if gap > 1e-3:
            failures.append(f"k-means inertia {km['inertia']} vs scikit-learn {sk_km.inertia_}")
    for failure in failures:
        print("FAIL: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(compare(sys.argv[2], sys.argv[3]))

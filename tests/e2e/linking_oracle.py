"""tests/e2e/linking_oracle.py: the checks of a run's probabilistic linking
against the generator's planted truth and an independent implementation.

  linking_oracle.py RUN_DIR TRUTH_H5 [--strict NAME] [--loose NAME]

- EM oracle: the Fellegi-Sunter model refitted with numpy from the written
  pairs' comparison levels (every compared pair is written when the
  catalog's write_pairs_above is 0) must equal the run's models/linking.json
  within 1e-6: lambda, every m and u.
- Truth: pair precision and recall of each profile's links against the
  planted second numbers (truth.h5 planted_links, role 1), and the
  precision/recall curve against the threshold, printed.
- The profile person ids: networkx's connected components of the strong
  persons plus the profile's links, each named by its smallest customer id
  (every member its own person over the identity cap).
"""
import argparse
import json
import sys

import h5py
import networkx as nx
import numpy as np


def fit_fellegi_sunter(levels, level_counts, max_iterations, tolerance, initial_match_share):
    """EM of the two-class latent model with conditionally independent
    comparisons over the pairs' level vectors (-1: missing, left out of both
    products). Starts as the product does: u = each comparison's level shares
    over all pairs, m proportional to 4^level, lambda given."""
    comparisons = levels.shape[1]
    patterns, counts = np.unique(levels, axis=0, return_counts=True)
    counts = counts.astype(np.float64)
    m, u = [], []
    for c in range(comparisons):
        shares = np.array([counts[patterns[:, c] == l].sum() for l in range(level_counts[c])])
        u.append(shares / shares.sum() if shares.sum() > 0 else shares)
        start = 4.0 ** np.arange(level_counts[c])
        m.append(start / start.sum())
    lam = initial_match_share
    iterations, converged = 0, False
    for iteration in range(max_iterations):
        pm = np.full(len(patterns), lam)
        pu = np.full(len(patterns), 1 - lam)
        for c in range(comparisons):
            known = patterns[:, c] >= 0
            pm[known] *= m[c][patterns[known, c]]
            pu[known] *= u[c][patterns[known, c]]
        total = pm + pu
        w = np.divide(pm, total, out=np.zeros_like(pm), where=total > 0)
        new_lam = (counts * w).sum() / counts.sum()
        change = abs(new_lam - lam)
        lam = new_lam
        for c in range(comparisons):
            for weights, params in ((w, m), (1 - w, u)):
                sums = np.array([(counts * weights)[patterns[:, c] == l].sum() for l in range(level_counts[c])])
                if sums.sum() <= 0:
                    continue
                new = sums / sums.sum()
                change = max(change, np.abs(new - params[c]).max())
                params[c] = new
        iterations = iteration + 1
        if change < tolerance:
            converged = True
            break
    return lam, m, u, iterations, converged


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run")
    parser.add_argument("truth")
    parser.add_argument("--strict", default="notification")
    parser.add_argument("--loose", default="recommendation")
    parser.add_argument("--min-strict-precision", type=float, default=0.98)
    parser.add_argument("--min-strict-recall", type=float, default=0.85)
    parser.add_argument("--min-loose-precision", type=float, default=0.9)
    parser.add_argument("--min-loose-recall", type=float, default=0.95)
    args = parser.parse_args()

    model = json.load(open(f"{args.run}/models/linking.json"))
    manifest = json.load(open(f"{args.run}/manifest.json"))
    tags = h5py.File(f"{args.run}/tags.h5", "r")
    pairs = tags["linking_pairs"]
    names = [c["name"] for c in model["comparisons"]]
    levels = np.stack([pairs[f"level.{n}"][:].astype(np.int64) for n in names], axis=1)
    levels[levels == -128] = -1
    customer = pairs["customer_id"][:]
    other = pairs["other_id"][:]
    probability = pairs["probability"][:]
    report = manifest["linking"]
    failures = []

    # --- the EM oracle --------------------------------------------------------
    training = model["training"]
    assert len(customer) == report["pairs_compared"] == training["pairs"], \
        "the oracle needs every compared pair written (write_pairs_above: 0)"
    level_counts = [len(c["levels"]) for c in model["comparisons"]]
    lam, m, u, iterations, converged = fit_fellegi_sunter(
        levels, level_counts, training["max_iterations"], training["tolerance"], training["initial_match_share"])
    worst = abs(lam - model["match_share"])
    for c, comparison in enumerate(model["comparisons"]):
        for l, level in enumerate(comparison["levels"]):
            worst = max(worst, abs(level["m"] - m[c][l]), abs(level["u"] - u[c][l]))
    print(f"linking_oracle: EM refitted with numpy: {iterations} iterations (portrait {training['iterations']}), "
          f"lambda {lam:.6f}, largest difference {worst:.2e}")
    if worst > 1e-6:
        failures.append(f"the EM estimates differ from numpy's by {worst:.3e} (> 1e-6)")

    # --- precision and recall against the planted truth -----------------------
    planted = h5py.File(args.truth, "r")["planted_links"]
    role = planted["role"][:]
    truth = {(min(a, b), max(a, b)) for a, b, r in zip(planted["customer_id"][:].tolist(),
                                                          planted["anchor_id"][:].tolist(), role.tolist()) if r == 1}
    decoys = {(min(a, b), max(a, b)) for a, b, r in zip(planted["customer_id"][:].tolist(),
                                                           planted["anchor_id"][:].tolist(), role.tolist()) if r != 1}
    is_true = np.array([(a, b) in truth for a, b in zip(customer.tolist(), other.tolist())])
    is_decoy = np.array([(a, b) in decoys for a, b in zip(customer.tolist(), other.tolist())])
    candidates_true = int(is_true.sum())
    print(f"linking_oracle: {len(truth)} planted second numbers, {candidates_true} among the candidate pairs "
          f"(blocking recall {candidates_true / max(1, len(truth)):.4f}), {int(is_decoy.sum())} planted decoys")
    print("linking_oracle: threshold  links  precision  recall  decoys linked")
    for t in sorted({0.5, 0.8, 0.9, 0.95, 0.99, 0.999} | {p["min_probability"] for p in report["profiles"]}):
        linked = probability >= t
        n = int(linked.sum())
        tp = int((linked & is_true).sum())
        print(f"linking_oracle: {t:9.3f} {n:6d} {tp / max(1, n):10.4f} {tp / max(1, len(truth)):7.4f} "
              f"{int((linked & is_decoy).sum()):6d}")

    by_name = {p["name"]: p for p in report["profiles"]}
    customers = tags["customers"]
    ids = customers["customer_id"][:]
    strong = customers["person_id"][:]
    known = set(ids.tolist())
    cap = manifest["identity"]["max_component_size"]
    for name, min_precision, min_recall in ((args.strict, args.min_strict_precision, args.min_strict_recall),
                                            (args.loose, args.min_loose_precision, args.min_loose_recall)):
        t = by_name[name]["min_probability"]
        linked = probability >= t
        tp = int((linked & is_true).sum())
        precision = tp / max(1, int(linked.sum()))
        recall = tp / max(1, len(truth))
        print(f"linking_oracle: profile {name} (p >= {t}): precision {precision:.4f}, recall {recall:.4f}")
        if int(linked.sum()) != by_name[name]["links"]:
            failures.append(f"profile {name}: {int(linked.sum())} pairs at its threshold, the report says "
                            f"{by_name[name]['links']}")
        if precision < min_precision:
            failures.append(f"profile {name}: precision {precision:.4f} < {min_precision}")
        if recall < min_recall:
            failures.append(f"profile {name}: recall {recall:.4f} < {min_recall}")

        # The profile's person ids against networkx's connected components of
        # the strong persons (each customer joined to its person_id) plus the
        # profile's links: each component is one person, named by its smallest
        # customer id, unless it is over the cap (then every member is its own).
        graph = nx.Graph()
        graph.add_nodes_from(ids.tolist())
        graph.add_edges_from(zip(ids.tolist(), strong.tolist()))
        graph.add_edges_from(zip(customer[linked].tolist(), other[linked].tolist()))
        expected = {}
        for component in nx.connected_components(graph):
            members = [c for c in component if c in known]
            for c in members:
                expected[c] = min(component) if len(component) <= cap else c
        got = customers[f"person_id.{name}"][:]
        wrong = sum(1 for c, p in zip(ids.tolist(), got.tolist()) if expected[c] != p)
        persons = len(set(got.tolist()))
        print(f"linking_oracle: profile {name}: {persons} persons, {wrong} customers whose person id differs "
              f"from networkx's components")
        if wrong:
            failures.append(f"profile {name}: {wrong} customers' person ids differ from networkx's components")
        if persons != by_name[name]["persons"]:
            failures.append(f"profile {name}: {persons} persons in tags.h5, the report says {by_name[name]['persons']}")

    if failures:
        for f in failures:
            print("linking_oracle: FAIL:", f, file=sys.stderr)
        sys.exit(1)
    print("linking_oracle: ok")


if __name__ == "__main__":
    main()

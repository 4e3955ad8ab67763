#!/usr/bin/env python3
# tests/e2e/telecom_pagerank.py: the opinion-leader tags of a telecom run
# recomputed from the shards with networkx. The contact graph is rebuilt
# here independently: the usage records of the period that are no data
# session (kind != 2) with a peer, each peer number given to the customer
# whose identity records hold it as a phone number (numbers several
# customers hold, and numbers of no customer, resolve to no one); edge
# weights count the records. networkx.pagerank (damping 0.85) must equal
# the run's PageRank (the tag divided by the customer count) within 1e-9 per
# customer, and the leader tag must mark the top 1% of scores.
# Usage: telecom_pagerank.py <data dir> <tags.h5> <period YYYY-MM>
import calendar
import glob
import os
import sys

import h5py
import networkx as nx
import numpy as np

PHONE = 0  # identity id_type of a phone number


def main():
    data_dir, tags_path, period = sys.argv[1:]
    year, month = map(int, period.split("-"))
    start = calendar.timegm((year, month, 1, 0, 0, 0))
    end = calendar.timegm((year + month // 12, month % 12 + 1, 1, 0, 0, 0))
    callers, peers, owners, numbers = [], [], [], []
    for path in sorted(glob.glob(os.path.join(data_dir, "shards", "*.h5"))):
        with h5py.File(path, "r") as f:
            if "usage" in f:
                u = f["usage"]
                ts, kind, peer = u["ts"][...], u["kind"][...], u["peer"][...]
                keep = (ts >= start) & (ts < end) & (kind != 2) & (peer != 0)
                callers.append(u["customer_id"][...][keep])
                peers.append(peer[keep])
            if "identity" in f:
                g = f["identity"]
                keep = (g["id_type"][...] == PHONE) & (g["id_hash"][...] != 0)
                owners.append(g["customer_id"][...][keep])
                numbers.append(g["id_hash"][...][keep])
    callers, peers = np.concatenate(callers), np.concatenate(peers)
    owners, numbers = np.concatenate(owners), np.concatenate(numbers)

    holders = {}
    for number, owner in set(zip(numbers.tolist(), owners.tolist())):
        holders.setdefault(number, []).append(owner)
    directory = {number: who[0] for number, who in holders.items() if len(who) == 1}

    with h5py.File(tags_path, "r") as f:
        g = f["customers"]
        ids = g["customer_id"][...]
        score = g["opinion_leader"][...]
        leader = g["opinion_leader_leader"][...]
    customers = set(ids.tolist())
    graph = nx.DiGraph()
    graph.add_nodes_from(customers)
    weights = {}
    for caller, peer in zip(callers.tolist(), peers.tolist()):
        target = directory.get(peer)
        if target is None or target not in customers:
            continue
        weights[(caller, target)] = weights.get((caller, target), 0) + 1
    graph.add_weighted_edges_from((u, v, w) for (u, v), w in weights.items())
    ranks = nx.pagerank(graph, alpha=0.85, weight="weight", tol=1e-15, max_iter=1000)

    n = len(ids)
    ours = score / n
    theirs = np.array([ranks[int(c)] for c in ids])
    worst = float(np.max(np.abs(ours - theirs)))
    print("telecom_pagerank: %d customers, %d contact pairs, largest difference to networkx %.3g"
          % (n, len(weights), worst))
    if worst > 1e-9:
        sys.exit("telecom_pagerank: PageRank differs from networkx by %.3g" % worst)
    leaders = int(np.ceil(0.01 * n))
    cut = np.sort(score)[n - leaders]
    expected = score >= cut
    if not np.array_equal(expected, leader.astype(bool)):
        sys.exit("telecom_pagerank: the leader tag is not the top 1%% (%d marked, %d expected)"
                 % (int(leader.sum()), int(expected.sum())))
    if len(weights) < n:
        sys.exit("telecom_pagerank: only %d contact pairs among %d customers" % (len(weights), n))


if __name__ == "__main__":
    main()

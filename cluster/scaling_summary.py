#!/usr/bin/env python3
# cluster/scaling_summary.py: the summary of a strong-scaling series run by
# cluster/slurm/scaling.sbatch or cluster/pbs/scaling.pbs. Reads the series'
# runs.txt (one line per run: name ranks threads launcher_seconds manifest)
# and each run's manifest.json, prints one line per run with speedup and
# efficiency against the 1 x 1 run, and writes summary.json and summary.csv
# next to runs.txt. Standard library only: it runs on compute nodes.
# Usage: cluster/scaling_summary.py OUT_DIR
import csv
import json
import os
import sys

out = sys.argv[1]
runs = []
with open(os.path.join(out, "runs.txt")) as lines:
    for line in lines:
        name, ranks, threads, launcher_seconds, manifest_path = line.split()
        with open(manifest_path) as f:
            manifest = json.load(f)
        runs.append({
            "run": name,
            "ranks": int(ranks),
            "threads_per_rank": int(threads),
            "cores": int(ranks) * int(threads),
            # The launcher's clock includes process start-up and MPI wire-up;
            # the manifest's is the recompute alone.
            "launcher_seconds": float(launcher_seconds),
            "wall_seconds": manifest["wall_seconds"],
            "phase_seconds": manifest["phase_seconds"],
            "records": sum(a["read"] for a in manifest["accounting"].values()),
            "peak_rss_bytes_per_rank": manifest["peak_rss_bytes_per_rank"],
            "manifest": manifest_path,
        })
if not runs:
    sys.exit(f"scaling_summary: no runs in {out}/runs.txt")

base = next((r for r in runs if r["cores"] == 1), runs[0])
for r in runs:
    r["speedup"] = base["wall_seconds"] * base["cores"] / r["wall_seconds"]
    r["efficiency"] = r["speedup"] / r["cores"]
    print(f"scaling: {r['run']}: wall {r['wall_seconds']:.2f} s (launcher {r['launcher_seconds']:.2f} s), "
          f"{r['records'] / r['wall_seconds'] / 1e6:.2f} M records/s, speedup {r['speedup']:.2f}, "
          f"efficiency {r['efficiency'] * 100:.0f}%")

with open(os.path.join(out, "summary.json"), "w") as f:
    json.dump({"baseline": base["run"], "runs": runs}, f, indent=2)
columns = ["run", "ranks", "threads_per_rank", "cores", "launcher_seconds", "wall_seconds", "records",
           "speedup", "efficiency", "manifest"]
with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(runs)
print(f"scaling: summary in {out}/summary.json and {out}/summary.csv")

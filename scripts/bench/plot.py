"""scripts/bench/plot.py: draws the scaling benchmark (scripts/bench/scaling.sh)
to PNG: scaling.png (strong scaling speed-up and weak scaling efficiency
against the rank count, oversubscribed runs hollow) and phases.png (seconds
per phase of every run, stacked).
Usage: python3 scripts/bench/plot.py out/bench/scaling.json OUT_DIR"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PHASES = ("plan", "read+shuffle", "group", "identity", "compute", "reduce", "write")


def main(summary_path, out_dir):
    summary = json.load(open(summary_path))
    runs = summary["runs"]
    strong = [r for r in runs if r["mode"] == "strong"]
    weak = [r for r in runs if r["mode"] == "weak"]

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    ranks = [r["ranks"] for r in strong]
    left.plot(ranks, ranks, "k:", label="ideal")
    left.plot(ranks, [r["speedup"] for r in strong], "-", color="tab:blue")
    for r in strong:
        left.plot(r["ranks"], r["speedup"], "o", color="tab:blue",
                  fillstyle="none" if r["oversubscribed"] else "full")
    left.set(xlabel="ranks (1 thread each)", ylabel="speed-up over 1 rank",
             title=f"strong scaling, {strong[0]['customers']:,} customers")
    left.set_xticks(ranks)
    left.axvline(summary["cores"] + 0.5, color="grey", lw=0.5)
    left.legend()
    right.plot([r["ranks"] for r in weak], [weak_ratio(r, weak) for r in weak], "-", color="tab:green")
    for r in weak:
        right.plot(r["ranks"], weak_ratio(r, weak), "o", color="tab:green",
                   fillstyle="none" if r["oversubscribed"] else "full")
    right.set_xticks([r["ranks"] for r in weak])
    right.axhline(1.0, color="k", ls=":")
    right.axvline(summary["cores"] + 0.5, color="grey", lw=0.5)
    right.set(xlabel="ranks (1 thread each)", ylabel="t(1 rank) / t(P ranks)", ylim=(0, 1.2),
              title=f"weak scaling, {weak[0]['customers']:,} customers per rank")
    fig.suptitle(f"{summary['cores']} cores; hollow: more ranks than cores (oversubscribed)")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "scaling.png"), dpi=100)

    fig, ax = plt.subplots(figsize=(10, 4))
    labels = [f"{r['mode']}\nnp{r['ranks']}" for r in runs]
    bottom = [0.0] * len(runs)
    for phase in PHASES:
        seconds = [r["phase_seconds"].get(phase, 0.0) for r in runs]
        ax.bar(labels, seconds, bottom=bottom, label=phase)
        bottom = [b + s for b, s in zip(bottom, seconds)]
    ax.set(ylabel="seconds", title="phases of each run")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "phases.png"), dpi=100)
    print(f"plots: {os.path.join(out_dir, 'scaling.png')}, {os.path.join(out_dir, 'phases.png')}")


def weak_ratio(run, weak):
    """Weak scaling time ratio t(1) / t(P), drawn for every run (oversubscribed too)."""
    t1 = next(r["wall_seconds"] for r in weak if r["ranks"] == 1)
    return t1 / run["wall_seconds"]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

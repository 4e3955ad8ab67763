#!/usr/bin/python3
"""scripts/bench/duckdb/fact_catalog.py: the fact layer of a catalog as a
catalog of its own, for scripts/bench/duckdb.sh.

Keeps the fact tags of the given channels (with their hierarchy, names and
the catalog's utc_offset_hours) and drops rules, models, statistics and the
merge policies, so that `portrait run` computes exactly the facts that the
DuckDB query computes.

    fact_catalog.py CATALOG.yaml OUT.yaml usage billing web

prints the ids of the kept facts, one a line, in catalog order.
"""
import sys

import yaml


def main():
    source, target, channels = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    with open(source, encoding="utf-8") as f:
        catalog = yaml.safe_load(f)
    kept_ids = []
    categories = []
    for category in catalog["categories"]:
        subcategories = []
        for sub in category.get("subcategories", []):
            tags = []
            for tag in sub.get("tags", []):
                fact = tag.get("fact")
                if fact is None or fact["channel"] not in channels or tag.get("state") == "offline":
                    continue
                tags.append({"id": tag["id"], "name": tag["name"], "fact": fact})
                kept_ids.append(tag["id"])
            if tags:
                subcategories.append({"id": sub["id"], "name": sub["name"], "tags": tags})
        if subcategories:
            categories.append({"id": category["id"], "name": category["name"], "subcategories": subcategories})
    if not kept_ids:
        sys.exit(f"{source}: no fact of the channels {sorted(channels)}")
    out = {
        "catalog": catalog["catalog"] + "-facts",
        "utc_offset_hours": catalog.get("utc_offset_hours", 0),
        "categories": categories,
    }
    with open(target, "w", encoding="utf-8") as f:
        f.write(f"# {target}: the {', '.join(sorted(channels))} facts of {source}, written by fact_catalog.py.\n")
        yaml.safe_dump(out, f, allow_unicode=True, sort_keys=False, width=120)
    print("\n".join(kept_ids))


if __name__ == "__main__":
    main()

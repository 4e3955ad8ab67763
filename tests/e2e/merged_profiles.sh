#!/usr/bin/env bash
# tests/e2e/merged_profiles.sh: merged profiles of the telecom catalog on
# generated data with planted multi-number persons: the persons table holds
# every person once, its members add up to the customers, each merged tag
# equals a recomputation from the customers table by the recorded policy
# (channel_priority ranks members by their records of the month, counted
# from the shards less the quarantined ones), the person-level statistic
# groups persons by their merged tags, and the tables are the same bytes at
# np 1 and 3.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "merged_profiles: $*" >&2; exit 1; }

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 3000 --period 2026-10 --seed 31 --dirty-rate 0.01 \
  --out "$work/data" >/dev/null
sed -e "s|data/demo/|$work/data/|g; s|out/demo|$work/out|; s|buckets: 4096|buckets: 256|" \
    -e "s|jobs/catalogs/telecom.yaml|$PORTRAIT_SOURCE_DIR/jobs/catalogs/telecom.yaml|" \
    "$PORTRAIT_SOURCE_DIR/jobs/telecom-monthly.yaml" >"$work/job.yaml"
grep -q "^identity:" "$work/job.yaml" || fail "the telecom job resolves no identities"
for np in 1 3; do
  $PORTRAIT_MPIEXEC -np $np "$PORTRAIT" run --quiet --output "$work/np$np" "$work/job.yaml" >"$work/np$np.log" 2>&1 ||
    { cat "$work/np$np.log"; fail "run at np $np failed"; }
done
cmp "$work/np1/tags.h5" "$work/np3/tags.h5" || fail "tags.h5 (with persons) differs between np 1 and np 3"

/usr/bin/python3 - "$work/np3/tags.h5" "$work/np3/statistics.json" "$work/data/shards" <<'PY'
import calendar, glob, json, re, sys
from collections import Counter, defaultdict
import h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
customers, persons, members = f["customers"], f["persons"], f["person_members"]
policies = json.loads(persons.attrs["merge_policies"])
cid, pid = customers["customer_id"][:], customers["person_id"][:]
groups = defaultdict(list)
for row in np.argsort(cid, kind="stable"):
    groups[int(pid[row])].append(row)
assert sorted(groups) == sorted(persons["person_id"][:].tolist()), "persons differ from the customers' person ids"
assert int(persons["members"][:].sum()) == len(cid) == members["customer_id"].shape[0]

def missing(v):
    return (isinstance(v, float) and np.isnan(v)) or v == np.iinfo(type(v)).min if not isinstance(v, float) else np.isnan(v)

def merge(policy, values, times):
    known = [v for v in values if not missing(v)]
    if policy in ("sum", "min", "max"):
        if not known: return None
        if policy == "sum":
            total = known[0]
            for v in known[1:]: total = total + v
            return total
        return min(known) if policy == "min" else max(known)
    if policy in ("any", "all"):
        if not known: return None
        return int(any(v == 1 for v in known)) if policy == "any" else int(all(v == 1 for v in known))
    if policy == "most_frequent":
        if not known: return None
        counts = Counter(known)
        best = max(counts.values())
        return min(v for v, n in counts.items() if n == best)
    best, value = None, None
    for v, t in zip(values, times):
        if missing(t) or (best is not None and t <= best): continue
        best, value = t, v
    return value

# channel_priority: each customer's records of the month (2026-10; billing by
# its month), as the run kept them: the shards' records less the quarantined.
PERIOD = (calendar.timegm((2026, 10, 1, 0, 0, 0)), calendar.timegm((2026, 11, 1, 0, 0, 0)))
def in_month(table):
    if "month" in table:
        return table["month"][:] == 202610
    ts = table["ts"][:]
    return (ts >= PERIOD[0]) & (ts < PERIOD[1])
def month_records(channel):
    counts = Counter()
    for path in sorted(glob.glob(sys.argv[3] + "/*.h5")):
        with h5py.File(path, "r") as shard:
            if channel in shard:
                counts.update(shard[channel]["customer_id"][:][in_month(shard[channel])].tolist())
    quarantine = f["quarantine_" + channel]
    counts.subtract(quarantine["customer_id"][:][in_month(quarantine)].tolist())
    return counts
records = {}

def by_channel_priority(channels, values, members):
    best, value = None, None
    for v, c in zip(values, members):
        if missing(v): continue
        rank = next((k for k, ch in enumerate(channels) if records[ch][c] > 0), len(channels))
        if best is None or rank < best:
            best, value = rank, v
    return value

row_of = {int(p): i for i, p in enumerate(persons["person_id"][:])}
compared, ranked = 0, Counter()
for tag, text in policies.items():
    priority = re.fullmatch(r"channel_priority\((\w+(?:,\w+)*)\)", text)
    policy, _, by = text.partition(" by ")
    values, merged = customers[tag][:], persons[tag][:]
    times = customers[by][:] if by else None
    for person, rows in groups.items():
        if priority:
            channels = priority.group(1).split(",")
            for ch in channels:
                if ch not in records: records[ch] = month_records(ch)
            known = [values[r] for r in rows if not missing(values[r])]
            expect = by_channel_priority(channels, [values[r] for r in rows], [int(cid[r]) for r in rows])
            # Persons whose value the ranking changed from the first member's.
            ranked[tag] += bool(known) and expect != known[0]
        else:
            expect = merge(policy, [values[r] for r in rows], [times[r] for r in rows] if by else None)
        got = merged[row_of[person]]
        if expect is None:
            assert missing(got), (tag, person, got)
        else:
            assert got == expect, (tag, person, got, expect)
        compared += 1
# The telecom catalog ranks by channels, and the planted persons make it matter.
assert ranked and sum(ranked.values()) > 0, ("channel_priority decided no person's value", ranked)
# The person-level statistic groups persons by their merged segment.
stats = {s["id"]: s for s in json.load(open(sys.argv[2]))}["persons_by_segment"]
labels = ["high_risk_retention", "gold", "high_end_volatile", "potential", "low_end_volatile", "tidal"]
segment, spend = persons["segment"][:], persons["arpu"][:]
for g in stats["groups"]:
    code = labels.index(g["segment"])
    rows = segment == code
    assert g["customers"] == int(rows.sum()), (g, int(rows.sum()))
    known = spend[rows & ~np.isnan(spend)]
    assert abs(g["spend"] - known.mean()) <= 1e-9 * abs(known.mean()), (g["spend"], known.mean())
several = sum(1 for rows in groups.values() if len(rows) > 1)
print(f"merged_profiles: {len(groups)} persons ({several} with several numbers), {len(policies)} merged tags, "
      f"{compared} values recomputed; values decided by channel priority: {dict(ranked)}")
PY
echo "merged_profiles: ok"

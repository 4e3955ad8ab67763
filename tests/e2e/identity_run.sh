#!/usr/bin/env bash
# tests/e2e/identity_run.sh: cross-channel identity resolution in the monthly
# run, scored against the generator's planted truth: every planted person who
# holds several numbers is one person in the output; the company switchboard
# numbers shared by thousands are dropped by the guard and merge nobody; the
# person ids are the same bytes at np = 1 and 3; a bad guard setting stops
# the run with its location.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "identity_run: $*" >&2; exit 1; }

$PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" gen --customers 4000 --period 2026-10 --seed 21 --out "$work/data" >/dev/null
cat >"$work/job.yaml" <<YAML
period: 2026-10
inputs:
  shards: $work/data/shards/*.h5
output: $work/out
buckets: 256
identity:
  max_component_size: 50
  id_types:
    phone: {max_customers: 20}
    device: {max_customers: 8}
YAML
for np in 1 3; do
  $PORTRAIT_MPIEXEC -np $np "$PORTRAIT" run --quiet --output "$work/out_$np" "$work/job.yaml" >"$work/run_$np.log" 2>&1 ||
    { cat "$work/run_$np.log"; fail "run at np=$np failed"; }
done
cmp "$work/out_1/tags.h5" "$work/out_3/tags.h5" || fail "person ids differ between np=1 and np=3"

/usr/bin/python3 - "$work/out_1/tags.h5" "$work/data/truth.h5" "$work/out_1/manifest.json" <<'PY'
import json, sys
from collections import defaultdict
import h5py
tags = h5py.File(sys.argv[1], "r")["customers"]
truth = h5py.File(sys.argv[2], "r")["truth"]
planted = dict(zip(truth["customer_id"][:].tolist(), truth["person_id"][:].tolist()))
person = dict(zip(tags["customer_id"][:].tolist(), tags["person_id"][:].tolist()))

numbers = defaultdict(list)
for customer in person:
    numbers[planted[customer]].append(customer)
several = [customers for customers in numbers.values() if len(customers) >= 2]
split = [customers for customers in several if len({person[c] for c in customers}) != 1]
assert len(several) > 200, f"too few planted multi-number persons to test: {len(several)}"
assert not split, f"{len(split)} planted persons are split, e.g. {split[:3]}"

components = defaultdict(list)
for customer, p in person.items():
    components[p].append(customer)
for p, members in components.items():
    assert p == min(members), f"person {p} is not the smallest id of {members}"
largest = max(len(m) for m in components.values())
assert largest <= 10, f"a component of {largest} customers: shared numbers merged strangers"

report = json.load(open(sys.argv[3]))["identity"]
assert report["dropped"]["identifiers_over_customer_cap"] >= 1, "no switchboard identifier was dropped"
assert report["customers"] == len(person) and report["persons"] == len(components), "report counts differ"
print(f"identity_run: {len(several)} planted multi-number persons all linked; largest component {largest}; "
      f"{report['dropped']['identifiers_over_customer_cap']} shared identifiers dropped")
PY

sed -i 's/max_customers: 8}/max_customers: 1}/' "$work/job.yaml"
if $PORTRAIT_MPIEXEC -np 2 "$PORTRAIT" run --quiet "$work/job.yaml" >"$work/bad.log" 2>&1; then fail "a guard below 2 was accepted"; fi
grep -q "job.yaml:7:3 (identity guards, id_type device): max_customers is 1, below 2" "$work/bad.log" ||
  { cat "$work/bad.log"; fail "the bad guard's message does not name its place"; }
echo "identity_run: ok"

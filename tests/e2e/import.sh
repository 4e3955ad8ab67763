#!/usr/bin/env bash
# tests/e2e/import.sh: portrait import of the real mlc_churn.csv (counts add
# up, a few values checked by hand against the CSV), and of a deliberately
# broken CSV (bad number, missing field, unknown code) whose bad records land
# in rejects.csv with line, column and reason; identifiers are hashed with
# the key from the environment, equal after normalisation.
set -euo pipefail
fail() { echo "e2e_import: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
csv="$PORTRAIT_SOURCE_DIR/../shared/data/mlc_churn.csv"
[ -f "$csv" ] || fail "missing $csv"

out=$("$PORTRAIT" import "$PORTRAIT_SOURCE_DIR/jobs/import/mlc_churn.yaml" --input "$csv" --out "$work/mlc")
read_n=$(awk '$1 == "read" {print $2}' <<<"$out")
imported=$(awk '$1 == "imported" {print $2}' <<<"$out")
rejected=$(awk '$1 == "rejected" {print $2}' <<<"$out")
[ "$read_n" -eq 5000 ] || fail "read $read_n records, the CSV has 5000: $out"
[ $((imported + rejected)) -eq "$read_n" ] || fail "imported + rejected != read: $out"
[ "$rejected" -eq 0 ] || fail "clean CSV had rejects: $(head "$work/mlc/rejects.csv")"
"$PORTRAIT" inspect "$work/mlc/customers_mlc_churn.h5" "$work/mlc/billing_mlc_churn.h5" >/dev/null ||
  fail "inspect rejects the imported shards"

# Record 1: "KS",128,"area_code_415","no","yes",25,265.1,110,45.07,197.4,99,16.78,244.7,91,11.01,10,3,2.7,1,"no"
# Record 5000 is the last line of the CSV.
$py - "$work/mlc" "$csv" <<'PY' || fail "imported values differ from the CSV"
import csv, sys, h5py
d, path = sys.argv[1], sys.argv[2]
c = h5py.File(f"{d}/customers_mlc_churn.h5", "r")["customers"]
b = h5py.File(f"{d}/billing_mlc_churn.h5", "r")["billing"]
def check(name, got, want):
    if got != want:
        sys.exit(f"{name}: got {got}, want {want}")
check("customer_id[0]", int(c["customer_id"][0]), 1)
check("region[0] (KS)", int(c["region"][0]), 17)
check("status[0]", int(c["status"][0]), 0)
check("join_date[0]", int(c["join_date"][0]), 1709251200 - 128 * 86400)
check("area_code[0]", int(c["area_code"][0]), 415)
check("voice_mail_plan[0]", int(c["voice_mail_plan"][0]), 1)
check("total_day_charge[0]", int(c["total_day_charge"][0]), 4507)
check("total_day_minutes[0]", float(c["total_day_minutes"][0]), 265.1)
check("gender[0] missing", int(c["gender"][0]), -128)
check("amount[0]", int(b["amount"][0]), 4507 + 1678 + 1101 + 270)
check("voice_min_used[0]", int(b["voice_min_used"][0]), 717)  # 717.2 minutes
check("month[0]", int(b["month"][0]), 202403)
rows = list(csv.DictReader(open(path)))
churned = sum(r["churn"] == "yes" for r in rows)
check("churners", int(c["status"][:].sum()), churned)
last = rows[-1]
check("customer_id[-1]", int(c["customer_id"][-1]), 5000)
fen = sum(round(float(last[k]) * 100) for k in ["total_day_charge", "total_eve_charge", "total_night_charge", "total_intl_charge"])
check("amount[-1]", int(b["amount"][-1]), fen)
check("calls[-1]", int(c["number_customer_service_calls"][-1]), int(last["number_customer_service_calls"]))
PY

# A broken CSV: line 3 has a bad number, line 4 a missing field, line 5 an
# unknown code; lines 2 and 6 are good and carry the same phone written two ways.
cat >"$work/broken.csv" <<'CSV'
phone,state,minutes,fee,churn
+86 138-0013-8000,KS,12.5,38.00,no
13900000001,OH,twelve,18.00,no
13900000002,NY,3.0,18.00
13900000003,XX,1.0,8.00,yes

13800138000,CA,0.5,128.50,yes
CSV
cat >"$work/broken.yaml" <<'YAML'
period: 2024-03
key: {env: PORTRAIT_TEST_ID_KEY}
block_rows: 2
code_tables:
  yes_no: {"yes": 1, "no": 0}
  state: {CA: 5, KS: 17, NY: 35, OH: 36}
tables:
  customers:
    columns:
      customer_id: {row_number: true}
      region: {from: state, code_table: state}
      gender: {missing: true}
      birth_year: {missing: true}
      join_date: {missing: true}
      plan_id: {missing: true}
      plan_fee: {from: fee, unit: yuan_to_fen}
      voice_quota_min: {missing: true}
      data_quota_mb: {missing: true}
      contract_type: {missing: true}
      contract_end: {missing: true}
      payer: {missing: true}
      star_level: {missing: true}
      handset_brand: {missing: true}
      premium_number: {missing: true}
      converged: {missing: true}
      status: {from: churn, code_table: yes_no}
      phone_hash: {from: phone, type: uint64, identifier: phone}
      call_seconds: {from: minutes, type: int64, unit: minutes_to_seconds}
YAML
if "$PORTRAIT" import "$work/broken.yaml" --input "$work/broken.csv" --out "$work/nokey" 2>"$work/err.txt"; then
  fail "import without the identifier key exits 0"
fi
grep -q "PORTRAIT_TEST_ID_KEY" "$work/err.txt" || fail "missing key error does not name the variable: $(cat "$work/err.txt")"

out=$(PORTRAIT_TEST_ID_KEY=test-only-key "$PORTRAIT" import "$work/broken.yaml" --input "$work/broken.csv" --out "$work/broken")
grep -qx "read 5" <<<"$out" || fail "expected read 5 (the blank line is no record): $out"
grep -qx "imported 2" <<<"$out" || fail "expected imported 2: $out"
grep -qx "rejected 3" <<<"$out" || fail "expected rejected 3: $out"
rejects="$work/broken/rejects.csv"
[ "$(wc -l <"$rejects")" -eq 4 ] || fail "rejects.csv should have a header and 3 records: $(cat "$rejects")"
grep -q '^3,"minutes","'"'"'twelve'"'"' is not a number","13900000001,OH,twelve,18.00,no"$' "$rejects" ||
  fail "bad number not quarantined with line and column: $(cat "$rejects")"
grep -q '^4,"churn","missing field (the record has 4 fields)"' "$rejects" || fail "missing field not quarantined: $(cat "$rejects")"
grep -q '^5,"state","'"'"'XX'"'"' is not in code table '"'"'state'"'"'"' "$rejects" || fail "unknown code not quarantined: $(cat "$rejects")"
$py - "$work/broken/customers.h5" <<'PY' || fail "broken CSV import values wrong"
import sys, h5py
c = h5py.File(sys.argv[1], "r")["customers"]
ids = list(c["customer_id"][:]); assert ids == [1, 5], ids
assert list(c["plan_fee"][:]) == [3800, 12850], list(c["plan_fee"][:])
assert list(c["call_seconds"][:]) == [750, 30], list(c["call_seconds"][:])
h = c["phone_hash"][:]
assert h[0] == h[1] and h[0] != 0, h  # same number, written two ways
assert "phone" not in c, "raw phone stored"
PY
if grep -rq "13800138000" "$work/broken/customers.h5"; then fail "a raw phone number is in the shard"; fi
echo "e2e_import: ok"

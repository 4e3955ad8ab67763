#!/usr/bin/env bash
# tests/e2e/faults_import.sh: portrait import rejects a record with more
# fields than the header (line and both counts) and a record whose quoting
# breaks RFC 4180 (a stray quote, text after a closing quote) as a quoting
# fault naming the field, not as a value that misses its code table; good
# records around them are imported, and read = imported + rejected.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "faults_import: $*" >&2; exit 1; }

cat >"$work/in.csv" <<'CSV'
id,state,fee,churn
1,KS,38.00,no
2,OH,18.00,no,extra
3,N"Y,18.00,yes
4,"CA"x,8.00,no
5,"NY",12.50,yes
6,KS,1.00,no,,
CSV
cat >"$work/map.yaml" <<'YAML'
period: 2024-03
code_tables:
  yes_no: {"yes": 1, "no": 0}
  state: {CA: 5, KS: 17, NY: 35, OH: 36}
tables:
  customers:
    columns:
      customer_id: {from: id}
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
YAML
out=$("$PORTRAIT" import "$work/map.yaml" --input "$work/in.csv" --out "$work/out")
grep -qx "read 6" <<<"$out" || fail "expected read 6: $out"
grep -qx "imported 2" <<<"$out" || fail "expected imported 2 (records 1 and 5): $out"
grep -qx "rejected 4" <<<"$out" || fail "expected rejected 4: $out"
rejects="$work/out/rejects.csv"
grep -q '^3,"","5 fields, the header has 4","2,OH,18.00,no,extra"$' "$rejects" ||
  fail "a record with an extra field is not rejected with the counts: $(cat "$rejects")"
grep -q '^7,"","6 fields, the header has 4"' "$rejects" || fail "trailing empty fields are not counted: $(cat "$rejects")"
grep -q '^4,"","bad quoting: a quote inside an unquoted field in field 2' "$rejects" ||
  fail "a stray quote is not a quoting fault: $(cat "$rejects")"
grep -q '^5,"","bad quoting: text after the closing quote in field 2' "$rejects" ||
  fail "text after a closing quote is not a quoting fault: $(cat "$rejects")"
if grep -q "code table" "$rejects"; then fail "a quoting fault was reported as a code-table miss: $(cat "$rejects")"; fi
/usr/bin/python3 - "$work/out/customers.h5" <<'PY' || fail "the imported records are wrong"
import sys, h5py
c = h5py.File(sys.argv[1], "r")["customers"]
assert list(c["customer_id"][:]) == [1, 5], list(c["customer_id"][:])
assert list(c["region"][:]) == [17, 35], list(c["region"][:])
assert list(c["plan_fee"][:]) == [3800, 1250], list(c["plan_fee"][:])
PY
echo "faults_import: ok"

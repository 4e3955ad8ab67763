# tests/e2e/telecom_crosscheck.py: an independent recomputation of the telecom
# catalog's tags (jobs/catalogs/telecom.yaml) straight from the input shards,
# compared exactly with a run's tags.h5. Written from docs/catalog.md and the
# catalog text, not from the engine: each fact is restated below by hand, the
# shards and reference file are read with h5py, and every customer is
# recomputed record by record in plain Python.
#
#   telecom_crosscheck.py --add-ties DATA_DIR
#   telecom_crosscheck.py DATA_DIR TAGS_H5 CATALOG_YAML MANIFEST_JSON [--perturb TAG]
#
# --add-ties writes two extra marketing shards (aa_ties.h5, read first, and
# zz_ties.h5, read last) that tie two customers' last answer in time with a
# record of another channel, so `last` must break equal times by record order
# (sorted paths, then rows); DATA_DIR/ties.json records the expected values.
#
# --perturb TAG adds 1 to the expected value of TAG for the first customer
# that has one: the check must then fail (proves the test can fail).
import glob
import json
import math
import os
import sys

import h5py
import numpy as np
import yaml

DAY = 86400
UTC_OFFSET = 8 * 3600          # catalog: utc_offset_hours: 8
PERIOD = (2026, 10)            # the job's period


def days_from_civil(y, m, d):
    import datetime
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


def month_start(y, m):
    while m < 1:
        y, m = y - 1, m + 12
    while m > 12:
        y, m = y + 1, m - 12
    return days_from_civil(y, m, 1) * DAY


PERIOD_START = month_start(*PERIOD)
PERIOD_END = month_start(PERIOD[0], PERIOD[1] + 1)


# ---------------------------------------------------------------- windows --
def w_period():
    return (PERIOD_START, PERIOD_END)


def w_last_months(n):
    return (month_start(PERIOD[0], PERIOD[1] - (n - 1)), PERIOD_END)


def w_last_days(n):
    return (PERIOD_END - n * DAY, PERIOD_END)


def w_days_before_end(n, m):
    return (PERIOD_END - m * DAY, PERIOD_END - n * DAY)


# ------------------------------------------------ time functions at UTC+8 --
def hour(t):
    return ((t + UTC_OFFSET) % DAY) // 3600


def weekday(t):  # 1 Monday .. 7 Sunday; 1970-01-01 was a Thursday
    return ((t + UTC_OFFSET) // DAY + 3) % 7 + 1


def night(r):
    return hour(r["ts"]) >= 21 or hour(r["ts"]) < 7


# -------------------------------------------------------------- the facts --
# (id, channel, agg, of, where, when, window, lookup); where/when take a
# record (dict of column -> value, None when missing, plus the looked-up
# value under "<table>.<value>") and return True / False / None.
FACTS = [
    ("arpu", "billing", "avg", "amount", None, None, w_last_months(3), None),
    ("bill_this_month", "billing", "sum", "amount", None, None, w_last_months(1), None),
    ("usage_charge", "usage", "sum", "charge", None, None, w_period(), None),
    ("balance", "billing", "last", "balance", None, None, w_period(), None),
    ("last_activity", "usage", "last", "ts", None, None, w_last_months(1), None),
    ("late_payments", "billing", "count", None, lambda r: eq(r["paid_on_time"], 0), None, w_last_months(3), None),
    ("voice_minutes_billed", "billing", "sum", "voice_min_used", None, None, w_last_months(1), None),
    ("calls", "usage", "count", None, lambda r: eq(r["kind"], 0), None, w_last_months(1), None),
    ("call_seconds", "usage", "sum", "duration_s", lambda r: eq(r["kind"], 0), None, w_last_months(1), None),
    ("night_calls", "usage", "count", None,
     lambda r: and3(eq(r["kind"], 0), hour(r["ts"]) >= 22 or hour(r["ts"]) < 6), None, w_last_months(1), None),
    ("longest_call", "usage", "max", "duration_s", lambda r: eq(r["kind"], 0), None, w_last_months(1), None),
    ("sms", "usage", "count", None, lambda r: eq(r["kind"], 1), None, w_last_months(1), None),
    ("data_mb_billed", "billing", "sum", "data_mb_used", None, None, w_last_months(1), None),
    ("data_sessions", "usage", "count", None, lambda r: eq(r["kind"], 2), None, w_last_months(1), None),
    ("data_bytes", "usage", "sum", "bytes", lambda r: eq(r["kind"], 2), None, w_last_months(1), None),
    ("roaming_records", "usage", "count", None, lambda r: eq(r["roaming"], 1), None, w_last_months(1), None),
    ("roaming_share", "usage", "share", None, None, lambda r: eq(r["roaming"], 1), w_last_months(1), None),
    ("home_cell", "usage", "most_frequent", "cell_id", night, None, w_last_months(1), None),
    ("night_records", "usage", "count", None, night, None, w_last_months(1), None),
    ("work_cell", "usage", "most_frequent", "cell_id",
     lambda r: weekday(r["ts"]) <= 5 and 9 <= hour(r["ts"]) < 18, None, w_last_months(1), None),
    ("home_store", "usage", "most_frequent", "cell_id", night, None, w_last_months(1), ("cells", "store_id")),
    ("cells_recent", "usage", "count_distinct", "cell_id", None, None, w_last_days(15), None),
    ("cells_before", "usage", "count_distinct", "cell_id", None, None, w_days_before_end(15, 30), None),
    ("top_interest", "web", "most_frequent", "domain_id", None, None, w_last_months(1), ("domains", "category1")),
    ("web_visits", "web", "count", None, None, None, w_last_months(1), None),
    ("web_bytes", "web", "sum", "bytes", None, None, w_last_months(1), None),
    ("interests", "web", "count_distinct", "domain_id", None, None, w_last_months(1), ("domains", "category1")),
] + [
    (name + "_share", "web", "share", "domain_id", None,
     (lambda k: lambda r: eq(r["domains.category1"], k))(k), w_last_months(1), ("domains", "category1"))
    for k, name in enumerate(["news", "shopping", "games", "video", "social"], start=1)
] + [
    ("service_contacts", "service", "count", None, None, None, w_last_days(90), None),
    ("complaints_90d", "service", "count", None, lambda r: eq(r["category"], 1), None, w_last_days(90), None),
    ("faults_90d", "service", "count", None, lambda r: eq(r["category"], 2), None, w_last_days(90), None),
    ("unresolved", "service", "count", None, lambda r: eq(r["resolved"], 0), None, w_last_days(90), None),
    ("avg_satisfaction", "service", "avg", "satisfaction", None, None, w_last_days(90), None),
    ("preferred_service_channel", "service", "most_frequent", "channel", None, None, w_last_days(90), None),
    ("hotline_contacts", "service", "count", None, lambda r: eq(r["channel"], 0), None, w_last_days(90), None),
    ("offers", "marketing", "count", None, None, None, w_last_months(3), None),
    ("offers_accepted", "marketing", "count", None, lambda r: eq(r["outcome"], 2), None, w_last_months(3), None),
    ("offers_declined", "marketing", "count", None, lambda r: eq(r["outcome"], 3), None, w_last_months(3), None),
    ("answered_30d", "marketing", "count", None, lambda r: or3(eq(r["outcome"], 2), eq(r["outcome"], 3)), None,
     w_last_days(30), None),
    ("last_answer_channel", "marketing", "last", "channel", lambda r: or3(eq(r["outcome"], 2), eq(r["outcome"], 3)),
     None, w_last_days(30), None),
    ("hotline_7d", "service", "count", None, lambda r: eq(r["channel"], 0), None, w_last_days(7), None),
    ("roaming_now", "usage", "count", None, lambda r: eq(r["roaming"], 1), None, w_last_days(3), None),
    ("contacts_recent", "usage", "count_distinct", "peer", lambda r: ne(r["peer"], 0), None, w_last_days(15), None),
    ("contacts_before", "usage", "count_distinct", "peer", lambda r: ne(r["peer"], 0), None,
     w_days_before_end(15, 30), None),
]


# ------------------------------------------------ three-valued logic (SQL) --
def eq(a, b):
    return None if a is None or b is None else a == b


def ne(a, b):
    return None if a is None or b is None else a != b


def cmp(a, op, b):
    if a is None or b is None:
        return None
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]


def and3(a, b):
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def or3(a, b):
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


def not3(a):
    return None if a is None else not a


def coalesce(*xs):
    for x in xs:
        if x is not None:
            return x
    return None


def iff(c, a, b):
    return a if c is True else b


def fdiv(a, b):  # '/' is always float; / 0 is missing
    if a is None or b is None or b == 0:
        return None
    return float(a) / float(b)


# ------------------------------------------------------------ the inputs --
MISSING_INT = {np.dtype("int8"): -2**7, np.dtype("int32"): -2**31, np.dtype("int64"): -2**63}


def to_py(value, dtype):
    """A stored value as Python: None when it is the type's missing value."""
    if dtype.kind == "f":
        return None if math.isnan(value) else float(value)
    if dtype.kind == "u":
        return None if value == 0 else int(value)  # hashes: 0 is missing
    v = int(value)
    return None if v == MISSING_INT[dtype] else v


def read_shards(data_dir, sample):
    """channel -> customer id -> list of records (dicts) of the sampled customers,
    each with '_order' = (file ordinal in sorted path order, row), and
    channel -> total rows read."""
    paths = sorted(glob.glob(os.path.join(data_dir, "shards", "*.h5")))
    if not paths:
        sys.exit("crosscheck: no shards in " + data_dir)
    records, rows = {}, {}
    for ordinal, path in enumerate(paths):
        with h5py.File(path, "r") as f:
            for channel in f:
                g = f[channel]
                columns = {name: g[name][...] for name in g}
                n = len(columns["customer_id"])
                rows[channel] = rows.get(channel, 0) + n
                ids = columns["customer_id"]
                keep = np.nonzero(np.isin(ids, sample))[0]
                per = records.setdefault(channel, {})
                for i in keep:
                    r = {name: to_py(col[i], col.dtype) for name, col in columns.items()}
                    r["_order"] = (ordinal, int(i))
                    per.setdefault(r["customer_id"], []).append(r)
    return records, rows


def central_angle(lat1, lon1, lat2, lon2):
    k = 3.14159265358979323846 / 180.0
    dlat, dlon = (lat2 - lat1) * k, (lon2 - lon1) * k
    a = math.sin(dlat / 2) * math.sin(dlat / 2) + \
        math.cos(lat1 * k) * math.cos(lat2 * k) * math.sin(dlon / 2) * math.sin(dlon / 2)
    return 2 * math.asin(min(1.0, math.sqrt(a)))


def read_reference(path):
    """table -> {key: value}: cells -> store_id of the nearest store (ties: the
    smaller store id), domains -> category1."""
    with h5py.File(path, "r") as f:
        stores = [(int(s), float(la), float(lo)) for s, la, lo in
                  zip(f["stores/store_id"][...], f["stores/lat"][...], f["stores/lon"][...])]
        cells = {}
        for c, la, lo in zip(f["cells/cell_id"][...], f["cells/lat"][...], f["cells/lon"][...]):
            best = min(stores, key=lambda s: (central_angle(float(la), float(lo), s[1], s[2]), s[0]))
            cells[int(c)] = best[0]
        domains = {int(d): int(c) for d, c in zip(f["domains/domain_id"][...], f["domains/category1"][...])}
    return {("cells", "store_id"): cells, ("domains", "category1"): domains}


# -------------------------------------------------------------- a fact --
def record_time(channel, r):
    if channel == "billing":  # the first second of the record's month
        m = r["month"]
        return None if m is None else month_start(m // 100, m % 100)
    return r["ts"]


def fact_value(spec, records, reference):
    tag, channel, agg, of, where, when, (start, end), lookup = spec
    kept = []
    for r in records:
        t = record_time(channel, r)
        if t is None or not (start <= t < end):
            continue
        if lookup is not None:
            key = r[of]
            r = dict(r)
            r[lookup[0] + "." + lookup[1]] = None if key is None else reference[lookup].get(key)
        if where is not None and where(r) is not True:
            continue
        kept.append((t, r))
    value_of = (lambda r: r[lookup[0] + "." + lookup[1]]) if lookup else (lambda r: r[of])
    if agg == "count":
        return len(kept)
    if agg == "share":
        return None if not kept else float(sum(1 for _, r in kept if when(r) is True)) / float(len(kept))
    values = [value_of(r) for _, r in kept if value_of(r) is not None]
    if agg == "sum":
        return sum(values)
    if agg == "avg":
        return None if not values else float(sum(values)) / float(len(values))
    if agg == "min":
        return min(values) if values else None
    if agg == "max":
        return max(values) if values else None
    if agg == "count_distinct":
        return len(set(values))
    if agg == "most_frequent":
        if not values:
            return None
        counts = {}
        for v in values:
            counts[v] = counts.get(v, 0) + 1
        return min(counts, key=lambda v: (-counts[v], v))
    if agg in ("first", "last"):
        # by time; equal times: the first / last record (sorted path order, then row)
        timed = sorted(((t, r["_order"], value_of(r)) for t, r in kept if value_of(r) is not None))
        if not timed:
            return None
        return timed[0][2] if agg == "first" else timed[-1][2]
    raise ValueError(agg)


# ------------------------------------------------------------ some rules --
def rules(f, c):
    """A handful of rule tags from facts f and the customer's attributes c."""
    out = {}
    out["arpu_yuan"] = fdiv(f["arpu"], 100.0) if f["arpu"] is not None else None
    out["arpu_level"] = first_label(["high", "medium", "low"],
                                    [cmp(f["arpu"], ">=", 12000), cmp(f["arpu"], ">=", 5000), True])
    q = c["voice_quota_min"]
    out["voice_saturation"] = iff(cmp(q, ">", 0), fdiv(f["voice_minutes_billed"], q), 0.0)
    q = c["data_quota_mb"]
    out["data_saturation"] = iff(cmp(q, ">", 0), fdiv(f["data_mb_billed"], q), 0.0)
    out["has_contract"] = cmp(c["contract_type"], ">", 0)
    end = c["contract_end"]
    out["contract_days_left"] = iff(cmp(c["contract_type"], ">", 0),
                                    fdiv(None if end is None else end - PERIOD_END, 86400), -1.0)
    out["contract_expiring"] = and3(cmp(c["contract_type"], ">", 0), cmp(out["contract_days_left"], "<=", 92))
    join = c["join_date"]
    out["tenure_months"] = None if join is None else float(PERIOD_END - join) / 2629800.0
    out["movement_change"] = iff(cmp(f["cells_before"], ">", 0),
                                 fdiv(f["cells_recent"] - f["cells_before"], f["cells_before"]), 0.0)
    out["contact_change"] = iff(cmp(f["contacts_before"], ">", 0),
                                fdiv(f["contacts_recent"] - f["contacts_before"], f["contacts_before"]), 0.0)
    out["circle_shrinking"] = cmp(out["contact_change"], "<=", -0.15)
    out["range_shrinking"] = cmp(out["movement_change"], "<=", -0.15)
    out["balance_below_10"] = coalesce(cmp(f["balance"], "<", 1000), False)
    out["acceptance_rate"] = iff(cmp(f["offers"], ">", 0), fdiv(f["offers_accepted"], f["offers"]), 0.0)
    out["complaint_risk"] = first_label(
        ["high", "medium", "low"],
        [or3(cmp(f["complaints_90d"], ">=", 2), cmp(coalesce(f["avg_satisfaction"], 5.0), "<", 2.5)),
         or3(eq(f["complaints_90d"], 1), cmp(f["unresolved"], ">", 0)), True])
    out["precursor_count"] = sum(1 if x is True else 0 for x in [
        out["circle_shrinking"], out["range_shrinking"], cmp(f["complaints_90d"], ">", 0),
        out["contract_expiring"], out["balance_below_10"]])
    out["high_value"] = or3(cmp(c["star_level"], ">=", 4), cmp(f["arpu"], ">=", 11000))
    tenure = out["tenure_months"]
    stability = first_label(["high", "low", "medium"], [
        and3(and3(out["has_contract"], not3(out["contract_expiring"])), cmp(tenure, ">=", 24)),
        or3(or3(out["contract_expiring"], cmp(out["precursor_count"], ">=", 2)), cmp(tenure, "<", 12)),
        True])
    out["stability"] = stability
    stability_label = None if stability is None else ["high", "low", "medium"][stability]
    hv = out["high_value"]
    out["segment"] = first_label(
        ["high_risk_retention", "gold", "high_end_volatile", "potential", "low_end_volatile", "tidal"],
        [and3(hv, out["contract_expiring"]),
         and3(hv, eq(stability_label, "high")),
         hv,
         or3(cmp(f["arpu"], ">=", 7000), and3(eq(c["converged"], 1), ne(stability_label, "low"))),
         cmp(f["arpu"], ">=", 3500),
         True])
    return out


def first_label(labels, conditions):
    """A categorical rule: the code (index) of the first label whose condition is true."""
    for code, cond in enumerate(conditions):
        if cond is True:
            return code
    return None


# -------------------------------------------------------------- compare --
def same(expected, got):
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, bool):
        expected = int(expected)
    if isinstance(expected, float) or isinstance(got, float):
        return isinstance(expected, float) and isinstance(got, float) and \
            np.float64(expected).tobytes() == np.float64(got).tobytes()
    return expected == got


def add_ties(data_dir):
    """Writes aa_ties.h5 and zz_ties.h5 (see the top of the file) and ties.json."""
    start, end = w_last_days(30)
    last = {}  # customer -> (ts, channel, campaign) of the latest answer in the window
    for path in sorted(glob.glob(os.path.join(data_dir, "shards", "*.h5"))):
        with h5py.File(path, "r") as f:
            if "marketing" not in f:
                continue
            g = f["marketing"]
            for cid, ts, ch, camp, out in zip(*(g[c][...] for c in
                                                ["customer_id", "ts", "channel", "campaign_id", "outcome"])):
                if out in (2, 3) and start <= ts < end and (cid not in last or ts >= last[cid][0]):
                    last[int(cid)] = (int(ts), int(ch), int(camp))
    picked = sorted(last)[:2]
    if len(picked) < 2:
        sys.exit("crosscheck: fewer than two customers answered an offer in the last 30 days")
    expected = {}
    for name, cid in zip(["aa_ties.h5", "zz_ties.h5"], picked):
        ts, channel, campaign = last[cid]
        other = (channel + 1) % 6
        # Read before the generated record (aa): the generated one stays last; after it (zz): ours is last.
        expected[str(cid)] = channel if name.startswith("aa") else other
        with h5py.File(os.path.join(data_dir, "shards", name), "w") as f:
            f.attrs["format"] = np.bytes_("portrait-shard")
            f.attrs["format_version"] = np.int64(1)
            f.attrs["period"] = np.bytes_("%04d-%02d" % PERIOD)
            f.attrs["producer"] = np.bytes_("telecom_crosscheck")
            g = f.create_group("marketing")
            g.attrs["channel"] = np.bytes_("marketing")
            g.attrs["rows"] = np.int64(1)
            for column, dtype, value in [("customer_id", "int64", cid), ("ts", "int64", ts),
                                         ("campaign_id", "int32", campaign), ("channel", "int8", other),
                                         ("outcome", "int8", 2)]:
                g.create_dataset(column, data=np.array([value], dtype=dtype), maxshape=(None,), chunks=(1,))
    json.dump(expected, open(os.path.join(data_dir, "ties.json"), "w"))


def main():
    args = sys.argv[1:]
    perturb = None
    if "--perturb" in args:
        i = args.index("--perturb")
        perturb = args[i + 1]
        del args[i:i + 2]
    if args[:1] == ["--add-ties"]:
        return add_ties(args[1])
    data_dir, tags_path, catalog_path, manifest_path = args
    # Every fact of the catalog is restated here; a new one needs a line in FACTS.
    catalog = yaml.safe_load(open(catalog_path, encoding="utf-8"))
    catalog_facts = [t["id"] for cat in catalog["categories"] for sub in cat["subcategories"]
                     for t in sub["tags"] if "fact" in t and t.get("state", "online") != "offline"]
    ours = [s[0] for s in FACTS]
    if sorted(catalog_facts) != sorted(ours):
        sys.exit("crosscheck: the catalog's facts and the restated facts differ: catalog only %s, test only %s"
                 % (sorted(set(catalog_facts) - set(ours)), sorted(set(ours) - set(catalog_facts))))

    with h5py.File(tags_path, "r") as f:
        g = f["customers"]
        tags = {name: g[name][...] for name in g}
    ids = tags["customer_id"]
    row_of = {int(c): i for i, c in enumerate(ids)}
    sample = np.sort(ids)  # every customer: a few seconds

    records, rows = read_shards(data_dir, sample)
    reference = read_reference(os.path.join(data_dir, "reference.h5"))

    # Every record read is used (no quarantine), so the recomputation uses them all.
    manifest = json.load(open(manifest_path))
    for channel, a in manifest["accounting"].items():
        if a["quarantined"] != 0:
            sys.exit("crosscheck: %d %s records were quarantined on clean data: %s"
                     % (a["quarantined"], channel, a["quarantined_by_reason"]))
        if a["read"] != rows.get(channel, 0):
            sys.exit("crosscheck: the manifest says %d %s records were read, the shards hold %d"
                     % (a["read"], channel, rows.get(channel, 0)))
    if manifest["customers"] != len(ids) or len(ids) != rows["customers"]:
        sys.exit("crosscheck: %d customers in tags.h5, %d in the manifest, %d in the shards"
                 % (len(ids), manifest["customers"], rows["customers"]))

    ties = json.load(open(os.path.join(data_dir, "ties.json")))
    compared, failures, nonempty = 0, [], {}
    perturbed = False
    for cid in sample:
        cid = int(cid)
        customer = records["customers"][cid][0]
        row = row_of[cid]
        expected = {}
        for spec in FACTS:
            expected[spec[0]] = fact_value(spec, records.get(spec[1], {}).get(cid, []), reference)
        expected.update(rules(expected, customer))
        if str(cid) in ties and expected["last_answer_channel"] != ties[str(cid)]:
            sys.exit("crosscheck: the test's own 'last' got the tie of customer %d wrong: %r, not %r"
                     % (cid, expected["last_answer_channel"], ties[str(cid)]))
        for tag, value in expected.items():
            if value is not None and value not in (0, 0.0):
                nonempty[tag] = nonempty.get(tag, 0) + 1
            if perturb == tag and not perturbed and value is not None:
                value, perturbed = value + 1, True
            column = tags[tag]
            got = to_py(column[row], column.dtype)
            compared += 1
            if not same(value, got):
                failures.append("customer %d, tag %s: expected %r, got %r" % (cid, tag, value, got))
    if perturb is not None and not perturbed:
        sys.exit("crosscheck: --perturb %s: no sampled customer has a value" % perturb)
    # A tag that is missing or zero for every sampled customer would check little.
    empty = sorted(t for t in expected if t not in nonempty)
    print("crosscheck: %d customers, %d facts + %d rules, %d values compared, %d differ"
          % (len(sample), len(FACTS), len(expected) - len(FACTS), compared, len(failures)))
    if empty:
        print("crosscheck: note: zero or missing for every sampled customer: " + ", ".join(empty))
    for line in failures[:50]:
        print("crosscheck: MISMATCH " + line)
    if failures:
        sys.exit("crosscheck: %d values differ from an independent recomputation" % len(failures))


if __name__ == "__main__":
    main()

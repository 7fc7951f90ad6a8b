# patron audience (SPEC 8) against an independent reference: pandas boolean indexing on the
# profiles.csv that analyze writes for the same generated data, for a 5-predicate audience;
# ordering, limit, suppression list, --by, and the errors of SPEC 6 (exit 2, caret).
. "$(dirname "$0")/lib.sh"
/usr/bin/python3 -c 'import pandas' 2>/dev/null || { echo "pandas missing: skipped"; exit 77; }
expect_exit 0 -- "$PATRON" gen --customers 3000 --seed 7 --out "$WORK/d"
IN=(--orders "$WORK/d/orders.csv" --customers "$WORK/d/customers.csv" --events "$WORK/d/events.csv")
expect_exit 0 -- "$PATRON" analyze "${IN[@]}" --quiet --out "$WORK/a"
WHERE="frequency >= 2 and monetary > 300 and recency_days <= 365 and lifecycle in ('active', 'silent', 'new') and city is not null"
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --where "$WHERE" --columns monetary,lifecycle \
  --by lifecycle --out "$WORK/aud.csv"
expect_contains "$WORK/out" "Audience: "
expect_contains "$WORK/out" "By lifecycle:"
/usr/bin/python3 - "$WORK/a/profiles.csv" "$WORK/d/customers.csv" "$WORK/aud.csv" <<'PY' || fail "pandas reference differs"
import sys, pandas as pd
p = pd.read_csv(sys.argv[1], dtype={"customer_id": str}, keep_default_na=False, na_values=[""])
m = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False, na_values=[""])[["customer_id", "city"]]
p = p.merge(m, on="customer_id", how="left")
sel = p[(p.frequency >= 2) & (p.monetary > 300) & (p.recency_days <= 365)
        & p.lifecycle.isin(["active", "silent", "new"]) & p.city.notna()]
got = pd.read_csv(sys.argv[3], dtype={"customer_id": str})
want = sorted(sel.customer_id, key=lambda s: s.encode())
assert len(want) > 50, len(want)
assert list(got.customer_id) == want, (len(got), len(want))
assert list(got.columns) == ["customer_id", "monetary", "lifecycle"], list(got.columns)
print("pandas agrees on", len(want), "customers")
PY
# order, limit, suppression list
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --where "$WHERE" --columns monetary \
  --order-by monetary:desc --limit 5 --out "$WORK/top.csv"
[ "$(wc -l < "$WORK/top.csv")" = 6 ] || fail "--limit 5 wrote $(wc -l < "$WORK/top.csv") lines"
sort -t, -k2,2gr -k1,1 "$WORK/aud.csv" > /dev/null
head -3 "$WORK/top.csv" | tail -2 | cut -d, -f1 > "$WORK/excl_ids"
{ echo "id"; cat "$WORK/excl_ids"; } > "$WORK/excl.csv"
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --where "$WHERE" --exclude "$WORK/excl.csv" \
  --out "$WORK/ex.csv"
expect_contains "$WORK/out" "Excluded: 2 customers"
[ "$(($(wc -l < "$WORK/aud.csv") - 2))" = "$(wc -l < "$WORK/ex.csv")" ] || fail "--exclude"
# --channel sms: phone present and consent_sms not 0 (pandas), phones masked (SPEC 14)
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --where "$WHERE" --channel sms --out "$WORK/sms.csv"
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --where "$WHERE" --channel sms --unmask \
  --out "$WORK/sms_plain.csv"
/usr/bin/python3 - "$WORK/aud.csv" "$WORK/d/customers.csv" "$WORK/sms.csv" "$WORK/sms_plain.csv" <<'PY' || fail "--channel differs"
import re, sys, pandas as pd
aud = pd.read_csv(sys.argv[1], dtype=str)
m = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
ok = m[(m.phone != "") & (m.consent_sms != "0")]
want = sorted(set(aud.customer_id) & set(ok.customer_id), key=lambda s: s.encode())
got = pd.read_csv(sys.argv[3], dtype=str)
plain = pd.read_csv(sys.argv[4], dtype=str)
assert list(got.customer_id) == want, (len(got), len(want))
phones = dict(zip(m.customer_id, m.phone))
assert list(plain.phone) == [phones[c] for c in want]
for masked, p in zip(got.phone, plain.phone):
    assert masked == p[:3] + "*" * (len(p) - 7) + p[-4:], (masked, p)
print("channel agrees on", len(want))
PY
# an extra column of the members file (gen's `source`, text; consent_sms, a number), in
# --where and in a tags file; a misspelt one gets a suggestion
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --where "source = 'douyin' and consent_sms = 1" \
  --out "$WORK/src.csv"
printf 'from_douyin: source = %s\n' "'douyin'" >"$WORK/src_tags.txt"
expect_exit 0 -- "$PATRON" audience "${IN[@]}" --tags "$WORK/src_tags.txt" \
  --where "from_douyin and consent_sms = 1" --out "$WORK/src_tag.csv"
expect_same "$WORK/src_tag.csv" "$WORK/src.csv"
/usr/bin/python3 - "$WORK/d/customers.csv" "$WORK/src.csv" <<'PY' || fail "extra member column differs from pandas"
import sys, pandas as pd
m = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
want = sorted(m[(m.source == "douyin") & (m.consent_sms == "1")].customer_id, key=str.encode)
got = list(pd.read_csv(sys.argv[2], dtype=str).customer_id)
assert len(want) > 20 and got == want, (len(got), len(want))
PY
expect_exit 2 -- "$PATRON" audience "${IN[@]}" --where "sorce = 'jd'" --out "$WORK/x.csv"
expect_contains "$WORK/err" "unknown column 'sorce' (did you mean source?)"
printf 'source: true\n' >"$WORK/shadow.txt"
expect_exit 2 -- "$PATRON" audience "${IN[@]}" --tags "$WORK/shadow.txt" --where "true" --out "$WORK/x.csv"
expect_contains "$WORK/err" "shadow.txt:1: rule 'source' would shadow the members' column source"
# errors are usage errors with the caret
expect_exit 2 -- "$PATRON" audience "${IN[@]}" --where "recency > 3" --out "$WORK/x.csv"
expect_contains "$WORK/err" "--where: unknown column 'recency' (did you mean recency_days?) at offset 0"
expect_exit 2 -- "$PATRON" audience "${IN[@]}" --where "frequency = 'x'" --out "$WORK/x.csv"
expect_exit 2 -- "$PATRON" audience "${IN[@]}" --where "1 < frequency < 3" --out "$WORK/x.csv"
expect_exit 2 -- "$PATRON" audience "${IN[@]}" --where "true" --order-by monetory --out "$WORK/x.csv"
expect_contains "$WORK/err" "did you mean monetary?"
expect_exit 2 -- "$PATRON" audience "${IN[@]}" --out "$WORK/x.csv"
# --excel: a byte-order mark and formula-guarded cells (ids that a spreadsheet would run);
# --csv-formula-guard alone: the guard without the mark; neither: the ids as they are
printf 'customer_id,order_id,order_time,amount\n=1+1,o1,2024-01-02,10\n+c2,o2,2024-01-03,20\n' \
  >"$WORK/hostile.csv"
expect_exit 0 -- "$PATRON" audience --orders "$WORK/hostile.csv" --where "true" --columns monetary \
  --excel --quiet --out "$WORK/excel.csv"
printf '\357\273\277customer_id,monetary\n'"'"'+c2,20.00\n'"'"'=1+1,10.00\n' >"$WORK/want_excel"
expect_same "$WORK/excel.csv" "$WORK/want_excel"
expect_exit 0 -- "$PATRON" audience --orders "$WORK/hostile.csv" --where "true" \
  --csv-formula-guard --quiet --out "$WORK/guard.csv"
printf 'customer_id\n'"'"'+c2\n'"'"'=1+1\n' >"$WORK/want_guard"
expect_same "$WORK/guard.csv" "$WORK/want_guard"
expect_exit 0 -- "$PATRON" audience --orders "$WORK/hostile.csv" --where "true" --quiet \
  --out "$WORK/plain.csv"
printf 'customer_id\n+c2\n=1+1\n' >"$WORK/want_plain"
expect_same "$WORK/plain.csv" "$WORK/want_plain"
finish

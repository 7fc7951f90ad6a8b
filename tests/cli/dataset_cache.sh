# The dataset cache (--cache DIR, docs/CACHE.md): every output equal with and without it,
# fresh, reused, after a day of events appended, an edited or truncated input, a corrupt cache
# file, another version's file, a file that is not a cache, an as-of day the data runs past
# (a replay), an unwritable cache directory and standard input (not cached).
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
expect_exit 0 -- "$PATRON" gen --customers 400 --seed 3 --out d --quiet
# rows the loader rejects, and a stray quote (a warning replayed from the cache)
printf 'C0000001,X9,not-a-date,10,,,,,,,\nC0000002,"X10,2024-01-01,5\n' >> d/orders.csv
expect_exit 0 -- "$PATRON" trigger init --out rules.json
IN=(--orders d/orders.csv --customers d/customers.csv --events d/events.csv)

# summary.json without its timings (the only figures that vary between runs)
strip() { /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
def drop(o):
    if isinstance(o, dict):
        return {k: drop(v) for k, v in o.items() if "timing" not in k and k != "cpu_seconds"}
    if isinstance(o, list):
        return [drop(v) for v in o]
    return o
json.dump(drop(d), open(sys.argv[2], "w"), sort_keys=True, indent=1)' "$1" "$2"; }

# analyze DIR [ARGS]: outputs in DIR, stderr (cache notes removed) in DIR.err
analyze() {
  local out=$1; shift
  expect_exit 0 -- "$PATRON" analyze "${IN[@]}" --as-of 2026-01-01 --out "$out" "$@"
  grep -v '^patron: cache:' "$WORK/err" > "$out.err"
  grep '^patron: cache:' "$WORK/err" > "$out.notes"
  strip "$out/summary.json" "$out.summary"
}
same_outputs() { # A B
  local f
  for f in profiles.csv segments.csv rejects.csv; do expect_same "$2/$f" "$1/$f"; done
  expect_same "$2.summary" "$1.summary"
  expect_same "$2.err" "$1.err"
}

analyze plain
expect_contains plain.err "warning:"
[ -s plain/rejects.csv ] || fail "the fixture has no rejects"
analyze fresh --cache c
expect_contains fresh.notes "written"
[ "$(ls c/*.cache | wc -l)" = 1 ] || fail "cache files: $(ls c)"
same_outputs plain fresh
analyze reused --cache c
[ -s reused.notes ] && fail "a reuse wrote notes: $(cat reused.notes)"
same_outputs plain reused

# the trigger run: as of a day after the data (a daily run), fresh then reused
trig() { # OUT [ARGS]
  local out=$1; shift
  rm -f "$out.db"
  expect_exit 0 -- "$PATRON" trigger run "${IN[@]}" --rules rules.json --db "$out.db" \
    --as-of 2026-01-01T10:00 --out "$out" "$@"
  grep '^patron: cache:' "$WORK/err" > "$out.notes"
}
trig tplain
trig tfresh --cache c
trig treused --cache c
[ -s treused.notes ] && fail "the trigger reuse wrote notes: $(cat treused.notes)"
[ "$(wc -l < tplain/actions.csv)" -gt 1 ] || fail "no actions"
for o in tfresh treused; do
  expect_same $o/actions.csv tplain/actions.csv
  expect_same $o/skipped.csv tplain/skipped.csv
done

# a replay: the data runs past the as-of day, so the whole-file cache cannot serve it; a
# second cache file is written for that day, the first stays
expect_exit 0 -- "$PATRON" analyze "${IN[@]}" --as-of 2025-06-01 --out past
strip past/summary.json past.summary
expect_exit 0 -- "$PATRON" analyze "${IN[@]}" --as-of 2025-06-01 --out past2 --cache c
expect_contains "$WORK/err" "as-of.cache: written"
strip past2/summary.json past2.summary
for f in profiles.csv segments.csv; do expect_same past2/$f past/$f; done
expect_same past2.summary past.summary
[ "$(ls c/*.cache | wc -l)" = 2 ] || fail "cache files after a replay: $(ls c)"
analyze reused2 --cache c
[ -s reused2.notes ] && fail "the whole-file cache was not reused: $(cat reused2.notes)"

# a day of events appended: rebuilt (with a note naming the changed file), same outputs
tail -n 50 d/events.csv | sed 's/2025-12-\([0-9]*\)/2025-12-31/' >> d/events.csv
analyze plain_app
analyze app --cache c
expect_contains app.notes "rebuilding"
expect_contains app.notes "file events"
same_outputs plain_app app

# an edited input (same size) and a truncated one
sed -i '5s/,1,/,2,/; 5s/,5,/,6,/' d/orders.csv
analyze plain_ed
analyze ed --cache c
expect_contains ed.notes "rebuilding"
same_outputs plain_ed ed
head -c -200 d/events.csv > d/ev && mv d/ev d/events.csv
analyze plain_tr
analyze tr --cache c
expect_contains tr.notes "rebuilding"
same_outputs plain_tr tr

cf=$(ls c/dataset-????????????????.cache)
# a corrupt cache file (one byte flipped in the middle)
size=$(stat -c %s "$cf")
printf '\377' | dd of="$cf" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
analyze bad --cache c
expect_contains bad.notes "checksum does not match"
same_outputs plain_tr bad
# another version's file, then a file that is not a cache, then an empty one
printf '\143\000\000\000' | dd of="$cf" bs=1 seek=8 conv=notrunc 2>/dev/null
analyze ver --cache c
expect_contains ver.notes "written by cache version 99"
same_outputs plain_tr ver
echo "customer_id,order_id" > "$cf"
analyze junk --cache c
expect_contains junk.notes "not a patron dataset cache file"
same_outputs plain_tr junk
: > "$cf"
analyze empty --cache c
expect_contains empty.notes "truncated"
same_outputs plain_tr empty

# a cache directory that cannot be written: a note, the run goes on
echo x > notadir
analyze nodir --cache notadir
expect_contains nodir.notes "cannot"
same_outputs plain_tr nodir
# kill -9 at random moments of runs writing the cache: the next run reads a whole cache
# file or rebuilds it, never a half one (the temporary file is renamed only when complete)
rm -rf c
for i in 1 2 3 4 5 6; do
  "$PATRON" analyze "${IN[@]}" --as-of 2026-01-01 --out killed --cache c >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  analyze after_kill --cache c
  same_outputs plain_tr after_kill
done
# standard input is not cached
expect_exit 0 -- "$PATRON" analyze --orders - --as-of 2026-01-01 --out stdin --cache c < d/orders.csv
expect_contains "$WORK/err" "not cached: - is not a regular file"

# sections longer than the checksum's 1 MiB blocks (hashed on every core, docs/CACHE.md):
# written on 2 threads, read on 1 and 2, the same outputs; a byte flipped inside one is found
expect_exit 0 -- "$PATRON" gen --customers 20000 --seed 4 --out big --quiet
printf 'C0000001,X9,not-a-date,10,,,,,,,\n' >> big/orders.csv
IN=(--orders big/orders.csv --customers big/customers.csv --events big/events.csv)
analyze big_plain
analyze big_first --cache cb --threads 2
analyze big_t1 --cache cb --threads 1
analyze big_t2 --cache cb --threads 2
expect_contains big_first.notes "written"
for r in big_first big_t1 big_t2; do same_outputs big_plain $r; done
[ ! -s big_t1.notes ] && [ ! -s big_t2.notes ] || fail "the cache was not reused: $(cat big_t1.notes big_t2.notes)"
cf=$(ls cb/dataset-????????????????.cache)
size=$(stat -c %s "$cf")
printf '\377' | dd of="$cf" bs=1 seek=$((size / 2 + 12345)) conv=notrunc 2>/dev/null
analyze big_bad --cache cb
expect_contains big_bad.notes "checksum does not match"
same_outputs big_plain big_bad
finish

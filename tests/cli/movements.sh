# Movements and level warnings (SPEC section 10) on a hand-computed fixture: lifecycle moves
# between 2024-02-01 and 2024-03-15 with their direction, and level_warning under two review
# dates. Hand computation in the comments.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
# A: active both times. B: churned both. C: first order after 02-01 -> (none) then new.
# D: 2023-10-01, recency 123 then 166: silent both. E: 2023-08-20, recency 165 then 208:
# silent -> dormant (down). F: 2023-06-01 (dormant at 02-01) and 2024-03-01: active (up).
# G: first order 2024-01-10: new (tenure 22) -> active (tenure 65), down in SPEC's order;
#    950 in the window: normal, within 10% of silver (1000) -> upgrade_near.
# H: 800 on 2023-04-10 + 300: silver (1100). Window at 2024-03-15 is [2023-03-17, 2024-03-15);
#    30 days on it starts 2023-04-16, so 300 stays < 1000 -> downgrade_risk; 20 days on it
#    starts 2023-04-06 and keeps both -> no warning. H is active both times (recency 30, 73).
# Revenue is monetary at 2024-03-15: active,active = A 100 + H 1100.
cat > orders.csv <<'CSV'
customer_id,order_id,order_time,amount
A,1,2024-01-01,100
B,2,2023-01-10,50
C,3,2024-03-01,30
D,4,2023-10-01,200
E,5,2023-08-20,80
F,6,2023-06-01,10
F,7,2024-03-01,20
G,8,2024-01-10,950
H,9,2023-04-10,800
H,10,2024-01-02,300
CSV
db=store.db
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --out a1 --db "$db" --as-of 2024-02-01 --quiet --no-clv
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --out a2 --db "$db" --as-of 2024-03-15 --quiet --no-clv
expect_exit 0 -- "$PATRON" movements --db "$db" --from 2024-02-01 --to 2024-03-15 --by lifecycle --out mv
cat > want_movements.csv <<'CSV'
from,to,customers,revenue
new,active,1,950.00
active,active,2,1200.00
silent,silent,1,200.00
silent,dormant,1,80.00
dormant,active,1,30.00
churned,churned,1,50.00
(none),new,1,30.00
CSV
expect_same mv/movements.csv want_movements.csv
cat > want_changes.csv <<'CSV'
customer_id,from,to,direction
C,(none),new,changed
E,silent,dormant,down
F,dormant,active,up
G,new,active,down
CSV
expect_same mv/changes.csv want_changes.csv
expect_contains "$WORK/out" "Movements of lifecycle from 2024-02-01 (rows) to 2024-03-15 (columns)"
expect_contains "$WORK/out" "Changed: 4 customers (up 1, down 2, changed 1)"
# level_warning at 2024-03-15 (review 30 days, the default), then with --review-days 20
col() { /usr/bin/python3 -c "
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(r['customer_id'] + '=' + r[sys.argv[2]])" "$@" | tr '\n' ' '; }
got=$(col a2/profiles.csv level_warning)
[ "$got" = "A= B= C= D= E= F= G=upgrade_near H=downgrade_risk " ] || fail "level_warning: $got"
expect_exit 0 -- "$PATRON" analyze --orders orders.csv --out a3 --db "$db" --as-of 2024-03-15 --quiet --no-clv --review-days 20
got=$(col a3/profiles.csv level_warning)
[ "$got" = "A= B= C= D= E= F= G=upgrade_near H= " ] || fail "level_warning (20 days): $got"
got=$(col a3/profiles.csv member_level)
[ "$got" = "A=normal B=normal C=normal D=normal E=normal F=normal G=normal H=silver " ] || fail "member_level: $got"
# errors
expect_exit 1 -- "$PATRON" movements --db "$db" --from 2024-02-02 --to 2024-03-15 --by lifecycle --out mv
expect_contains "$WORK/err" "no snapshot as of 2024-02-02"
expect_exit 1 -- "$PATRON" movements --db "$db" --from 2024-02-01 --to 2024-03-15 --by nonesuch --out mv
expect_contains "$WORK/err" "neither snapshot has a column 'nonesuch'"
expect_exit 2 -- "$PATRON" movements --db "$db" --from 2024-02-01 --to 2024-03-15 --out mv
expect_contains "$WORK/err" "--by SEGMENTATION is required"
finish

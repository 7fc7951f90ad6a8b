#!/usr/bin/env bash
# The lookalike evaluation of docs/LOOKALIKE.md: on generated data and the real data sets,
# the seed is the customers who buy in the 90 days after the as-of (a future the model
# never sees), and patron lookalike reports how well the hidden fifth of them is found
# (AUC, recall and lift at the top 10%) by its model and the two baselines.
# usage: bench/lookalike_eval.sh [PATRON] [SHARED_DATA]   (writes under $TMPDIR)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
P=${1:-$here/../build/patron}
DATA=${2:-/work/shared/data}
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/patron-lookalike-XXXXXX")
trap 'rm -rf "$W"' EXIT

run() { # NAME SEED ARGS...
  local name=$1 seed=$2; shift 2
  mkdir -p "$W/$name"
  echo "== $name"
  /usr/bin/time -f "   (%e s wall, %U s user, %M KB max RSS)" \
    "$P" lookalike "$@" --seed "$seed" --top 10 --rng-seed 1 --out "$W/$name/la.csv" |
    sed -n '/^Seed/,/monetary/p'
}

"$P" gen --customers 20000 --seed 7 --out "$W/gen" >/dev/null
$PY "$here/lookalike_seed.py" "$W/gen/orders.csv" "$W/gen_seed.csv" 2025-10-02 90 \
  customer_id order_time
run gen "$W/gen_seed.csv" --orders "$W/gen/orders.csv" --customers "$W/gen/customers.csv" \
  --events "$W/gen/events.csv" --as-of 2025-10-02

OR=$DATA/online_retail/online_retail.csv
if [ -f "$OR" ]; then
  $PY "$here/lookalike_seed.py" "$OR" "$W/or_seed.csv" 2011-09-01 90 CustomerID InvoiceDate
  run online_retail "$W/or_seed.csv" --orders "$OR" --map customer_id=CustomerID \
    --map order_id=InvoiceNo --map order_time=InvoiceDate --map quantity=Quantity \
    --map unit_price=UnitPrice --as-of 2011-09-01
fi
CD=$DATA/cdnow/CDNOW_master.txt
if [ -f "$CD" ]; then
  $PY "$here/lookalike_seed.py" "$CD" "$W/cd_seed.csv" 1997-10-01 90 customer_id date --cdnow
  run cdnow "$W/cd_seed.csv" --orders "$CD" --delimiter whitespace --map order_time=date \
    --map amount=dollar_value --date-format %Y%m%d --order-per-row --as-of 1997-10-01
fi

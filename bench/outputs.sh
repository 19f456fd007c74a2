#!/usr/bin/env bash
# Every output of timeline, from one source tree, into one folder: run it for two revisions
# and compare the folders (diff -r) to show that a change of code changed no output byte.
#
#   git worktree add /tmp/old HEAD~3
#   bench/outputs.sh /tmp/old /tmp/out-old && bench/outputs.sh . /tmp/out-new
#   diff -r /tmp/out-old /tmp/out-new    # rich's hyperlink ids (id=…) are random per run
#
# Logs: the bundled one, the hostile corpus, and a generated log of EVENTS events (default
# 100,000: over the 64 MiB at which show --json reads on every core) with its next version,
# its spaced twin (json.dumps layout, keys shuffled) and that twin after the hostile corpus.
set -u
src=$(cd "$1" && pwd); out=$2; events=${EVENTS:-100000}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"; work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python "$here/bench/gen.py" --events "$events" --seed 7 --out "$work/g.jsonl" >/dev/null 2>&1
python "$here/bench/gen.py" --events "$events" --seed 7 --mutate 1 --out "$work/g-m1.jsonl" >/dev/null 2>&1
python "$here/bench/gen.py" --events "$events" --seed 7 --spaced --out "$work/g-spaced.jsonl" >/dev/null 2>&1
cat "$here"/tests/hostile/*.jsonl "$here/data/events.jsonl" > "$work/h.jsonl"
cat "$work/h.jsonl" "$work/g-spaced.jsonl" > "$work/x.jsonl"  # every kind of line, read in parallel
export PYTHONPATH=$src/src COLUMNS=100 TERM=xterm-256color
run() { name=$1; shift; (cd "$here" && python -m timeline "$@" >"$out/$name.out" 2>"$out/$name.err"; echo $? >"$out/$name.rc"); }
for log in "B:$here/data/events.jsonl" "G:$work/g.jsonl" "H:$work/h.jsonl" "P:$work/g-spaced.jsonl" "X:$work/x.jsonl"; do
  k=${log%%:*}; f=${log#*:}
  for fmt in plain json csv; do run "$k-show-$fmt" show -f "$f" --format "$fmt"; done
  run "$k-show-json-flag" show -f "$f" --json
  run "$k-show-actor-json" show -f "$f" --actor belarus --json
  run "$k-show-actor-plain" show -f "$f" --actor belarus --format plain
  run "$k-show-month" show -f "$f" --since 2019-06-01 --until 2019-06-30 --format csv
  run "$k-show-type" show -f "$f" --type protest --json
  run "$k-show-rich" show -f "$f" --format rich --long
  run "$k-show-rich-actor" show -f "$f" --format rich --actor ukraine
  run "$k-show-rich-latest" show -f "$f" --format rich --limit 50 --reverse --type reject
  run "$k-show-csv-latest" show -f "$f" --format csv --limit 1000
  run "$k-check" check -f "$f" --as-of 2026-01-01
  run "$k-check-json" check -f "$f" --json --as-of 2026-01-01
done
run D-diff diff "$work/g.jsonl" "$work/g-m1.jsonl"
run D-diff-json diff "$work/g.jsonl" "$work/g-m1.jsonl" --json
run D-diff-stat diff "$work/g.jsonl" "$work/g-m1.jsonl" --stat
run D-diff-actor diff "$work/g.jsonl" "$work/g-m1.jsonl" --actor belarus
run S-schema schema
for cmd in "" show add edit rm import diff check schema; do run "S-help-${cmd:-root}" $cmd --help; done

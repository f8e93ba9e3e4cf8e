#!/usr/bin/env bash
# Peak memory of zmumu against the number of events: one generated 1M-event Drell-Yan
# file, listed 1, 10 and 100 times (symlinks) in one dataset, so 1M, 10M and 100M events
# are read; 1 and 2 threads; nominal only and with all variations.
# Usage: bench/memory_bench.sh [WORKDIR] (needs GNU time; PC_SHARED_DATA for corrections).
set -euo pipefail
cd "$(dirname "$0")/.."
PC=${PC:-target/release/pc}
WORK=${1:-${TMPDIR:-/tmp}/pc-memory-bench}
DATA=${PC_SHARED_DATA:-../shared/data}
mkdir -p "$WORK"
[ -f "$WORK/dy.root" ] || "$PC" generate --kind dy --events 1000000 --seed 1 -o "$WORK/dy.root"
for copies in 1 10 100; do
  files=""
  for i in $(seq 1 "$copies"); do
    ln -sf dy.root "$WORK/dy_$i.root"
    files="$files\"$WORK/dy_$i.root\","
  done
  cat > "$WORK/datasets_$copies.json" <<JSON
{"DYJetsToLL_M-50_2018": {"metadata": {"sample": "DYJetsToLL", "year": "2018", "isMC": "True",
  "xsec": "6077.22"}, "files": [${files%,}]}}
JSON
done
printf 'variations: {weights: [], shape: []}\n' > "$WORK/nominal.yaml"
echo "| events | threads | variations | wall s | peak RSS MiB |"
echo "|---|---|---|---|---|"
for copies in 1 10 100; do
  for threads in 1 2; do
    for vars in nominal all; do
      extra=()
      [ "$vars" = nominal ] && extra=(--params "$WORK/nominal.yaml")
      rm -rf "$WORK/out"
      /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$PC" zmumu --datasets "$WORK/datasets_$copies.json" \
        --data-dir "$DATA" --threads "$threads" -o "$WORK/out" --quiet "${extra[@]}" > /dev/null
      read -r wall rss < "$WORK/time.txt"
      echo "| ${copies}M | $threads | $vars | $wall | $((rss / 1024)) |"
    done
  done
done

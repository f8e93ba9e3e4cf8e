#!/usr/bin/env bash
# Speed of `pc generate`: events written per second (whole process, wall clock), CPU time
# per event (user + sys) and file size per event, per sample kind and codec.
#
# Usage: bench/generate_bench.sh [EVENTS] [REPEATS]     (defaults: 200000 events, best of 3)
# Environment: KINDS="dy ttbar data", CODECS="lz4:1 zstd:1 lz4 zlib:1 none", THREADS=2
# (RAYON_NUM_THREADS), PC=path/to/pc (default: builds and uses target/release/pc).
# Needs: bash, GNU time (/usr/bin/time). No Python packages.
# The machine should be quiet (check `uptime`): wall clock is shared with other processes;
# CPU time per event is the steadier number.
set -euo pipefail

events=${1:-200000}
repeats=${2:-3}
kinds=${KINDS:-dy ttbar data}
codecs=${CODECS:-lz4:1 zstd:1 lz4 zlib:1 none}
export RAYON_NUM_THREADS=${THREADS:-2}

root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${PC:-}" ]]; then
    (cd "$root" && cargo build --release --quiet)
    PC="${CARGO_TARGET_DIR:-$root/target}/release/pc"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "pc generate: $events events, $RAYON_NUM_THREADS threads, best of $repeats (load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-6s %-8s %12s %10s %12s %10s\n' kind codec "events/s" "wall s" "CPU us/ev" "B/event"
for kind in $kinds; do
    for codec in $codecs; do
        best_wall="" best_cpu=""
        for ((r = 0; r < repeats; r++)); do
            out="$tmp/$kind.root"
            rm -f "$out"
            /usr/bin/time -f '%e %U %S' -o "$tmp/time" \
                "$PC" generate --kind "$kind" --codec "$codec" --events "$events" -o "$out" >/dev/null
            read -r wall user sys <"$tmp/time"
            cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
            if [[ -z "$best_wall" ]] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
                best_wall=$wall
            fi
            if [[ -z "$best_cpu" ]] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then
                best_cpu=$cpu
            fi
            bytes=$(stat -c %s "$out")
        done
        awk -v k="$kind" -v c="$codec" -v n="$events" -v w="$best_wall" -v cpu="$best_cpu" -v b="$bytes" \
            'BEGIN { printf "%-6s %-8s %12.0f %10.2f %12.2f %10.0f\n", k, c, n / w, w, cpu / n * 1e6, b / n }'
    done
done

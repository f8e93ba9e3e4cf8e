#!/usr/bin/env bash
# Self-test of the Python reference tools (no Rust involved):
#  1. dump_reference.py reproduces the committed validation/reference/*.json
#  2. compare_dump.py accepts uproot_dump.py on every tree of every file
#  3. compare_dump.py rejects a dump with one value changed
# Usage: bash validation/selftest.sh [PYTHON] [DATA_DIR]
# Needs: pip install uproot awkward numpy cramjam xxhash
set -euo pipefail
PY=${1:-python3}
DATA=${2:-$(cd "$(dirname "$0")/.." && pwd)/../shared/data/nanoaod}
HERE=$(cd "$(dirname "$0")" && pwd)
pass=0; fail=0
ok()  { echo "ok: $*"; pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$PY" "$HERE/dump_reference.py" "$DATA"/*.root --out "$tmp/ref" >/dev/null
for f in "$HERE"/reference/*.json; do
  if cmp -s "$f" "$tmp/ref/$(basename "$f")"; then ok "reference $(basename "$f")"; else bad "reference $(basename "$f") differs"; fi
done

for f in "$DATA"/*.root; do
  for t in $("$PY" -c "import uproot,sys; f=uproot.open(sys.argv[1]); print(' '.join(sorted({k.split(';')[0] for k,c in f.classnames(recursive=True).items() if c=='TTree'})))" "$f"); do
    if out=$("$PY" "$HERE/compare_dump.py" "$f" --tree "$t" --dump-cmd "$PY $HERE/uproot_dump.py" 2>&1); then
      ok "compare $(basename "$f") $t: ${out##*$'\n'}"
    else
      bad "compare $(basename "$f") $t"; echo "$out" | tail -5
    fi
  done
done

f="$DATA/nano_dy.root"
if "$PY" "$HERE/compare_dump.py" "$f" --branches nJet,Jet_pt --dump-cmd \
    "$PY $HERE/uproot_dump.py {file} --branches {branches} | sed 's/\"nJet\": 4/\"nJet\": 5/'" >/dev/null; then
  bad "perturbed dump was accepted"
else
  ok "perturbed dump rejected"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

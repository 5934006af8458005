#!/bin/sh
# tests/cli/plugin.sh BINARY LIBRARY: strategies loaded from a shared object (--strategy-lib,
# core/bs_plugin.h, docs/strategy-lib.md). LIBRARY is the example build/examples/libext_block.so
# (examples/strategy-lib/ext_block.c, `ext-block`): its scenarios pass; every verb takes the
# flag (run, fuzz, soak, replay, compare, check), before or after the verb; a failing seed's
# reproduce command repeats it; compare runs it beside the built-in five and its checkpoints
# match block's, run for run; check explores it. A library built for another interface
# version, one missing a symbol, a file that is not a shared object and a library
# registering a known name are each a clear error with exit 2. Prints one line per check and
# "N passed, N failed"; exits 1 on any failure.
set -u
bin=${1:?usage: tests/cli/plugin.sh BINARY LIBRARY}
lib=${2:?usage: tests/cli/plugin.sh BINARY LIBRARY}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/barriersim-plugin.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
scen="$root/examples/strategy-lib/scenarios"

# the example's own scenarios, and every verb
expect_exit "run: the example's scenarios pass" 0 "$bin" --strategy-lib "$lib" run "$scen"/*.yaml
grep -q "^[0-9]* passed, 0 failed" "$tmp/out" "$tmp/err"; check "run: every scenario of the example passed" $?
expect_exit "run: --strategy-lib after the verb" 0 "$bin" run "$scen/ext-newer-barrier-subsumes.yaml" --strategy-lib "$lib"
expect_exit "run: without the library, its strategy is unknown (exit 2)" 2 "$bin" run "$scen/ext-newer-barrier-subsumes.yaml"
grep -q "unknown strategy 'ext-block'" "$tmp/err"; check "run: the unknown strategy is named" $?
expect_exit "fuzz --strategy ext-block passes" 0 "$bin" --strategy-lib "$lib" fuzz --strategy ext-block --seeds 200 --json "$tmp/f.json"
grep -q '"failed": 0' "$tmp/f.json"; check "fuzz: 0 failed" $?
# (a generous memory limit: under ASan freed memory sits in quarantine, as in sim.sh)
expect_exit "soak --strategy ext-block passes" 0 "$bin" soak --strategy ext-block --seconds 1 --warmup 0.3 --max-rss-growth 1073741824 --strategy-lib "$lib"
expect_exit "replay --strategy ext-block passes" 0 "$bin" --strategy-lib "$lib" replay --seed 5 --strategy ext-block
expect_exit "check --strategy ext-block explores every interleaving" 0 "$bin" --strategy-lib "$lib" check --strategy ext-block --channels 2 --checkpoints 2 --eop --cancel --skip
grep -q "no violation" "$tmp/out"; check "check: no violation" $?

# compare against the built-in five: ext-block makes block's decisions
expect_exit "compare: ext-block beside the built-in five" 0 "$bin" --strategy-lib "$lib" compare "$scen/ext-fault-skip-cancel.yaml" \
    --strategies spill,tracker,block,unaligned,aligned-timeout,ext-block --seeds 2 --bootstrap 20 --out "$tmp/cmp"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$tmp/cmp/runs.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
strategies = {r["strategy"] for r in rows}
assert {"spill", "tracker", "block", "unaligned", "aligned-timeout", "ext-block"} <= strategies, strategies
keys = [k for k in rows[0] if k not in ("strategy", "trace_hash", "message")]
def runs(s): return sorted(tuple(r[k] for k in keys) for r in rows if r["strategy"] == s)
assert runs("block") == runs("ext-block") and runs("block"), (runs("block"), runs("ext-block"))
PY
    check "compare: ext-block's metrics equal block's, run for run (only the trace hash differs)" $?
fi

# a violation's reproduce command repeats --strategy-lib
sed 's/^  violation: none/  violation: liveness/' "$scen/ext-fault-skip-cancel.yaml" >"$tmp/wrong.yaml"
expect_exit "run: an unmet expectation exits 1" 1 "$bin" --strategy-lib "$lib" run "$tmp/wrong.yaml"
grep -q "reproduce: .* --strategy-lib .*$(basename "$lib") run --trace" "$tmp/out" "$tmp/err"; check "run: the reproduce command loads the library" $?

# errors: exit 2, named
printf 'not a library\n' >"$tmp/text.so"
expect_exit "a text file is refused" 2 "$bin" --strategy-lib "$tmp/text.so" run "$scen/ext-newer-barrier-subsumes.yaml"
grep -q "cannot load it as a shared object" "$tmp/err"; check "a text file: 'cannot load it as a shared object'" $?
expect_exit "a missing file is refused" 2 "$bin" fuzz --strategy-lib "$tmp/none.so" --seeds 1
cc=${CC:-cc}
if command -v "$cc" >/dev/null 2>&1; then
    printf 'int barriersim_plugin_init(void);\nint barriersim_plugin_init(void) { return 0; }\n' >"$tmp/nosym.c"
    "$cc" -fPIC -shared -o "$tmp/nosym.so" "$tmp/nosym.c"
    expect_exit "a library without its version symbol is refused" 2 "$bin" --strategy-lib "$tmp/nosym.so" run "$scen/ext-newer-barrier-subsumes.yaml"
    grep -q "not a strategy library: it lacks the symbol barriersim_plugin_abi" "$tmp/err"; check "missing symbol: named" $?
    sed 's/BS_PLUGIN_DEFINE(ext_init)/const unsigned barriersim_plugin_abi = 999; int barriersim_plugin_init(const bs_plugin_host *h, char *w, size_t n); int barriersim_plugin_init(const bs_plugin_host *h, char *w, size_t n) { return ext_init(h, w, n); }/' \
        "$root/examples/strategy-lib/ext_block.c" >"$tmp/v999.c"
    "$cc" -std=c11 -fPIC -shared -I "$root/core" -o "$tmp/v999.so" "$tmp/v999.c"
    expect_exit "a library of another interface version is refused" 2 "$bin" --strategy-lib "$tmp/v999.so" check --strategy ext-block
    grep -q "built for strategy-library interface version 999; this barriersim has version 2" "$tmp/err"; check "another version: both versions named" $?
    sed 's/\.name = "ext-block"/.name = "block"/' "$root/examples/strategy-lib/ext_block.c" >"$tmp/dup.c"
    "$cc" -std=c11 -fPIC -shared -I "$root/core" -o "$tmp/dup.so" "$tmp/dup.c"
    expect_exit "a library registering a known name is refused" 2 "$bin" --strategy-lib "$tmp/dup.so" fuzz --seeds 1
    grep -q "its init failed: strategy 'block' is already known" "$tmp/err"; check "known name: named" $?
fi
expect_exit "--strategy-lib without a value exits 2" 2 "$bin" run --strategy-lib
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

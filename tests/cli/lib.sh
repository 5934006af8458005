# tests/cli/lib.sh: what the CLI contract scripts share (sourced, not run). The caller sets
# $tmp to a scratch directory; check and expect_exit count into $passed and $failed.
passed=0 failed=0

check() { # check NAME CONDITION-EXIT-STATUS
    if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "ok   $1"
    else failed=$((failed + 1)); echo "FAIL $1"; fi
}

expect_exit() { # expect_exit NAME CODE CMD...: stdout to $tmp/out, stderr to $tmp/err
    name=$1 want=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; got=$?
    [ "$got" -eq "$want" ]; ok=$?
    [ $ok -eq 0 ] || { echo "  exit $got, wanted $want"; sed 's/^/  | /' "$tmp/err" | head -5; }
    check "$name" $ok
}

#!/bin/sh
# tests/cli/page.sh BINARY: compare's report page (index.html) as a browser shows it. A small
# study is written, then opened in headless Chromium from Debian with a check script put at
# the top of a copy of the page (tests/cli/page/check.js.html): it records every console
# error, uncaught exception and failed load, and after the load event writes into the DOM how
# many images there are and how many did not load. Chromium dumps that DOM and takes a
# screenshot; the screenshot must not be blank (larger than three times a blank page's).
# A negative control (an image removed, a script error added) must be caught by the same
# check. Without Chromium the test is skipped and says so, except under CI (.ci/deps
# installs it there), where it fails. About 40 seconds.
set -u
bin=${1:?usage: tests/cli/page.sh BINARY}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/barriersim-page.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

chrome=""
for c in chromium chromium-browser; do command -v "$c" >/dev/null 2>&1 && { chrome=$c; break; }; done
if [ -z "$chrome" ]; then
    if [ -n "${CI:-}" ]; then echo "FAIL page check: chromium is not installed (.ci/deps installs it)"; exit 1; fi
    echo "skipped: the page check needs chromium (apt-get install chromium); .ci/deps installs it"
    exit 0
fi

# browse FILE SHOT: the page's DOM into $tmp/dom, its log into $tmp/log, a screenshot
browse() {
    prof=$(mktemp -d "$tmp/profile.XXXXXX")
    timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$prof" --enable-logging=stderr --v=0 --virtual-time-budget=10000 \
        --window-size=1400,1000 --dump-dom --screenshot="$2" "file://$1" >"$tmp/dom" 2>"$tmp/log"
}

# with_check SRC DST: SRC with the check script first in <head>
with_check() {
    awk -v f="$here/page/check.js.html" 'BEGIN { while ((getline l < f) > 0) s = s l "\n" }
        !done && (i = index($0, "<head>")) { $0 = substr($0, 1, i + 5) "\n" s substr($0, i + 6); done = 1 }
        { print }' "$1" >"$2"
}

site="$tmp/site"
expect_exit "a small study for the page exits 0" 0 "$bin" compare reports/study/backpressure.yaml \
    --strategies block,unaligned --seeds 1 --sweep sink-service-ns=500,3000 --bootstrap 50 --out "$site"
n_img=$(grep -o '<img ' "$site/index.html" | wc -l)
[ "$n_img" -ge 4 ]; check "index.html shows the plots ($n_img images)" $?

with_check "$site/index.html" "$site/check.html"
browse "$site/check.html" "$tmp/shot.png"
res=$(grep -o 'id="page-check">page-check images=[^<]*' "$tmp/dom" | sed 's/^id="page-check">//')
echo "  $res"
echo "$res" | grep -q "^page-check images=$n_img broken=0 errors=0$"; check "the page loads every image with no console error" $?
! grep -q ':CONSOLE(' "$tmp/log"; check "Chromium logged no console message" $?

# not blank: a blank page's screenshot for scale
echo '<!DOCTYPE html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>' >"$tmp/blank.html"
browse "$tmp/blank.html" "$tmp/blank.png"
s=$(wc -c <"$tmp/shot.png") b=$(wc -c <"$tmp/blank.png")
echo "  screenshot $s bytes, blank page $b bytes"
[ "$b" -gt 0 ] && [ "$s" -gt $((3 * b)) ]; check "the screenshot is not blank" $?

# negative control: the same check catches a missing image and a script error
cp -r "$site" "$tmp/broken"
rm "$tmp/broken"/*-duration-cdf.png
sed 's#</body>#<script>no_such_function();</script></body>#' "$site/index.html" >"$tmp/broken/index.html"
with_check "$tmp/broken/index.html" "$tmp/broken/check.html"
browse "$tmp/broken/check.html" "$tmp/broken.png"
res=$(grep -o 'id="page-check">page-check images=[^<]*' "$tmp/dom" | sed 's/^id="page-check">//')
echo "  control: $res"
echo "$res" | grep -q "broken=1 errors=[1-9]"; check "the check catches a missing image and a script error" $?

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

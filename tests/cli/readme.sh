#!/bin/sh
# tests/cli/readme.sh BINARY [PLANTED-BINARY] [--self-test] [MARKDOWN...]: every example in
# README.md and docs/*.md runs as shown (issue 12, item 4).
#
# The fenced code blocks of each Markdown file are extracted and checked, in order, in one
# scratch directory per file that links the repository's top-level entries (scenarios/,
# reports/, ...) and holds build/barriersim (and build/barriersim-planted) as links to the
# binaries under test, so that the commands run exactly as written and their output files
# stay in the scratch directory:
#   ```yaml   a scenario (a top-level `name:` key) is written to a file and run with
#             `barriersim run`: it must pass (exit 0). A block without `name:` is a
#             fragment and must be marked `<!-- test: fragment -->`.
#   ```sh     run line by line with sh. A command is a line not starting with `#`, with its
#             continuation lines (ending in `\`); the `# ` lines right after it are its
#             shown output. Every shown line must match a line of the command's standard
#             output or error, in order within each stream; `...` in a shown line stands
#             for any text, and runs of blanks compare equal. `# (exit N)` says the command
#             exits N; otherwise it must exit 0. A `make ...` line is not run (the binaries
#             are built already).
#   other     (```text, ```c, no language) not run: synopses, formats, tables.
# Markers, on the line(s) right before a fence, as HTML comments (invisible when rendered):
#   <!-- test: skip REASON -->   not run (only for long runs or the network; say why)
#   <!-- test: file NAME -->     the yaml block is saved as NAME for the sh blocks after it
#   <!-- test: fragment -->      a yaml block that is part of a file, not a whole scenario
#   <!-- test: exit N -->        the yaml block's scenario must make `run` exit N
# Blocks that mention barriersim-planted are skipped when no planted binary is given.
#
# With no MARKDOWN given: README.md and docs/*.md, whose relative links must resolve, and
# docs/README.md must link every page of docs/; every verb's --help must end with a
# "Reference: docs/..." line naming pages that exist; every key of the scenario loaders'
# tables must appear in docs/handler-scenarios.md or docs/sim-scenarios.md.
#
# --self-test: also shows that the check can fail: a copy of README.md with its first
# expected trace broken, and files holding a wrong output, a wrong exit code and an
# unmarked fragment, must each be reported as failing.
#
# Prints one line per block and "N passed, N failed, N skipped"; exits 1 on any failure.
set -u
bin=${1:?usage: tests/cli/readme.sh BINARY [PLANTED-BINARY] [--self-test] [MARKDOWN...]}
shift
planted=
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ] && [ "${1%.md}" = "$1" ]; then planted=$1; shift; fi
self_test=0
if [ $# -gt 0 ] && [ "$1" = --self-test ]; then self_test=1; shift; fi
root=$(cd "$(dirname "$0")/../.." && pwd)
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac; }
bin=$(abs "$bin")
[ -n "$planted" ] && planted=$(abs "$planted")
all_docs=0
if [ $# -eq 0 ]; then
    all_docs=1
    set -- "$root/README.md"
    for f in "$root"/docs/*.md; do [ -e "$f" ] && set -- "$@" "$f"; done
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/barriersim-readme.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM
npass=0 nfail=0 nskip=0

# Splits a Markdown file into $2/NNN.{lang,meta,body}: meta holds "line L" and the markers.
extract() {
    awk -v out="$2" '
        function flush_marks() { marks = "" }
        /^```/ && !inb {
            inb = 1; n++; lang = substr($0, 4); sub(/[ \t].*/, "", lang)
            f = sprintf("%s/%03d", out, n)
            printf "%s", lang > (f ".lang"); close(f ".lang")
            printf "line %d\n%s", NR, marks > (f ".meta"); close(f ".meta")
            printf "" > (f ".body"); flush_marks(); next
        }
        /^```/ && inb { inb = 0; close(f ".body"); next }
        inb { print >> (f ".body"); next }
        /^<!-- test: .* -->[ \t]*$/ {
            m = $0; sub(/^<!-- test: /, "", m); sub(/ -->[ \t]*$/, "", m); marks = marks m "\n"; next
        }
        { flush_marks() }
    ' "$1"
}

mark() { sed -n "s/^$1 \{0,1\}//p" "$2" | head -n 1; }
has_mark() { grep -q "^$1\( \|\$\)" "$2"; }

# Loose line match: runs of blanks are one blank, ends trimmed, `...` matches any text.
# Reads the shown lines from $1, the command's standard output from $2 and its standard
# error from $3. Each shown line must match a line of one stream after the line the
# previous match in that stream took (so order counts within a stream, as on a terminal,
# whatever the buffering). Prints the first shown line not found, or nothing.
match_output() {
    awk -v shown="$1" -v errs="$3" '
        function norm(s) { gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }
        function matches(line, pat,   parts, k, i, p, at) {
            k = split(pat, parts, /\.\.\./)
            if (k == 1) return line == pat
            if (substr(line, 1, length(parts[1])) != parts[1]) return 0
            at = length(parts[1]) + 1
            for (i = 2; i < k; i++) {
                if (parts[i] == "") continue
                p = index(substr(line, at), parts[i])
                if (!p) return 0
                at += p - 1 + length(parts[i])
            }
            return length(parts[k]) == 0 || (length(line) - at + 1 >= length(parts[k]) && \
                   substr(line, length(line) - length(parts[k]) + 1) == parts[k])
        }
        function find(s, pat,   j) {
            for (j = cur[s] + 1; j <= n[s]; j++) if (matches(got[s, j], pat)) { cur[s] = j; return 1 }
            return 0
        }
        BEGIN { while ((getline l < shown) > 0) want[++nw] = norm(l)
                while ((getline l < errs) > 0) got[2, ++n[2]] = norm(l) }
        { got[1, ++n[1]] = norm($0) }
        END {
            for (i = 1; i <= nw; i++) if (!find(1, want[i]) && !find(2, want[i])) { print want[i]; exit }
        }
    ' "$2"
}

# Sets up the scratch directory for one Markdown file.
scratch() {
    rm -rf "$tmp/w" && mkdir -p "$tmp/w/build" "$tmp/w/.bin"
    for e in "$root"/* "$root"/.ci; do
        [ -e "$e" ] || continue
        case ${e##*/} in build) continue ;; esac
        ln -s "$e" "$tmp/w/${e##*/}"
    done
    ln -s "$bin" "$tmp/w/build/barriersim"
    ln -s "$bin" "$tmp/w/.bin/barriersim"
    [ -n "$planted" ] && ln -s "$planted" "$tmp/w/build/barriersim-planted"
    return 0
}

report() { # status where what
    case $1 in
    ok) npass=$((npass + 1)); echo "ok   $2${3:+: $3}" ;;
    skip) nskip=$((nskip + 1)); echo "skip $2: $3" ;;
    *) nfail=$((nfail + 1)); echo "FAIL $2: $3" ;;
    esac
}

# A yaml block: a scenario run with `barriersim run`, or a marked fragment.
yaml_block() { # body meta where
    name=$(mark file "$2")
    if ! grep -q '^name:' "$1"; then
        if has_mark fragment "$2"; then report ok "$3" "fragment"; return; fi
        report fail "$3" "a yaml block without a top-level 'name:' must be marked <!-- test: fragment -->"
        return
    fi
    file=${name:-example-$(basename "$1" .body).yaml}
    cp "$1" "$tmp/w/$file"
    want=$(mark exit "$2"); want=${want:-0}
    (cd "$tmp/w" && PATH="$tmp/w/.bin:$PATH" build/barriersim run "$file") >"$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -eq "$want" ]; then report ok "$3" "scenario $file (exit $rc)"; return; fi
    report fail "$3" "barriersim run $file exits $rc, the text shows exit $want"
    sed 's/^/    | /' "$tmp/out" | head -n 20
}

# An sh block: each command run in turn, its shown output and exit code compared.
sh_block() { # body meta where
    awk -v out="$tmp/cmd" '
        function close_cmd() { if (n) { close(sprintf("%s.%03d.sh", out, n)); close(sprintf("%s.%03d.want", out, n)) } }
        cont { print >> sprintf("%s.%03d.sh", out, n); cont = /\\$/; next }
        /^[ \t]*$/ { after = 0; next }
        /^#/ {
            if (after) { s = $0; sub(/^# ?/, "", s); print s >> sprintf("%s.%03d.want", out, n) }
            next
        }
        { close_cmd(); n++; print > sprintf("%s.%03d.sh", out, n); printf "" > sprintf("%s.%03d.want", out, n)
          cont = /\\$/; after = 1 }
    ' "$1"
    failed=
    for c in "$tmp"/cmd.*.sh; do
        [ -e "$c" ] || continue
        w=${c%.sh}.want
        if grep -q '^[ \t]*make\( \|$\)' "$c"; then rm -f "$c" "$w"; continue; fi
        want=$(sed -n 's/^(exit \([0-9]*\))[ \t]*$/\1/p' "$w" | head -n 1)
        grep -v '^(exit [0-9]*)[ \t]*$' "$w" >"$w.lines"
        (cd "$tmp/w" && PATH="$tmp/w/.bin:$PATH" sh "$c") >"$tmp/out" 2>"$tmp/err"
        rc=$?
        miss=$(match_output "$w.lines" "$tmp/out" "$tmp/err")
        cat "$tmp/err" >>"$tmp/out"
        if [ "$rc" -ne "${want:-0}" ] || [ -n "$miss" ]; then
            if [ "$rc" -ne "${want:-0}" ]; then why="exits $rc, the text shows exit ${want:-0}"
            else why="output lacks the shown line '$miss'"; fi
            failed="$(head -n 1 "$c" | cut -c1-90): $why"
            sed 's/^/    | /' "$tmp/out" | head -n 20
            rm -f "$tmp"/cmd.*
            break
        fi
        rm -f "$c" "$w" "$w.lines"
    done
    if [ -n "$failed" ]; then report fail "$3" "$failed"; else report ok "$3" "commands"; fi
}

check_file() { # markdown
    md=$1
    rel=${md#"$root"/}
    scratch
    rm -rf "$tmp/blocks" && mkdir -p "$tmp/blocks"
    extract "$md" "$tmp/blocks"
    for body in "$tmp"/blocks/*.body; do
        [ -e "$body" ] || continue
        b=${body%.body}
        lang=$(cat "$b.lang") meta=$b.meta
        where="$rel:$(sed -n 's/^line //p' "$meta" | head -n 1)"
        case $lang in yaml | yml | sh | shell | console) ;; *) continue ;; esac
        if has_mark skip "$meta"; then report skip "$where" "$(mark skip "$meta")"; continue; fi
        if grep -q 'barriersim-planted' "$body" && [ -z "$planted" ]; then
            report skip "$where" "needs the planted-bug binary"; continue
        fi
        case $lang in
        yaml | yml) yaml_block "$body" "$meta" "$where" ;;
        *) sh_block "$body" "$meta" "$where" ;;
        esac
    done
}

for md in "$@"; do check_file "$(abs "$md")"; done

# Links: every relative link of a Markdown file names a file or folder that exists, and the
# index, docs/README.md, links every page of docs/ (a new page slots in with one line).
check_links() { # markdown
    dir=$(dirname "$1") bad=
    for l in $(grep -o '](\([^)#]*\)[)#]' "$1" | sed 's/^](//; s/[)#]$//' | grep -v '^[a-z]*:' | sort -u); do
        [ -e "$dir/$l" ] || bad="$bad $l"
    done
    if [ -z "$bad" ]; then report ok "${1#"$root"/}" "links"; else report fail "${1#"$root"/}" "broken links:$bad"; fi
}
# Every --help ends by pointing to the reference pages, and those pages exist.
check_help() { # verb (empty: the top level)
    out=$("$bin" $1 --help 2>&1 | tail -n 1)
    pages=$(printf '%s\n' "$out" | grep -o 'docs/[A-Za-z-]*\.md')
    missing=
    for p in $pages; do [ -e "$root/$p" ] || missing="$missing $p"; done
    case $out in
    Reference:*) if [ -n "$pages" ] && [ -z "$missing" ]; then report ok "${1:-barriersim} --help" "points to $(echo $pages)"
                 else report fail "${1:-barriersim} --help" "names missing pages:$missing"; fi ;;
    *) report fail "${1:-barriersim} --help" "does not end with 'Reference: docs/...' (last line: $out)" ;;
    esac
}
# Every key the scenario loaders accept (their key tables in sim/scenario/ and sim/simscen/)
# is documented in docs/handler-scenarios.md or docs/sim-scenarios.md.
check_keys() {
    keys=$({ cat "$root"/sim/scenario/*.c "$root"/sim/simscen/*.c 2>/dev/null |
           grep -o '{"[a-z][a-z-]*", \(true\|false\)}\|{"[a-z][a-z-]*", "[a-z]*", "' |
           sed 's/^{"\([^"]*\)".*/\1/'
           # the strategies' options: rows of their descriptors' options tables (core/strategy/),
           # {"name", "simulation-name", "unit", ...}
           cat "$root"/core/strategy/*.c "$root"/core/*.c 2>/dev/null |
           grep -o '{"[a-z][a-z-]*", "[a-z][a-z-]*", "[a-z]*", ' |
           sed 's/^{"\([^"]*\)", "\([^"]*\)".*/\1\n\2/'; } | sort -u)
    missing=
    for k in $keys; do
        grep -q -E "\`$k(\`|:| )" "$root/docs/handler-scenarios.md" "$root/docs/sim-scenarios.md" 2>/dev/null ||
            missing="$missing $k"
    done
    if [ -z "$keys" ]; then report fail "docs" "found no scenario keys in the loaders (has the key table moved?)"
    elif [ -z "$missing" ]; then report ok "docs" "every scenario key ($(echo $keys | wc -w)) is documented"
    else report fail "docs" "scenario keys not in docs/handler-scenarios.md or docs/sim-scenarios.md:$missing"; fi
}
if [ "$all_docs" = 1 ]; then
    for md in "$@"; do check_links "$md"; done
    check_keys
    check_help ""
    for verb in $("$bin" --help | awk '/^verbs:/{v=1; next} v && /^  [a-z]/ {print $1}'); do check_help "$verb"; done
    for page in "$root"/docs/*.md; do
        [ -e "$page" ] && [ "${page##*/}" != README.md ] || continue
        if grep -q "](${page##*/})" "$root/docs/README.md" 2>/dev/null; then
            report ok "docs/README.md" "lists ${page##*/}"
        else
            report fail "docs/README.md" "does not list docs/${page##*/}: add a line '- [title](${page##*/}): what it holds'"
        fi
    done
fi

if [ "$self_test" = 1 ]; then
    # The check must be able to fail: each of these broken examples has to be reported.
    st_pass=$npass st_fail=$nfail st_skip=$nskip
    broken() { # name: runs the checker on $tmp/st/$1.md and wants it to fail
        out=$(sh "$0" "$bin" ${planted:+"$planted"} "$tmp/st/$1.md" 2>&1)
        if [ $? -ne 0 ]; then st_pass=$((st_pass + 1)); echo "ok   self-test: $2 is reported"
        else st_fail=$((st_fail + 1)); echo "FAIL self-test: $2 passed:"; echo "$out" | sed 's/^/    | /'; fi
    }
    mkdir -p "$tmp/st"
    awk '!done && /^  trace: / { sub(/ end$/, " 0 end"); done = 1 } { print }' "$root/README.md" >"$tmp/st/trace.md"
    if cmp -s "$root/README.md" "$tmp/st/trace.md"; then
        st_fail=$((st_fail + 1)); echo "FAIL self-test: README.md has no '  trace:' line to break"
    else
        broken trace "README.md with its first expected trace broken"
    fi
    printf '```sh\nbuild/barriersim --help\n# usage: barriersim <noun> [options]\n```\n' >"$tmp/st/output.md"
    broken output "a command whose shown output is wrong"
    printf '```sh\nbuild/barriersim run no-such-file.yaml\n```\n' >"$tmp/st/exit.md"
    broken exit "a command that exits 2 where the text shows 0"
    printf '```yaml\nstrategy: spill\n```\n' >"$tmp/st/fragment.md"
    broken fragment "an unmarked yaml fragment"
    npass=$st_pass nfail=$st_fail nskip=$st_skip
fi

echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]

# gen.awk: generates the one-line mutants of C source files for tools/mutate/mutate.sh.
#
# Usage: awk -f gen.awk FILE...   (POSIX awk: mawk and gawk give the same output)
#
# Output: one mutant a line, tab-separated:
#   id  file  line  function  description  mutated-line
# where id is a 16-hex-digit hash of (file, enclosing function, the line's text with its
# whitespace collapsed, how many earlier lines of that function have the same text, and the
# description). It does not depend on line numbers, so a mutant keeps its id while code
# elsewhere in the file moves; an equivalents file can name it across edits.
#
# Contract:
# - Only lines inside function bodies are mutated (not struct definitions, tables or
#   initializers at file scope), never preprocessor lines, comments, string or character
#   literals, nor assertion statements (*ASSERT*, assert, _Static_assert, BUG: they check,
#   they do not compute; a flipped assertion is killed by the assertion itself).
# - Operators: == <-> !=, < <-> <=, > <-> >=, && <-> ||, binary + <-> -, += <-> -=.
#   Constants: a decimal integer n becomes n+1 and n-1 (n > 0); true <-> false.
#   A call statement alone on its line (`f(x);`, `(void)f(x);`) is deleted (becomes `;`).
#   `return E;` on one line: E becomes 0 (E not 0), 0 becomes -1, true <-> false.
# - Each (line, mutated text) pair appears once: two operators giving the same text are one.
# - Lines with a tab are skipped (the output is tab-separated; the style uses spaces).

BEGIN {
    for (i = 32; i < 127; i++)
        ORD[sprintf("%c", i)] = i
    KEYWORD["return"] = 1; KEYWORD["case"] = 1; KEYWORD["sizeof"] = 1
    KEYWORD["if"] = 1; KEYWORD["while"] = 1; KEYWORD["for"] = 1; KEYWORD["switch"] = 1
    KEYWORD["else"] = 1; KEYWORD["do"] = 1; KEYWORD["goto"] = 1
}

FNR == 1 {
    in_comment = 0; depth = 0; in_func = 0; func_name = ""; pending = ""
    skip_parens = 0
    split("", seen_text)
}

# Two 31-bit polynomial hashes of s, printed as 16 hex digits.
function hash(s,    i, h1, h2, c) {
    h1 = 7; h2 = 11
    for (i = 1; i <= length(s); i++) {
        c = ORD[substr(s, i, 1)] + 0
        h1 = (h1 * 31 + c) % 2147483647
        h2 = (h2 * 37 + c) % 2147483629
    }
    return sprintf("%08x%08x", h1, h2)
}

# The line with comments and literal contents blanked (same length), carrying /* */ state.
function mask_line(s,    out, i, n, c, c2, q) {
    out = ""; n = length(s); i = 1
    while (i <= n) {
        c = substr(s, i, 1); c2 = substr(s, i, 2)
        if (in_comment) {
            if (c2 == "*/") { in_comment = 0; out = out "  "; i += 2 } else { out = out " "; i++ }
            continue
        }
        if (c2 == "/*") { in_comment = 1; out = out "  "; i += 2; continue }
        if (c2 == "//") { while (i <= n) { out = out " "; i++ }; break }
        if (c == "\"" || c == "'") {
            q = c; out = out c; i++
            while (i <= n && substr(s, i, 1) != q) {
                if (substr(s, i, 1) == "\\") { out = out " "; i++ }
                out = out " "; i++
            }
            if (i <= n) { out = out q; i++ }
            continue
        }
        out = out c; i++
    }
    return out
}

function trim(s) { sub(/^[ ]+/, "", s); sub(/[ ]+$/, "", s); return s }
function collapse(s) { gsub(/[ ]+/, " ", s); return trim(s) }

function count_char(s, ch,    n, i) {
    n = 0
    for (i = 1; i <= length(s); i++) if (substr(s, i, 1) == ch) n++
    return n
}

function emit(desc, newline,    key) {
    if ((FILENAME SUBSEP FNR SUBSEP newline) in emitted)
        return
    emitted[FILENAME SUBSEP FNR SUBSEP newline] = 1
    key = FILENAME "\037" func_name "\037" cur_text "\037" cur_dup "\037" desc
    printf "%s\t%s\t%d\t%s\t%s\t%s\n", hash(key), FILENAME, FNR, func_name, desc, newline
}

# Replace len characters of the original line at position pos by rep.
function splice(line, pos, len, rep) {
    return substr(line, 1, pos - 1) rep substr(line, pos + len)
}

function ord_suffix(k) { return k == 1 ? "" : " (#" k ")" }

function op_mutant(line, pos, from, to) {
    opcount[from]++
    emit("'" from "' -> '" to "'" ord_suffix(opcount[from]), splice(line, pos, length(from), to))
}

# Operators and constants of one masked line.
function mutate_tokens(line, m,    i, n, c, c2, c3, tok, prev, v, j) {
    split("", opcount)
    n = length(m); i = 1; prev = "op"
    while (i <= n) {
        c = substr(m, i, 1); c2 = substr(m, i, 2); c3 = substr(m, i, 3)
        if (c == " ") { i++; continue }
        if (c ~ /[A-Za-z_]/) {
            j = i
            while (j <= n && substr(m, j, 1) ~ /[A-Za-z0-9_]/) j++
            tok = substr(m, i, j - i)
            if (tok == "true") op_mutant(line, i, "true", "false")
            else if (tok == "false") op_mutant(line, i, "false", "true")
            prev = (tok in KEYWORD) ? "op" : "val"
            i = j; continue
        }
        if (c ~ /[0-9]/) {
            j = i
            while (j <= n && substr(m, j, 1) ~ /[0-9A-Za-z_.]/) j++
            tok = substr(m, i, j - i)
            if (tok ~ /^[0-9]+[uUlL]*$/ && (tok ~ /^0[uUlL]*$/ || tok !~ /^0/)) {
                v = tok; sub(/[uUlL]+$/, "", v)
                if (length(v) <= 15) {
                    opcount["const " v]++
                    emit("constant " v " -> " (v + 1) ord_suffix(opcount["const " v]), splice(line, i, length(v), v + 1))
                    if (v + 0 > 0)
                        emit("constant " v " -> " (v - 1) ord_suffix(opcount["const " v]), splice(line, i, length(v), v - 1))
                }
            }
            prev = "val"; i = j; continue
        }
        if (c3 == "<<=" || c3 == ">>=" || c3 == "...") { i += 3; prev = "op"; continue }
        if (c2 == "==") { op_mutant(line, i, "==", "!="); i += 2; prev = "op"; continue }
        if (c2 == "!=") { op_mutant(line, i, "!=", "=="); i += 2; prev = "op"; continue }
        if (c2 == "<=") { op_mutant(line, i, "<=", "<"); i += 2; prev = "op"; continue }
        if (c2 == ">=") { op_mutant(line, i, ">=", ">"); i += 2; prev = "op"; continue }
        if (c2 == "&&") { op_mutant(line, i, "&&", "||"); i += 2; prev = "op"; continue }
        if (c2 == "||") { op_mutant(line, i, "||", "&&"); i += 2; prev = "op"; continue }
        if (c2 == "+=") { op_mutant(line, i, "+=", "-="); i += 2; prev = "op"; continue }
        if (c2 == "-=") { op_mutant(line, i, "-=", "+="); i += 2; prev = "op"; continue }
        if (c2 == "->") { i += 2; prev = "op"; continue }
        if (c2 == "++" || c2 == "--") { i += 2; continue }
        if (c2 == "<<" || c2 == ">>") { i += 2; prev = "op"; continue }
        if (c2 ~ /^[*\/%&|^]=$/) { i += 2; prev = "op"; continue }
        if (c == "<") { op_mutant(line, i, "<", "<="); i++; prev = "op"; continue }
        if (c == ">") { op_mutant(line, i, ">", ">="); i++; prev = "op"; continue }
        if ((c == "+" || c == "-") && prev == "val") {
            op_mutant(line, i, c, c == "+" ? "-" : "+"); i++; prev = "op"; continue
        }
        prev = (c == ")" || c == "]") ? "val" : "op"
        i++
    }
}

# Statement-level mutants of one masked line: a deleted call, a changed return value.
function mutate_statement(line, m,    t, indent, e, name) {
    t = trim(m)
    if (count_char(t, "(") != count_char(t, ")"))
        return
    match(line, /^[ ]*/)
    indent = substr(line, 1, RLENGTH)
    if (t ~ /^(\(void\) *)?[A-Za-z_][A-Za-z0-9_]*((\.|->)[A-Za-z_][A-Za-z0-9_]*)*\(.*\);$/) {
        name = t; sub(/^\(void\) */, "", name); sub(/\(.*/, "", name)
        if (!(name in KEYWORD))
            emit("call deleted: " name "()", indent ";")
        return
    }
    if (t ~ /^return .*;$/) {
        e = trim(substr(trim(line), 8)); sub(/;$/, "", e); e = trim(e)
        if (e == "true") emit("return true -> false", indent "return false;")
        else if (e == "false") emit("return false -> true", indent "return true;")
        else if (e == "0") emit("return 0 -> -1", indent "return -1;")
        else if (e != "NULL") emit("return " e " -> 0", indent "return 0;")
    }
}

# Tracks braces: are we in a function body, and which one. Uses the masked line.
function track_scope(m,    i, c, nm) {
    for (i = 1; i <= length(m); i++) {
        c = substr(m, i, 1)
        if (c == "{") {
            if (depth == 0) {
                in_func = (pending ~ /\)[ ]*$/ && pending !~ /=/)
                if (in_func) {
                    nm = pending; sub(/\(.*/, "", nm); sub(/.*[^A-Za-z0-9_]/, "", nm)
                    func_name = nm == "" ? "?" : nm
                    split("", seen_text)
                }
                pending = ""
            }
            depth++
        } else if (c == "}") {
            depth--
            if (depth == 0) { in_func = 0; func_name = "" }
        } else if (depth == 0) {
            if (c == ";") pending = ""
            else pending = pending c
        }
    }
    if (depth == 0) pending = pending " "
}

{
    line = $0
    m = mask_line(line)
    was_in_func = in_func && depth > 0
    # assertion statements, possibly over several lines, are not mutated
    if (skip_parens > 0) {
        skip_parens += count_char(m, "(") - count_char(m, ")")
        track_scope(m); next
    }
    if (m ~ /^[ ]*#/) { track_scope(""); next }
    if (m ~ /(^|[^A-Za-z0-9_])([A-Z_]*ASSERT[A-Z_]*|assert|static_assert|BUG)[ ]*\(/) {
        skip_parens = count_char(m, "(") - count_char(m, ")")
        track_scope(m); next
    }
    if (was_in_func && index(line, "\t") == 0 && trim(m) != "") {
        cur_text = collapse(line)
        cur_dup = seen_text[cur_text]++
        mutate_tokens(line, m)
        mutate_statement(line, m)
    }
    track_scope(m)
}

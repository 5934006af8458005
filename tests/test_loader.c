/*
 * test_loader.c: the scenario loader (sim/scenario/), one test per rule.
 *
 * Every error is pinned with its exact file:line:col and wording, since both are what a
 * user reads. The isolation tests use the loader's test hooks to make the parser child
 * crash, hang, spin or allocate, and check that each becomes a clean error with no zombie
 * and no descriptor left behind.
 */
#include "bs_test.h"

#include "../sim/scenario/sc_int.h"
#include "../sim/strategies.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEAD "name: t\nstrategy: spill\nchannels: 3\n" /* lines 1-3 */

static char errbuf[1024];

static int load_n(const char *text, size_t len, scenario *sc)
{
    errbuf[0] = '\0';
    return scenario_load_bytes("x.yaml", (const uint8_t *)text, len, sc, errbuf, sizeof errbuf);
}

static int load(const char *text, scenario *sc)
{
    return load_n(text, strlen(text), sc);
}

static void expect_error_n(const char *text, size_t len, const char *want)
{
    scenario sc;
    int rc = load_n(text, len, &sc);
    cr_assert_eq(rc, -1, "loaded, expected: %s", want);
    cr_assert_str_eq(errbuf, want);
    cr_assert_eq(sc.items, NULL);
    cr_assert_eq(sc.channels, 0);
}

static void expect_error(const char *text, const char *want)
{
    expect_error_n(text, strlen(text), want);
}

static void expect_ok(const char *text, scenario *sc)
{
    int rc = load(text, sc);
    cr_assert_eq(rc, 0, "failed: %s", errbuf);
}

static void expect_pos(const sc_item *it, uint32_t line, uint32_t col)
{
    cr_assert_eq(it->pos.line, line, "line %u, expected %u", it->pos.line, line);
    cr_assert_eq(it->pos.col, col, "col %u, expected %u", it->pos.col, col);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    cr_assert_not_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void expect_no_children(void)
{
    errno = 0;
    cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left over");
    cr_assert_eq(errno, ECHILD);
}

/* ---- screening ---------------------------------------------------------------------- */
BS_TEST(screen, file_over_the_size_cap_is_refused)
{
    size_t len = SC_FILE_BYTES_MAX + 1;
    char *big = malloc(len);
    cr_assert_not_null(big);
    memset(big, '#', len);
    expect_error_n(big, len, "x.yaml:1:1: the file is too large (1048577 bytes; at most 1048576)");
    free(big);
}

BS_TEST(screen, tab_is_refused_at_its_position)
{
    expect_error(HEAD "input: |\n  0:d\n  \t1:d\n",
                 "x.yaml:6:3: tab character (use spaces to indent)");
}

BS_TEST(screen, lone_carriage_return_is_refused)
{
    expect_error(HEAD "input: 0:d\rx\n",
                 "x.yaml:4:11: carriage return without a line feed (use LF or CRLF line endings)");
}

BS_TEST(screen, nul_byte_is_refused)
{
    expect_error_n("name: a\0\n", 9, "x.yaml:1:8: NUL byte");
}

BS_TEST(screen, control_characters_are_refused)
{
    expect_error("name: a\x07\n", "x.yaml:1:8: control character U+0007");
    expect_error("name: a\x7f\n", "x.yaml:1:8: control character U+007F");
    expect_error("name: a\xc2\x85\n", "x.yaml:1:8: control character U+0085");
}

BS_TEST(screen, overlong_utf8_is_refused_at_its_character_column)
{
    /* 'é' is two bytes but one column */
    expect_error("# \xc3\xa9\xc0\xaf\n",
                 "x.yaml:1:4: invalid UTF-8 (overlong encoding starting with byte 0xC0)");
    expect_error("# \xe0\x80\xaf\n",
                 "x.yaml:1:3: invalid UTF-8 (overlong encoding starting with byte 0xE0)");
}

BS_TEST(screen, utf8_surrogates_are_refused)
{
    expect_error("# \xed\xa0\x80\n", "x.yaml:1:3: invalid UTF-8 (encoded surrogate U+D800)");
}

BS_TEST(screen, code_points_above_10ffff_are_refused)
{
    expect_error("# \xf4\x90\x80\x80\n", "x.yaml:1:3: invalid UTF-8 (code point above U+10FFFF)");
    expect_error("# \xf5\x80\x80\x80\n",
                 "x.yaml:1:3: invalid UTF-8 (byte 0xF5 never appears in UTF-8)");
}

BS_TEST(screen, truncated_and_stray_utf8_are_refused)
{
    expect_error("name: a\xe2\x82",
                 "x.yaml:1:8: invalid UTF-8 (incomplete sequence starting with byte 0xE2)");
    expect_error("#\n# \x80\n", "x.yaml:2:3: invalid UTF-8 (unexpected continuation byte 0x80)");
}

BS_TEST(screen, leading_utf8_bom_is_stripped)
{
    expect_error("\xef\xbb\xbfnme: t\n", "x.yaml:1:1: unknown key 'nme' (did you mean 'name'?)");
}

BS_TEST(screen, bom_after_the_start_is_refused)
{
    expect_error("name: a\xef\xbb\xbf\n",
                 "x.yaml:1:8: byte order mark (U+FEFF) after the start of the file");
}

BS_TEST(screen, utf16_is_refused)
{
    expect_error_n("\xff\xfen\0", 4,
                   "x.yaml:1:1: the file is UTF-16 or UTF-32 (byte order mark); save it as UTF-8");
}

BS_TEST(screen, unicode_line_separators_are_refused)
{
    expect_error("# \xe2\x80\xa8\n", "x.yaml:1:3: Unicode line separator U+2028 (use LF)");
}

BS_TEST(screen, crlf_line_endings_are_accepted)
{
    scenario lf, crlf;
    expect_ok(HEAD "input: |\n  0:d 1:d\n  2:b1\n", &lf);
    expect_ok("name: t\r\nstrategy: spill\r\nchannels: 3\r\ninput: |\r\n  0:d 1:d\r\n  2:b1\r\n",
              &crlf);
    cr_assert_eq(crlf.items_len, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(crlf.items[i].pos.line, lf.items[i].pos.line);
        cr_assert_eq(crlf.items[i].pos.col, lf.items[i].pos.col);
    }
    expect_pos(&crlf.items[2], 6, 3);
    scenario_free(&lf);
    scenario_free(&crlf);
}

/* ---- YAML ------------------------------------------------------------------------- */
BS_TEST(yaml, syntax_errors_carry_libfyaml_message_and_position)
{
    expect_error("name: 'abc\n", "x.yaml:1:8: single-quoted scalar without closing quote");
    expect_error("name: \"a\\qb\"\n", "x.yaml:1:9: invalid escape 'q' in double-quoted string");
}

BS_TEST(yaml, anchors_are_refused)
{
    expect_error(HEAD "input: &a 0:d\n",
                 "x.yaml:4:8: anchors (&name) are not supported in scenario files");
}

BS_TEST(yaml, aliases_are_refused)
{
    expect_error(HEAD "input: *a\n",
                 "x.yaml:4:8: aliases (*name) are not supported in scenario files");
}

BS_TEST(yaml, tags_are_refused)
{
    expect_error(HEAD "input: !!str 0:d\n",
                 "x.yaml:4:8: tags (!name) are not supported in scenario files");
}

BS_TEST(yaml, a_second_document_is_refused)
{
    expect_error(HEAD "input: 0:d\n---\nname: b\n",
                 "x.yaml:5:1: a second YAML document; a scenario file holds one document");
}

BS_TEST(yaml, the_document_must_be_a_mapping)
{
    expect_error("- a\n- b\n", "x.yaml:1:1: the document must be a mapping (name, strategy, "
                               "channels, input, ...), not a sequence");
    expect_error("# only a comment\n", "x.yaml:1:1: the file is empty (expected a mapping with "
                                      "name, strategy, channels and input)");
    expect_error("", "x.yaml:1:1: the file is empty (expected a mapping with name, strategy, "
                     "channels and input)");
}

BS_TEST(yaml, nesting_depth_is_capped)
{
    /* the root mapping is level 1; the 16th '[' (column 24) would be level 17 */
    expect_error(HEAD "input: 0:d\nexpect: [[[[[[[[[[[[[[[[[[[[\n",
                 "x.yaml:5:24: nesting too deep (more than 16 levels)");
}

BS_TEST(yaml, node_count_is_capped)
{
    /* 11 nodes before the list; its 8182nd entry is node 8193, at column 10 + 3 * 8181 */
    size_t n = 9000, cap = 64 + 3 * n + 64;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t o = (size_t)snprintf(text, cap, HEAD "input: 0:d\nexpect: [");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(text + o, cap - o, "1, ");
    snprintf(text + o, cap - o, "]\n");
    expect_error(text, "x.yaml:5:24553: too many YAML nodes (more than 8192)");
    free(text);
}

BS_TEST(yaml, keys_must_be_scalars)
{
    expect_error("? [a]\n: b\n", "x.yaml:1:3: a key must be a plain string, not a sequence");
}

/* ---- keys --------------------------------------------------------------------------- */
BS_TEST(keys, unknown_key_suggests_the_closest_allowed_key)
{
    expect_error("name: t\nstrategy: spill\nchanels: 3\ninput: 0:d\n",
                 "x.yaml:3:1: unknown key 'chanels' (did you mean 'channels'?)");
}

BS_TEST(keys, unknown_key_lists_the_allowed_keys_when_none_is_close)
{
    expect_error(HEAD "zzz: 1\ninput: 0:d\n",
                 "x.yaml:4:1: unknown key 'zzz' (expected name, description, strategy, channels, "
                 "options, faults, input or expect)");
}

BS_TEST(keys, unknown_option_key_is_suggested_from_the_options)
{
    expect_error(HEAD "options: {page-sise: 64}\ninput: 0:d\n",
                 "x.yaml:4:11: unknown key 'page-sise' (did you mean 'page-size'?)");
}

BS_TEST(keys, unknown_fault_key_is_suggested_from_the_fault_keys)
{
    expect_error(HEAD "faults:\n  - {call: write, nht: 1, error: EIO}\ninput: 0:d\n",
                 "x.yaml:5:19: unknown key 'nht' (did you mean 'nth'?)");
}

BS_TEST(keys, unknown_expect_key_is_suggested_from_the_expect_keys)
{
    expect_error(HEAD "input: 0:d\nexpect: {trce: end}\n",
                 "x.yaml:5:10: unknown key 'trce' (did you mean 'trace'?)");
}

BS_TEST(keys, duplicate_key_is_reported_at_the_second)
{
    expect_error(HEAD "channels: 4\ninput: 0:d\n",
                 "x.yaml:4:1: duplicate key 'channels' (first given at 3:1)");
}

BS_TEST(keys, missing_required_key_is_reported_at_the_mapping)
{
    expect_error("name: t\nstrategy: spill\ninput: 0:d\n",
                 "x.yaml:1:1: missing required key 'channels'");
}

BS_TEST(keys, edit_distance_counts_a_swap_as_one)
{
    cr_assert_eq(sc_edit_distance("nht", 3, "nth", 3), 1);
    cr_assert_eq(sc_edit_distance("chanels", 7, "channels", 8), 1);
    cr_assert_eq(sc_edit_distance("", 0, "abc", 3), 3);
    cr_assert_eq(sc_edit_distance("kitten", 6, "sitting", 7), 3);
    cr_assert_eq(sc_edit_distance("EIO", 3, "eio", 3), 0);
}

/* ---- types and ranges --------------------------------------------------------------- */
#define CH(v) "name: t\nstrategy: spill\nchannels: " v "\ninput: 0:d\n"

BS_TEST(types, wrong_type_names_what_was_expected_and_found)
{
    expect_error(CH("\"3\""), "x.yaml:3:11: channels: expected an integer, got a string");
    expect_error(CH("[3]"), "x.yaml:3:11: channels: expected an integer, got a sequence");
    expect_error(CH("{a: 1}"), "x.yaml:3:11: channels: expected an integer, got a mapping");
    expect_error(CH("3.5"), "x.yaml:3:11: channels: expected an integer, got a float");
    expect_error(CH("true"), "x.yaml:3:11: channels: expected an integer, got a boolean");
    expect_error(CH(""), "x.yaml:3:9: channels: expected an integer, got null");
    expect_error(CH("three"), "x.yaml:3:11: channels: expected an integer, got a string");
}

BS_TEST(types, out_of_range_shows_the_value_as_written_and_the_range)
{
    expect_error(CH("0"), "x.yaml:3:11: channels: 0 is out of range (1..65535)");
    expect_error(CH("65536"), "x.yaml:3:11: channels: 65536 is out of range (1..65535)");
    expect_error(CH("-1"), "x.yaml:3:11: channels: -1 is out of range (1..65535)");
    expect_error(CH("99999999999999999999"),
                 "x.yaml:3:11: channels: 99999999999999999999 is out of range (1..65535)");
}

BS_TEST(types, integers_may_be_hex_or_octal)
{
    scenario sc;
    expect_ok(CH("0x10"), &sc);
    cr_assert_eq(sc.channels, 16);
    scenario_free(&sc);
    expect_ok(CH("0o10"), &sc);
    cr_assert_eq(sc.channels, 8);
    scenario_free(&sc);
}

BS_TEST(types, name_must_be_letters_digits_and_dashes)
{
    expect_error("name: my test\nstrategy: spill\nchannels: 3\ninput: 0:d\n",
                 "x.yaml:1:7: name: 'my test' is not a valid name (use letters, digits and '-')");
    expect_error("name: [a]\nstrategy: spill\nchannels: 3\ninput: 0:d\n",
                 "x.yaml:1:7: name: expected a string, got a sequence");
}

BS_TEST(types, name_has_a_length_cap)
{
    char text[512];
    char name[SC_NAME_MAX + 1];
    memset(name, 'a', SC_NAME_MAX);
    name[SC_NAME_MAX] = '\0';
    snprintf(text, sizeof text, "name: %s\nstrategy: spill\nchannels: 3\ninput: 0:d\n", name);
    expect_error(text, "x.yaml:1:7: name: longer than 127 characters");
}

BS_TEST(types, strings_may_not_hold_control_characters)
{
    expect_error(HEAD "description: \"a\\tb\"\ninput: 0:d\n",
                 "x.yaml:4:14: description: the text contains a control or non-printable "
                 "character");
}

/* ---- strategy and options ----------------------------------------------------------- */
BS_TEST(strategy, unknown_strategy_suggests_a_known_one)
{
    expect_error("name: t\nstrategy: spil\nchannels: 3\ninput: 0:d\n",
                 "x.yaml:2:11: strategy: unknown strategy 'spil' (did you mean 'spill'?)");
}

BS_TEST(strategy, unknown_strategy_lists_the_known_strategies)
{
    const char *names[32];
    size_t n = 0;
    while (n < 32 && (names[n] = sim_strategy_name(n)) != NULL)
        n++;
    char list[256], want[512];
    sc_join(list, sizeof list, names, n);
    snprintf(want, sizeof want, "x.yaml:2:11: strategy: unknown strategy 'zzz' (expected %s)",
             list);
    expect_error("name: t\nstrategy: zzz\nchannels: 3\ninput: 0:d\n", want);
}

BS_TEST(options, options_are_applied)
{
    scenario sc;
    expect_ok(HEAD "options:\n  page-size: 64\n  max-buffered-bytes: 1000\ninput: 0:d/64\n", &sc);
    cr_assert_eq(sc.page_size, 64);
    cr_assert_eq(sc.max_buffered_bytes, 1000);
    cr_assert_eq(sc.alignment_timeout_ns, 0);
    cr_assert_eq(sc.items[0].len, 64);
    scenario_free(&sc);
    expect_ok(HEAD "input: 0:d\n", &sc);
    cr_assert_eq(sc.page_size, BS_PAGE_SIZE_DEFAULT);
    cr_assert_eq(sc.max_buffered_bytes, 0);
    scenario_free(&sc);
}

BS_TEST(options, option_values_have_ranges)
{
    expect_error(HEAD "options:\n  page-size: 4\ninput: 0:d\n",
                 "x.yaml:5:14: page-size: 4 is out of range (8..16777216)");
    expect_error(HEAD "options:\n  page-size: 16777217\ninput: 0:d\n",
                 "x.yaml:5:14: page-size: 16777217 is out of range (8..16777216)");
    expect_error(HEAD "options:\n  max-buffered-bytes: 0\ninput: 0:d\n",
                 "x.yaml:5:23: max-buffered-bytes: 0 is out of range (1..4611686018427387903)");
}

BS_TEST(options, option_for_another_strategy_is_refused)
{
    expect_error("name: t\nstrategy: tracker\nchannels: 3\noptions:\n  max-buffered-bytes: 10\n"
                 "input: 0:d\n",
                 "x.yaml:5:3: max-buffered-bytes: this option applies only to strategy 'spill', "
                 "not 'tracker'");
    expect_error(HEAD "options:\n  alignment-timeout: 5\ninput: 0:d\n",
                 "x.yaml:5:3: alignment-timeout: this option applies only to strategy "
                 "'aligned-timeout', not 'spill'");
}

BS_TEST(options, options_must_be_a_mapping)
{
    expect_error(HEAD "options: [1]\ninput: 0:d\n",
                 "x.yaml:4:10: options: expected a mapping, got a sequence");
}

/* ---- faults ------------------------------------------------------------------------- */
#define FAULT(f) HEAD "faults:\n  - " f "\ninput: 0:d\n" /* the fault is at 5:5 */

BS_TEST(faults, faults_are_loaded_with_their_positions)
{
    scenario sc;
    expect_ok(HEAD "faults:\n  - {call: write, nth: 3, error: ENOSPC}\n"
                   "  - {call: read, nth: 5, short: 7}\ninput: 0:d\n", &sc);
    cr_assert_eq(sc.faults_len, 2);
    cr_assert_eq(sc.faults[0].call, SC_CALL_WRITE);
    cr_assert_eq(sc.faults[0].nth, 3);
    cr_assert_eq(sc.faults[0].err, ENOSPC);
    cr_assert_eq(sc.faults[0].short_bytes, 0);
    cr_assert_eq(sc.faults[0].pos.line, 5);
    cr_assert_eq(sc.faults[0].pos.col, 5);
    cr_assert_eq(sc.faults[1].call, SC_CALL_READ);
    cr_assert_eq(sc.faults[1].err, 0);
    cr_assert_eq(sc.faults[1].short_bytes, 7);
    cr_assert_eq(sc.faults[1].pos.line, 6);
    scenario_free(&sc);
}

BS_TEST(faults, faults_must_be_a_sequence_of_mappings)
{
    expect_error(HEAD "faults: {call: write}\ninput: 0:d\n",
                 "x.yaml:4:9: faults: expected a sequence, got a mapping");
    expect_error(HEAD "faults: [write]\ninput: 0:d\n",
                 "x.yaml:4:10: fault: expected a mapping, got a string");
}

BS_TEST(faults, unknown_call_suggests_a_call)
{
    expect_error(FAULT("{call: wrte, nth: 1, error: EIO}"),
                 "x.yaml:5:12: call: unknown call 'wrte' (did you mean 'write'?)");
    expect_error(FAULT("{call: fsync, nth: 1, error: EIO}"),
                 "x.yaml:5:12: call: unknown call 'fsync' (expected open, write, read, close or "
                 "unlink)");
}

BS_TEST(faults, nth_counts_from_one)
{
    expect_error(FAULT("{call: write, nth: 0, error: EIO}"),
                 "x.yaml:5:24: nth: 0 is out of range (at least 1)");
}

BS_TEST(faults, unknown_errno_name_suggests_one)
{
    expect_error(FAULT("{call: write, nth: 1, error: ENOSPCE}"),
                 "x.yaml:5:34: error: unknown errno name 'ENOSPCE' (did you mean 'ENOSPC'?)");
}

BS_TEST(faults, every_listed_errno_name_is_accepted)
{
    static const char *const names[] = {"ENOSPC", "EIO",    "EACCES", "EMFILE",
                                        "ENFILE", "EROFS",  "EDQUOT", "EFBIG",
                                        "EPERM",  "ENOENT", "EBADF",  "EINTR"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int e = sc_errno_find(names[i]);
        cr_assert_neq(e, 0, "%s", names[i]);
        cr_assert_str_eq(sc_errno_name(e), names[i]);
    }
}

BS_TEST(faults, a_fault_has_exactly_one_of_error_and_short)
{
    expect_error(FAULT("{call: write, nth: 1, error: EIO, short: 3}"),
                 "x.yaml:5:39: a fault has either 'error' or 'short', not both");
    expect_error(FAULT("{call: write, nth: 1}"),
                 "x.yaml:5:5: a fault needs 'error' (an errno name) or 'short' (a byte count)");
}

BS_TEST(faults, only_write_and_read_can_be_short)
{
    expect_error(FAULT("{call: open, nth: 1, short: 3}"),
                 "x.yaml:5:26: short: only write and read calls can be short, not open");
}

BS_TEST(faults, call_and_nth_are_required)
{
    expect_error(FAULT("{nth: 1, error: EIO}"), "x.yaml:5:5: missing required key 'call'");
    expect_error(FAULT("{call: read, error: EIO}"), "x.yaml:5:5: missing required key 'nth'");
}

BS_TEST(faults, fault_count_is_capped)
{
    size_t cap = 64 + 40 * (SC_FAULTS_MAX + 1) + 64;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t o = (size_t)snprintf(text, cap, HEAD "faults:\n");
    for (size_t i = 0; i <= SC_FAULTS_MAX; i++)
        o += (size_t)snprintf(text + o, cap - o, "  - {call: write, nth: 1, error: EIO}\n");
    snprintf(text + o, cap - o, "input: 0:d\n");
    expect_error(text, "x.yaml:5:3: faults: more than 256 faults");
    free(text);
}

BS_TEST(types, description_may_be_empty_or_multi_line)
{
    scenario sc;
    expect_ok(HEAD "description: ''\ninput: 0:d\n", &sc);
    cr_assert_str_eq(sc.description, "");
    scenario_free(&sc);
    expect_ok(HEAD "description: |\n  two\n  lines\ninput: 0:d\n", &sc);
    cr_assert_str_eq(sc.description, "two\nlines\n");
    scenario_free(&sc);
}

/* ---- expect ------------------------------------------------------------------------- */
BS_TEST(expect, trace_whitespace_is_normalized)
{
    scenario sc;
    expect_ok(HEAD "input: 0:d\nexpect:\n  trace: |\n    0  1\n    t1   end\n"
                   "  error: \" no  space \"\n", &sc);
    cr_assert_str_eq(sc.expect_trace, "0 1 t1 end");
    cr_assert_str_eq(sc.expect_error, "no space");
    scenario_free(&sc);
}

BS_TEST(expect, error_may_be_folded_over_lines)
{
    scenario sc;
    expect_ok(HEAD "input: 0:d\nexpect:\n  error: >\n    no space\n    left\n", &sc);
    cr_assert_str_eq(sc.expect_error, "no space left");
    cr_assert_null(sc.expect_trace);
    scenario_free(&sc);
}

BS_TEST(expect, expect_needs_trace_or_error)
{
    expect_error(HEAD "input: 0:d\nexpect: {}\n",
                 "x.yaml:5:9: expect: give 'trace' and/or 'error'");
    expect_error(HEAD "input: 0:d\nexpect: {trace: ' '}\n", "x.yaml:5:17: trace: is empty");
}

/* ---- items -------------------------------------------------------------------------- */
static const char design_example[] =
    "name: skip-on-newer-barrier        # required; letters, digits, '-'\n"
    "description: optional free text\n"
    "strategy: spill                    # required; one of section 2\n"
    "channels: 3                        # required; 1..65535\n"
    "options:                           # optional, strategy-specific\n"
    "  max-buffered-bytes: 1000\n"
    "faults:                            # optional\n"
    "  - {call: write, nth: 3, error: ENOSPC}   # the 3rd write fails\n"
    "  - {call: write, nth: 5, short: 7}        # the 5th write writes only 7 bytes\n"
    "input: |                           # the items, in gate order\n"
    "  0:d 2:d 0:d 1:b1 2:b1 2:d 1:d 0:d 0:b1\n"
    "  0:eop 1:eop 2:d/16 2:x2 2:eop\n"
    "expect:\n"
    "  trace: 0 1 2 7 t1 5 6 9 10 11 end\n";

BS_TEST(items, a_valid_file_loads_with_its_fields_and_item_positions)
{
    scenario sc;
    expect_ok(design_example, &sc);
    cr_assert_str_eq(sc.path, "x.yaml");
    cr_assert_str_eq(sc.name, "skip-on-newer-barrier");
    cr_assert_str_eq(sc.description, "optional free text");
    cr_assert_str_eq(sc.strategy, "spill");
    cr_assert_eq(sc.channels, 3);
    cr_assert_eq(sc.max_buffered_bytes, 1000);
    cr_assert_eq(sc.faults_len, 2);
    cr_assert_str_eq(sc.expect_trace, "0 1 2 7 t1 5 6 9 10 11 end");
    cr_assert_null(sc.expect_error);
    cr_assert_eq(sc.items_len, 14);
    static const uint32_t cols[14] = {3, 7, 11, 15, 20, 25, 29, 33, 37, 3, 9, 15, 22, 27};
    for (size_t i = 0; i < 14; i++)
        expect_pos(&sc.items[i], i < 9 ? 11 : 12, cols[i]);
    cr_assert_eq(sc.items[0].kind, BS_DATA);
    cr_assert_eq(sc.items[0].len, SC_DATA_BYTES_DEFAULT);
    cr_assert_eq(sc.items[1].channel, 2);
    cr_assert_eq(sc.items[3].kind, BS_BARRIER);
    cr_assert_eq(sc.items[3].id, 1);
    cr_assert_eq(sc.items[9].kind, BS_EOP);
    cr_assert_eq(sc.items[11].len, 16);
    cr_assert_eq(sc.items[12].kind, BS_CANCEL);
    cr_assert_eq(sc.items[12].id, 2);
    scenario_free(&sc);
}

BS_TEST(items, positions_in_a_folded_block)
{
    scenario sc;
    expect_ok(HEAD "input: >\n  0:d 1:d\n\n  2:d\n", &sc);
    expect_pos(&sc.items[0], 5, 3);
    expect_pos(&sc.items[1], 5, 7);
    expect_pos(&sc.items[2], 7, 3);
    scenario_free(&sc);
}

BS_TEST(items, positions_in_a_block_with_header_comment_and_indent_indicator)
{
    scenario sc;
    expect_ok(HEAD "input: |2-  # items\n   0:d\n    1:d\n", &sc);
    expect_pos(&sc.items[0], 5, 4);
    expect_pos(&sc.items[1], 6, 5);
    scenario_free(&sc);
}

BS_TEST(items, positions_in_a_multi_line_plain_scalar)
{
    scenario sc;
    expect_ok(HEAD "input: 0:d 1:d\n  2:d\n", &sc);
    expect_pos(&sc.items[0], 4, 8);
    expect_pos(&sc.items[1], 4, 12);
    expect_pos(&sc.items[2], 5, 3);
    scenario_free(&sc);
}

BS_TEST(items, positions_in_quoted_scalars)
{
    scenario sc;
    expect_ok(HEAD "input: '0:d\n  1:d'\n", &sc);
    expect_pos(&sc.items[0], 4, 9);
    expect_pos(&sc.items[1], 5, 3);
    scenario_free(&sc);
    expect_ok(HEAD "input: \"0:d 1:d\"\n", &sc);
    expect_pos(&sc.items[1], 4, 13);
    scenario_free(&sc);
}

BS_TEST(items, positions_fall_back_to_the_scalar_when_escapes_change_the_text)
{
    scenario sc;
    expect_ok(HEAD "input: \"0:d\\n1:d\"\n", &sc);
    expect_pos(&sc.items[0], 4, 8);
    expect_pos(&sc.items[1], 4, 8);
    scenario_free(&sc);
}

BS_TEST(items, columns_count_characters_not_bytes)
{
    scenario sc;
    /* "{description: " 14 columns, then 3 two-byte characters: 0:d is at column 66 */
    expect_ok("{description: \xc3\xa9\xc3\xa9\xc3\xa9, name: t, strategy: spill, channels: 3, "
              "input: 0:d 1:d}\n", &sc);
    expect_pos(&sc.items[0], 1, 66);
    expect_pos(&sc.items[1], 1, 70);
    scenario_free(&sc);
}

BS_TEST(items, malformed_item_is_reported_at_the_item)
{
    expect_error(HEAD "input: 0:d 0:q\n", "x.yaml:4:12: item '0:q' is malformed (expected C:d, "
                                          "C:d/N, C:bK, C:xK or C:eop)");
    expect_error(HEAD "input: 0:d d\n", "x.yaml:4:12: item 'd' is malformed (expected C:d, "
                                        "C:d/N, C:bK, C:xK or C:eop)");
    expect_error(HEAD "input: 0:d/\n", "x.yaml:4:8: item '0:d/' is malformed (expected C:d, "
                                       "C:d/N, C:bK, C:xK or C:eop)");
    expect_error(HEAD "input: -1:d\n", "x.yaml:4:8: item '-1:d' is malformed (expected C:d, "
                                       "C:d/N, C:bK, C:xK or C:eop)");
}

BS_TEST(items, channel_must_exist)
{
    expect_error(HEAD "input: 0:d\n  3:d\n",
                 "x.yaml:5:3: item '3:d': channel is out of range (0..2)");
}

BS_TEST(items, data_size_is_between_8_and_the_page_size)
{
    expect_error(HEAD "input: 0:d/7 0:d/8\n",
                 "x.yaml:4:8: item '0:d/7': size is out of range (8..32768)");
    expect_error(HEAD "input: 0:d/32769\n",
                 "x.yaml:4:8: item '0:d/32769': size is out of range (8..32768)");
    expect_error(HEAD "options: {page-size: 64}\ninput: 0:d/64 0:d\n",
                 "x.yaml:5:15: item '0:d': size is out of range (8..64)");
}

BS_TEST(items, ids_start_at_1_and_fit_64_bits)
{
    expect_error(HEAD "input: 0:b0\n",
                 "x.yaml:4:8: item '0:b0': barrier id is out of range (1..18446744073709551615)");
    expect_error(HEAD "input: 0:x0\n",
                 "x.yaml:4:8: item '0:x0': cancel id is out of range (1..18446744073709551615)");
    expect_error(HEAD "input: 0:b18446744073709551616\n",
                 "x.yaml:4:8: item '0:b18446744073709551616': barrier id is out of range "
                 "(1..18446744073709551615)");
    scenario sc;
    expect_ok(HEAD "input: 0:b18446744073709551615\n", &sc);
    cr_assert_eq(sc.items[0].id, UINT64_MAX);
    scenario_free(&sc);
}

BS_TEST(items, item_after_its_channels_eop_is_refused)
{
    expect_error("name: t\nstrategy: spill\nchannels: 3\ndescription: x\nexpect:\n  trace: end\n"
                 "input: |\n  0:d 1:eop\n  0:d 1:d\n",
                 "x.yaml:9:7: item '1:d' comes after channel 1's eop");
}

BS_TEST(items, input_may_be_empty)
{
    scenario sc;
    expect_ok(HEAD "input: ''\n", &sc);
    cr_assert_eq(sc.items_len, 0);
    scenario_free(&sc);
}

/* ---- isolation ---------------------------------------------------------------------- */
static void hook_segv(void) { raise(SIGSEGV); }
static void hook_sleep(void) { for (;;) pause(); }
static void hook_spin(void) { for (volatile unsigned long i = 0;; i++) {} }

static void hook_close_and_sleep(void)
{
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    for (;;)
        pause();
}

static void hook_big_mapping(void)
{
    size_t len = (size_t)1 << 30; /* more than the child may add */
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        _exit(SC_CHILD_EXIT_NOMEM);
    munmap(p, len);
}

static void expect_isolated_error(void (*hook)(void), const char *want)
{
    int fds = open_fds();
    sc_test_set_child_hook(hook);
    sc_test_set_timeout_ms(300);
    expect_error(design_example, want);
    sc_test_set_child_hook(NULL);
    sc_test_set_timeout_ms(0);
    expect_no_children();
    cr_assert_eq(open_fds(), fds, "a descriptor leaked");
}

BS_TEST(isolation, a_crashing_parser_becomes_a_clean_error)
{
    expect_isolated_error(hook_segv, "x.yaml:1:1: the YAML parser crashed (signal 11)");
}

BS_TEST(isolation, a_hanging_parser_times_out)
{
    expect_isolated_error(hook_sleep, "x.yaml:1:1: the YAML parser timed out");
}

BS_TEST(isolation, a_spinning_parser_times_out)
{
    expect_isolated_error(hook_spin, "x.yaml:1:1: the YAML parser timed out");
}

BS_TEST(isolation, a_parser_that_closes_its_output_and_hangs_is_still_reaped)
{
    expect_isolated_error(hook_close_and_sleep, "x.yaml:1:1: the YAML parser timed out");
}

BS_TEST(isolation, the_parser_address_space_is_limited)
{
    expect_isolated_error(hook_big_mapping, "x.yaml:1:1: the YAML parser ran out of memory");
}

BS_TEST(isolation, a_normal_load_leaves_no_child_and_no_descriptor)
{
    int fds = open_fds();
    scenario sc;
    expect_ok(design_example, &sc);
    scenario_free(&sc);
    expect_error(HEAD "input: 0:q\n", "x.yaml:4:8: item '0:q' is malformed (expected C:d, C:d/N, "
                                      "C:bK, C:xK or C:eop)");
    expect_no_children();
    cr_assert_eq(open_fds(), fds);
}

BS_TEST(isolation, the_child_does_not_flush_the_parents_stdio_buffers)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    fputs("once", f); /* left in the buffer while the child runs */
    scenario sc;
    expect_ok(design_example, &sc);
    scenario_free(&sc);
    expect_isolated_error(hook_segv, "x.yaml:1:1: the YAML parser crashed (signal 11)");
    fflush(f);
    rewind(f);
    char buf[32] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(buf, "once");
}

BS_TEST(isolation, loading_works_when_sigchld_is_ignored)
{
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the system: waitpid says ECHILD */
    scenario sc;
    expect_ok(design_example, &sc);
    cr_assert_eq(sc.items_len, 14);
    scenario_free(&sc);
    expect_isolated_error(hook_sleep, "x.yaml:1:1: the YAML parser stopped without a reply "
                                      "(crashed or timed out)");
    signal(SIGCHLD, SIG_DFL);
}

/* libfyaml 0.7.12 hangs in fy_scan_directive on "%" + a stray UTF-8 continuation byte. */
static int child_parse_unscreened(void *ctx, int fd)
{
    scenario sc;
    sc_err e;
    (void)fd;
    if (sc_parse_validate(ctx, &sc, &e) == 0)
        scenario_free(&sc);
    return 0;
}

BS_TEST(isolation, a_real_libfyaml_hang_is_contained_and_screening_prevents_it)
{
    expect_error("%\xa6", "x.yaml:1:2: invalid UTF-8 (unexpected continuation byte 0xA6)");
    char buf[] = "%\xa6";
    uint32_t line_starts[1] = {0};
    sc_text t = {.buf = buf, .len = 2, .line_starts = line_starts, .lines = 1};
    uint8_t *reply = NULL;
    size_t reply_len = 0;
    char why[256];
    sc_test_set_timeout_ms(300);
    int rc = sc_isolate_run(child_parse_unscreened, &t, &reply, &reply_len, why, sizeof why);
    sc_test_set_timeout_ms(0);
    cr_assert_eq(rc, -1);
    cr_assert_null(reply);
    cr_assert_str_eq(why, "the YAML parser timed out");
    expect_no_children();
}

/* ---- the reply from the child ------------------------------------------------------- */
BS_TEST(wire, every_truncated_reply_is_refused)
{
    scenario sc, out;
    sc_err e;
    sc_wbuf b = {0};
    expect_ok(design_example, &sc);
    sc_wire_put_scenario(&b, &sc);
    scenario_free(&sc);
    cr_assert_not(b.failed);
    cr_assert_eq(sc_wire_decode(b.p, b.len, &out, &e), 0);
    cr_assert_eq(out.items_len, 14);
    scenario_free(&out);
    for (size_t n = 0; n < b.len; n++) {
        cr_assert_eq(sc_wire_decode(b.p, n, &out, &e), -1, "prefix %zu accepted", n);
        cr_assert_null(out.items);
    }
    sc_wbuf_free(&b);
}

BS_TEST(wire, a_reply_that_breaks_the_invariants_is_refused)
{
    sc_item items[2] = {
        {.kind = BS_EOP, .channel = 0, .pos = {1, 1}},
        {.kind = BS_DATA, .channel = 0, .len = 100, .pos = {1, 5}},
    };
    scenario sc = {.name = "t", .strategy = "spill", .channels = 1, .page_size = 32768,
                   .items = items, .items_len = 2};
    scenario out;
    sc_err e;
    sc_wbuf b = {0};
    sc_wire_put_scenario(&b, &sc);
    cr_assert_eq(sc_wire_decode(b.p, b.len, &out, &e), -1);
    cr_assert_str_eq(e.msg, "internal error: the YAML parser process sent a scenario that fails "
                            "its checks (bad item 1)");
    sc_wbuf_free(&b);
}

BS_TEST(wire, in_process_and_forked_loads_agree)
{
    static const char *const texts[] = {
        design_example, HEAD "input: 0:d 0:q\n", "- a\n", "name: 'abc\n", HEAD "input: &a 0:d\n",
        HEAD "input: |\n  0:d 1:eop\n  1:d\n", "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        scenario a, b;
        char err_a[1024];
        int ra = sc_load_inprocess("x.yaml", (const uint8_t *)texts[i], strlen(texts[i]), &a,
                                   err_a, sizeof err_a);
        int rb = load(texts[i], &b);
        cr_assert_eq(ra, rb, "text %zu", i);
        if (ra != 0) {
            cr_assert_str_eq(err_a, errbuf);
            continue;
        }
        cr_assert_eq(a.items_len, b.items_len);
        cr_assert_eq(memcmp(a.items, b.items, a.items_len * sizeof *a.items), 0);
        scenario_free(&a);
        scenario_free(&b);
    }
}

/* ---- files -------------------------------------------------------------------------- */
BS_TEST(files, a_file_is_loaded_from_disk)
{
    char path[] = "/tmp/test_loader_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    ssize_t len = (ssize_t)strlen(design_example);
    cr_assert_eq(write(fd, design_example, (size_t)len), len);
    close(fd);
    scenario sc;
    int rc = scenario_load(path, &sc, errbuf, sizeof errbuf);
    unlink(path);
    cr_assert_eq(rc, 0, "%s", errbuf);
    cr_assert_str_eq(sc.path, path);
    cr_assert_eq(sc.items_len, 14);
    scenario_free(&sc);
}

BS_TEST(files, unreadable_files_are_reported)
{
    scenario sc;
    cr_assert_eq(scenario_load("/nonexistent/x.yaml", &sc, errbuf, sizeof errbuf), -1);
    cr_assert_str_eq(errbuf, "/nonexistent/x.yaml:1:1: cannot read the file: No such file or "
                             "directory");
    cr_assert_eq(scenario_load("/tmp", &sc, errbuf, sizeof errbuf), -1);
    cr_assert_str_eq(errbuf, "/tmp:1:1: cannot read the file: Is a directory");
}

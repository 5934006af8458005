/*
 * test_text.c: the tree's one JSON escaper and one shell quoter (sim/text.h): every control
 * character and DEL escaped as \u00XX (the report writer and the command line once differed
 * on DEL), quotes, backslashes and newlines escaped, UTF-8 left as it is; shell words quoted
 * only when needed.
 */
#include "bs_test.h"

#include "../sim/text.h"

#include <stdlib.h>
#include <string.h>

static char *json_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    sim_json_string(f, s);
    fclose(f);
    return buf;
}

BS_TEST(text, json_escapes_controls_and_del)
{
    static const struct { const char *in, *out; } cases[] = {
        {"plain", "\"plain\""},
        {"a\"b\\c", "\"a\\\"b\\\\c\""},
        {"line\nnext", "\"line\\nnext\""},
        {"\x01\x1f", "\"\\u0001\\u001f\""},
        {"del\x7f", "\"del\\u007f\""},
        {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
        {"", "\"\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = json_of(cases[i].in);
        cr_assert_str_eq(got, cases[i].out, "case %zu", i);
        free(got);
    }
}

BS_TEST(text, shell_quotes_only_when_needed)
{
    char out[64];
    sim_shell_quote("scenarios/a-b_c.yaml", out, sizeof out);
    cr_assert_str_eq(out, "scenarios/a-b_c.yaml");
    sim_shell_quote("it's here", out, sizeof out);
    cr_assert_str_eq(out, "'it'\\''s here'");
    sim_shell_quote("", out, sizeof out);
    cr_assert_str_eq(out, "''");
}

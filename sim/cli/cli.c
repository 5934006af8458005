/*
 * cli.c: die(), BS_BUG(), number parsing and quoting shared by the verbs.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *cli_argv0 = "barriersim";

void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("barriersim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_USAGE);
}

bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

uint64_t cli_flag_u64(const char *verb, const char *flag, const char *v, uint64_t min, uint64_t max)
{
    uint64_t x;
    if (!v || !cli_parse_u64(v, min, max, &x))
        die("%s: %s: '%s' is not a whole number from %llu to %llu", verb, flag, v ? v : "",
            (unsigned long long)min, (unsigned long long)max);
    return x;
}

bool cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }

void cli_shell_quote(const char *s, char *out, size_t out_len)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *p))
            plain = false;
    if (plain) {
        snprintf(out, out_len, "%s", s);
        return;
    }
    size_t n = 0;
    if (n + 1 < out_len)
        out[n++] = '\'';
    for (const char *p = s; *p && n + 5 < out_len; p++) {
        if (*p == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else {
            out[n++] = *p;
        }
    }
    if (n + 1 < out_len)
        out[n++] = '\'';
    out[n < out_len ? n : out_len - 1] = '\0';
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

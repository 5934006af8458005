/*
 * text.c: text escaped for its reader (text.h): JSON strings and POSIX shell words. One
 * escaper each for the whole tree (reports, compare, the command line).
 */
#include "text.h"

#include <stdbool.h>
#include <string.h>

void sim_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void sim_shell_quote(const char *s, char *out, size_t out_len)
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

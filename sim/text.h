/*
 * text.h: escaping text for its reader, shared by every module that writes JSON or prints
 * a command (sim/report, sim/compare, sim/cli), so that there is one rule for each.
 */
#ifndef SIM_TEXT_H
#define SIM_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as a JSON string: quotes, backslash and newline escaped, and every other control
 * character and DEL (0x7f) as \u00XX, so that no output carries an invisible byte. Bytes
 * of 0x80 and above pass as they are (UTF-8 text stays as it is). */
void sim_json_string(FILE *f, const char *s);

/* Writes s into out (out_len bytes, always terminated) quoted for a POSIX shell when it
 * needs quoting (single quotes; a ' as '\''); as it is otherwise. */
void sim_shell_quote(const char *s, char *out, size_t out_len);

#endif

/*
 * scenario.h: handler-level scenario files (DESIGN.md section 3), loaded into plain structs.
 *
 * Loading is hostile-input safe: the bytes are screened first (size cap, valid UTF-8, no
 * tabs or other control characters, CRLF folded to LF), then parsed by libfyaml in a child
 * process with a time and memory limit, so that a parser crash or hang becomes a clean
 * error. Every error reads "file:line:col: what is wrong".
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include "../../core/barriersim.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SC_FILE_BYTES_MAX (1u << 20)   /* larger scenario files are refused */
#define SC_ITEMS_MAX 1000000u          /* items in `input` */
#define SC_FAULTS_MAX 256u
#define SC_NAME_MAX 128u
#define SC_DATA_BYTES_DEFAULT 100u     /* `C:d` without /N */
#define SC_DATA_BYTES_MIN 8u
#define SC_PAGE_SIZE_MAX 16777216u  /* option page-size, at most */

typedef struct sc_pos {
    uint32_t line, col;                /* 1-based, as editors count (col in characters) */
} sc_pos;

typedef struct sc_item {
    bs_kind kind;
    uint32_t channel;
    uint64_t id;                       /* barrier or cancel */
    uint32_t len;                      /* data bytes */
    sc_pos pos;                        /* where the item is written */
} sc_item;

typedef enum sc_call { SC_CALL_OPEN, SC_CALL_WRITE, SC_CALL_READ, SC_CALL_CLOSE, SC_CALL_UNLINK, SC_CALL_COUNT } sc_call;

typedef struct sc_fault {
    sc_call call;
    uint64_t nth;                      /* 1-based: the nth call of that kind in the run */
    int err;                           /* errno to fail with, or 0 for a short transfer */
    uint32_t short_bytes;              /* with err == 0: bytes the call transfers */
    sc_pos pos;
} sc_fault;

typedef struct scenario {
    char path[512];                    /* as given to the loader */
    char name[SC_NAME_MAX];
    char *description;                 /* NULL when absent */
    char strategy[32];
    uint32_t channels;
    uint32_t page_size;                /* option page-size, default BS_PAGE_SIZE_DEFAULT */
    BS_OPTION_FIELDS;                  /* strategy options (the descriptor's options table),
                                          0 when absent */
    sc_fault *faults;
    size_t faults_len;
    sc_item *items;
    size_t items_len;
    char *expect_trace;                /* NULL when absent; tokens separated by one space */
    char *expect_error;                /* NULL when absent */
} scenario;

/* Returns the name of a call ("open", ...) and looks one up (-1 when unknown). */
const char *sc_call_name(sc_call c);
int sc_call_find(const char *name);
/* The name of an errno a scenario's `faults` may use ("EIO", ...), NULL for others. */
const char *sc_errno_name(int err);

/*
 * Loads a scenario file. Returns 0 and fills *out (free with scenario_free), or -1 with
 * "path:line:col: message" in err (err_len bytes) and *out zeroed.
 */
int scenario_load(const char *path, scenario *out, char *err, size_t err_len);

/* As scenario_load, from bytes in memory; `path` is only used in messages. */
int scenario_load_bytes(const char *path, const uint8_t *bytes, size_t len, scenario *out,
                        char *err, size_t err_len);

void scenario_free(scenario *sc);

#endif

/*
 * io_fault.h: an I/O interface that wraps another and fails chosen calls, the way SQLite's
 * test_malloc fails the Nth allocation. It also counts live files (opened and not yet
 * unlinked), so that a run can check that no spill file survives cleanup.
 *
 * Rules name a call kind and its Nth occurrence in the run (1-based) and either an errno
 * or a short transfer. `fail_any_nth` fails the Nth call of any kind with `fail_any_err`.
 * Failing semantics: open creates nothing; write and read transfer nothing; close still
 * releases the handle (as close(2) does); unlink leaves the file in place.
 */
#ifndef SIM_IO_FAULT_H
#define SIM_IO_FAULT_H

#include "../../core/barriersim.h"

#define IO_FAULT_RULES_MAX 256

typedef enum io_call { IO_OPEN, IO_WRITE, IO_READ, IO_CLOSE, IO_UNLINK, IO_CALLS } io_call;

typedef struct io_fault_rule {
    io_call call;
    uint64_t nth;
    int err;                   /* errno, or 0 for a short transfer */
    uint32_t short_bytes;
} io_fault_rule;

typedef struct io_fault {
    bs_io inner;
    io_fault_rule rules[IO_FAULT_RULES_MAX];
    size_t rules_len;
    uint64_t calls[IO_CALLS];  /* calls seen so far, by kind */
    uint64_t calls_total;
    uint64_t fail_any_nth;     /* 0: off */
    int fail_any_err;
    uint64_t faults_fired;
    io_call fired_call;        /* the last fault: its call and that call's count */
    uint64_t fired_nth;
    uint64_t live_files;
    uint64_t files_created;
} io_fault;

/* Wraps `inner` (copied). `io` is filled with the wrapper, whose ctx is `f`. */
void io_fault_init(bs_io *io, io_fault *f, const bs_io *inner);

/* Adds a rule; 0, or BS_EINVAL when the table is full or the rule is malformed. */
int io_fault_add(io_fault *f, io_call call, uint64_t nth, int err, uint32_t short_bytes);

/* The names of the calls, indexed by io_call: "open", "write", "read", "close", "unlink". */
extern const char *const io_call_names[IO_CALLS];

/* Returns io_call_names[c], or "?" for a value outside the enum. */
const char *io_call_name(io_call c);

#endif

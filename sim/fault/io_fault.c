/*
 * io_fault.c: the fault-injecting I/O wrapper (see io_fault.h for the contract).
 */
#include "io_fault.h"

#include <errno.h>

/* The one table of I/O call names: scenario files (sim/scenario/faults.c), traces and
 * counterexamples all spell calls with it. */
const char *const io_call_names[IO_CALLS] = {
    [IO_OPEN] = "open", [IO_WRITE] = "write", [IO_READ] = "read", [IO_CLOSE] = "close", [IO_UNLINK] = "unlink",
};

const char *io_call_name(io_call c)
{
    return c < IO_CALLS ? io_call_names[c] : "?";
}

int io_fault_add(io_fault *f, io_call call, uint64_t nth, int err, uint32_t short_bytes)
{
    if (f->rules_len == IO_FAULT_RULES_MAX || call >= IO_CALLS || nth == 0)
        return BS_EINVAL;
    if (err == 0 && (short_bytes == 0 || (call != IO_WRITE && call != IO_READ)))
        return BS_EINVAL;
    f->rules[f->rules_len++] = (io_fault_rule){call, nth, err, short_bytes};
    return 0;
}

/* Counts the call and returns the rule that fires on it, or NULL. */
static const io_fault_rule *fault_match(io_fault *f, io_call call, io_fault_rule *any)
{
    uint64_t n = ++f->calls[call];
    f->calls_total++;
    if (f->fail_any_nth && f->calls_total == f->fail_any_nth) {
        *any = (io_fault_rule){call, n, f->fail_any_err ? f->fail_any_err : EIO, 0};
        f->faults_fired++;
        f->fired_call = call;
        f->fired_nth = n;
        return any;
    }
    for (size_t i = 0; i < f->rules_len; i++) {
        if (f->rules[i].call == call && f->rules[i].nth == n) {
            f->faults_fired++;
            f->fired_call = call;
            f->fired_nth = n;
            return &f->rules[i];
        }
    }
    return NULL;
}

static int fault_open(void *ctx, uint64_t no, bs_file *file)
{
    io_fault *f = ctx;
    io_fault_rule any;
    const io_fault_rule *r = fault_match(f, IO_OPEN, &any);
    if (r)
        return -r->err;
    int rc = f->inner.open(f->inner.ctx, no, file);
    if (rc == 0) {
        f->live_files++;
        f->files_created++;
    }
    return rc;
}

static long fault_write(void *ctx, bs_file *file, const void *buf, size_t n)
{
    io_fault *f = ctx;
    io_fault_rule any;
    const io_fault_rule *r = fault_match(f, IO_WRITE, &any);
    if (r && r->err)
        return -r->err;
    if (r && r->short_bytes < n)
        n = r->short_bytes;
    return f->inner.write(f->inner.ctx, file, buf, n);
}

static long fault_read(void *ctx, bs_file *file, uint64_t off, void *buf, size_t n)
{
    io_fault *f = ctx;
    io_fault_rule any;
    const io_fault_rule *r = fault_match(f, IO_READ, &any);
    if (r && r->err)
        return -r->err;
    if (r && r->short_bytes < n)
        n = r->short_bytes;
    return f->inner.read(f->inner.ctx, file, off, buf, n);
}

static int fault_close(void *ctx, bs_file *file)
{
    io_fault *f = ctx;
    io_fault_rule any;
    const io_fault_rule *r = fault_match(f, IO_CLOSE, &any);
    int rc = f->inner.close(f->inner.ctx, file);
    return r ? -r->err : rc;
}

static int fault_unlink(void *ctx, bs_file *file)
{
    io_fault *f = ctx;
    io_fault_rule any;
    const io_fault_rule *r = fault_match(f, IO_UNLINK, &any);
    if (r)
        return -r->err;
    int rc = f->inner.unlink(f->inner.ctx, file);
    if (rc == 0 && f->live_files > 0)
        f->live_files--;
    return rc;
}

void io_fault_init(bs_io *io, io_fault *f, const bs_io *inner)
{
    *f = (io_fault){.inner = *inner};
    *io = (bs_io){f, fault_open, fault_write, fault_read, fault_close, fault_unlink};
}

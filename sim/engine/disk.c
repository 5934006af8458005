/*
 * disk.c: the I/O a task's handler sees (engine_int.h, sim_disk). It sits in front of the
 * task's io_fault (which fails calls by count: write and read errors, short writes) and
 * adds what io_fault lacks: the live spill files and bytes a task holds (for the bounds of
 * restart.c), ENOSPC after a byte budget, and read-back faults on a whole file: the first
 * record's kind byte flipped (the reader must report "unknown record kind"), the file cut
 * after 1 to 8 bytes (the reader must report a trailing incomplete record) and, as a planted
 * bug, one data record silently left out. A read-back fault is taken by the next file read
 * from its start. Nothing here allocates.
 */
#include "engine_int.h"

#include <errno.h>
#include <string.h>

#define REC_HEADER 9u /* int32 channel | int32 length | uint8 kind (DESIGN.md section 4) */
#define KIND_AT 8u

static sim_disk_file *file_of(sim_disk *d, uint64_t no)
{
    for (uint32_t i = 0; i < d->n_files; i++)
        if (d->files[i].no == no)
            return &d->files[i];
    return NULL;
}

static int disk_open(void *ctx, uint64_t no, bs_file *f)
{
    sim_disk *d = ctx;
    int rc = d->inner.open(d->inner.ctx, no, f);
    if (rc < 0)
        return rc;
    if (d->n_files == SIM_DISK_FILES) {
        d->overflow = true;
        return rc;
    }
    d->files[d->n_files++] = (sim_disk_file){.no = no, .trunc_at = UINT64_MAX};
    return rc;
}

static long disk_write(void *ctx, bs_file *f, const void *buf, size_t n)
{
    sim_disk *d = ctx;
    if (d->enospc_armed) {
        if (d->enospc_budget == 0) {
            d->fired++;
            return -ENOSPC;
        }
        if (n > d->enospc_budget)
            n = (size_t)d->enospc_budget;
    }
    long k = d->inner.write(d->inner.ctx, f, buf, n);
    if (k <= 0)
        return k;
    if (d->enospc_armed)
        d->enospc_budget -= (uint64_t)k;
    sim_disk_file *df = file_of(d, f->no);
    if (df)
        df->bytes += (uint64_t)k;
    d->live_bytes += (uint64_t)k;
    d->written_bytes += (uint64_t)k;
    return k;
}

/* Planted: finds the first data record of the file (reading the files themselves) and
 * marks its bytes to be left out. */
static void plan_drop(sim_disk *d, bs_file *f, sim_disk_file *df)
{
    uint64_t off = 0;
    for (int guard = 0; guard < 4096 && off + REC_HEADER <= df->bytes; guard++) {
        uint8_t h[REC_HEADER];
        if (d->raw->read(d->raw->ctx, f, off, h, sizeof h) != (long)sizeof h)
            return;
        uint32_t len;
        memcpy(&len, h + 4, 4); /* little-endian host assumed, as the spill format is */
        uint64_t end = off + REC_HEADER + len;
        if (h[KIND_AT] == 0 && end <= df->bytes) {
            df->drop_from = off;
            df->drop_to = end;
            d->drop_armed = false;
            d->fired++;
            return;
        }
        off = end;
    }
}

/* At the first read of a file from its start: an armed read-back fault takes the file. */
static void first_read(sim_disk *d, bs_file *f, sim_disk_file *df)
{
    df->read_seen = true;
    if (d->corrupt_armed && df->bytes > KIND_AT) {
        d->corrupt_armed = false;
        df->corrupt = true;
        d->fired++;
    } else if (d->truncate_armed && df->bytes > d->truncate_at) {
        d->truncate_armed = false;
        df->trunc_at = d->truncate_at;
        d->fired++;
    } else if (d->drop_armed) {
        plan_drop(d, f, df);
    }
}

static long disk_read(void *ctx, bs_file *f, uint64_t off, void *buf, size_t n)
{
    sim_disk *d = ctx;
    sim_disk_file *df = file_of(d, f->no);
    if (!df)
        return d->inner.read(d->inner.ctx, f, off, buf, n);
    if (!df->read_seen && off == 0)
        first_read(d, f, df);
    if (df->trunc_at != UINT64_MAX) {
        if (off >= df->trunc_at)
            return 0;
        if (n > df->trunc_at - off)
            n = (size_t)(df->trunc_at - off);
    }
    uint64_t phys = off;
    if (df->drop_to > df->drop_from) {
        if (off < df->drop_from) {
            if (n > df->drop_from - off)
                n = (size_t)(df->drop_from - off); /* a short read: the reader retries */
        } else {
            phys = off + (df->drop_to - df->drop_from);
        }
    }
    long k = d->inner.read(d->inner.ctx, f, phys, buf, n);
    if (k > 0 && df->corrupt && off <= KIND_AT && KIND_AT < off + (uint64_t)k)
        ((uint8_t *)buf)[KIND_AT - off] ^= 0x7e;
    return k;
}

static int disk_close(void *ctx, bs_file *f)
{
    sim_disk *d = ctx;
    return d->inner.close(d->inner.ctx, f);
}

static int disk_unlink(void *ctx, bs_file *f)
{
    sim_disk *d = ctx;
    int rc = d->inner.unlink(d->inner.ctx, f);
    if (rc < 0)
        return rc;
    sim_disk_file *df = file_of(d, f->no);
    if (df) {
        d->live_bytes -= df->bytes;
        *df = d->files[--d->n_files];
    }
    return rc;
}

void sim_disk_init(bs_io *io, sim_disk *d, const bs_io *inner, const bs_io *raw)
{
    *d = (sim_disk){.inner = *inner, .raw = raw};
    *io = (bs_io){d, disk_open, disk_write, disk_read, disk_close, disk_unlink};
}

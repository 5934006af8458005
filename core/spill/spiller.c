/*
 * spiller.c: writes blocked items to spill files and rolls them over into sequences that
 * are read back from their start.
 *
 * Contract: one write call per record (retried on short writes), the file created lazily
 * on the first record and numbered 1, 2, ... within the spiller; a roll-over with nothing
 * written yields no sequence. Every record is checked right before it is written, and the
 * reader checks it again when it comes back. Errors name the file by number (deterministic)
 * and print its path and errno on stderr. Removing a file closes it, then unlinks it,
 * retrying the unlink so that a transient failure does not leave the file behind.
 * An interrupted call (-EINTR, see the I/O interface in barriersim.h) is retried, as POSIX
 * code retries EINTR: up to BS_IO_EINTR_RETRIES times in a row, then it is an error.
 */
#include "../bs_spill.h"
#include "../core_int.h"

#include <errno.h>
#include <string.h>

#define WRITE_NO_PROGRESS_MAX 16
#define UNLINK_ATTEMPTS_MAX 3

static void report_io(char *errmsg, size_t errmsg_len, const bs_file *f, const char *call, int err,
                      bool quiet)
{
    if (errmsg && errmsg_len)
        snprintf(errmsg, errmsg_len, "spill file %llu: %s: %s", (unsigned long long)f->no, call,
                 strerror(err));
    if (!quiet)
        fprintf(stderr, "barriersim: spill file %llu (%s): %s: %s\n", (unsigned long long)f->no,
            f->path[0] ? f->path : "no path", call, strerror(err));
}

int bs_spiller_init(bs_spiller *sp, const bs_io *io, uint32_t page_size, uint32_t channels)
{
    memset(sp, 0, sizeof *sp);
    sp->io = io;
    sp->page_size = page_size ? page_size : BS_PAGE_SIZE_DEFAULT;
    sp->channels = channels;
    sp->next_file_no = 1;
    size_t payload_max = sp->page_size > BS_SPILL_EVENT_BARRIER_BYTES ? sp->page_size
                                                                      : BS_SPILL_EVENT_BARRIER_BYTES;
    sp->stage = malloc(BS_SPILL_HEADER_BYTES + payload_max);
    return sp->stage ? 0 : BS_ENOMEM;
}

static int spiller_open_file(bs_spiller *sp)
{
    memset(&sp->file, 0, sizeof sp->file);
    sp->file.no = sp->next_file_no++;
    sp->file.fd = -1;
    int rc, tries = 0;
    do
        rc = sp->io->open(sp->io->ctx, sp->file.no, &sp->file);
    while (rc == -EINTR && ++tries < BS_IO_EINTR_RETRIES);
    if (rc < 0) {
        report_io(sp->errmsg, sizeof sp->errmsg, &sp->file, "open", -rc, sp->quiet);
        return BS_EIO;
    }
    sp->file_open = true;
    sp->bytes = sp->records = 0;
    return 0;
}

/* Writes all n bytes, retrying short writes; 0 or BS_EIO. */
static int spiller_write_all(bs_spiller *sp, const uint8_t *p, size_t n)
{
    size_t done = 0;
    int stalls = 0, interrupts = 0;
    while (done < n) {
        long k = sp->io->write(sp->io->ctx, &sp->file, p + done, n - done);
        if (k == -EINTR && ++interrupts < BS_IO_EINTR_RETRIES)
            continue;
        if (k < 0) {
            report_io(sp->errmsg, sizeof sp->errmsg, &sp->file, "write", (int)-k, sp->quiet);
            return BS_EIO;
        }
        if (k == 0 && ++stalls > WRITE_NO_PROGRESS_MAX) {
            report_io(sp->errmsg, sizeof sp->errmsg, &sp->file, "write", EIO, sp->quiet);
            return BS_EIO;
        }
        BS_ASSERT((size_t)k <= n - done);
        done += (size_t)k;
    }
    return 0;
}

/* The record in the stage must say what the item says (paired with the reader's checks). */
static void spiller_check_stage(const bs_spiller *sp, const bs_item *it, size_t n)
{
    const uint8_t *h = sp->stage;
    uint32_t channel = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    uint32_t len = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
    BS_ASSERT(channel == it->channel);
    BS_ASSERT(n == BS_SPILL_HEADER_BYTES + (size_t)len);
    BS_ASSERT(h[8] == (it->kind == BS_DATA ? BS_SPILL_KIND_DATA : BS_SPILL_KIND_EVENT));
    BS_ASSERT(it->kind != BS_DATA || len <= sp->page_size);
}

int bs_spiller_add(bs_spiller *sp, const bs_item *it)
{
    BS_ASSERT(it->kind != BS_DATA || it->len <= sp->page_size);
    BS_ASSERT(sp->channels == 0 || it->channel < sp->channels);
    if (!sp->file_open) {
        int rc = spiller_open_file(sp);
        if (rc)
            return rc;
    }
    size_t n = bs_spill_encode(it, sp->stage);
    spiller_check_stage(sp, it, n);
    int rc = spiller_write_all(sp, sp->stage, n);
    if (rc)
        return rc;
    sp->bytes += n;
    sp->records++;
    return 0;
}

static long seq_read(void *ctx, uint64_t off, void *buf, size_t n)
{
    bs_spill_seq *seq = ctx;
    if (off >= seq->size_bytes)
        return 0;
    if (n > seq->size_bytes - off)
        n = (size_t)(seq->size_bytes - off);
    /* -EINTR goes back to the reader, which retries it: one bound on the retries in a row
     * (retrying here as well made it BS_IO_EINTR_RETRIES squared) */
    return seq->io->read(seq->io->ctx, &seq->file, off, buf, n);
}

int bs_spiller_roll_over(bs_spiller *sp, bs_spill_seq **out)
{
    *out = NULL;
    if (!sp->file_open)
        return 0;
    BS_ASSERT(sp->bytes > 0);
    bs_spill_seq *seq = calloc(1, sizeof *seq);
    if (!seq)
        return BS_ENOMEM;
    seq->file = sp->file;
    seq->file_open = seq->file_exists = true;
    seq->size_bytes = sp->bytes;
    seq->io = sp->io;
    seq->quiet = sp->quiet;
    int rc = bs_spill_reader_init(&seq->reader, seq_read, seq, sp->page_size, sp->channels);
    BS_ASSERT(rc == 0); /* it allocates nothing (the window comes with the first read) */
    bs_spill_reader_size_hint(&seq->reader, seq->size_bytes);
    sp->file_open = false;
    sp->bytes = sp->records = 0;
    *out = seq;
    return 0;
}

/* Closes (if open) and unlinks a file; returns 0 or BS_EIO for the first failure. */
static int spill_file_remove(const bs_io *io, bs_file *f, bool *open, bool *exists, char *errmsg,
                             size_t errmsg_len, bool quiet)
{
    int rc = 0;
    if (*open) {
        *open = false;
        int k = io->close(io->ctx, f);
        if (k == -EINTR)
            k = 0; /* the handle is released even so (see bs_io.close) */
        if (k < 0) {
            report_io(errmsg, errmsg_len, f, "close", -k, quiet);
            rc = BS_EIO;
        }
    }
    for (int attempt = 0, interrupts = 0; *exists && attempt < UNLINK_ATTEMPTS_MAX; attempt++) {
        int k = io->unlink(io->ctx, f);
        if (k == -EINTR && ++interrupts < BS_IO_EINTR_RETRIES) {
            attempt--; /* an interrupted call is not an attempt */
            continue;
        }
        if (k == 0 || k == -ENOENT) {
            *exists = false;
        } else if (rc == 0) {
            report_io(errmsg, errmsg_len, f, "unlink", -k, quiet);
            rc = BS_EIO;
        }
    }
    return rc;
}

int bs_spiller_discard(bs_spiller *sp, char *errmsg, size_t errmsg_len)
{
    bool exists = sp->file_open;
    int rc = spill_file_remove(sp->io, &sp->file, &sp->file_open, &exists, errmsg, errmsg_len, sp->quiet);
    sp->bytes = sp->records = 0;
    return rc;
}

int bs_spiller_close(bs_spiller *sp, char *errmsg, size_t errmsg_len)
{
    int rc = bs_spiller_discard(sp, errmsg, errmsg_len);
    free(sp->stage);
    sp->stage = NULL;
    return rc;
}

int bs_spill_seq_next(bs_spill_seq *seq, bs_item *out, char *errmsg, size_t errmsg_len)
{
    int rc = bs_spill_reader_next(&seq->reader, out);
    if (rc == BS_ECORRUPT) {
        snprintf(errmsg, errmsg_len, "spill file %llu: offset %llu: %s",
                 (unsigned long long)seq->file.no, (unsigned long long)seq->reader.err_offset,
                 seq->reader.errmsg);
    } else if (rc == BS_EIO) {
        report_io(errmsg, errmsg_len, &seq->file, "read", seq->reader.err_errno, seq->quiet);
    }
    return rc;
}

int bs_spill_seq_delete(bs_spill_seq *seq, char *errmsg, size_t errmsg_len)
{
    if (!seq)
        return 0;
    int rc = spill_file_remove(seq->io, &seq->file, &seq->file_open, &seq->file_exists, errmsg,
                               errmsg_len, seq->quiet);
    bs_spill_reader_close(&seq->reader);
    free(seq);
    return rc;
}

/* ---- State capture -------------------------------------------------------------------- */
int bs_spill_file_copy(const bs_io *io, bs_file *f, uint64_t from, uint64_t to, bs_buf *out)
{
    uint8_t chunk[8192];
    while (from < to) {
        size_t want = to - from < sizeof chunk ? (size_t)(to - from) : sizeof chunk;
        long k;
        int tries = 0;
        do
            k = io->read(io->ctx, f, from, chunk, want);
        while (k == -EINTR && ++tries < BS_IO_EINTR_RETRIES);
        if (k < 0) {
            report_io(NULL, 0, f, "read", (int)-k, false);
            return BS_EIO;
        }
        if (k == 0) {
            report_io(NULL, 0, f, "read", EIO, false);
            return BS_EIO;
        }
        if (bs_buf_put(out, chunk, (size_t)k))
            return BS_ENOMEM;
        from += (uint64_t)k;
    }
    return 0;
}

int bs_spiller_restore_file(bs_spiller *sp, uint64_t no, const uint8_t *bytes, size_t n)
{
    BS_ASSERT(!sp->file_open && n > 0);
    uint64_t next = sp->next_file_no;
    sp->next_file_no = no;
    int rc = spiller_open_file(sp);
    sp->next_file_no = next > no ? next : no + 1;
    if (rc)
        return rc;
    rc = spiller_write_all(sp, bytes, n);
    if (rc)
        return rc;
    sp->bytes = n;
    return 0;
}

int bs_spill_seq_restore(bs_spiller *sp, uint64_t no, const uint8_t *bytes, size_t n, uint64_t offset,
                         bs_spill_seq **out)
{
    *out = NULL;
    BS_ASSERT(!sp->file_open && offset <= n);
    int rc = bs_spiller_restore_file(sp, no, bytes, n);
    if (rc == 0)
        rc = bs_spiller_roll_over(sp, out);
    if (rc == 0) {
        (*out)->reader.offset = offset;
        (*out)->reader.buf_off = offset;
        (*out)->reader.buf_len = 0;
    } else if (sp->file_open) {
        bool exists = true;
        spill_file_remove(sp->io, &sp->file, &sp->file_open, &exists, NULL, 0, sp->quiet);
    }
    return rc;
}

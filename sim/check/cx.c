/*
 * cx.c: a violation's path written as a handler-level scenario (DESIGN.md section 3) that
 * `barriersim run` replays: the items in the order the gate yielded them and, when the
 * path injected a disk fault, the faults entry that fails the same call. There is no
 * `expect`: replaying checks the invariants and reports the same violation (exit 1).
 */
#include "check.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int put_item(bs_buf *y, const bs_item *it)
{
    char tok[64];
    switch (it->kind) {
    case BS_DATA: snprintf(tok, sizeof tok, "%u:d/%u", it->channel, it->len); break;
    case BS_BARRIER: snprintf(tok, sizeof tok, "%u:b%llu", it->channel, (unsigned long long)it->id); break;
    case BS_CANCEL: snprintf(tok, sizeof tok, "%u:x%llu", it->channel, (unsigned long long)it->id); break;
    case BS_EOP: snprintf(tok, sizeof tok, "%u:eop", it->channel); break;
    }
    return bs_buf_put(y, tok, strlen(tok));
}

static int put_str(bs_buf *y, const char *s) { return bs_buf_put(y, s, strlen(s)); }

static int put_header(bs_buf *y, const check_config *cfg, const check_result *res)
{
    char line[2048];
    snprintf(line, sizeof line,
             "name: check-%s-counterexample\n"
             "description: |\n"
             "  Shortest counterexample found by barriersim check (%u channels, %s%s%s%s%s).\n"
             "  Violation: %s\n"
             "strategy: %s\nchannels: %u\n",
             cfg->strategy, cfg->channels, cfg->from ? "from a scenario" : "flags",
             cfg->eop ? ", eop" : "", cfg->cancel ? ", cancel" : "", cfg->skip ? ", skip" : "",
             cfg->disk_fault ? ", disk fault" : "", res->message, cfg->strategy, cfg->channels);
    int rc = put_str(y, line);
    bool page = cfg->page_size && cfg->page_size != BS_PAGE_SIZE_DEFAULT;
    if (!rc && (cfg->max_buffered_bytes || cfg->alignment_timeout_ns || page)) {
        rc = put_str(y, "options:\n");
        if (!rc && cfg->alignment_timeout_ns) {
            snprintf(line, sizeof line, "  alignment-timeout: %llu\n", (unsigned long long)cfg->alignment_timeout_ns);
            rc = put_str(y, line);
        }
        if (!rc && cfg->page_size && cfg->page_size != BS_PAGE_SIZE_DEFAULT) {
            snprintf(line, sizeof line, "  page-size: %u\n", cfg->page_size);
            rc = put_str(y, line);
        }
        if (!rc && cfg->max_buffered_bytes) {
            snprintf(line, sizeof line, "  max-buffered-bytes: %llu\n", (unsigned long long)cfg->max_buffered_bytes);
            rc = put_str(y, line);
        }
    }
    return rc;
}

/* The scenario's own faults (they apply to the replay as they did to the search), then
 * the fault the path chose (--disk-fault), if it is not one of them. */
static int put_faults(bs_buf *y, const check_config *cfg, const mc_replay_step *steps, size_t len)
{
    char line[160];
    size_t n = cfg->from ? cfg->from->faults_len : 0;
    int rc = 0;
    bool header = false;
    for (size_t i = 0; i < n && !rc; i++) {
        const sc_fault *f = &cfg->from->faults[i];
        if (f->err)
            snprintf(line, sizeof line, "  - {call: %s, nth: %llu, error: %s}\n", sc_call_name(f->call),
                     (unsigned long long)f->nth, sc_errno_name(f->err));
        else
            snprintf(line, sizeof line, "  - {call: %s, nth: %llu, short: %u}\n", sc_call_name(f->call),
                     (unsigned long long)f->nth, f->short_bytes);
        rc = header ? 0 : put_str(y, "faults:\n");
        header = true;
        rc = rc ? rc : put_str(y, line);
    }
    for (size_t i = 0; i < len && !rc; i++) {
        if (!steps[i].fault || steps[i].fault_from_scenario)
            continue;
        snprintf(line, sizeof line, "  - {call: %s, nth: %llu, error: EIO}\n", io_call_name(steps[i].fault_call),
                 (unsigned long long)steps[i].fault_nth);
        rc = header ? 0 : put_str(y, "faults:\n");
        header = true;
        rc = rc ? rc : put_str(y, line);
    }
    return rc;
}

static int put_body(bs_buf *y, const check_config *cfg, const mc_replay_step *steps, size_t len)
{
    int rc = put_faults(y, cfg, steps, len);
    rc = rc ? rc : put_str(y, "input: |\n ");
    size_t on_line = 0;
    for (size_t i = 0; i < len && !rc; i++) {
        if (!steps[i].has_item)
            continue;
        rc = put_str(y, " ");
        rc = rc ? rc : put_item(y, &steps[i].item);
        if (!rc && ++on_line % 12 == 0)
            rc = put_str(y, "\n ");
    }
    return rc ? rc : put_str(y, "\n");
}

int cx_build(const check_config *cfg, const uint32_t *path, size_t len, check_result *res);

int cx_build(const check_config *cfg, const uint32_t *path, size_t len, check_result *res)
{
    mc_model *m;
    int rc = mc_model_open(&m, cfg);
    if (rc)
        return rc;
    mc_replay_step *steps = calloc(len + 1, sizeof *steps);
    bs_buf y = {0};
    char msg[1024];
    rc = steps ? mc_replay(m, path, len, steps, msg, sizeof msg) : BS_ENOMEM;
    if (!rc && msg[0])
        snprintf(res->message, sizeof res->message, "%s", msg);
    else if (!rc)
        fprintf(stderr, "barriersim: BUG: check: replaying the counterexample did not reproduce: %s\n", res->message);
    rc = rc ? rc : put_header(&y, cfg, res);
    rc = rc ? rc : put_body(&y, cfg, steps, len);
    rc = rc ? rc : bs_buf_put(&y, "", 1);
    if (!rc) {
        res->counterexample = (char *)y.p;
        res->counterexample_steps = (uint32_t)len;
    } else {
        bs_buf_free(&y);
    }
    free(steps);
    mc_model_close(m);
    return rc;
}

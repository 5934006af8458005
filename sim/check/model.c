/*
 * model.c: channel scripts, enabled transitions, and one transition executed against the
 * real core (in-memory spill files behind the fault-injecting I/O) and the checker.
 *
 * A state is "the handler waits at its gate": the handler's full snapshot, the checker's
 * snapshot and the explorer's variables (channel positions, flags). A transition restores
 * a state, answers the gate's pending request with one item (or the end of input), and
 * runs the handler until it asks again, ends, or stops with an error. Data items carry
 * the label (channel << 32 | position), so payloads, spill files and the checker's state
 * do not depend on the order in which channels interleaved.
 */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mc_model {
    check_config cfg;
    mc_script_item *script[MC_CHANNELS_MAX];
    size_t script_len[MC_CHANNELS_MAX];
    bs_io mem, io;
    bs_io_mem mem_ctx;
    io_fault faults;
    bs_gate gate;
    bs_listener listener;
    bs_handler *h;
    verify *v;
    uint8_t *payload;
    mc_vars vars;                    /* of the state being stepped */
    bool pending, exhaust;
    bs_item pending_item;
    uint64_t pending_label;
    uint64_t notifications;
    uint64_t returns;
    uint64_t last_label;
    bs_kind last_kind;
    bool returned_other;
    bool straight;                   /* replaying a path: label items by yield order */
    bs_buf snap_full, snap_canon, snap_verify; /* reused across steps */
    uint64_t next_label;
    uint16_t calls_cap[IO_CALLS];    /* the largest nth of a scenario fault, by kind */
};

uint32_t mc_channels(const mc_model *m) { return m->cfg.channels; }
uint32_t mc_exhaust_transition(const mc_model *m) { return m->cfg.channels * MC_ALTS; }

/* ---- scripts ------------------------------------------------------------------------ */
static int script_from_flags(mc_model *m)
{
    size_t len = (size_t)m->cfg.checkpoints * (m->cfg.data + 1) + m->cfg.data;
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        m->script[c] = calloc(len + 1, sizeof *m->script[c]);
        if (!m->script[c])
            return BS_ENOMEM;
        size_t p = 0;
        for (uint32_t e = 1; e <= m->cfg.checkpoints + 1; e++) {
            for (uint32_t d = 0; d < m->cfg.data; d++)
                m->script[c][p++] = (mc_script_item){BS_DATA, 0, 16};
            if (e <= m->cfg.checkpoints)
                m->script[c][p++] = (mc_script_item){BS_BARRIER, e, 0};
        }
        m->script_len[c] = p;
    }
    return 0;
}

static int script_from_scenario(mc_model *m, const scenario *sc)
{
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        m->script[c] = calloc(sc->items_len + 1, sizeof *m->script[c]);
        if (!m->script[c])
            return BS_ENOMEM;
        for (size_t i = 0; i < sc->items_len; i++) {
            const sc_item *it = &sc->items[i];
            if (it->channel == c)
                m->script[c][m->script_len[c]++] = (mc_script_item){it->kind, it->id, it->len};
        }
    }
    return 0;
}

/* ---- gate and listener -------------------------------------------------------------- */
static int mc_gate_next(void *ctx, const uint64_t *blocked, bs_item *out)
{
    mc_model *m = ctx;
    if (!m->vars.waiting_at_gate && verify_gate(m->v))
        return BS_ESTOPPED;
    m->vars.waiting_at_gate = 0;
    if (m->pending) {
        m->pending = false;
        *out = m->pending_item;
        if (out->kind == BS_DATA) {
            verify_payload_fill(m->payload, out->len, m->pending_label);
            out->data = m->payload;
        }
        verify_item vi = {out->kind, out->channel, out->id, out->len, m->pending_label, out->overtaken};
        return verify_yield(m->v, &vi) ? BS_ESTOPPED : 1;
    }
    if (m->exhaust)
        return 0;
    m->vars.waiting_at_gate = 1;
    m->vars.blocked = blocked ? (uint16_t)blocked[0] : 0;
    return BS_EAGAIN;
}

static void mc_on_begin(void *ctx, uint64_t id)
{
    mc_model *m = ctx;
    verify_begin(m->v, id);
}

static void mc_on_trigger(void *ctx, uint64_t id)
{
    mc_model *m = ctx;
    m->notifications++;
    verify_trigger(m->v, id);
}

static void mc_on_abort(void *ctx, uint64_t id, bs_abort_reason why)
{
    mc_model *m = ctx;
    m->notifications++;
    verify_abort(m->v, id, why);
}

static void mc_on_state(void *ctx, uint64_t id, const bs_item *data)
{
    mc_model *m = ctx;
    m->notifications++;
    verify_channel_state(m->v, id, data);
}

static void mc_on_unaligned(void *ctx, uint64_t id)
{
    mc_model *m = ctx;
    verify_unaligned(m->v, id);
}

static void mc_on_done(void *ctx, uint64_t id)
{
    mc_model *m = ctx;
    m->notifications++;
    verify_done(m->v, id);
}

static int mc_handler_open(mc_model *m)
{
    bs_handler_config hc = {.strategy = m->cfg.strategy, .ops = m->cfg.ops, .channels = m->cfg.channels,
                            .page_size = m->cfg.page_size, .quiet = true};
    memcpy(hc.options, m->cfg.options, sizeof hc.options);
    return bs_handler_open(&m->h, &hc, &m->gate, &m->io, &m->listener);
}

/* A scenario's faults: the same rules `run` applies (hrun.c), counted along each path. */
static int add_scenario_faults(mc_model *m, const scenario *sc)
{
    static const io_call calls[SC_CALL_COUNT] = {IO_OPEN, IO_WRITE, IO_READ, IO_CLOSE, IO_UNLINK};
    for (size_t i = 0; i < sc->faults_len; i++) {
        const sc_fault *f = &sc->faults[i];
        if (f->nth > UINT16_MAX || io_fault_add(&m->faults, calls[f->call], f->nth, f->err, f->short_bytes))
            return BS_EINVAL;
        if (f->nth > m->calls_cap[calls[f->call]])
            m->calls_cap[calls[f->call]] = (uint16_t)f->nth;
    }
    return 0;
}

int mc_model_open(mc_model **out, const check_config *cfg)
{
    *out = NULL;
    if (cfg->channels < 1 || cfg->channels > MC_CHANNELS_MAX)
        return BS_EINVAL;
    mc_model *m = calloc(1, sizeof *m);
    if (!m)
        return BS_ENOMEM;
    m->cfg = *cfg;
    if (!m->cfg.page_size)
        m->cfg.page_size = BS_PAGE_SIZE_DEFAULT;
    bs_io_mem_init(&m->mem, &m->mem_ctx);
    io_fault_init(&m->io, &m->faults, &m->mem);
    m->gate = (bs_gate){.ctx = m, .channels = cfg->channels, .next = mc_gate_next};
    m->listener = (bs_listener){.ctx = m, .begin = mc_on_begin, .trigger = mc_on_trigger, .abort = mc_on_abort,
                                .channel_state = mc_on_state, .done = mc_on_done,
                                .unaligned = mc_on_unaligned};
    verify_config vc = {cfg->channels, cfg->guarantee, cfg->check_progress};
    m->payload = malloc(m->cfg.page_size);
    int rc = m->payload ? 0 : BS_ENOMEM;
    rc = rc ? rc : cfg->from ? script_from_scenario(m, cfg->from) : script_from_flags(m);
    rc = rc || !cfg->from ? rc : add_scenario_faults(m, cfg->from);
    rc = rc ? rc : verify_open(&m->v, &vc);
    rc = rc ? rc : mc_handler_open(m);
    if (rc) {
        mc_model_close(m);
        return rc;
    }
    *out = m;
    return 0;
}

void mc_model_close(mc_model *m)
{
    if (!m)
        return;
    if (m->h)
        bs_handler_close(m->h, NULL, 0);
    verify_close(m->v);
    for (uint32_t c = 0; c < MC_CHANNELS_MAX; c++)
        free(m->script[c]);
    bs_io_mem_close(&m->mem_ctx);
    bs_buf_free(&m->snap_full);
    bs_buf_free(&m->snap_canon);
    bs_buf_free(&m->snap_verify);
    free(m->payload);
    free(m);
}

/* ---- state blobs -------------------------------------------------------------------- */
/* Snapshots and restores read and recreate spill files through the handler's I/O: they are
 * the explorer's doing, not the run's, so no fault fires and no call is counted then. */
typedef struct mc_io_pause {
    uint64_t calls[IO_CALLS], calls_total, fail_any_nth, faults_fired;
    size_t rules_len;
} mc_io_pause;

static void io_pause(mc_model *m, mc_io_pause *p)
{
    memcpy(p->calls, m->faults.calls, sizeof p->calls);
    p->calls_total = m->faults.calls_total;
    p->fail_any_nth = m->faults.fail_any_nth;
    p->faults_fired = m->faults.faults_fired;
    p->rules_len = m->faults.rules_len;
    m->faults.rules_len = 0;
    m->faults.fail_any_nth = 0;
}

static void io_resume(mc_model *m, const mc_io_pause *p)
{
    memcpy(m->faults.calls, p->calls, sizeof p->calls);
    m->faults.calls_total = p->calls_total;
    m->faults.fail_any_nth = p->fail_any_nth;
    m->faults.faults_fired = p->faults_fired;
    m->faults.rules_len = p->rules_len;
}

static int blob_write(mc_model *m, bs_buf *full, bs_buf *canon)
{
    bs_buf *hf = &m->snap_full, *hc = &m->snap_canon, *vs = &m->snap_verify;
    full->len = canon->len = hf->len = hc->len = vs->len = 0;
    mc_io_pause p;
    io_pause(m, &p);
    int rc = bs_handler_snapshot(m->h, 0, hf);
    rc = rc ? rc : bs_handler_snapshot(m->h, BS_SNAP_CANONICAL, hc);
    io_resume(m, &p);
    rc = rc ? rc : verify_snapshot(m->v, vs);
    rc = rc ? rc : bs_buf_put(full, &m->vars, sizeof m->vars);
    rc = rc ? rc : bs_buf_put_u64(full, hf->len);
    rc = rc ? rc : bs_buf_put(full, hf->p, hf->len);
    rc = rc ? rc : bs_buf_put_u64(full, vs->len);
    rc = rc ? rc : bs_buf_put(full, vs->p, vs->len);
    rc = rc ? rc : bs_buf_put(canon, &m->vars, sizeof m->vars);
    rc = rc ? rc : bs_buf_put(canon, hc->p, hc->len);
    return rc ? rc : bs_buf_put(canon, vs->p, vs->len);
}

void mc_vars_of(const uint8_t *full, mc_vars *vars) { memcpy(vars, full, sizeof *vars); }

static int blob_restore(mc_model *m, const uint8_t *full, size_t len)
{
    bs_cursor c = {full, len, 0};
    uint64_t hlen, vlen;
    if (!bs_cursor_get(&c, &m->vars, sizeof m->vars) || !bs_cursor_get_u64(&c, &hlen) || hlen > len - c.pos)
        return BS_ESTATE;
    mc_io_pause p;
    io_pause(m, &p);
    int rc = bs_handler_restore(m->h, full + c.pos, (size_t)hlen);
    io_resume(m, &p);
    c.pos += (size_t)hlen;
    if (rc)
        return rc;
    if (!bs_cursor_get_u64(&c, &vlen) || vlen != len - c.pos)
        return BS_ESTATE;
    return verify_restore(m->v, full + c.pos, (size_t)vlen);
}

int mc_initial(mc_model *m, bs_buf *full, bs_buf *canon)
{
    memset(&m->vars, 0, sizeof m->vars);
    return blob_write(m, full, canon);
}

/* ---- transitions -------------------------------------------------------------------- */
size_t mc_enabled(mc_model *m, const mc_vars *vars, uint32_t *t, size_t t_cap)
{
    size_t n = 0;
    if (vars->terminal || vars->exhausted)
        return 0;
    bool all_at_end = true;
    for (uint32_t c = 0; c < m->cfg.channels; c++) {
        if (vars->ch[c].done)
            continue;
        bool blocked = (vars->blocked >> c) & 1u;
        size_t pos = vars->ch[c].pos;
        if (pos < m->script_len[c]) {
            all_at_end = false;
            bool slot = m->script[c][pos].kind == BS_BARRIER;
            if (!blocked && n < t_cap)
                t[n++] = c * MC_ALTS + MC_ALT_SCRIPT;
            if (!blocked && slot && m->cfg.cancel && n < t_cap)
                t[n++] = c * MC_ALTS + MC_ALT_CANCEL;
            if (slot && m->cfg.skip && n < t_cap)
                t[n++] = c * MC_ALTS + MC_ALT_SKIP;
        }
        if (!blocked && m->cfg.eop && n < t_cap)
            t[n++] = c * MC_ALTS + MC_ALT_EOP;
    }
    if (all_at_end && n < t_cap)
        t[n++] = mc_exhaust_transition(m);
    return n;
}

bool mc_transition_item(const mc_model *m, const mc_vars *vars, uint32_t t, bs_item *it)
{
    t &= (1u << MC_FAULT_SHIFT) - 1;
    if (t >= mc_exhaust_transition(m))
        return false;
    uint32_t c = t / MC_ALTS, alt = t % MC_ALTS;
    memset(it, 0, sizeof *it);
    it->channel = c;
    if (alt == MC_ALT_SKIP)
        return false;
    if (alt == MC_ALT_EOP) {
        it->kind = BS_EOP;
        return true;
    }
    const mc_script_item *s = &m->script[c][vars->ch[c].pos];
    it->kind = alt == MC_ALT_CANCEL ? BS_CANCEL : s->kind;
    it->id = s->id;
    it->len = s->len;
    if (it->kind == BS_BARRIER)
        it->timestamp = vars->ch[c].pos;
    return true;
}

/* Sets up the gate's answer for transition t and advances the channel. False: skip. */
static bool mc_arm(mc_model *m, uint32_t t)
{
    uint32_t base = t & ((1u << MC_FAULT_SHIFT) - 1);
    m->pending = m->exhaust = false;
    if (base == mc_exhaust_transition(m)) {
        m->exhaust = true;
        m->vars.exhausted = 1;
        return true;
    }
    uint32_t c = base / MC_ALTS, alt = base % MC_ALTS;
    if (alt == MC_ALT_SKIP) {
        m->vars.ch[c].pos++;
        return false;
    }
    mc_transition_item(m, &m->vars, base, &m->pending_item);
    m->pending = true;
    m->pending_label = m->straight ? m->next_label++ : (uint64_t)c << 32 | m->vars.ch[c].pos;
    if (alt == MC_ALT_EOP || m->pending_item.kind == BS_EOP)
        m->vars.ch[c].done = 1;
    if (alt != MC_ALT_EOP)
        m->vars.ch[c].pos++;
    return true;
}

/* Runs the handler until it waits at its gate again, ends, or stops. Returns its code. */
static int mc_drive(mc_model *m)
{
    /* Bounded: a handler that returns an item twice is stopped by conservation. */
    for (;;) {
        bs_item it;
        int rc = bs_handler_next(m->h, &it);
        if (rc != 1 || verify_failed(m->v))
            return rc;
        uint64_t label;
        if (verify_returned(m->v, &it, &label))
            return BS_ESTOPPED;
        m->returns++;
        if (it.kind != BS_DATA || label != m->pending_label)
            m->returned_other = true;
    }
}

/* The handler ended or stopped: clean it up, check that no spill file is left, and open a
 * fresh handler for the states still to explore. */
static int mc_terminal(mc_model *m, mc_step_info *info)
{
    info->terminal = true;
    m->vars.terminal = 1;
    char msg[256];
    int rc = bs_handler_close(m->h, msg, sizeof msg);
    m->h = NULL;
    if (rc && !m->vars.fault_used && !info->violation) {
        info->violation = true;
        snprintf(info->message, sizeof info->message, "cleanup failed with no fault to explain it: %s", msg);
    }
    if (!info->violation && verify_cleanup(m->v, bs_io_mem_live(&m->mem_ctx))) {
        info->violation = true;
        snprintf(info->message, sizeof info->message, "%s", verify_message(m->v));
    }
    return mc_handler_open(m);
}

/* Classifies what the handler's run did. */
static void mc_judge(mc_model *m, int hrc, bool fault_fired, mc_step_info *info)
{
    if (verify_failed(m->v)) {
        info->violation = true;
        snprintf(info->message, sizeof info->message, "%s", verify_message(m->v));
    } else if (hrc == 0) {
        if (verify_end(m->v)) {
            info->violation = true;
            snprintf(info->message, sizeof info->message, "%s", verify_message(m->v));
        }
    } else if (hrc < 0 && hrc != BS_EAGAIN && !fault_fired) {
        info->violation = true;
        snprintf(info->message, sizeof info->message, "the handler stopped with an error no fault explains: %s",
                 bs_handler_errmsg(m->h));
    }
}

int mc_step(mc_model *m, const uint8_t *full, size_t full_len, uint32_t t, mc_step_info *info,
            bs_buf *next_full, bs_buf *next_canon)
{
    memset(info, 0, sizeof *info);
    int rc = blob_restore(m, full, full_len);
    if (rc)
        return rc;
    m->notifications = m->returns = 0;
    m->returned_other = false;
    for (int k = 0; k < IO_CALLS; k++)
        m->faults.calls[k] = m->vars.calls[k];
    uint64_t calls0 = m->faults.calls_total, fired0 = m->faults.faults_fired;
    uint32_t j = t >> MC_FAULT_SHIFT;
    m->faults.fail_any_nth = j ? calls0 + j : 0;
    m->faults.fail_any_err = EIO;
    bool handler_step = mc_arm(m, t);
    bool data = handler_step && m->pending && m->pending_item.kind == BS_DATA;
    int hrc = handler_step ? mc_drive(m) : BS_EAGAIN;
    m->faults.fail_any_nth = 0;
    info->io_calls = m->faults.calls_total - calls0;
    bool fault_fired = m->faults.faults_fired > fired0;
    if (fault_fired)
        m->vars.fault_used = 1;
    for (int k = 0; k < IO_CALLS; k++)
        m->vars.calls[k] = (uint16_t)(m->faults.calls[k] < m->calls_cap[k] ? m->faults.calls[k] : m->calls_cap[k]);
    mc_judge(m, hrc, fault_fired, info);
    if (info->violation || (hrc != 1 && hrc != BS_EAGAIN))
        rc = mc_terminal(m, info);
    info->pure = !handler_step || (data && !info->violation && hrc == BS_EAGAIN && m->notifications == 0 &&
                                   info->io_calls == 0 && m->returns == 1 && !m->returned_other);
    return rc ? rc : blob_write(m, next_full, next_canon);
}

int mc_replay(mc_model *m, const uint32_t *path, size_t len, mc_replay_step *steps, char *msg,
              size_t msg_len)
{
    memset(&m->vars, 0, sizeof m->vars);
    m->straight = true;
    m->next_label = 0;
    msg[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        mc_replay_step *st = &steps[i];
        memset(st, 0, sizeof *st);
        st->has_item = mc_transition_item(m, &m->vars, path[i], &st->item);
        uint32_t j = path[i] >> MC_FAULT_SHIFT;
        uint64_t fired0 = m->faults.faults_fired;
        m->faults.fail_any_nth = j ? m->faults.calls_total + j : 0;
        m->faults.fail_any_err = EIO;
        mc_step_info info;
        memset(&info, 0, sizeof info);
        int hrc = mc_arm(m, path[i]) ? mc_drive(m) : BS_EAGAIN;
        m->faults.fail_any_nth = 0;
        if (m->faults.faults_fired > fired0) {
            st->fault = true;
            st->fault_call = m->faults.fired_call;
            st->fault_nth = m->faults.fired_nth;
            st->fault_from_scenario = j == 0;
        }
        mc_judge(m, hrc, st->fault, &info);
        if (!info.violation && hrc != 1 && hrc != BS_EAGAIN)
            mc_terminal(m, &info);
        if (info.violation) {
            snprintf(msg, msg_len, "%s", info.message);
            break;
        }
        if (hrc != 1 && hrc != BS_EAGAIN)
            break;
    }
    return 0;
}

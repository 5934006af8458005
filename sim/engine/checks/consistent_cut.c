/*
 * consistent_cut.c: a completed checkpoint K is a consistent cut. On every channel the data
 * records the sender emitted before b<K> equal (exactly-once) or are at most
 * (at-least-once) those the receiver had been returned when it snapshotted K plus, for an
 * unaligned K, the channel state it reported for K. A channel whose eop the receiver took
 * before that snapshot (for an unaligned K before d<K>), without b<K>, counts all its data
 * (DESIGN.md section 5; the tracker counts a finished channel). The snapshot fields are
 * kept by task.c, the sender's counts by chan.c and chanstate.c.
 */
#include "../engine_int.h"

static void on_complete(sim_world *w, uint64_t k)
{
    bool exact = w->guarantee != VERIFY_AT_LEAST_ONCE;
    for (uint32_t i = 0; i < w->n_chans; i++) {
        const topo_chan *c = &w->chans[i];
        bool ended = c->bar_k != k && c->snap_ended;
        /* Records an unaligned b<K> overtook in the sender's outbox follow b<K> on the
         * wire and are the sender's output state, not the receiver's: the cut on the
         * wire is where b<K> is (chanstate.c). */
        uint64_t before = ended ? c->data_sent : c->bar_before;
        uint64_t counted = c->snap_count + c->snap_state; /* channel state: unaligned K */
        bool ok = (c->bar_k == k || ended) && c->snap_k == k &&
                  (exact ? counted == before : counted >= before);
        if (!ok) {
            sim_fail(w, SIM_VIOLATION, "coord",
                     "consistent cut: checkpoint %llu completed, but on channel %s -> %s in%u the sender "
                     "emitted %llu records before b%llu (last barrier sent b%llu) and the receiver's snapshot "
                     "(of checkpoint %llu) counted %llu (%llu of them channel state)",
                     (unsigned long long)k, w->nodes[c->from].name, w->nodes[c->to].name, c->port,
                     (unsigned long long)before, (unsigned long long)k, (unsigned long long)c->bar_k,
                     (unsigned long long)c->snap_k, (unsigned long long)counted, (unsigned long long)c->snap_state);
            return;
        }
    }
}

const sim_check sim_check_consistent_cut = {
    .name = "consistent cut",
    .on_complete = on_complete,
};

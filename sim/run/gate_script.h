/*
 * gate_script.h: an input gate that yields a scenario's `input` items in order.
 *
 * Data payloads are generated on demand (verify_payload_fill), so a scenario of any length
 * needs one page of memory. With a blocked set, the gate yields the first item not yet
 * taken whose channel is not blocked: per-channel FIFO holds and blocked data waits. Every
 * request is reported to the checker (verify_gate) before it is answered and every item it
 * yields after (verify_yield, labelled with its input number); when the checker
 * has found a violation the gate answers BS_ESTOPPED so that the handler stops at once.
 *
 * Clock (for aligned-timeout): now_ns = 1000 x (items yielded so far) + idle time. The
 * handler may ask for a wake-up (wake_at); when it then waits (BS_EAGAIN), the runner
 * calls gate_script_wake, which moves the idle time on to the wake-up time. A `wait` token
 * in the input (sc_item.wait) makes the gate answer BS_EAGAIN once when a read reaches it,
 * so the runner moves the clock on to the wake-up there (a timeout fires). The gate has
 * no priority read: in a handler-level scenario the input order IS the order in which the
 * gate yields, so barriers never overtake there.
 */
#ifndef SIM_GATE_SCRIPT_H
#define SIM_GATE_SCRIPT_H

#include "../../core/barriersim.h"
#include "../../verify/verify.h"
#include "../scenario/scenario.h"

typedef struct gate_script {
    const sc_item *items;
    size_t items_len;
    size_t first_untaken;     /* every item before it has been yielded */
    bool *taken;
    uint8_t *payload;         /* page_size bytes */
    uint32_t page_size;
    verify *checker;          /* may be NULL */
    uint64_t yielded;
    uint64_t idle_ns;         /* time passed while the handler waited */
    uint64_t wake_ns;         /* the wake-up the handler asked for; 0: none */
    bool waited;              /* a `wait` token was taken: the handler waits for time to pass */
} gate_script;

#define GATE_SCRIPT_NS_PER_ITEM 1000u

/* The handler waits: if it asked for a wake-up later than now, the clock moves on to it
 * and true is returned (call the handler again); false: nothing will wake it. */
bool gate_script_wake(gate_script *g);

/* Prepares the gate; 0 or BS_ENOMEM. `items` must outlive it. */
int gate_script_init(bs_gate *gate, gate_script *g, const sc_item *items, size_t items_len,
                     uint32_t channels, uint32_t page_size, verify *checker);
void gate_script_close(gate_script *g);

#endif

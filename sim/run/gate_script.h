/*
 * gate_script.h: an input gate that yields a scenario's `input` items in order.
 *
 * Data payloads are generated on demand (verify_payload_fill), so a scenario of any length
 * needs one page of memory. With a blocked set, the gate yields the first item not yet
 * taken whose channel is not blocked: per-channel FIFO holds and blocked data waits. Every
 * request is reported to the checker (verify_gate) before it is answered and every item it
 * yields after (verify_yield, labelled with its input number); when the checker
 * has found a violation the gate answers BS_ESTOPPED so that the handler stops at once.
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
} gate_script;

/* Prepares the gate; 0 or BS_ENOMEM. `items` must outlive it. */
int gate_script_init(bs_gate *gate, gate_script *g, const sc_item *items, size_t items_len,
                     uint32_t channels, uint32_t page_size, verify *checker);
void gate_script_close(gate_script *g);

#endif

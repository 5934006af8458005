/*
 * trigger_order.c: trigger ids strictly increase.
 */
#include "../verify_int.h"

static int on_trigger(verify *v, uint64_t id)
{
    if (v->have_trigger && id <= v->last_trigger)
        return verify_fail(v, "trigger-order", "t%llu after t%llu", (unsigned long long)id,
                           (unsigned long long)v->last_trigger);
    return 0;
}

const verify_invariant verify_trigger_order = {
    .name = "trigger-order",
    .on_trigger = on_trigger,
};

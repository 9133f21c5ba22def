/*
 * Copyright (c) 2026 The ovs-ecp-rdma Authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#include "ptr-queue.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static uint64_t
load(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void
store(uint64_t *p, uint64_t x)
{
    __atomic_store_n(p, x, __ATOMIC_RELEASE);
}

void
ptr_queue_init(struct ptr_queue *q, size_t n)
{
    memset(q, 0, sizeof *q);
    q->mask = n - 1;
    q->slots = xalloc_zeroed(n, sizeof *q->slots);
}

void
ptr_queue_destroy(struct ptr_queue *q)
{
    free(q->slots);
    q->slots = NULL;
}

size_t
ptr_queue_room(const struct ptr_queue *q)
{
    return q->mask + 1 - (q->next_prod - load(&q->cons));
}

uint64_t
ptr_queue_published(const struct ptr_queue *q)
{
    return load(&q->prod) - load(&q->cons);
}

uint64_t
ptr_queue_weight(const struct ptr_queue *q)
{
    return q->next_prod_weight - load(&q->cons_weight);
}

bool
ptr_queue_push(struct ptr_queue *q, void *p, uint32_t weight)
{
    if (q->next_prod - load(&q->cons) > q->mask) {
        return false;
    }
    q->slots[q->next_prod++ & q->mask] = p;
    q->next_prod_weight += weight;
    return true;
}

void
ptr_queue_publish(struct ptr_queue *q)
{
    if (q->next_prod != q->prod) {
        store(&q->prod, q->next_prod);
    }
}

size_t
ptr_queue_pop(struct ptr_queue *q, void *ptrs[], size_t max)
{
    uint64_t prod = load(&q->prod);
    uint64_t cons = q->cons;
    size_t n = 0;

    while (n < max && cons != prod) {
        ptrs[n++] = q->slots[cons++ & q->mask];
    }
    if (n) {
        store(&q->cons, cons);
    }
    return n;
}

void
ptr_queue_popped_weight(struct ptr_queue *q, uint64_t weight)
{
    if (weight) {
        store(&q->cons_weight, q->cons_weight + weight);
    }
}

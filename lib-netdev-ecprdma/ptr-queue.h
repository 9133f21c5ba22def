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

#ifndef PTR_QUEUE_H
#define PTR_QUEUE_H 1

/* A queue of pointers from one producer thread to one consumer thread,
 * without locks: for example, packets that one thread reads and another
 * receives.  Each entry carries a weight (its octets, say), so that the
 * producer can bound what waits by more than the number of entries.
 *
 * The producer pushes entries privately and makes them visible with
 * ptr_queue_publish(), once per batch; the consumer takes entries with
 * ptr_queue_pop(), which frees their slots at once, and tells their
 * weight with ptr_queue_popped_weight(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ptr_queue {
    /* Written by the producer, read by both. */
    uint64_t prod;              /* Entries ever published. */
    uint8_t pad0[56];

    /* Written by the consumer, read by both. */
    uint64_t cons;              /* Entries ever popped. */
    uint64_t cons_weight;       /* Their weight. */
    uint8_t pad1[48];

    /* The producer's own. */
    uint64_t next_prod;         /* Entries ever pushed. */
    uint64_t next_prod_weight;

    uint64_t mask;              /* Slots - 1. */
    void **slots;
};

/* Initializes 'q' with 'n' slots, a power of 2. */
void ptr_queue_init(struct ptr_queue *q, size_t n);

/* Frees what ptr_queue_init() allocated, not the entries: pop them
 * first. */
void ptr_queue_destroy(struct ptr_queue *q);

/* Producer: the slots free now, and the weight of the entries that wait
 * (pushed and not popped). */
size_t ptr_queue_room(const struct ptr_queue *q);
uint64_t ptr_queue_weight(const struct ptr_queue *q);

/* Producer: appends 'p' of 'weight' if a slot is free, and returns
 * whether it did.  The consumer sees it after ptr_queue_publish(). */
bool ptr_queue_push(struct ptr_queue *q, void *p, uint32_t weight);
void ptr_queue_publish(struct ptr_queue *q);

/* Either thread: the entries published and not popped, as of now. */
uint64_t ptr_queue_published(const struct ptr_queue *q);

/* Consumer: takes up to 'max' entries into 'ptrs' and returns how many.
 * Then adds the weight of the entries that it took with
 * ptr_queue_popped_weight(). */
size_t ptr_queue_pop(struct ptr_queue *q, void *ptrs[], size_t max);
void ptr_queue_popped_weight(struct ptr_queue *q, uint64_t weight);

#endif /* ptr-queue.h */

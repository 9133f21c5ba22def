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

#include "mr-table.h"

#include <stdlib.h>
#include <sys/random.h>

#include "xalloc.h"

#define SLOT_MASK (MR_TABLE_SIZE - 1)

struct mr {
    uint32_t rkey;              /* 0 if the slot is free. */
    uint32_t pd;
    uint32_t access;
    uint8_t *addr;
    uint64_t iova;
    uint64_t length;
};

struct mr_table {
    struct mr slots[MR_TABLE_SIZE];
    size_t n;
};

struct mr_table *
mr_table_create(void)
{
    return xalloc_zeroed(1, sizeof(struct mr_table));
}

void
mr_table_destroy(struct mr_table *table)
{
    free(table);
}

/* Returns 24 random bits, never all zero. */
static uint32_t
random_key_bits(void)
{
    static uint32_t fallback = 0x9e3779b9;
    uint32_t bits = 0;

    while (!(bits & 0xffffff)) {
        if (getrandom(&bits, sizeof bits, 0) != sizeof bits) {
            /* getrandom() without GRND_NONBLOCK only fails this way if
             * the kernel lacks it; keys must still differ. */
            fallback = fallback * 1664525 + 1013904223;
            bits = fallback;
        }
    }
    return bits & 0xffffff;
}

uint32_t
mr_register(struct mr_table *table, uint32_t pd, void *addr, uint64_t iova,
            uint64_t length, uint32_t access)
{
    const uint32_t known = MR_ACCESS_REMOTE_WRITE | MR_ACCESS_REMOTE_READ;

    if (!length || iova + length < iova || access & ~known) {
        return 0;
    }
    for (size_t i = 0; i < MR_TABLE_SIZE; i++) {
        struct mr *mr = &table->slots[i];

        if (!mr->rkey) {
            mr->rkey = random_key_bits() << 8 | i;
            mr->pd = pd;
            mr->access = access;
            mr->addr = addr;
            mr->iova = iova;
            mr->length = length;
            table->n++;
            return mr->rkey;
        }
    }
    return 0;
}

static struct mr *
lookup(const struct mr_table *table, uint32_t rkey)
{
    const struct mr *mr = &table->slots[rkey & SLOT_MASK];

    return rkey && mr->rkey == rkey ? (struct mr *) mr : NULL;
}

bool
mr_invalidate(struct mr_table *table, uint32_t rkey)
{
    struct mr *mr = lookup(table, rkey);

    if (!mr) {
        return false;
    }
    mr->rkey = 0;
    table->n--;
    return true;
}

size_t
mr_invalidate_pd(struct mr_table *table, uint32_t pd)
{
    size_t n = 0;

    for (size_t i = 0; i < MR_TABLE_SIZE; i++) {
        struct mr *mr = &table->slots[i];

        if (mr->rkey && mr->pd == pd) {
            mr->rkey = 0;
            n++;
        }
    }
    table->n -= n;
    return n;
}

enum mr_check_result
mr_check(const struct mr_table *table, uint32_t pd, uint32_t rkey,
         uint32_t access, uint64_t va, uint64_t len, uint8_t **addrp)
{
    const struct mr *mr = lookup(table, rkey);

    if (!mr) {
        return MR_CHECK_RKEY;
    }
    if (mr->pd != pd) {
        return MR_CHECK_PD;
    }
    if ((mr->access & access) != access) {
        return MR_CHECK_ACCESS;
    }
    /* va >= iova && len <= length && va - iova <= length - len, in an
     * order in which no subtraction can wrap. */
    if (va < mr->iova || len > mr->length
        || va - mr->iova > mr->length - len) {
        return MR_CHECK_BOUNDS;
    }
    *addrp = mr->addr + (va - mr->iova);
    return MR_CHECK_OK;
}

const char *
mr_check_result_to_string(enum mr_check_result result)
{
    switch (result) {
    case MR_CHECK_OK:
        return "ok";
    case MR_CHECK_RKEY:
        return "unknown rkey";
    case MR_CHECK_PD:
        return "region of another association";
    case MR_CHECK_ACCESS:
        return "access not allowed";
    case MR_CHECK_BOUNDS:
        return "out of bounds";
    default:
        return "unknown";
    }
}

size_t
mr_table_count(const struct mr_table *table)
{
    return table->n;
}

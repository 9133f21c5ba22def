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

#ifndef MR_TABLE_H
#define MR_TABLE_H 1

/* Memory regions that a remote peer may read or write over RoE.
 *
 * A region is a range of local memory [addr, addr + length) that the peer
 * names by a remote key (rkey) and addresses as [iova, iova + length).
 * Each region belongs to a protection domain ('pd', one per association):
 * a request on one association can never reach another's regions.
 *
 * rkeys are 32 bits: 24 random bits (from getrandom()) above an 8-bit slot
 * number.  Lookups compare all 32 bits, so a guessed or stale rkey, or one
 * from an earlier registration of the same slot, is refused.
 *
 * mr_check() is the responder's security boundary: nothing is read or
 * written outside a region that passes it.  It checks, in order: the rkey
 * (registered and valid, full match), the protection domain, the access
 * bit, and the bounds, computed without overflow.
 *
 * A table is used by one thread at a time: its owner registers and
 * invalidates regions with the data path quiesced, or from the thread that
 * runs the data path. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mr_access {
    MR_ACCESS_REMOTE_WRITE = 0x2,       /* As IBV_ACCESS_REMOTE_WRITE. */
    MR_ACCESS_REMOTE_READ = 0x4,        /* As IBV_ACCESS_REMOTE_READ. */
};

#define MR_TABLE_SIZE 256

enum mr_check_result {
    MR_CHECK_OK,
    MR_CHECK_RKEY,              /* No valid region with this rkey. */
    MR_CHECK_PD,                /* Region of another association. */
    MR_CHECK_ACCESS,            /* Region does not allow this access. */
    MR_CHECK_BOUNDS,            /* Range not inside the region. */
};

struct mr_table;

struct mr_table *mr_table_create(void);
void mr_table_destroy(struct mr_table *);

/* Registers [addr, addr + length) as [iova, iova + length) for 'access'
 * (MR_ACCESS_* bits) in protection domain 'pd'.  Returns the new rkey, or
 * 0 if 'length' is 0, 'iova + length' overflows, 'access' has unknown bits
 * or the table is full. */
uint32_t mr_register(struct mr_table *, uint32_t pd, void *addr,
                     uint64_t iova, uint64_t length, uint32_t access);

/* Invalidates the region with 'rkey'.  Returns false if there is none. */
bool mr_invalidate(struct mr_table *, uint32_t rkey);

/* Invalidates every region of 'pd' and returns how many there were. */
size_t mr_invalidate_pd(struct mr_table *, uint32_t pd);

/* Checks that [va, va + len) may be accessed with 'access' through 'rkey'
 * from protection domain 'pd'.  On success stores in '*addrp' the local
 * address of 'va'. */
enum mr_check_result mr_check(const struct mr_table *, uint32_t pd,
                              uint32_t rkey, uint32_t access,
                              uint64_t va, uint64_t len, uint8_t **addrp);
const char *mr_check_result_to_string(enum mr_check_result);

size_t mr_table_count(const struct mr_table *);

#endif /* mr-table.h */

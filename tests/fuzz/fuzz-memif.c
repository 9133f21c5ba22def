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

/* libFuzzer target: the memif server's handshake state machine fed with
 * arbitrary client messages.
 *
 * Input: one configuration octet, then records of one control octet and
 * one MEMIF_MSG_SIZE-octet message each (a trailing partial record is
 * dropped, as the server drops a message of the wrong size).
 *
 *     configuration  bit 0: the server requires a secret ("s3cret");
 *                    bits 2-1: max_regions - 1; bits 4-3: max_queues - 1
 *     control        bit 0: the message comes with a file descriptor
 *
 * Every message is fed, whatever the state, and the target checks what the
 * state machine promises: the reply is ACK or DISCONNECT, DISCONNECT means
 * FAILED, counts stay within the limits, accepted rings lie inside their
 * regions, and every descriptor handed over is closed by the time the
 * handshake is destroyed. */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fuzz.h"
#include "memif-handshake.h"
#include "memif-proto.h"

/* At most this many descriptors are handed over per input. */
enum { MAX_FDS = 64 };

static bool
is_terminated(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static void
check_invariants(const struct memif_handshake *hs)
{
    const struct memif_limits *l = &hs->limits;

    FUZZ_CHECK(hs->n_regions <= l->max_regions);
    FUZZ_CHECK(hs->n_c2s <= l->max_queues);
    FUZZ_CHECK(hs->n_s2c <= l->max_queues);
    FUZZ_CHECK(is_terminated(hs->reason, sizeof hs->reason));
    FUZZ_CHECK(is_terminated(hs->client_name, sizeof hs->client_name));
    FUZZ_CHECK(is_terminated(hs->client_if_name,
                             sizeof hs->client_if_name));
    for (int i = 0; i < hs->n_regions; i++) {
        FUZZ_CHECK(hs->regions[i].fd >= 0);
        FUZZ_CHECK(hs->regions[i].size > 0);
        FUZZ_CHECK(hs->regions[i].size <= l->max_region_size);
    }
    for (int dir = 0; dir < 2; dir++) {
        const struct memif_hs_ring *rings = dir ? hs->c2s : hs->s2c;
        int n = dir ? hs->n_c2s : hs->n_s2c;

        for (int i = 0; i < n; i++) {
            const struct memif_hs_ring *r = &rings[i];
            uint64_t end;

            FUZZ_CHECK(r->fd >= 0);
            FUZZ_CHECK(r->region < hs->n_regions);
            FUZZ_CHECK(r->log2_ring_size >= 1);
            FUZZ_CHECK(r->log2_ring_size <= l->max_log2_ring_size);
            end = (uint64_t) r->offset + memif_ring_bytes(r->log2_ring_size);
            FUZZ_CHECK(end <= hs->regions[r->region].size);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memif_limits limits = {
        .id = 7,
        .max_log2_ring_size = 10,
        .max_region_size = 1 << 24,
    };
    struct memif_handshake hs;
    struct memif_msg hello;
    int fds[MAX_FDS];
    int n_fds = 0;

    if (!size) {
        return 0;
    }
    limits.secret = data[0] & 1 ? "s3cret" : NULL;
    limits.max_regions = 1 + ((data[0] >> 1) & 3);
    limits.max_queues = 1 + ((data[0] >> 3) & 3);
    data++;
    size--;

    memif_handshake_init(&hs, &limits);
    memif_handshake_hello(&hs, "fuzz server", &hello);
    FUZZ_CHECK(hello.type == MEMIF_MSG_TYPE_HELLO);
    FUZZ_CHECK(hello.hello.max_region == limits.max_regions - 1);

    for (; size >= 1 + MEMIF_MSG_SIZE;
         data += 1 + MEMIF_MSG_SIZE, size -= 1 + MEMIF_MSG_SIZE) {
        enum memif_handshake_state before = hs.state;
        struct memif_msg msg, reply;
        int fd = -1;
        bool answer;

        if (data[0] & 1 && n_fds < MAX_FDS) {
            fd = eventfd(0, EFD_CLOEXEC);
            FUZZ_CHECK(fd >= 0);
            fds[n_fds++] = fd;
        }
        memcpy(&msg, data + 1, sizeof msg);
        memset(&reply, 0xa5, sizeof reply);

        answer = memif_handshake_input(&hs, &msg, fd, &reply);
        if (answer) {
            FUZZ_CHECK(reply.type == MEMIF_MSG_TYPE_ACK
                       || reply.type == MEMIF_MSG_TYPE_DISCONNECT);
            if (reply.type == MEMIF_MSG_TYPE_DISCONNECT) {
                FUZZ_CHECK(hs.state == MEMIF_HS_FAILED);
                FUZZ_CHECK(is_terminated(
                               (const char *) reply.disconnect.string,
                               sizeof reply.disconnect.string));
                FUZZ_CHECK(!strcmp((const char *) reply.disconnect.string,
                                   hs.reason));
            } else {
                FUZZ_CHECK(hs.state == MEMIF_HS_INIT_DONE
                           || hs.state == MEMIF_HS_ADDING);
            }
        } else {
            FUZZ_CHECK(hs.state == MEMIF_HS_CONNECT
                       || hs.state == MEMIF_HS_FAILED);
            if (hs.state == MEMIF_HS_CONNECT) {
                FUZZ_CHECK(before != MEMIF_HS_CONNECT);
                FUZZ_CHECK(hs.n_c2s > 0 && hs.n_s2c > 0);
            }
        }
        if (before == MEMIF_HS_FAILED) {
            FUZZ_CHECK(hs.state == MEMIF_HS_FAILED);
        }
        check_invariants(&hs);
    }

    memif_handshake_destroy(&hs);

    /* The handshake owned every descriptor it was given: all of them are
     * closed now.  (A number may have been handed over twice, after the
     * handshake closed it the first time.) */
    for (int i = 0; i < n_fds; i++) {
        FUZZ_CHECK(fcntl(fds[i], F_GETFD) == -1 && errno == EBADF);
    }
    return 0;
}

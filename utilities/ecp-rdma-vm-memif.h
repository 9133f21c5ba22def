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

#ifndef ECP_RDMA_VM_MEMIF_H
#define ECP_RDMA_VM_MEMIF_H 1

/* A memif 2.0 client: it connects to a memif server's unix socket, runs the
 * lock-step handshake, owns the shared memory and the eventfds, and moves
 * frames through the rings.  The client is the producer on every ring: it
 * publishes filled buffers on its C2S (transmit) rings and empty buffers on
 * its S2C (receive) rings by advancing 'head'; the server advances 'tail'.
 *
 * Queue 'q' is the pair of C2S ring 'q' and S2C ring 'q'.  The server may
 * accept fewer rings in one direction than in the other. */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most frames moved by one call of memif_client_tx() or memif_client_rx()
 * that the callers use. */
#define MEMIF_CLIENT_MAX_BURST 32

/* Largest frame memif_client_rx() reassembles from a descriptor chain;
 * longer chains are dropped and counted in 'oversized'. */
#define MEMIF_CLIENT_MAX_FRAME 65535

/* Most queue pairs. */
#define MEMIF_CLIENT_MAX_QUEUES 255

/* How to connect, and the geometry of the rings to offer. */
struct memif_client_config {
    const char *socket;         /* Path, or "@name" for an abstract name. */
    uint32_t id;                /* Interface id sent in INIT. */
    const char *secret;         /* At most 23 bytes, or NULL. */
    unsigned int log2_ring_size; /* Wanted; the server's maximum caps it. */
    uint32_t buffer_size;       /* Bytes per buffer. */
    unsigned int n_queues;      /* Wanted queue pairs. */
    unsigned int n_regions;     /* 1: rings and buffers; 2: rings, buffers. */
    bool interrupt;             /* Sleep on S2C eventfds instead of polling. */
    double connect_timeout;     /* Seconds to keep retrying connect(). */
    bool verbose;               /* Log the handshake on stderr. */
    const volatile sig_atomic_t *stop; /* Abandons waits when nonzero. */
};

/* One frame: for memif_client_tx(), bytes to copy into the C2S ring; from
 * memif_client_rx(), bytes in the S2C ring or in a reassembly buffer, valid
 * and writable until memif_client_rx_done(). */
struct memif_client_frame {
    uint8_t *data;
    uint32_t len;
};

/* Counters kept by the client. */
struct memif_client_stats {
    uint64_t kicks;             /* C2S eventfd writes. */
    uint64_t wakeups;           /* Waits ended by a readable S2C eventfd. */
    uint64_t events;            /* Sum of the S2C eventfd counters read. */
    uint64_t missed_events;     /* Waits that timed out while frames were
                                 * pending and no event was signalled. */
    uint64_t sleeps;            /* Waits that slept with interrupts on. */
    uint64_t rechecks;          /* Waits that found frames after turning
                                 * interrupts on, and did not sleep. */
    uint64_t bad_desc;          /* S2C descriptors the server corrupted. */
    uint64_t oversized;         /* Dropped chains longer than the maximum. */
};

struct memif_client;

struct memif_client *memif_client_connect(const struct memif_client_config *,
                                          char **errorp);
void memif_client_destroy(struct memif_client *);

unsigned int memif_client_n_c2s(const struct memif_client *);
unsigned int memif_client_n_s2c(const struct memif_client *);
unsigned int memif_client_ring_size(const struct memif_client *);
uint32_t memif_client_buffer_size(const struct memif_client *);
const char *memif_client_server_name(const struct memif_client *);
const char *memif_client_server_if_name(const struct memif_client *);
const struct memif_client_stats *memif_client_stats(
    const struct memif_client *);
const char *memif_client_error(const struct memif_client *);

int memif_client_tx(struct memif_client *, unsigned int queue,
                    const struct memif_client_frame *, int n);
bool memif_client_tx_drained(struct memif_client *);
uint64_t memif_client_tx_unconsumed(struct memif_client *);
int memif_client_rx(struct memif_client *, unsigned int queue,
                    struct memif_client_frame *, int max);
void memif_client_rx_done(struct memif_client *, unsigned int queue);
bool memif_client_rx_pending(const struct memif_client *);
int memif_client_wait(struct memif_client *, int timeout_ms);
int memif_client_check_control(struct memif_client *);

#endif /* ecp-rdma-vm-memif.h */

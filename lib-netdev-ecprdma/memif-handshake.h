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

#ifndef MEMIF_HANDSHAKE_H
#define MEMIF_HANDSHAKE_H 1

/* The server's side of the memif 2.0 connection handshake, as a state
 * machine without any I/O: feed it each message received from the client
 * (with the file descriptor that came with it, if any) and it says what to
 * answer.  Everything the client sends is untrusted and validated here:
 * message order, version, interface id, mode, secret, region and ring
 * counts, indexes and sizes.  Mapping the regions and locating the rings
 * (on CONNECT) is left to the caller, which knows the memory. */

#include <stdbool.h>
#include <stdint.h>

#include "memif-proto.h"

/* Limits a server advertises in HELLO and enforces. */
struct memif_limits {
    uint32_t id;                /* Interface id the client must ask for. */
    const char *secret;         /* NULL or "" for none. */
    uint16_t max_regions;       /* At most this many regions. */
    uint16_t max_queues;        /* At most this many rings each way. */
    uint8_t max_log2_ring_size; /* 1 to MEMIF_MAX_LOG2_RING_SIZE. */
    uint64_t max_region_size;   /* Largest region accepted, in bytes. */
};

enum memif_handshake_state {
    MEMIF_HS_HELLO_SENT,        /* Waiting for INIT. */
    MEMIF_HS_INIT_DONE,         /* Waiting for ADD_REGION. */
    MEMIF_HS_ADDING,            /* Regions and rings being added. */
    MEMIF_HS_CONNECT,           /* CONNECT received: caller maps memory. */
    MEMIF_HS_FAILED,            /* Disconnect with 'reason'. */
};

struct memif_hs_region {
    int fd;                     /* Shared memory; -1 once handed over. */
    uint64_t size;
};

struct memif_hs_ring {
    int fd;                     /* Interrupt eventfd; -1 once handed over. */
    uint16_t region;
    uint32_t offset;
    uint8_t log2_ring_size;
};

struct memif_handshake {
    struct memif_limits limits;
    enum memif_handshake_state state;
    char reason[MEMIF_DISCONNECT_STRING_SIZE];  /* When FAILED. */

    char client_name[MEMIF_NAME_SIZE];          /* From INIT. */
    char client_if_name[MEMIF_NAME_SIZE];       /* From CONNECT. */

    uint16_t n_regions;
    struct memif_hs_region *regions;            /* 'max_regions' entries. */

    /* Rings added so far, per direction, indexed by ring index. */
    uint16_t n_c2s, n_s2c;
    struct memif_hs_ring *c2s;                  /* 'max_queues' entries. */
    struct memif_hs_ring *s2c;                  /* 'max_queues' entries. */
};

void memif_handshake_init(struct memif_handshake *,
                          const struct memif_limits *);
void memif_handshake_destroy(struct memif_handshake *);
void memif_handshake_hello(const struct memif_handshake *,
                           const char *server_name, struct memif_msg *);
bool memif_handshake_input(struct memif_handshake *,
                           const struct memif_msg *, int fd,
                           struct memif_msg *reply);
void memif_handshake_fail(struct memif_handshake *, const char *reason);
void memif_make_disconnect(struct memif_msg *, const char *reason);
void memif_make_connected(struct memif_msg *, const char *if_name);

/* Copies the NUL-terminated prefix of the 'n'-byte field 'src', which may
 * lack a terminator, into 'dst' of 'n' bytes, always terminating it. */
void memif_copy_name(char *dst, const uint8_t *src, int n);
void memif_put_name(uint8_t *dst, const char *src, int n);

#endif /* memif-handshake.h */

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

#ifndef MEMIF_PROTO_H
#define MEMIF_PROTO_H 1

/* The memif 2.0 wire format: control messages exchanged over a unix
 * SOCK_SEQPACKET socket, and the ring and descriptor layout in shared
 * memory.  Bit-compatible with DPDK's net_memif and libmemif.
 *
 * Every field is in host byte order: both ends share one host.  The ring
 * header assumes 64-byte cache lines, as on x86_64, where DPDK and libmemif
 * clients use 64 too.
 *
 * On every ring the client writes only 'head' and the server writes only
 * 'tail'.  C2S rings carry packets from the client (the VM's transmit, our
 * receive); S2C rings carry packets to the client, into empty buffers that
 * the client posts in advance. */

#include <stdint.h>

#define MEMIF_COOKIE 0x3E31F20
#define MEMIF_VERSION 0x0200        /* 2.0. */

enum {
    MEMIF_MSG_SIZE = 128,
    MEMIF_NAME_SIZE = 32,
    MEMIF_SECRET_SIZE = 24,
    MEMIF_DISCONNECT_STRING_SIZE = 96,
    MEMIF_MAX_LOG2_RING_SIZE = 14,
    MEMIF_CACHELINE_SIZE = 64,
};

enum memif_msg_type {
    MEMIF_MSG_TYPE_NONE = 0,
    MEMIF_MSG_TYPE_ACK = 1,
    MEMIF_MSG_TYPE_HELLO = 2,
    MEMIF_MSG_TYPE_INIT = 3,
    MEMIF_MSG_TYPE_ADD_REGION = 4,
    MEMIF_MSG_TYPE_ADD_RING = 5,
    MEMIF_MSG_TYPE_CONNECT = 6,
    MEMIF_MSG_TYPE_CONNECTED = 7,
    MEMIF_MSG_TYPE_DISCONNECT = 8,
};

enum memif_interface_mode {
    MEMIF_INTERFACE_MODE_ETHERNET = 0,
    MEMIF_INTERFACE_MODE_IP = 1,
    MEMIF_INTERFACE_MODE_PUNT_INJECT = 2,
};

/* ADD_RING 'flags': set for a client-to-server ring. */
#define MEMIF_MSG_ADD_RING_FLAG_C2S 1

/* memif_ring 'flags': set by a ring's consumer that polls and does not want
 * to be interrupted through the ring's eventfd. */
#define MEMIF_RING_FLAG_MASK_INT 1

/* memif_desc 'flags': the packet continues in the next slot. */
#define MEMIF_DESC_FLAG_NEXT 1

struct __attribute__((packed)) memif_msg_hello {
    uint8_t name[MEMIF_NAME_SIZE];
    uint16_t min_version;
    uint16_t max_version;
    uint16_t max_region;
    uint16_t max_s2c_ring;      /* Largest ring index, not a count. */
    uint16_t max_c2s_ring;      /* Largest ring index, not a count. */
    uint8_t max_log2_ring_size;
};

struct __attribute__((packed)) memif_msg_init {
    uint16_t version;
    uint32_t id;
    uint8_t mode;
    uint8_t secret[MEMIF_SECRET_SIZE];
    uint8_t name[MEMIF_NAME_SIZE];
};

struct __attribute__((packed)) memif_msg_add_region {
    uint16_t index;
    uint64_t size;
};

struct __attribute__((packed)) memif_msg_add_ring {
    uint16_t flags;
    uint16_t index;
    uint16_t region;
    uint32_t offset;
    uint8_t log2_ring_size;
    uint16_t private_hdr_size;
};

struct __attribute__((packed)) memif_msg_connect {
    uint8_t if_name[MEMIF_NAME_SIZE];
};

struct __attribute__((packed)) memif_msg_disconnect {
    uint32_t code;
    uint8_t string[MEMIF_DISCONNECT_STRING_SIZE];
};

/* One control message: always exactly MEMIF_MSG_SIZE bytes on the wire. */
struct __attribute__((packed, aligned(128))) memif_msg {
    uint16_t type;              /* One of enum memif_msg_type. */
    union {
        struct memif_msg_hello hello;
        struct memif_msg_init init;
        struct memif_msg_add_region add_region;
        struct memif_msg_add_ring add_ring;
        struct memif_msg_connect connect;
        struct memif_msg_connect connected;
        struct memif_msg_disconnect disconnect;
    };
};

/* One slot of a ring. */
struct __attribute__((packed)) memif_desc {
    uint16_t flags;             /* MEMIF_DESC_FLAG_*. */
    uint16_t region;            /* Region that holds the buffer. */
    uint32_t length;            /* Data bytes, or capacity of an empty S2C
                                 * buffer handed to the server. */
    uint32_t offset;            /* Buffer offset within 'region'. */
    uint32_t metadata;          /* Unused. */
};

/* A ring header, followed by (1 << log2_ring_size) descriptors. */
struct memif_ring {
    uint32_t cookie;            /* MEMIF_COOKIE. */
    uint16_t flags;             /* MEMIF_RING_FLAG_*. */
    uint16_t head;              /* Written only by the client. */
    uint8_t pad0[MEMIF_CACHELINE_SIZE - 8];
    uint16_t tail;              /* Written only by the server. */
    uint8_t pad1[MEMIF_CACHELINE_SIZE - 2];
    struct memif_desc desc[];
};

_Static_assert(sizeof(struct memif_msg) == MEMIF_MSG_SIZE,
               "memif messages are 128 bytes");
_Static_assert(sizeof(struct memif_msg_hello) == 43, "HELLO is 43 bytes");
_Static_assert(sizeof(struct memif_msg_init) == 63, "INIT is 63 bytes");
_Static_assert(sizeof(struct memif_msg_add_region) == 10,
               "ADD_REGION is 10 bytes");
_Static_assert(sizeof(struct memif_msg_add_ring) == 13,
               "ADD_RING is 13 bytes");
_Static_assert(sizeof(struct memif_msg_disconnect) == 100,
               "DISCONNECT is 100 bytes");
_Static_assert(sizeof(struct memif_desc) == 16, "descriptors are 16 bytes");
_Static_assert(sizeof(struct memif_ring) == 2 * MEMIF_CACHELINE_SIZE,
               "the ring header is two cache lines");

/* Returns the size in bytes of a ring of 2^log2 descriptors, header
 * included. */
static inline uint64_t
memif_ring_bytes(unsigned int log2)
{
    return sizeof(struct memif_ring)
           + ((uint64_t) sizeof(struct memif_desc) << log2);
}

#endif /* memif-proto.h */

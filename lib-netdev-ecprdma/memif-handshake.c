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

#include "memif-handshake.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

void
memif_copy_name(char *dst, const uint8_t *src, int n)
{
    int i;

    for (i = 0; i < n - 1 && src[i]; i++) {
        dst[i] = src[i];
    }
    dst[i] = '\0';
}

/* Copies at most 'n' - 1 bytes of 'src' into the 'n'-byte field 'dst',
 * padding with NULs. */
void
memif_put_name(uint8_t *dst, const char *src, int n)
{
    int i;

    for (i = 0; i < n - 1 && src[i]; i++) {
        dst[i] = src[i];
    }
    memset(&dst[i], 0, n - i);
}

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

void
memif_handshake_init(struct memif_handshake *hs,
                     const struct memif_limits *limits)
{
    memset(hs, 0, sizeof *hs);
    hs->limits = *limits;
    hs->state = MEMIF_HS_HELLO_SENT;
    hs->regions = xalloc_zeroed(limits->max_regions, sizeof *hs->regions);
    hs->c2s = xalloc_zeroed(limits->max_queues, sizeof *hs->c2s);
    hs->s2c = xalloc_zeroed(limits->max_queues, sizeof *hs->s2c);
}

/* Closes every file descriptor the client passed that the caller has not
 * taken over, and frees 'hs'. */
void
memif_handshake_destroy(struct memif_handshake *hs)
{
    if (!hs || !hs->regions) {
        return;
    }
    for (int i = 0; i < hs->n_regions; i++) {
        close_fd(&hs->regions[i].fd);
    }
    for (int i = 0; i < hs->n_c2s; i++) {
        close_fd(&hs->c2s[i].fd);
    }
    for (int i = 0; i < hs->n_s2c; i++) {
        close_fd(&hs->s2c[i].fd);
    }
    free(hs->regions);
    free(hs->c2s);
    free(hs->s2c);
    hs->regions = NULL;
    hs->c2s = hs->s2c = NULL;
}

/* Builds the HELLO that the server sends as soon as it accepts. */
void
memif_handshake_hello(const struct memif_handshake *hs,
                      const char *server_name, struct memif_msg *msg)
{
    memset(msg, 0, sizeof *msg);
    msg->type = MEMIF_MSG_TYPE_HELLO;
    memif_put_name(msg->hello.name, server_name, MEMIF_NAME_SIZE);
    msg->hello.min_version = MEMIF_VERSION;
    msg->hello.max_version = MEMIF_VERSION;
    msg->hello.max_region = hs->limits.max_regions - 1;
    msg->hello.max_s2c_ring = hs->limits.max_queues - 1;
    msg->hello.max_c2s_ring = hs->limits.max_queues - 1;
    msg->hello.max_log2_ring_size = hs->limits.max_log2_ring_size;
}

void
memif_make_disconnect(struct memif_msg *msg, const char *reason)
{
    memset(msg, 0, sizeof *msg);
    msg->type = MEMIF_MSG_TYPE_DISCONNECT;
    memif_put_name(msg->disconnect.string, reason,
                   MEMIF_DISCONNECT_STRING_SIZE);
}

void
memif_make_connected(struct memif_msg *msg, const char *if_name)
{
    memset(msg, 0, sizeof *msg);
    msg->type = MEMIF_MSG_TYPE_CONNECTED;
    memif_put_name(msg->connected.if_name, if_name, MEMIF_NAME_SIZE);
}

/* Moves 'hs' to the failed state with a reason for the DISCONNECT. */
void
memif_handshake_fail(struct memif_handshake *hs, const char *reason)
{
    hs->state = MEMIF_HS_FAILED;
    snprintf(hs->reason, sizeof hs->reason, "%s", reason);
}

static bool
fail(struct memif_handshake *hs, int fd, struct memif_msg *reply,
     const char *reason)
{
    if (fd >= 0) {
        close(fd);
    }
    memif_handshake_fail(hs, reason);
    memif_make_disconnect(reply, reason);
    return true;
}

static bool
ack(struct memif_msg *reply)
{
    memset(reply, 0, sizeof *reply);
    reply->type = MEMIF_MSG_TYPE_ACK;
    return true;
}

/* Returns true if 'secret' equals the secret in 'field', which ends at its
 * first NUL or after MEMIF_SECRET_SIZE - 1 bytes, like memif_copy_name().
 * The time taken does not depend on the bytes of either: every byte of the
 * field is compared, whatever the first difference, so that a client
 * cannot guess the secret byte by byte from the time that a refusal
 * takes. */
static bool
secret_matches(const char *secret, const uint8_t field[MEMIF_SECRET_SIZE])
{
    uint8_t expected[MEMIF_SECRET_SIZE];
    uint8_t ended = 0;
    uint8_t diff;

    /* A secret too long for the field can never match. */
    diff = strlen(secret) > MEMIF_SECRET_SIZE - 1;
    memif_put_name(expected, secret, MEMIF_SECRET_SIZE);
    for (int i = 0; i < MEMIF_SECRET_SIZE - 1; i++) {
        /* 'ended' is 0xff from the first NUL of 'field' on. */
        ended |= -(uint8_t) (field[i] == 0);
        diff |= (field[i] & ~ended) ^ expected[i];
    }
    return !diff;
}

static bool
handle_init(struct memif_handshake *hs, const struct memif_msg_init *init,
            struct memif_msg *reply)
{
    const char *secret = hs->limits.secret ? hs->limits.secret : "";

    if (init->version != MEMIF_VERSION) {
        return fail(hs, -1, reply, "Incompatible memif version");
    }
    if (init->id != hs->limits.id) {
        return fail(hs, -1, reply, "ID not found");
    }
    if (init->mode != MEMIF_INTERFACE_MODE_ETHERNET) {
        return fail(hs, -1, reply, "Only ethernet mode supported");
    }
    if (secret[0]) {
        if (!init->secret[0]) {
            return fail(hs, -1, reply, "Secret required");
        }
        if (!secret_matches(secret, init->secret)) {
            return fail(hs, -1, reply, "Incorrect secret");
        }
    }
    memif_copy_name(hs->client_name, init->name, MEMIF_NAME_SIZE);
    hs->state = MEMIF_HS_INIT_DONE;
    return ack(reply);
}

static bool
handle_add_region(struct memif_handshake *hs,
                  const struct memif_msg_add_region *ar, int fd,
                  struct memif_msg *reply)
{
    if (fd < 0) {
        return fail(hs, fd, reply, "Missing region fd");
    }
    if (hs->n_c2s || hs->n_s2c) {
        return fail(hs, fd, reply, "Region added after rings");
    }
    if (ar->index != hs->n_regions || ar->index >= hs->limits.max_regions) {
        return fail(hs, fd, reply, "Invalid region index");
    }
    if (!ar->size || ar->size > hs->limits.max_region_size) {
        return fail(hs, fd, reply, "Invalid region size");
    }
    hs->regions[hs->n_regions++] = (struct memif_hs_region) {
        .fd = fd,
        .size = ar->size,
    };
    hs->state = MEMIF_HS_ADDING;
    return ack(reply);
}

static bool
handle_add_ring(struct memif_handshake *hs,
                const struct memif_msg_add_ring *ar, int fd,
                struct memif_msg *reply)
{
    bool c2s = ar->flags & MEMIF_MSG_ADD_RING_FLAG_C2S;
    uint16_t *n = c2s ? &hs->n_c2s : &hs->n_s2c;
    struct memif_hs_ring *rings = c2s ? hs->c2s : hs->s2c;
    uint64_t end;

    if (fd < 0) {
        return fail(hs, fd, reply, "Missing interrupt fd");
    }
    if (!hs->n_regions) {
        return fail(hs, fd, reply, "Ring added before any region");
    }
    if (ar->flags & ~MEMIF_MSG_ADD_RING_FLAG_C2S) {
        return fail(hs, fd, reply, "Invalid ring flags");
    }
    if (ar->index != *n || ar->index >= hs->limits.max_queues) {
        return fail(hs, fd, reply, "Invalid ring index");
    }
    if (ar->private_hdr_size) {
        return fail(hs, fd, reply, "Private headers not supported");
    }
    if (ar->log2_ring_size < 1
        || ar->log2_ring_size > hs->limits.max_log2_ring_size) {
        return fail(hs, fd, reply, "Invalid ring size");
    }
    if (ar->region >= hs->n_regions) {
        return fail(hs, fd, reply, "Invalid ring region");
    }
    end = (uint64_t) ar->offset + memif_ring_bytes(ar->log2_ring_size);
    if (ar->offset % MEMIF_CACHELINE_SIZE
        || end > hs->regions[ar->region].size) {
        return fail(hs, fd, reply, "Ring outside its region");
    }
    rings[(*n)++] = (struct memif_hs_ring) {
        .fd = fd,
        .region = ar->region,
        .offset = ar->offset,
        .log2_ring_size = ar->log2_ring_size,
    };
    return ack(reply);
}

/* Processes 'msg', received from the client together with 'fd' (-1 if
 * none), which 'hs' takes over.  Returns true if '*reply' must be sent;
 * a DISCONNECT reply means that the connection must then be closed.
 *
 * On CONNECT, returns false and moves to MEMIF_HS_CONNECT: the caller maps
 * the regions, checks the rings and then sends CONNECTED itself (see
 * memif_make_connected()) or fails the handshake. */
bool
memif_handshake_input(struct memif_handshake *hs, const struct memif_msg *msg,
                      int fd, struct memif_msg *reply)
{
    switch (hs->state) {
    case MEMIF_HS_HELLO_SENT:
        if (msg->type == MEMIF_MSG_TYPE_INIT) {
            if (fd >= 0) {
                return fail(hs, fd, reply, "Unexpected file descriptor");
            }
            return handle_init(hs, &msg->init, reply);
        }
        break;

    case MEMIF_HS_INIT_DONE:
    case MEMIF_HS_ADDING:
        if (msg->type == MEMIF_MSG_TYPE_ADD_REGION) {
            return handle_add_region(hs, &msg->add_region, fd, reply);
        } else if (msg->type == MEMIF_MSG_TYPE_ADD_RING) {
            return handle_add_ring(hs, &msg->add_ring, fd, reply);
        } else if (msg->type == MEMIF_MSG_TYPE_CONNECT) {
            if (fd >= 0) {
                return fail(hs, fd, reply, "Unexpected file descriptor");
            }
            if (!hs->n_c2s || !hs->n_s2c) {
                return fail(hs, fd, reply, "Missing rings");
            }
            memif_copy_name(hs->client_if_name, msg->connect.if_name,
                            MEMIF_NAME_SIZE);
            hs->state = MEMIF_HS_CONNECT;
            return false;
        }
        break;

    case MEMIF_HS_CONNECT:
    case MEMIF_HS_FAILED:
        break;
    }

    if (msg->type == MEMIF_MSG_TYPE_DISCONNECT) {
        char reason[MEMIF_DISCONNECT_STRING_SIZE];

        if (fd >= 0) {
            close(fd);
        }
        memif_copy_name(reason, msg->disconnect.string,
                        MEMIF_DISCONNECT_STRING_SIZE);
        memif_handshake_fail(hs, reason[0] ? reason : "client disconnected");
        return false;
    }
    if (msg->type > MEMIF_MSG_TYPE_DISCONNECT
        || msg->type == MEMIF_MSG_TYPE_NONE) {
        return fail(hs, fd, reply, "Unknown message type");
    }
    return fail(hs, fd, reply, "Unexpected message");
}

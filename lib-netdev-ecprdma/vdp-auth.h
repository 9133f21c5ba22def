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

#ifndef VDP_AUTH_H
#define VDP_AUTH_H 1

/* Integrity and freshness of VDP messages: the RoE AUTH TLV (vdp.h).
 *
 * Both ends of a session share a secret.  Every VDP message carries an
 * AUTH TLV, the last before END, with an HMAC-SHA256, keyed by the secret,
 * of the whole payload through the END TLV with the MAC field zeroed.
 *
 * Freshness, without clocks or state that survives a restart:
 *
 *   - Each end picks, when it starts, a random 64-bit session ID, and
 *     numbers the messages it sends with a counter that starts at 1.
 *
 *   - Each end also keeps a random 64-bit nonce, sends it in every
 *     message, and echoes the last nonce it heard from the other end.
 *
 *   - A receiver that knows the sender's session ID (it accepted a
 *     message of it before) accepts a message only if its counter is
 *     greater than the last one accepted: a replay within a session fails.
 *
 *   - A receiver accepts a message of a session ID it does not know (the
 *     peer is new, or restarted) only if it echoes the receiver's current
 *     nonce: the message was then made after the receiver sent that nonce,
 *     so it cannot be an old message of an earlier session.  The receiver
 *     then picks a new nonce, so that no other message that echoes the old
 *     one, of an earlier session of the peer, is ever accepted this way.
 *     Otherwise the message is "stale": it is ignored, but its nonce is
 *     echoed from then on, and the bridge answers a stale request with a
 *     challenge (a response with VDP_AUTH_CHALLENGE, whose content is
 *     ignored) so that the station learns the bridge's nonce and sends its
 *     request again.
 *
 * A station and a bridge that both start afresh thus associate after two
 * round trips, as do a restarted station or bridge with a peer that kept
 * running.  Nothing here does I/O or reads a clock; random numbers come
 * from getrandom(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vdp.h"

/* Longest secret, in octets. */
#define VDP_AUTH_SECRET_MAX 64

struct vdp_auth_state {
    uint8_t key[VDP_AUTH_SECRET_MAX];
    size_t key_len;
    bool bridge;                /* Our role: sets VDP_AUTH_BRIDGE. */

    uint64_t session_id;        /* Ours, fixed. */
    uint64_t nonce;             /* Ours, renewed on every new peer
                                 * session. */
    uint64_t counter;           /* Of the last message we sent. */

    uint64_t peer_session_id;   /* 0: none accepted yet. */
    uint64_t peer_counter;      /* Of the last message accepted. */
    uint64_t echo;              /* The peer's nonce to echo. */
};

/* What vdp_auth_check() made of a message. */
enum vdp_auth_result {
    VDP_AUTH_OK,                /* Fresh and authentic: act on it. */
    VDP_AUTH_STALE,             /* Authentic, but of a peer session not
                                 * (yet) accepted: ignore it. */
    VDP_AUTH_MISSING,           /* No AUTH TLV. */
    VDP_AUTH_BAD_MAC,           /* The MAC does not match. */
    VDP_AUTH_REFLECTED,         /* Sent by our own role. */
    VDP_AUTH_REPLAYED,          /* Counter not above the last accepted. */
};

void vdp_auth_init(struct vdp_auth_state *, const void *key, size_t key_len,
                   bool bridge);

/* Adds an AUTH TLV to 'msg', with the next counter, and 'flags'
 * (VDP_AUTH_CHALLENGE or 0). */
void vdp_auth_prepare(struct vdp_auth_state *, struct vdp_message *msg,
                      uint8_t flags);

/* Computes the MAC of the 'len' octets at 'buf' that vdp_encode() made of a
 * message with an AUTH TLV, and writes it into the TLV. */
void vdp_auth_sign(const void *key, size_t key_len, uint8_t *buf,
                   size_t len);

/* Checks the MAC of the payload 'buf' that vdp_decode() decoded into
 * 'msg', in constant time. */
bool vdp_auth_verify(const void *key, size_t key_len, const uint8_t *buf,
                     const struct vdp_message *msg);

/* Checks the payload 'buf' that vdp_decode() decoded into 'msg' against the
 * key and the replay rules above, and updates the state. */
enum vdp_auth_result vdp_auth_check(struct vdp_auth_state *,
                                    const uint8_t *buf,
                                    const struct vdp_message *msg);

const char *vdp_auth_result_to_string(enum vdp_auth_result);

/* HMAC-SHA256 of the 'len' octets at 'data' keyed by 'key'. */
void vdp_auth_hmac(const void *key, size_t key_len, const void *data,
                   size_t len, uint8_t mac[VDP_AUTH_MAC_LEN]);

#endif /* vdp-auth.h */

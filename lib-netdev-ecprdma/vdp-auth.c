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

#include "vdp-auth.h"

#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* The longest payload that can be verified: ECP's largest ULPDU with a
 * jumbo MSDU (ECP_SW_MAX_PAYLOAD_LIMIT) and then some. */
#define MAX_SIGNED_LEN 9000

/* Returns a random nonzero 64-bit number. */
static uint64_t
random_nonzero(void)
{
    static uint64_t fallback = UINT64_C(0x9e3779b97f4a7c15);
    uint64_t x = 0;

    while (!x) {
        if (getrandom(&x, sizeof x, 0) != sizeof x) {
            /* Not expected on Linux: getrandom() blocks only before the
             * pool is initialized.  Still, never send 0. */
            fallback = fallback * 6364136223846793005ULL
                       + 1442695040888963407ULL;
            x = fallback;
        }
    }
    return x;
}

void
vdp_auth_init(struct vdp_auth_state *st, const void *key, size_t key_len,
              bool bridge)
{
    memset(st, 0, sizeof *st);
    if (key_len > sizeof st->key) {
        key_len = sizeof st->key;
    }
    memcpy(st->key, key, key_len);
    st->key_len = key_len;
    st->bridge = bridge;
    st->session_id = random_nonzero();
    st->nonce = random_nonzero();
}

void
vdp_auth_prepare(struct vdp_auth_state *st, struct vdp_message *msg,
                 uint8_t flags)
{
    struct vdp_auth *a = &msg->auth;

    memset(a, 0, sizeof *a);
    msg->has_auth = true;
    a->flags = (flags & VDP_AUTH_CHALLENGE) | (st->bridge ? VDP_AUTH_BRIDGE
                                                           : 0);
    a->algorithm = VDP_AUTH_HMAC_SHA256;
    a->session_id = st->session_id;
    a->nonce = st->nonce;
    a->echo = st->echo;
    a->counter = ++st->counter;
}

void
vdp_auth_hmac(const void *key, size_t key_len, const void *data, size_t len,
              uint8_t mac[VDP_AUTH_MAC_LEN])
{
    unsigned int mac_len = VDP_AUTH_MAC_LEN;

    if (!HMAC(EVP_sha256(), key, key_len, data, len, mac, &mac_len)
        || mac_len != VDP_AUTH_MAC_LEN) {
        /* Only if libcrypto cannot work at all.  A MAC of zeros never
         * matches a computed one, except by the same failure. */
        memset(mac, 0, VDP_AUTH_MAC_LEN);
    }
}

void
vdp_auth_sign(const void *key, size_t key_len, uint8_t *buf, size_t len)
{
    uint8_t *mac = buf + VDP_AUTH_MAC_OFS(len);

    memset(mac, 0, VDP_AUTH_MAC_LEN);
    vdp_auth_hmac(key, key_len, buf, len, mac);
}

bool
vdp_auth_verify(const void *key, size_t key_len, const uint8_t *buf,
                const struct vdp_message *msg)
{
    const struct vdp_auth *a = &msg->auth;
    uint8_t copy[MAX_SIGNED_LEN];
    uint8_t mac[VDP_AUTH_MAC_LEN];
    static const uint8_t zeros[VDP_AUTH_MAC_LEN];

    if (!msg->has_auth || a->signed_len > sizeof copy
        || a->mac_ofs + VDP_AUTH_MAC_LEN > a->signed_len) {
        return false;
    }
    memcpy(copy, buf, a->signed_len);
    memset(copy + a->mac_ofs, 0, VDP_AUTH_MAC_LEN);
    vdp_auth_hmac(key, key_len, copy, a->signed_len, mac);

    /* A MAC of zeros is what a failing libcrypto gives: never accept it. */
    return (!CRYPTO_memcmp(mac, a->mac, VDP_AUTH_MAC_LEN)
            && CRYPTO_memcmp(mac, zeros, VDP_AUTH_MAC_LEN));
}

enum vdp_auth_result
vdp_auth_check(struct vdp_auth_state *st, const uint8_t *buf,
               const struct vdp_message *msg)
{
    const struct vdp_auth *a = &msg->auth;

    if (!msg->has_auth) {
        return VDP_AUTH_MISSING;
    }
    if (!vdp_auth_verify(st->key, st->key_len, buf, msg)) {
        return VDP_AUTH_BAD_MAC;
    }
    if (!(a->flags & VDP_AUTH_BRIDGE) != st->bridge
        || a->session_id == st->session_id) {
        return VDP_AUTH_REFLECTED;
    }
    if (st->peer_session_id && a->session_id == st->peer_session_id) {
        if (a->counter <= st->peer_counter) {
            return VDP_AUTH_REPLAYED;
        }
        st->peer_counter = a->counter;
        st->echo = a->nonce;
        return VDP_AUTH_OK;
    }
    st->echo = a->nonce;
    if (a->echo != st->nonce) {
        return VDP_AUTH_STALE;
    }

    /* A new session of the peer, made after it heard our nonce: accept it,
     * and take a new nonce, so that no other session of the peer that
     * heard the old one can use it. */
    st->peer_session_id = a->session_id;
    st->peer_counter = a->counter;
    st->nonce = random_nonzero();
    return VDP_AUTH_OK;
}

const char *
vdp_auth_result_to_string(enum vdp_auth_result r)
{
    switch (r) {
    case VDP_AUTH_OK:
        return "ok";
    case VDP_AUTH_STALE:
        return "stale";
    case VDP_AUTH_MISSING:
        return "missing";
    case VDP_AUTH_BAD_MAC:
        return "bad-mac";
    case VDP_AUTH_REFLECTED:
        return "reflected";
    case VDP_AUTH_REPLAYED:
        return "replayed";
    }
    return "unknown";
}

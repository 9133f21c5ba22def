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

/* Unit tests of VDP TLV encoding and decoding (vdp.h). */

#include "vdp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecprdma-test.h"
#include "vdp-auth.h"

#define ARRAY_SIZE(A) (sizeof (A) / sizeof *(A))

static const uint8_t manager_id[16] = {
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
};
static const uint8_t vsiid[16] = {
    0x4a, 0x1c, 0x7c, 0x9e, 0x5b, 0x3d, 0x4f, 0x2a,
    0x9c, 0x8e, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab
};

/* Fills 'm' with a valid message of 'mode' with 'n_filters' filters in
 * 'format', with RoE parameters if 'roe'. */
static void
sample_message(struct vdp_message *m, uint8_t mode, uint8_t format,
               size_t n_filters, bool roe)
{
    memset(m, 0, sizeof *m);
    memcpy(m->manager_id, manager_id, 16);
    m->vsi.mode = mode;
    m->vsi.type_id = 0x123456;
    m->vsi.type_version = 1;
    m->vsi.vsiid_format = VDP_VSIID_UUID;
    memcpy(m->vsi.vsiid, vsiid, 16);
    m->vsi.filter_format = format;
    m->vsi.n_filters = n_filters;
    for (size_t i = 0; i < n_filters; i++) {
        struct vdp_filter *f = &m->vsi.filters[i];

        if (format == VDP_FILTER_GROUP_VID
            || format == VDP_FILTER_GROUP_MAC_VID) {
            f->group_id = 1001 + i;
        }
        if (format == VDP_FILTER_MAC_VID
            || format == VDP_FILTER_GROUP_MAC_VID) {
            static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0 };

            memcpy(f->mac, mac, 6);
            f->mac[5] = i + 1;
        }
        f->vid = 100 * (i + 1);
        f->pcp = (i * 5) % 8;
        f->ps = i % 2;
    }
    if (roe) {
        struct vdp_roe *r = &m->roe;

        r->has_qp = true;
        r->qp = (struct vdp_qp) {
            .qpn = 0x000011, .initial_psn = 0x1234, .segment_size = 1464,
            .window = 128, .rte = 8, .max_tries = 3, .rnr_retry = 7,
            .max_rd_atomic = 16,
        };
        r->n_mrs = 2;
        r->mrs[0] = (struct vdp_mr) {
            .rkey = 0x8f3a61c2, .access = VDP_MR_REMOTE_READ,
            .iova = 0x7f0000000000, .length = 0x200000,
        };
        r->mrs[1] = (struct vdp_mr) {
            .rkey = 0x1d9e0b47,
            .access = VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE,
            .iova = UINT64_C(0xffffffffffff0000), .length = 0x10000,
        };
        r->n_rings = 2;
        r->rings[0] = (struct vdp_ring) {
            .id = 0, .kind = VDP_RING_VM_TX, .log2_entry_size = 4,
            .log2_entries = 10, .base_iova = 0x7f0000001000,
            .rkey = 0x8f3a61c2, .producer_iova = 0x7f0000000040,
            .consumer_iova = 0x7f0000000080,
        };
        r->rings[1] = (struct vdp_ring) {
            .id = 1, .kind = VDP_RING_INGRESS, .log2_entry_size = 16,
            .log2_entries = 15, .base_iova = UINT64_C(0xffffffff80000000),
            .rkey = 0x1d9e0b47, .producer_iova = 0x7f00000000c0,
            .consumer_iova = 0x7f0000000100,
        };
        r->has_port = true;
        r->port = (struct vdp_port) {
            .mac = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef },
            .vlan_tci = 0xa064,
        };
    }
}

/* Sets the IFACE-ID or VM-ID 'field' of a message to 'name'. */
static void
set_name(char field[VDP_NAME_MAX + 1], const char *name)
{
    snprintf(field, VDP_NAME_MAX + 1, "%s", name);
}

/* Compares 'a' and 'b' field by field (not with memcmp(), which would also
 * compare padding). */
static bool
messages_equal(const struct vdp_message *a, const struct vdp_message *b)
{
    const struct vdp_vsi *va = &a->vsi, *vb = &b->vsi;
    const struct vdp_roe *ra = &a->roe, *rb = &b->roe;

    if (memcmp(a->manager_id, b->manager_id, 16)
        || va->mode != vb->mode || va->response != vb->response
        || va->flags != vb->flags || va->status != vb->status
        || va->type_id != vb->type_id
        || va->type_version != vb->type_version
        || va->vsiid_format != vb->vsiid_format
        || memcmp(va->vsiid, vb->vsiid, 16)
        || va->filter_format != vb->filter_format
        || va->n_filters != vb->n_filters
        || ra->has_qp != rb->has_qp || ra->n_mrs != rb->n_mrs
        || ra->n_rings != rb->n_rings || ra->has_port != rb->has_port) {
        return false;
    }
    for (size_t i = 0; i < va->n_filters; i++) {
        const struct vdp_filter *fa = &va->filters[i];
        const struct vdp_filter *fb = &vb->filters[i];

        if (fa->group_id != fb->group_id || memcmp(fa->mac, fb->mac, 6)
            || fa->ps != fb->ps || fa->pcp != fb->pcp
            || fa->vid != fb->vid) {
            return false;
        }
    }
    if (ra->has_qp) {
        const struct vdp_qp *qa = &ra->qp, *qb = &rb->qp;

        if (qa->qpn != qb->qpn || qa->initial_psn != qb->initial_psn
            || qa->segment_size != qb->segment_size
            || qa->window != qb->window || qa->rte != qb->rte
            || qa->max_tries != qb->max_tries
            || qa->rnr_retry != qb->rnr_retry
            || qa->max_rd_atomic != qb->max_rd_atomic) {
            return false;
        }
    }
    for (size_t i = 0; i < ra->n_mrs; i++) {
        const struct vdp_mr *ma = &ra->mrs[i], *mb = &rb->mrs[i];

        if (ma->rkey != mb->rkey || ma->access != mb->access
            || ma->iova != mb->iova || ma->length != mb->length) {
            return false;
        }
    }
    for (size_t i = 0; i < ra->n_rings; i++) {
        const struct vdp_ring *xa = &ra->rings[i], *xb = &rb->rings[i];

        if (xa->id != xb->id || xa->kind != xb->kind
            || xa->log2_entry_size != xb->log2_entry_size
            || xa->log2_entries != xb->log2_entries
            || xa->flags != xb->flags || xa->base_iova != xb->base_iova
            || xa->rkey != xb->rkey
            || xa->producer_iova != xb->producer_iova
            || xa->consumer_iova != xb->consumer_iova) {
            return false;
        }
    }
    if (a->has_auth != b->has_auth
        || (a->has_auth
            && (a->auth.flags != b->auth.flags
                || a->auth.algorithm != b->auth.algorithm
                || a->auth.session_id != b->auth.session_id
                || a->auth.nonce != b->auth.nonce
                || a->auth.echo != b->auth.echo
                || a->auth.counter != b->auth.counter
                || memcmp(a->auth.mac, b->auth.mac, VDP_AUTH_MAC_LEN)))) {
        return false;
    }
    return ((!ra->has_port
             || (!memcmp(ra->port.mac, rb->port.mac, 6)
                 && ra->port.vlan_tci == rb->port.vlan_tci))
            && !strcmp(ra->iface_id, rb->iface_id)
            && !strcmp(ra->vm_id, rb->vm_id));
}

/* Adds an AUTH TLV with fixed values to 'm'. */
static void
sample_auth(struct vdp_message *m)
{
    m->has_auth = true;
    m->auth = (struct vdp_auth) {
        .flags = VDP_AUTH_BRIDGE, .algorithm = VDP_AUTH_HMAC_SHA256,
        .session_id = UINT64_C(0x0123456789abcdef),
        .nonce = UINT64_C(0xfedcba9876543210),
        .echo = UINT64_C(0x1122334455667788), .counter = 42,
    };
}

static void
print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%s%02x", i ? ":" : "", p[i]);
    }
    putchar('\n');
}

static void
print_message(const char *prefix, const struct vdp_message *m)
{
    char *s = vdp_to_string(m);

    printf("%s%s\n", prefix, s);
    free(s);
}

/* Encodes 'm', decodes it back plain, then followed by Ethernet padding,
 * then followed by junk after the END TLV, and checks that each decoding
 * equals 'm' and encodes to the same octets.  Prints the message and
 * returns true if all is well. */
static bool
roundtrip(const struct vdp_message *m)
{
    uint8_t buf[VDP_MESSAGE_MAX_LEN + 64];
    uint8_t again[VDP_MESSAGE_MAX_LEN];
    struct vdp_message d;
    char *error;
    int len, len2;

    len = vdp_encode(m, buf, VDP_MESSAGE_MAX_LEN, &error);
    if (len < 0) {
        printf("encode failed: %s\n", error);
        free(error);
        return false;
    }
    for (int variant = 0; variant < 3; variant++) {
        size_t dlen = len;

        if (variant == 1) {
            /* Ethernet padding: zeros up to a 60-octet frame, at least. */
            memset(buf + len, 0, 46);
            dlen += 46;
        } else if (variant == 2) {
            memset(buf + len, 0xff, 5);
            dlen += 5;
        }
        if (vdp_decode(buf, dlen, &d, &error)) {
            printf("decode failed (variant %d): %s\n", variant, error);
            free(error);
            return false;
        }
        if (error || !messages_equal(&d, m)) {
            printf("decoded message differs (variant %d)\n", variant);
            print_message("  in:  ", m);
            print_message("  out: ", &d);
            return false;
        }
        len2 = vdp_encode(&d, again, sizeof again, NULL);
        if (len2 != len || memcmp(again, buf, len)) {
            printf("re-encoding differs (variant %d)\n", variant);
            return false;
        }
    }
    printf("%d: ", len);
    print_message("", m);
    return true;
}

/* vdp-roundtrip: every mode with every filter format in requests, every
 * status in responses, and the RoE parameters. */
static int
test_vdp_roundtrip(int argc, char *argv[])
{
    static const uint8_t req_flags[] = {
        0, VDP_REQ_M, VDP_REQ_S, VDP_REQ_M | VDP_REQ_S,
    };
    static const uint8_t resp_flags[] = {
        0, VDP_RESP_KEEP, VDP_RESP_HARD, VDP_RESP_KEEP | VDP_RESP_HARD,
    };
    struct vdp_message m;
    int n_failed = 0;

    for (uint8_t mode = VDP_TLV_PREASSOC; mode <= VDP_TLV_DEASSOC; mode++) {
        for (uint8_t fmt = VDP_FILTER_VID; fmt <= VDP_FILTER_GROUP_MAC_VID;
             fmt++) {
            sample_message(&m, mode, fmt, fmt == VDP_FILTER_VID ? 1 : 2,
                           false);
            m.vsi.flags = req_flags[(mode + fmt) % 4];
            m.vsi.vsiid_format = 1 + (mode + fmt) % 5;
            n_failed += !roundtrip(&m);
        }
    }
    for (uint8_t status = 0; status <= VDP_STATUS_MAX; status++) {
        sample_message(&m, 1 + status % 4, 1 + status % 4, 1, false);
        m.vsi.response = true;
        m.vsi.status = status;
        m.vsi.flags = resp_flags[status % 4];
        n_failed += !roundtrip(&m);
    }

    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1, true);
    n_failed += !roundtrip(&m);
    m.vsi.response = true;
    n_failed += !roundtrip(&m);

    /* With an AUTH TLV, alone and after the others. */
    sample_message(&m, VDP_TLV_DEASSOC, VDP_FILTER_VID, 1, false);
    sample_auth(&m);
    memset(m.auth.mac, 0x5a, VDP_AUTH_MAC_LEN);
    n_failed += !roundtrip(&m);
    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1, true);
    sample_auth(&m);
    m.auth.flags = VDP_AUTH_CHALLENGE;
    m.auth.echo = 0;
    n_failed += !roundtrip(&m);

    /* Each RoE TLV alone. */
    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_VID, 1, true);
    m.roe.n_mrs = m.roe.n_rings = 0;
    m.roe.has_port = false;
    n_failed += !roundtrip(&m);
    sample_message(&m, VDP_TLV_DEASSOC, VDP_FILTER_VID, 1, true);
    m.roe.has_qp = m.roe.has_port = false;
    m.roe.n_rings = 0;
    n_failed += !roundtrip(&m);

    /* The names of the VM's interface and of the VM, each alone, both. */
    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1, true);
    m.roe.n_mrs = m.roe.n_rings = 0;
    set_name(m.roe.iface_id, "lsp-vm1");
    n_failed += !roundtrip(&m);
    m.roe.iface_id[0] = '\0';
    set_name(m.roe.vm_id, "!#$%&'()*+,-./0123456789:;<=>?@~");
    n_failed += !roundtrip(&m);
    set_name(m.roe.iface_id, "6c5b0a66-2a59-4f8b-9c4c-0f3b2f7d1e55");
    n_failed += !roundtrip(&m);

    /* The largest message: full lists everywhere. */
    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_GROUP_MAC_VID,
                   VDP_MAX_FILTERS, true);
    for (size_t i = 0; i < VDP_MAX_MRS; i++) {
        m.roe.mrs[i] = m.roe.mrs[0];
        m.roe.mrs[i].rkey += i;
    }
    m.roe.n_mrs = VDP_MAX_MRS;
    for (size_t i = 0; i < VDP_MAX_RINGS; i++) {
        m.roe.rings[i] = m.roe.rings[0];
        m.roe.rings[i].id = i;
    }
    m.roe.n_rings = VDP_MAX_RINGS;
    memset(m.roe.iface_id, 'i', VDP_NAME_MAX);
    memset(m.roe.vm_id, 'v', VDP_NAME_MAX);
    sample_auth(&m);
    {
        uint8_t buf[VDP_MESSAGE_MAX_LEN];
        struct vdp_message d;
        int len = vdp_encode(&m, buf, sizeof buf, NULL);

        if (len != VDP_MESSAGE_MAX_LEN || vdp_decode(buf, len, &d, NULL)
            || !messages_equal(&d, &m)) {
            printf("largest message: round trip failed\n");
            n_failed++;
        } else {
            printf("largest message: %d octets, round trip ok\n", len);
        }
    }
    return n_failed != 0;
}

/* vdp-sample [roe|auth]: prints the encoding of an ASSOC request with one
 * MAC/VID filter (and RoE parameters, or an AUTH TLV signed with the key
 * "s3cret-of-the-link"). */
static int
test_vdp_sample(int argc, char *argv[])
{
    static const char key[] = "s3cret-of-the-link";
    bool auth = argc > 1 && !strcmp(argv[1], "auth");
    uint8_t buf[VDP_MESSAGE_MAX_LEN];
    struct vdp_message m;
    int len;

    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1,
                   argc > 1 && !strcmp(argv[1], "roe"));
    if (auth) {
        sample_auth(&m);
        m.auth.flags = 0;
    }
    len = vdp_encode(&m, buf, sizeof buf, NULL);
    if (len < 0) {
        printf("encode failed\n");
        return 1;
    }
    if (auth) {
        vdp_auth_sign(key, strlen(key), buf, len);
    }
    print_hex(buf, len);
    return 0;
}

/* Prints what 'st' makes of the 'len' octets at 'buf'. */
static void
check_auth(const char *what, struct vdp_auth_state *st, const uint8_t *buf,
           size_t len)
{
    struct vdp_message m;
    char *error;

    if (vdp_decode(buf, len, &m, &error)) {
        printf("%s: error: %s\n", what, error);
        free(error);
        return;
    }
    printf("%s: %s\n", what,
           vdp_auth_result_to_string(vdp_auth_check(st, buf, &m)));
}

/* A message signed by 'st', with 'flags'. */
struct signed_msg {
    uint8_t b[VDP_MESSAGE_MAX_LEN];
    int n;
};

static void
sign_msg(struct vdp_auth_state *st, uint8_t flags, struct signed_msg *sm)
{
    struct vdp_message m;

    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1, true);
    m.vsi.response = st->bridge;
    vdp_auth_prepare(st, &m, flags);
    sm->n = vdp_encode(&m, sm->b, sizeof sm->b, NULL);
    vdp_auth_sign(st->key, st->key_len, sm->b, sm->n);
}

/* vdp-auth: HMAC-SHA256 against RFC 4231, the MAC over every octet, and the
 * replay rules between a station and a bridge. */
static int
test_vdp_auth(int argc, char *argv[])
{
    static const char key[] = "s3cret-of-the-link";
    struct vdp_auth_state station, bridge, other;
    struct signed_msg a1, a2, b1, b2, a3, r1, r2, r3;
    uint8_t mac[VDP_AUTH_MAC_LEN];
    struct vdp_message m;
    uint8_t buf[VDP_MESSAGE_MAX_LEN + 46];
    int len, n_bad = 0, n_still = 0;

    /* RFC 4231, test case 2. */
    vdp_auth_hmac("Jefe", 4, "what do ya want for nothing?", 28, mac);
    printf("RFC 4231 case 2: ");
    print_hex(mac, sizeof mac);

    /* Every octet through the END TLV is covered; padding is not. */
    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1, true);
    sample_auth(&m);
    len = vdp_encode(&m, buf, VDP_MESSAGE_MAX_LEN, NULL);
    vdp_auth_sign(key, strlen(key), buf, len);
    memset(buf + len, 0, 46);
    if (vdp_decode(buf, len + 46, &m, NULL)) {
        printf("signed message does not decode\n");
        return 1;
    }
    printf("signed message: %s\n",
           vdp_auth_verify(key, strlen(key), buf, &m) ? "verifies"
                                                      : "FAILS");
    printf("with another key: %s\n",
           vdp_auth_verify("s3cret-of-the-linK", strlen(key), buf, &m)
           ? "VERIFIES" : "fails");
    for (int i = 0; i < len + 46; i++) {
        struct vdp_message m2;
        bool ok;

        buf[i] ^= 0x01;
        ok = (!vdp_decode(buf, len + 46, &m2, NULL)
              && vdp_auth_verify(key, strlen(key), buf, &m2));
        buf[i] ^= 0x01;
        if (i < len) {
            n_bad += !ok;
        } else {
            n_still += ok;
        }
    }
    printf("one bit changed in each of %d octets: %d fail\n", len, n_bad);
    n_bad = len - n_bad;
    printf("one bit changed in each of 46 octets of padding: %d verify\n",
           n_still);

    /* A station and a bridge start. */
    vdp_auth_init(&station, key, strlen(key), false);
    vdp_auth_init(&bridge, key, strlen(key), true);
    sign_msg(&station, 0, &a1);
    check_auth("station's first message, to the bridge", &bridge, a1.b,
               a1.n);
    sign_msg(&bridge, VDP_AUTH_CHALLENGE, &b1);
    check_auth("bridge's challenge, to the station", &station, b1.b, b1.n);
    sign_msg(&station, 0, &a2);
    check_auth("station's second message", &bridge, a2.b, a2.n);
    sign_msg(&bridge, 0, &b2);
    check_auth("bridge's answer", &station, b2.b, b2.n);
    check_auth("station's second message again", &bridge, a2.b, a2.n);
    check_auth("station's first message again", &bridge, a1.b, a1.n);
    check_auth("bridge's answer again", &station, b2.b, b2.n);
    check_auth("station's message back to the station", &station, a2.b,
               a2.n);
    sign_msg(&station, 0, &a3);
    check_auth("station's third message", &bridge, a3.b, a3.n);

    /* The station restarts: its old messages stay refused. */
    vdp_auth_init(&station, key, strlen(key), false);
    sign_msg(&station, 0, &r1);
    check_auth("restarted station's first message", &bridge, r1.b, r1.n);
    sign_msg(&bridge, VDP_AUTH_CHALLENGE, &b1);
    check_auth("bridge's challenge", &station, b1.b, b1.n);
    sign_msg(&station, 0, &r2);
    check_auth("restarted station's second message", &bridge, r2.b, r2.n);
    check_auth("old station's third message", &bridge, a3.b, a3.n);
    check_auth("old station's second message", &bridge, a2.b, a2.n);
    sign_msg(&station, 0, &r3);
    check_auth("restarted station's third message", &bridge, r3.b, r3.n);

    /* Another secret. */
    vdp_auth_init(&other, "another-secret", 14, false);
    sign_msg(&other, 0, &r1);
    check_auth("message signed with another secret", &bridge, r1.b, r1.n);
    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1, true);
    len = vdp_encode(&m, buf, sizeof buf, NULL);
    check_auth("message without AUTH TLV", &bridge, buf, len);
    return n_bad || n_still != 46;
}

/* vdp-decode HEX...: decodes one payload and prints it or the error. */
static int
test_vdp_decode(int argc, char *argv[])
{
    uint8_t buf[2048];
    struct vdp_message m;
    char *error;
    size_t len;

    len = ecprdma_test_parse_hex(argc - 1, argv + 1, buf, sizeof buf);
    if (vdp_decode(buf, len, &m, &error)) {
        printf("error: %s\n", error);
        free(error);
    } else {
        print_message("", &m);
    }
    return 0;
}

/* A raw PDU builder, independent of vdp_encode(), for malformed input. */
struct pdu {
    uint8_t b[2048];
    size_t n;
};

static void
put8(struct pdu *p, uint8_t x)
{
    if (p->n >= sizeof p->b) {
        fprintf(stderr, "PDU overflow\n");
        exit(2);
    }
    p->b[p->n++] = x;
}

static void
put16(struct pdu *p, uint16_t x)
{
    put8(p, x >> 8);
    put8(p, x);
}

static void
put24(struct pdu *p, uint32_t x)
{
    put8(p, x >> 16);
    put16(p, x);
}

static void
put32(struct pdu *p, uint32_t x)
{
    put16(p, x >> 16);
    put16(p, x);
}

static void
put64(struct pdu *p, uint64_t x)
{
    put32(p, x >> 32);
    put32(p, x);
}

static void
putn(struct pdu *p, const uint8_t *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put8(p, data[i]);
    }
}

static void
tlv(struct pdu *p, unsigned int type, unsigned int len)
{
    put16(p, type << 9 | len);
}

static void
add_manager(struct pdu *p)
{
    tlv(p, VDP_TLV_MANAGER_ID, 16);
    putn(p, manager_id, 16);
}

static void
add_end(struct pdu *p)
{
    tlv(p, VDP_TLV_END, 0);
}

/* The raw fields of a VSI TLV; 'len' of -1 means the right length for
 * 'n_entries' VID entries in 'format'. */
struct raw_vsi {
    uint8_t mode;
    uint8_t status;
    uint8_t vsiid_format;
    uint8_t filter_format;
    uint16_t count;             /* Number of entries claimed. */
    size_t n_entries;           /* Number of entries written. */
    int len;
};

static const struct raw_vsi good_vsi = {
    .mode = VDP_TLV_ASSOC, .status = 0, .vsiid_format = VDP_VSIID_UUID,
    .filter_format = VDP_FILTER_VID, .count = 1, .n_entries = 1, .len = -1,
};

static void
add_vsi(struct pdu *p, const struct raw_vsi *v)
{
    static const size_t entry_len[] = { 2, 2, 8, 6, 12, 2, 2 };
    size_t elen = entry_len[v->filter_format < 7 ? v->filter_format : 0];

    tlv(p, v->mode, v->len >= 0 ? v->len : 25 + v->n_entries * elen);
    put8(p, v->status);
    put24(p, 0x000001);
    put8(p, 1);
    put8(p, v->vsiid_format);
    putn(p, vsiid, 16);
    put8(p, v->filter_format);
    put16(p, v->count);
    for (size_t i = 0; i < v->n_entries; i++) {
        for (size_t j = 2; j < elen; j++) {
            put8(p, 0x10 + j);
        }
        put16(p, 100 + i);
    }
}

static void
add_good_vsi(struct pdu *p)
{
    add_vsi(p, &good_vsi);
}

static void
add_org_header(struct pdu *p, uint32_t oui, uint8_t subtype, size_t len)
{
    tlv(p, VDP_TLV_ORG, 4 + len);
    put24(p, oui);
    put8(p, subtype);
}

static void
add_qp(struct pdu *p, uint32_t qpn, uint16_t seg, uint16_t window,
       uint8_t rte, uint8_t retry)
{
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_QP, VDP_ROE_QP_LEN);
    put32(p, qpn);
    put16(p, 0x1234);
    put16(p, seg);
    put16(p, window);
    put8(p, rte);
    put8(p, retry);
    put16(p, 16);
}

static void
add_good_qp(struct pdu *p)
{
    add_qp(p, 0x11, 1464, 128, 8, 3 << 5 | 7 << 2);
}

static void
add_mr(struct pdu *p, uint32_t rkey, uint32_t access, uint64_t iova,
       uint64_t length)
{
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_MR, VDP_ROE_MR_LEN);
    put32(p, rkey);
    put32(p, access);
    put64(p, iova);
    put64(p, length);
}

static void
add_ring(struct pdu *p, uint16_t id, uint8_t kind, uint8_t l2es,
         uint8_t l2n, uint8_t flags, uint64_t base)
{
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_RING, VDP_ROE_RING_LEN);
    put16(p, id);
    put8(p, kind);
    put8(p, l2es);
    put8(p, l2n);
    put8(p, flags);
    put64(p, base);
    put32(p, 0xabcdef01);
    put64(p, 0x1000);
    put64(p, 0x2000);
}

static void
add_good_ring(struct pdu *p, uint16_t id)
{
    add_ring(p, id, VDP_RING_VM_RX, 11, 10, 0, 0x100000);
}

static void
add_port(struct pdu *p)
{
    static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0x99 };

    add_org_header(p, VDP_ROE_OUI, VDP_ROE_PORT, VDP_ROE_PORT_LEN);
    putn(p, mac, 6);
    put16(p, 0x0064);
}

/* A valid header: Manager ID and VSI TLVs. */
static void
start(struct pdu *p)
{
    add_manager(p);
    add_good_vsi(p);
}

/* Each case builds one PDU in 'p'. */
#define CASE(NAME) static void case_##NAME(struct pdu *p)

CASE(empty)
{
    (void) p;
}

CASE(end_only)
{
    add_end(p);
}

CASE(manager_only)
{
    add_manager(p);
    add_end(p);
}

CASE(no_end)
{
    start(p);
}

CASE(header_truncated)
{
    start(p);
    put8(p, 0);
}

CASE(tlv_truncated)
{
    tlv(p, VDP_TLV_MANAGER_ID, 16);
    putn(p, vsiid, 10);
}

CASE(vsi_truncated)
{
    add_manager(p);
    add_good_vsi(p);
    p->n -= 3;
}

CASE(end_length)
{
    start(p);
    tlv(p, VDP_TLV_END, 2);
    put16(p, 0);
}

CASE(vsi_first)
{
    add_good_vsi(p);
    add_manager(p);
    add_end(p);
}

CASE(two_managers)
{
    add_manager(p);
    start(p);
    add_end(p);
}

CASE(manager_len)
{
    tlv(p, VDP_TLV_MANAGER_ID, 15);
    putn(p, manager_id, 15);
    add_good_vsi(p);
    add_end(p);
}

CASE(two_vsis)
{
    start(p);
    add_good_vsi(p);
    add_end(p);
}

CASE(unknown_type)
{
    add_manager(p);
    tlv(p, 6, 0);
    add_end(p);
}

CASE(unknown_type_126)
{
    start(p);
    tlv(p, 126, 1);
    put8(p, 0);
    add_end(p);
}

static void
vsi_case(struct pdu *p, struct raw_vsi v)
{
    add_manager(p);
    add_vsi(p, &v);
    add_end(p);
}

CASE(vsi_short)
{
    struct raw_vsi v = good_vsi;

    v.len = 24;
    vsi_case(p, v);
}

CASE(filter_count)
{
    struct raw_vsi v = good_vsi;

    v.count = 3;
    vsi_case(p, v);
}

CASE(filter_count_short)
{
    struct raw_vsi v = good_vsi;

    v.count = 1;
    v.n_entries = 2;
    vsi_case(p, v);
}

CASE(filter_odd_len)
{
    struct raw_vsi v = good_vsi;

    v.len = 28;
    add_manager(p);
    add_vsi(p, &v);
    put8(p, 0);
    add_end(p);
}

CASE(no_filters)
{
    struct raw_vsi v = good_vsi;

    v.count = v.n_entries = 0;
    vsi_case(p, v);
}

CASE(too_many_filters)
{
    struct raw_vsi v = good_vsi;

    v.count = v.n_entries = VDP_MAX_FILTERS + 1;
    vsi_case(p, v);
}

CASE(vsiid_format_0)
{
    struct raw_vsi v = good_vsi;

    v.vsiid_format = 0;
    vsi_case(p, v);
}

CASE(vsiid_format_6)
{
    struct raw_vsi v = good_vsi;

    v.vsiid_format = 6;
    vsi_case(p, v);
}

CASE(filter_format_0)
{
    struct raw_vsi v = good_vsi;

    v.filter_format = 0;
    vsi_case(p, v);
}

CASE(filter_format_5)
{
    struct raw_vsi v = good_vsi;

    v.filter_format = 5;
    vsi_case(p, v);
}

CASE(status_reserved)
{
    struct raw_vsi v = good_vsi;

    v.status = 0x80;
    vsi_case(p, v);
}

CASE(request_status)
{
    struct raw_vsi v = good_vsi;

    v.status = VDP_REQ_M | 0x01;
    vsi_case(p, v);
}

CASE(response_status_6)
{
    struct raw_vsi v = good_vsi;

    v.status = VDP_RESP_ACK | 6;
    vsi_case(p, v);
}

CASE(response_status_15)
{
    struct raw_vsi v = good_vsi;

    v.status = VDP_RESP_ACK | VDP_RESP_HARD | 15;
    vsi_case(p, v);
}

CASE(org_short)
{
    start(p);
    tlv(p, VDP_TLV_ORG, 3);
    put24(p, 0);
    add_end(p);
}

CASE(foreign_oui)
{
    add_org_header(p, 0x0080c2, 1, 3);
    put24(p, 0xffffff);
    start(p);
    add_org_header(p, 0x001b21, 9, 0);
    add_good_qp(p);
    add_org_header(p, VDP_ROE_OUI + 1, VDP_ROE_QP, 1);
    put8(p, 0xff);
    add_end(p);
}

CASE(roe_before_vsi)
{
    add_manager(p);
    add_good_qp(p);
    add_end(p);
}

CASE(roe_subtype_0)
{
    start(p);
    add_org_header(p, VDP_ROE_OUI, 0, 0);
    add_end(p);
}

CASE(roe_subtype_8)
{
    start(p);
    add_org_header(p, VDP_ROE_OUI, 8, 2);
    put16(p, 0);
    add_end(p);
}

/* Adds a RoE IFACE-ID or VM-ID TLV ('subtype') with 'name'. */
static void
add_name(struct pdu *p, uint8_t subtype, const char *name)
{
    add_org_header(p, VDP_ROE_OUI, subtype, strlen(name));
    putn(p, (const uint8_t *) name, strlen(name));
}

CASE(names)
{
    start(p);
    add_name(p, VDP_ROE_VM_ID, "vm-a");
    add_port(p);
    add_name(p, VDP_ROE_IFACE_ID, "lsp-a1");
    add_end(p);
}

CASE(name_empty)
{
    start(p);
    add_name(p, VDP_ROE_IFACE_ID, "");
    add_end(p);
}

CASE(name_space)
{
    start(p);
    add_name(p, VDP_ROE_IFACE_ID, "lsp a1");
    add_end(p);
}

CASE(name_control)
{
    start(p);
    add_name(p, VDP_ROE_VM_ID, "vm\n");
    add_end(p);
}

CASE(name_not_ascii)
{
    start(p);
    add_name(p, VDP_ROE_VM_ID, "vm\xc3\xa9");
    add_end(p);
}

CASE(name_nul)
{
    start(p);
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_IFACE_ID, 3);
    putn(p, (const uint8_t *) "a\0b", 3);
    add_end(p);
}

CASE(name_too_long)
{
    char name[VDP_NAME_MAX + 2];

    memset(name, 'x', VDP_NAME_MAX + 1);
    name[VDP_NAME_MAX + 1] = '\0';
    start(p);
    add_name(p, VDP_ROE_IFACE_ID, name);
    add_end(p);
}

CASE(two_iface_ids)
{
    start(p);
    add_name(p, VDP_ROE_IFACE_ID, "lsp-a1");
    add_name(p, VDP_ROE_IFACE_ID, "lsp-a2");
    add_end(p);
}

static void
add_auth(struct pdu *p, uint8_t flags, uint8_t algorithm, uint64_t counter)
{
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_AUTH, VDP_ROE_AUTH_LEN);
    put8(p, flags);
    put8(p, algorithm);
    put64(p, 0x1111111111111111);
    put64(p, 0x2222222222222222);
    put64(p, 0);
    put64(p, counter);
    for (int i = 0; i < VDP_AUTH_MAC_LEN; i++) {
        put8(p, 0xa0 + i);
    }
}

CASE(auth)
{
    start(p);
    add_good_qp(p);
    add_auth(p, VDP_AUTH_BRIDGE | VDP_AUTH_CHALLENGE, 1, 7);
    add_end(p);
}

CASE(auth_len)
{
    start(p);
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_AUTH, VDP_ROE_AUTH_LEN - 1);
    for (int i = 0; i < VDP_ROE_AUTH_LEN - 1; i++) {
        put8(p, 1);
    }
    add_end(p);
}

CASE(auth_flags)
{
    start(p);
    add_auth(p, 0x20, 1, 7);
    add_end(p);
}

CASE(auth_algorithm)
{
    start(p);
    add_auth(p, 0, 2, 7);
    add_end(p);
}

CASE(auth_counter_0)
{
    start(p);
    add_auth(p, 0, 1, 0);
    add_end(p);
}

CASE(auth_not_last)
{
    start(p);
    add_auth(p, 0, 1, 7);
    add_good_qp(p);
    add_end(p);
}

CASE(auth_then_foreign)
{
    start(p);
    add_auth(p, 0, 1, 7);
    add_org_header(p, 0x001b21, 9, 0);
    add_end(p);
}

CASE(two_auths)
{
    start(p);
    add_auth(p, 0, 1, 7);
    add_auth(p, 0, 1, 8);
    add_end(p);
}

CASE(qp_len)
{
    start(p);
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_QP, VDP_ROE_QP_LEN - 1);
    for (int i = 0; i < VDP_ROE_QP_LEN - 1; i++) {
        put8(p, 1);
    }
    add_end(p);
}

CASE(two_qps)
{
    start(p);
    add_good_qp(p);
    add_good_qp(p);
    add_end(p);
}

CASE(qpn_reserved)
{
    start(p);
    add_qp(p, 0x01000011, 1464, 128, 8, 0);
    add_end(p);
}

CASE(segment_0)
{
    start(p);
    add_qp(p, 0x11, 0, 128, 8, 0);
    add_end(p);
}

CASE(window_0)
{
    start(p);
    add_qp(p, 0x11, 1464, 0, 8, 0);
    add_end(p);
}

CASE(window_32768)
{
    start(p);
    add_qp(p, 0x11, 1464, 32768, 8, 0);
    add_end(p);
}

CASE(rte_32)
{
    start(p);
    add_qp(p, 0x11, 1464, 128, 32, 0);
    add_end(p);
}

CASE(retry_reserved)
{
    start(p);
    add_qp(p, 0x11, 1464, 128, 8, 3 << 5 | 2);
    add_end(p);
}

CASE(mr_len)
{
    start(p);
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_MR, VDP_ROE_MR_LEN + 1);
    for (int i = 0; i < VDP_ROE_MR_LEN + 1; i++) {
        put8(p, 1);
    }
    add_end(p);
}

CASE(too_many_mrs)
{
    start(p);
    for (int i = 0; i <= VDP_MAX_MRS; i++) {
        add_mr(p, 0x100 + i, VDP_MR_REMOTE_READ, 0x10000, 0x1000);
    }
    add_end(p);
}

CASE(mr_length_0)
{
    start(p);
    add_mr(p, 0x5a5a0001, VDP_MR_REMOTE_READ, 0x10000, 0);
    add_end(p);
}

CASE(mr_overflow)
{
    start(p);
    add_mr(p, 0x5a5a0002, VDP_MR_REMOTE_WRITE,
           UINT64_C(0xffffffffffff0000), 0x10001);
    add_end(p);
}

CASE(mr_huge)
{
    start(p);
    add_mr(p, 0x5a5a0003, VDP_MR_REMOTE_WRITE, 2, UINT64_MAX);
    add_end(p);
}

CASE(mr_to_the_end)
{
    start(p);
    add_mr(p, 0x5a5a0004, VDP_MR_REMOTE_WRITE, 0, UINT64_MAX);
    add_mr(p, 0x5a5a0005, VDP_MR_REMOTE_READ, UINT64_MAX, 1);
    add_end(p);
}

CASE(mr_access)
{
    start(p);
    add_mr(p, 0x5a5a0006, VDP_MR_REMOTE_READ | 8, 0x10000, 0x1000);
    add_end(p);
}

CASE(mr_access_local)
{
    start(p);
    add_mr(p, 0x5a5a0007, 1, 0x10000, 0x1000);
    add_end(p);
}

CASE(mr_twice)
{
    start(p);
    add_mr(p, 0x5a5a0008, VDP_MR_REMOTE_READ, 0x10000, 0x1000);
    add_mr(p, 0x5a5a0008, VDP_MR_REMOTE_READ, 0x20000, 0x1000);
    add_end(p);
}

CASE(ring_len)
{
    start(p);
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_RING, 0);
    add_end(p);
}

CASE(too_many_rings)
{
    start(p);
    for (int i = 0; i <= VDP_MAX_RINGS; i++) {
        add_good_ring(p, i);
    }
    add_end(p);
}

CASE(ring_kind)
{
    start(p);
    add_ring(p, 7, 4, 11, 10, 0, 0x100000);
    add_end(p);
}

CASE(ring_entry_2)
{
    start(p);
    add_ring(p, 7, VDP_RING_EGRESS, 2, 10, 0, 0x100000);
    add_end(p);
}

CASE(ring_entry_17)
{
    start(p);
    add_ring(p, 7, VDP_RING_EGRESS, 17, 10, 0, 0x100000);
    add_end(p);
}

CASE(ring_entries_0)
{
    start(p);
    add_ring(p, 7, VDP_RING_EGRESS, 11, 0, 0, 0x100000);
    add_end(p);
}

CASE(ring_entries_16)
{
    start(p);
    add_ring(p, 7, VDP_RING_EGRESS, 11, 16, 0, 0x100000);
    add_end(p);
}

CASE(ring_flags)
{
    start(p);
    add_ring(p, 7, VDP_RING_VM_TX, 11, 10, 0x80, 0x100000);
    add_end(p);
}

CASE(ring_overflow)
{
    start(p);
    add_ring(p, 7, VDP_RING_VM_TX, 11, 10, 0,
             UINT64_C(0xfffffffffff00000));
    add_end(p);
}

CASE(ring_twice)
{
    start(p);
    add_good_ring(p, 3);
    add_good_ring(p, 3);
    add_end(p);
}

CASE(port_len)
{
    start(p);
    add_org_header(p, VDP_ROE_OUI, VDP_ROE_PORT, VDP_ROE_PORT_LEN + 2);
    put64(p, 0);
    put16(p, 0);
    add_end(p);
}

CASE(two_ports)
{
    start(p);
    add_port(p);
    add_port(p);
    add_end(p);
}

CASE(all_roe)
{
    start(p);
    add_good_ring(p, 2);
    add_port(p);
    add_mr(p, 0x5a5a0009, VDP_MR_REMOTE_READ, 0x10000, 0x1000);
    add_good_qp(p);
    add_good_ring(p, 1);
    add_end(p);
    put32(p, 0xdeadbeef);       /* Ignored after END. */
}

struct vdp_case {
    const char *name;
    void (*build)(struct pdu *);
};

#define C(NAME) { #NAME, case_##NAME }
static const struct vdp_case cases[] = {
    C(empty), C(end_only), C(manager_only), C(no_end), C(header_truncated),
    C(tlv_truncated), C(vsi_truncated), C(end_length), C(vsi_first),
    C(two_managers), C(manager_len), C(two_vsis),
    C(unknown_type), C(unknown_type_126), C(vsi_short), C(filter_count),
    C(filter_count_short), C(filter_odd_len), C(no_filters),
    C(too_many_filters), C(vsiid_format_0), C(vsiid_format_6),
    C(filter_format_0), C(filter_format_5), C(status_reserved),
    C(request_status), C(response_status_6), C(response_status_15),
    C(org_short), C(foreign_oui), C(roe_before_vsi), C(roe_subtype_0),
    C(roe_subtype_8), C(names), C(name_empty), C(name_space),
    C(name_control), C(name_not_ascii), C(name_nul), C(name_too_long),
    C(two_iface_ids), C(qp_len), C(two_qps), C(qpn_reserved),
    C(segment_0), C(window_0), C(window_32768), C(rte_32),
    C(retry_reserved), C(mr_len), C(too_many_mrs), C(mr_length_0),
    C(mr_overflow), C(mr_huge), C(mr_to_the_end), C(mr_access),
    C(mr_access_local), C(mr_twice), C(ring_len), C(too_many_rings),
    C(ring_kind), C(ring_entry_2), C(ring_entry_17), C(ring_entries_0),
    C(ring_entries_16), C(ring_flags), C(ring_overflow), C(ring_twice),
    C(port_len), C(two_ports), C(all_roe), C(auth), C(auth_len),
    C(auth_flags), C(auth_algorithm), C(auth_counter_0), C(auth_not_last),
    C(auth_then_foreign), C(two_auths),
};
#undef C

/* vdp-cases [NAME]...: decodes each hand-built PDU (all of them by
 * default) and prints "NAME: error: MESSAGE" or "NAME: ok MESSAGE".  Every
 * shorter prefix of a PDU that decodes is also decoded, to check that
 * truncation is always refused. */
static int
test_vdp_cases(int argc, char *argv[])
{
    int n_failed = 0;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct vdp_case *c = &cases[i];
        struct vdp_message m;
        struct pdu p;
        char *error;
        bool wanted = argc < 2;

        for (int j = 1; j < argc; j++) {
            wanted = wanted || !strcmp(argv[j], c->name);
        }
        if (!wanted) {
            continue;
        }
        memset(&p, 0, sizeof p);
        c->build(&p);
        if (vdp_decode(p.b, p.n, &m, &error)) {
            printf("%s: error: %s\n", c->name, error);
            free(error);
            continue;
        }
        printf("%s: ok ", c->name);
        print_message("", &m);
        for (size_t n = 0; n < p.n; n++) {
            struct vdp_message m2;
            bool has_end = false;

            /* A prefix that still ends with a complete END TLV is
             * legitimately accepted. */
            size_t ofs = 0;

            while (ofs + 2 <= n) {
                if (!(p.b[ofs] >> 1)) {
                    has_end = true;
                    break;
                }
                ofs += 2 + ((p.b[ofs] << 8 | p.b[ofs + 1]) & 0x1ff);
            }
            if (!has_end && !vdp_decode(p.b, n, &m2, NULL)) {
                printf("%s: prefix of %zu octets accepted\n", c->name, n);
                n_failed++;
            }
        }
    }
    return n_failed != 0;
}

/* vdp-response: a response built from a request, and the requests and
 * arguments vdp_make_response() refuses. */
static int
test_vdp_response(int argc, char *argv[])
{
    struct vdp_message req, resp, d;
    uint8_t buf[VDP_MESSAGE_MAX_LEN];
    int len, n_failed = 0;

    sample_message(&req, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 2, true);
    req.vsi.flags = VDP_REQ_M;
    print_message("request:  ", &req);

    if (vdp_make_response(&req, VDP_STATUS_SUCCESS, 0, &resp)) {
        printf("make response failed\n");
        return 1;
    }
    print_message("response: ", &resp);
    len = vdp_encode(&resp, buf, sizeof buf, NULL);
    if (len < 0 || vdp_decode(buf, len, &d, NULL)
        || !messages_equal(&d, &resp)) {
        printf("response does not round trip\n");
        n_failed++;
    } else {
        /* The VSI TLV's status octet follows the 18-octet Manager ID TLV
         * and the VSI TLV header. */
        printf("response status octet: 0x%02x\n", buf[20]);
    }

    if (vdp_make_response(&req, VDP_STATUS_INSUFFICIENT_RESOURCES,
                          VDP_RESP_HARD, &resp)) {
        printf("make response failed\n");
        return 1;
    }
    print_message("response: ", &resp);
    len = vdp_encode(&resp, buf, sizeof buf, NULL);
    if (len < 0) {
        printf("response does not encode\n");
        n_failed++;
    } else {
        printf("response status octet: 0x%02x\n", buf[20]);
    }

    printf("response to a response: %s\n",
           vdp_make_response(&resp, 0, 0, &d) == EINVAL ? "EINVAL" : "ok");
    printf("status 6: %s\n",
           vdp_make_response(&req, 6, 0, &d) == EINVAL ? "EINVAL" : "ok");
    printf("flag 0x80: %s\n",
           vdp_make_response(&req, 0, 0x80, &d) == EINVAL ? "EINVAL" : "ok");
    printf("flag 0x40: %s\n",
           vdp_make_response(&req, 0, VDP_RESP_ACK, &d) == EINVAL
           ? "EINVAL" : "ok");
    return n_failed != 0;
}

/* vdp-encode-errors: messages that vdp_encode() refuses. */
static int
test_vdp_encode_errors(int argc, char *argv[])
{
    uint8_t buf[VDP_MESSAGE_MAX_LEN];
    struct vdp_message m;
    char *error;
    int len;

    for (int i = 0; ; i++) {
        sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_VID, 1, true);
        switch (i) {
        case 0:
            m.vsi.mode = 0;
            break;
        case 1:
            m.vsi.mode = 5;
            break;
        case 2:
            m.vsi.flags = 0x40;
            break;
        case 3:
            m.vsi.status = 1;
            break;
        case 4:
            m.vsi.response = true;
            m.vsi.status = 6;
            break;
        case 5:
            m.vsi.type_id = 0x1000000;
            break;
        case 6:
            m.vsi.vsiid_format = 0;
            break;
        case 7:
            m.vsi.filter_format = 5;
            break;
        case 8:
            m.vsi.n_filters = 0;
            break;
        case 9:
            m.vsi.n_filters = VDP_MAX_FILTERS + 1;
            break;
        case 10:
            m.vsi.filters[0].pcp = 8;
            break;
        case 11:
            m.vsi.filters[0].vid = 4096;
            break;
        case 12:
            m.roe.qp.qpn = 0x1000000;
            break;
        case 13:
            m.roe.qp.max_tries = 8;
            break;
        case 14:
            m.roe.qp.rnr_retry = 8;
            break;
        case 15:
            m.roe.n_mrs = VDP_MAX_MRS + 1;
            break;
        case 16:
            m.roe.mrs[1].length = 0x10001;
            break;
        case 17:
            m.roe.mrs[1].rkey = m.roe.mrs[0].rkey;
            break;
        case 18:
            m.roe.n_rings = VDP_MAX_RINGS + 1;
            break;
        case 19:
            m.roe.rings[1].base_iova += 1;
            break;
        case 20:
            m.roe.rings[1].id = m.roe.rings[0].id;
            break;
        case 21:
            set_name(m.roe.iface_id, "lsp a1");
            break;
        case 22:
            memset(m.roe.vm_id, 'v', sizeof m.roe.vm_id);
            break;
        default:
            goto done;
        }
        len = vdp_encode(&m, buf, sizeof buf, &error);
        printf("%d: %s: %s\n", i, len == -EINVAL ? "EINVAL" : "unexpected",
               error ? error : "(no message)");
        free(error);
    }
done:
    sample_message(&m, VDP_TLV_ASSOC, VDP_FILTER_VID, 1, false);
    len = vdp_encode(&m, buf, 48, &error);
    printf("48-octet buffer: %s: %s\n",
           len == -ENOSPC ? "ENOSPC" : "unexpected",
           error ? error : "(no message)");
    free(error);
    len = vdp_encode(&m, buf, 49, &error);
    printf("49-octet buffer: %d%s\n", len, error ? " (message)" : "");
    free(error);
    error = vdp_validate(&m);
    printf("validate: %s\n", error ? error : "ok");
    free(error);
    return 0;
}

ECPRDMA_TEST_REGISTER("vdp-roundtrip", "", test_vdp_roundtrip);
ECPRDMA_TEST_REGISTER("vdp-sample", "[roe|auth]", test_vdp_sample);
ECPRDMA_TEST_REGISTER("vdp-auth", "", test_vdp_auth);
ECPRDMA_TEST_REGISTER("vdp-decode", "HEX...", test_vdp_decode);
ECPRDMA_TEST_REGISTER("vdp-cases", "[NAME]...", test_vdp_cases);
ECPRDMA_TEST_REGISTER("vdp-response", "", test_vdp_response);
ECPRDMA_TEST_REGISTER("vdp-encode-errors", "", test_vdp_encode_errors);

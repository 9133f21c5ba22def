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

/* "ecprdma-test fuzz-corpus TARGET DIR" writes the seed corpus of fuzz
 * target TARGET (memif, roe, vdp, frame-ring, memif-ring, roe-responder)
 * into DIR, one small file per input, built with the engine's own
 * encoders or, for the targets whose inputs are operations, with the
 * helpers below.  The committed corpora in tests/fuzz/corpus/ are its
 * output ("make fuzz-corpus" regenerates them) and tests/fuzz.at checks
 * that they are up to date.  See tests/fuzz/ for the input format of each
 * target. */

#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ecp.h"
#include "ecprdma-test.h"
#include "frame-ring.h"
#include "memif-handshake.h"
#include "memif-proto.h"
#include "memif-ring.h"
#include "roe-qp.h"
#include "roe-samples.h"
#include "roe.h"
#include "vdp.h"

/* Largest input written. */
enum { MAX_INPUT = 4096 };

struct corpus {
    const char *dir;
    int n;                      /* Files written so far. */
    bool failed;
};

static void
write_input(struct corpus *c, const char *name, const void *data,
            size_t size)
{
    char path[512];
    char buf[128];
    FILE *stream;

    c->n++;
    snprintf(path, sizeof path, "%s/%02d-%s", c->dir, c->n, name);
    stream = fopen(path, "wb");
    if (stream) {
        bool ok = fwrite(data, 1, size, stream) == size;

        if (!fclose(stream) && ok) {
            return;
        }
    }
    fprintf(stderr, "fuzz-corpus: %s: cannot write (%s)\n", path,
            strerror_r(errno, buf, sizeof buf));
    c->failed = true;
}

/* memif: a configuration octet, then records of a control octet (bit 0:
 * with a file descriptor) and a 128-octet message.  See fuzz-memif.c. */

enum {
    CONFIG_SECRET = 1,
    CONFIG_2_REGIONS = 1 << 1,
    CONFIG_2_QUEUES = 1 << 3,
};

struct memif_input {
    uint8_t data[MAX_INPUT];
    size_t size;
};

static void
memif_input_init(struct memif_input *in, uint8_t config)
{
    in->data[0] = config;
    in->size = 1;
}

static void
memif_input_add(struct memif_input *in, const struct memif_msg *msg,
                bool with_fd)
{
    if (in->size + 1 + sizeof *msg > sizeof in->data) {
        fprintf(stderr, "fuzz-corpus: memif input too long\n");
        exit(1);
    }
    in->data[in->size++] = with_fd;
    memcpy(&in->data[in->size], msg, sizeof *msg);
    in->size += sizeof *msg;
}

static void
add_init(struct memif_input *in, uint16_t version, uint32_t id,
         const char *secret)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_INIT;
    m.init.version = version;
    m.init.id = id;
    m.init.mode = MEMIF_INTERFACE_MODE_ETHERNET;
    memif_put_name(m.init.secret, secret, MEMIF_SECRET_SIZE);
    memif_put_name(m.init.name, "fuzz client", MEMIF_NAME_SIZE);
    memif_input_add(in, &m, false);
}

static void
add_region(struct memif_input *in, uint16_t index, uint64_t size,
           bool with_fd)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_ADD_REGION;
    m.add_region.index = index;
    m.add_region.size = size;
    memif_input_add(in, &m, with_fd);
}

static void
add_ring(struct memif_input *in, bool c2s, uint16_t index, uint16_t region,
         uint32_t offset, uint8_t log2)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_ADD_RING;
    m.add_ring.flags = c2s ? MEMIF_MSG_ADD_RING_FLAG_C2S : 0;
    m.add_ring.index = index;
    m.add_ring.region = region;
    m.add_ring.offset = offset;
    m.add_ring.log2_ring_size = log2;
    memif_input_add(in, &m, true);
}

static void
add_connect(struct memif_input *in)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = MEMIF_MSG_TYPE_CONNECT;
    memif_put_name(m.connect.if_name, "fuzz0", MEMIF_NAME_SIZE);
    memif_input_add(in, &m, false);
}

static void
add_simple(struct memif_input *in, uint16_t type, bool with_fd)
{
    struct memif_msg m;

    memset(&m, 0, sizeof m);
    m.type = type;
    if (type == MEMIF_MSG_TYPE_DISCONNECT) {
        memif_put_name(m.disconnect.string, "bye",
                       MEMIF_DISCONNECT_STRING_SIZE);
    }
    memif_input_add(in, &m, with_fd);
}

/* Size of a ring of 2^8 slots, a multiple of the cache line. */
#define RING_BYTES 4224

/* One region, one ring each way: the handshake of a minimal client. */
static void
add_minimal(struct memif_input *in, const char *secret)
{
    add_init(in, MEMIF_VERSION, 7, secret);
    add_region(in, 0, 1 << 20, true);
    add_ring(in, true, 0, 0, 0, 8);
    add_ring(in, false, 0, 0, RING_BYTES, 8);
}

static void
memif_corpus(struct corpus *c)
{
    struct memif_input in;

    memif_input_init(&in, 0);
    add_minimal(&in, "");
    add_connect(&in);
    write_input(c, "connect", in.data, in.size);

    memif_input_init(&in, CONFIG_SECRET);
    add_minimal(&in, "s3cret");
    add_connect(&in);
    write_input(c, "connect-secret", in.data, in.size);

    memif_input_init(&in, CONFIG_2_REGIONS | CONFIG_2_QUEUES);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, 1 << 16, true);
    add_region(&in, 1, 1 << 20, true);
    add_ring(&in, true, 0, 0, 0, 8);
    add_ring(&in, true, 1, 1, 0, 8);
    add_ring(&in, false, 0, 0, RING_BYTES, 8);
    add_ring(&in, false, 1, 1, RING_BYTES, 10);
    add_connect(&in);
    write_input(c, "connect-2x2", in.data, in.size);

    memif_input_init(&in, CONFIG_SECRET);
    add_minimal(&in, "wrong");
    write_input(c, "wrong-secret", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, 0x0100, 7, "");
    write_input(c, "version", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 8, "");
    write_input(c, "id", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, 1 << 20, false);
    write_input(c, "region-no-fd", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, 1 << 20, true);
    add_region(&in, 1, 1 << 20, true);
    write_input(c, "region-count", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, UINT64_MAX, true);
    write_input(c, "region-size", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, 1 << 20, true);
    add_ring(&in, true, 0, 0, (1 << 20) - 64, 8);
    write_input(c, "ring-bounds", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, 1 << 20, true);
    add_ring(&in, true, 0, 0, 0xffffffc0, 14);
    write_input(c, "ring-bounds-overflow", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, 1 << 20, true);
    add_ring(&in, true, 0, 3, 0, 8);
    write_input(c, "ring-region", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, 1 << 20, true);
    add_ring(&in, true, 0, 0, 0, 8);
    add_region(&in, 1, 1 << 20, true);
    write_input(c, "region-after-ring", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_region(&in, 0, 1 << 20, true);
    add_connect(&in);
    write_input(c, "no-rings", in.data, in.size);

    memif_input_init(&in, 0);
    add_minimal(&in, "");
    add_simple(&in, MEMIF_MSG_TYPE_DISCONNECT, true);
    write_input(c, "disconnect", in.data, in.size);

    memif_input_init(&in, 0);
    add_init(&in, MEMIF_VERSION, 7, "");
    add_simple(&in, 0xffff, true);
    write_input(c, "unknown-type", in.data, in.size);

    memif_input_init(&in, 0);
    add_simple(&in, MEMIF_MSG_TYPE_INIT, true);
    write_input(c, "init-with-fd", in.data, in.size);

    /* After CONNECT, and after a failure, more messages still come. */
    memif_input_init(&in, 0);
    add_minimal(&in, "");
    add_connect(&in);
    add_region(&in, 1, 1 << 20, true);
    add_simple(&in, MEMIF_MSG_TYPE_ACK, false);
    write_input(c, "after-connect", in.data, in.size);

    /* A trailing partial message is dropped. */
    memif_input_init(&in, 0);
    add_minimal(&in, "");
    in.size -= 100;
    write_input(c, "partial", in.data, in.size);
}

/* roe: whole Ethernet frames.  The sample frames of every opcode, then
 * variations of them that each parser must refuse. */

static size_t
sample(const char *want, uint8_t *frame)
{
    for (int i = 0; i < roe_sample_count(); i++) {
        const char *name;
        size_t len = roe_sample_frame(i, frame, &name);

        if (!strcmp(name, want)) {
            return len;
        }
    }
    return 0;
}

/* Writes into 'frame' a READ_SG request for ROE_SG_MAX + 1 segments of 1
 * octet each, and returns its length. */
static size_t
sg_too_many(uint8_t *frame)
{
    static const struct ecp_l2 l2 = {
        .dst = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
        .src = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
    };
    uint8_t list[(ROE_SG_MAX + 1) * ROE_SGE_LEN];
    struct roe_packet p = {
        .psn = 32, .opcode = ROE_READ_SG_REQUEST, .flags = ROE_FLAG_ACKREQ,
        .dqpn = 0x000123, .dma_len = ROE_SG_MAX + 1,
        .payload = list, .payload_len = sizeof list,
    };

    for (int i = 0; i <= ROE_SG_MAX; i++) {
        struct roe_sge sge = { 0x00007f0000001000ULL + i, 0x1a2b3c4d, 1 };

        roe_put_sge(list + i * ROE_SGE_LEN, &sge);
    }
    return roe_put_frame(frame, &l2, ECP_SUBTYPE_ROE_DEFAULT, &p);
}

/* Offset of the ECP header in the untagged sample frames. */
#define ECP_OFS ECP_ETH_HEADER_LEN
#define ROE_OFS (ECP_ETH_HEADER_LEN + ECP_HEADER_LEN)

static void
roe_corpus(struct corpus *c)
{
    uint8_t frame[ROE_SAMPLE_MAX_LEN];
    struct ecp_l2 l2 = {
        .dst = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 },
        .src = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x03 },
    };
    size_t len;

    for (int i = 0; i < roe_sample_count(); i++) {
        const char *name;

        len = roe_sample_frame(i, frame, &name);
        write_input(c, name, frame, len);
    }

    /* What lldpad sends: a VDP request whose only TLV is END (its test
     * suite's test/qbg22/ecp22/2.ecp), padded to the minimum frame, and
     * the ECP ack to it, which lldpad sends unpadded. */
    len = ecp_put_headers(frame, &l2, ECP_OP_REQUEST, ECP_SUBTYPE_VDP,
                          0x1224);
    memset(frame + len, 0, ECP_MIN_FRAME_LEN - len);
    write_input(c, "lldpad-vdp-request", frame, ECP_MIN_FRAME_LEN);
    len = ecp_put_headers(frame, &l2, ECP_OP_ACK, ECP_SUBTYPE_VDP, 0x1224);
    write_input(c, "lldpad-ecp-ack", frame, len);

    /* Cut short inside each header. */
    len = sample("write-only", frame);
    write_input(c, "short-eth", frame, ECP_ETH_HEADER_LEN - 1);
    write_input(c, "short-ecp", frame, ROE_OFS - 1);
    write_input(c, "short-roe", frame, ROE_OFS + ROE_HEADER_LEN - 1);
    write_input(c, "short-reth", frame, ROE_OFS + ROE_HEADER_LEN + 10);
    len = sample("write-only-vlan", frame);
    write_input(c, "short-vlan", frame, ECP_ETH_HEADER_LEN + 2);

    /* Lengths that do not fit. */
    len = sample("write-only", frame);
    frame[ROE_OFS + 2] = 0xff;
    frame[ROE_OFS + 3] = 0xff;
    write_input(c, "length-past-end", frame, len);
    len = sample("write-only", frame);
    frame[ROE_OFS + 2] = 0;
    frame[ROE_OFS + 3] = ROE_RETH_LEN - 1;
    write_input(c, "length-ext-headers", frame, len);
    len = sample("ack", frame);
    frame[ROE_OFS + 3] += 8;
    write_input(c, "payload-on-ack", frame, len);

    /* CRC-32C trailers that do not match, or do not fit. */
    len = sample("write-only-crc", frame);
    frame[len - 1] ^= 1;
    write_input(c, "crc-mismatch", frame, len);
    len = sample("write-only-crc", frame);
    frame[ROE_OFS + ROE_HEADER_LEN + 2] ^= 0x80;
    write_input(c, "crc-mismatch-reth", frame, len);
    len = sample("write-middle", frame);
    frame[ROE_OFS + 1] |= ROE_FLAG_CRC;
    frame[ROE_OFS + 2] = 0;
    frame[ROE_OFS + 3] = ROE_CRC_LEN - 1;
    write_input(c, "crc-short", frame, len);

    /* Bad fields, one at a time. */
    len = sample("write-only", frame);
    frame[ROE_OFS] = 0x00;
    write_input(c, "opcode-send-first", frame, len);
    frame[ROE_OFS] = 0xe0;
    write_input(c, "opcode-control", frame, len);
    len = sample("write-only", frame);
    frame[ROE_OFS + 1] |= 0x01;
    write_input(c, "reserved-flags", frame, len);
    len = sample("write-only", frame);
    frame[ROE_OFS + 4] = 0x01;
    write_input(c, "reserved-qpn", frame, len);
    len = sample("ack", frame);
    frame[ECP_OFS] &= ~0x0c;            /* An ACK sent as a request. */
    write_input(c, "direction", frame, len);
    len = sample("write-only", frame);
    frame[ECP_OFS] = (frame[ECP_OFS] & 0x0f) | 0x20;
    write_input(c, "ecp-version-2", frame, len);
    len = sample("write-only", frame);
    frame[ECP_OFS] |= 0x0c;
    write_input(c, "ecp-op-3", frame, len);
    len = sample("write-only", frame);
    frame[12] = 0x08;
    frame[13] = 0x00;
    write_input(c, "eth-type-ipv4", frame, len);
    len = sample("write-only-vlan", frame);
    frame[16] = 0x81;
    frame[17] = 0x00;
    write_input(c, "vlan-stacked", frame, len);

    /* READ_SG segment lists that roe_parse() passes on and the responder
     * refuses: not a whole number of segments, none, one too many, and
     * one whose second segment is empty, so that the lengths no longer
     * add up to the DMA length. */
    len = sample("read-sg-request", frame);
    frame[ROE_OFS + 3] -= 4;
    write_input(c, "sg-list-ragged", frame, len);
    len = sample("read-sg-request", frame);
    frame[ROE_OFS + 2] = 0;
    frame[ROE_OFS + 3] = ROE_RETH_LEN;
    write_input(c, "sg-list-none", frame, len);
    write_input(c, "sg-list-65", frame, sg_too_many(frame));
    len = sample("read-sg-request", frame);
    memset(frame + ROE_OFS + ROE_HEADER_LEN + ROE_RETH_LEN + ROE_SGE_LEN + 12,
           0, 4);
    write_input(c, "sg-list-empty-segment", frame, len);
}

/* vdp: VDP ECPDU payloads (what follows the ECP header).  Messages of
 * every kind, as vdp_encode() writes them, then payloads that vdp_decode()
 * must refuse or must get past. */

static void
vdp_sample(struct vdp_message *m, uint8_t mode, uint8_t format,
           size_t n_filters)
{
    memset(m, 0, sizeof *m);
    for (int i = 0; i < VDP_MANAGER_ID_LEN; i++) {
        m->manager_id[i] = i == VDP_MANAGER_ID_LEN - 1;
    }
    m->vsi.mode = mode;
    m->vsi.type_id = 0x123456;
    m->vsi.type_version = 1;
    m->vsi.vsiid_format = VDP_VSIID_UUID;
    for (int i = 0; i < VDP_VSIID_LEN; i++) {
        m->vsi.vsiid[i] = 0x40 + i;
    }
    m->vsi.filter_format = format;
    m->vsi.n_filters = n_filters;
    for (size_t i = 0; i < n_filters; i++) {
        struct vdp_filter *f = &m->vsi.filters[i];
        static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 0 };

        if (format == VDP_FILTER_GROUP_VID
            || format == VDP_FILTER_GROUP_MAC_VID) {
            f->group_id = 1001 + i;
        }
        if (format == VDP_FILTER_MAC_VID
            || format == VDP_FILTER_GROUP_MAC_VID) {
            memcpy(f->mac, mac, 6);
            f->mac[5] = i + 1;
        }
        f->vid = 100 * (i + 1);
        f->pcp = i % 8;
        f->ps = i % 2;
    }
}

static void
vdp_add_roe(struct vdp_message *m)
{
    struct vdp_roe *r = &m->roe;

    r->has_qp = true;
    r->qp = (struct vdp_qp) {
        .qpn = 0x000123, .initial_psn = 17, .segment_size = 1464,
        .window = 128, .rte = 8, .max_tries = 3, .rnr_retry = 7,
        .max_rd_atomic = 16,
    };
    r->n_mrs = 2;
    r->mrs[0] = (struct vdp_mr) {
        .rkey = 0x1a2b3c4d, .access = VDP_MR_REMOTE_READ,
        .iova = 0x7f0000000000, .length = 0x200000,
    };
    r->mrs[1] = (struct vdp_mr) {
        .rkey = 0x5e6f7a8b,
        .access = VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE,
        .iova = UINT64_C(0xffffffffffff0000), .length = 0x10000,
    };
    r->n_rings = 2;
    r->rings[0] = (struct vdp_ring) {
        .id = 0, .kind = VDP_RING_VM_TX, .log2_entry_size = 4,
        .log2_entries = 10, .base_iova = 0x7f0000001000,
        .rkey = 0x1a2b3c4d, .producer_iova = 0x7f0000000040,
        .consumer_iova = 0x7f0000000080,
    };
    r->rings[1] = (struct vdp_ring) {
        .id = 1, .kind = VDP_RING_INGRESS, .log2_entry_size = 11,
        .log2_entries = 8, .base_iova = 0x7f0000100000,
        .rkey = 0x5e6f7a8b, .producer_iova = 0x7f00000000c0,
        .consumer_iova = 0x7f0000000100,
    };
    r->has_port = true;
    r->port = (struct vdp_port) {
        .mac = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef },
        .vlan_tci = 0x2064,
    };
}

/* Encodes 'm' into 'buf' (VDP_MESSAGE_MAX_LEN octets) and writes it as
 * input 'name'.  Returns the length, 0 on error. */
static size_t
vdp_write(struct corpus *c, const char *name, const struct vdp_message *m,
          uint8_t *buf)
{
    char *error = NULL;
    int len = vdp_encode(m, buf, VDP_MESSAGE_MAX_LEN, &error);

    if (len <= 0) {
        fprintf(stderr, "fuzz-corpus: %s: %s\n", name, error);
        free(error);
        c->failed = true;
        return 0;
    }
    write_input(c, name, buf, len);
    return len;
}

static void
vdp_corpus(struct corpus *c)
{
    /* Room for an encoded message, with TLVs and padding added. */
    static uint8_t buf[VDP_MESSAGE_MAX_LEN + 64];
    static struct vdp_message m, r;
    size_t len;

    vdp_sample(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1);
    len = vdp_write(c, "assoc", &m, buf);

    /* What follows the END TLV, such as Ethernet padding, is ignored. */
    memset(buf + len, 0, 20);
    write_input(c, "assoc-padded", buf, len + 20);

    /* Organizationally specific TLVs of other OUIs are skipped: one
     * (OUI 00-00-5E, subtype 1, 4 octets of data) before END. */
    if (len) {
        static const uint8_t other[] = { 0xfe, 8, 0x00, 0x00, 0x5e, 1 };

        len -= VDP_TLV_HEADER_LEN;
        memcpy(buf + len, other, sizeof other);
        memset(buf + len + sizeof other, 0xaa, 4);
        len += sizeof other + 4;
        memset(buf + len, 0, VDP_TLV_HEADER_LEN);
        write_input(c, "assoc-other-oui", buf, len + VDP_TLV_HEADER_LEN);
    }

    vdp_add_roe(&m);
    len = vdp_write(c, "assoc-roe", &m, buf);

    /* Cut short inside a TLV header, inside a TLV, before END. */
    write_input(c, "short-header", buf, 1);
    write_input(c, "short-vsi", buf, 40);
    if (len) {
        write_input(c, "no-end", buf, len - VDP_TLV_HEADER_LEN);
        write_input(c, "short-end", buf, len - 1);
    }

    /* One TLV length past the end: the Manager ID's. */
    buf[0] |= 1;
    buf[1] = 0xff;
    write_input(c, "length-past-end", buf, len);

    vdp_make_response(&m, VDP_STATUS_SUCCESS, 0, &r);
    vdp_write(c, "assoc-roe-response", &r, buf);
    vdp_sample(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1);
    vdp_make_response(&m, VDP_STATUS_INVALID_FILTER,
                      VDP_RESP_HARD | VDP_RESP_KEEP, &r);
    vdp_write(c, "assoc-refused", &r, buf);

    vdp_sample(&m, VDP_TLV_PREASSOC, VDP_FILTER_VID, 2);
    vdp_write(c, "preassoc-vid", &m, buf);
    vdp_sample(&m, VDP_TLV_PREASSOC_RR, VDP_FILTER_GROUP_VID, 3);
    m.vsi.flags = VDP_REQ_M;
    vdp_write(c, "preassoc-rr-group", &m, buf);
    vdp_sample(&m, VDP_TLV_DEASSOC, VDP_FILTER_GROUP_MAC_VID, 2);
    m.vsi.flags = VDP_REQ_S;
    vdp_write(c, "deassoc-group-mac", &m, buf);
    vdp_sample(&m, VDP_TLV_ASSOC, VDP_FILTER_VID, VDP_MAX_FILTERS);
    vdp_write(c, "assoc-max-filters", &m, buf);

    /* Manager ID TLV twice; an unknown TLV type. */
    vdp_sample(&m, VDP_TLV_ASSOC, VDP_FILTER_VID, 1);
    len = vdp_write(c, "assoc-vid", &m, buf);
    if (len) {
        size_t mgr = VDP_TLV_HEADER_LEN + VDP_MANAGER_ID_LEN;

        memmove(buf + mgr, buf, len);
        write_input(c, "two-manager-ids", buf, len + mgr);
        vdp_encode(&m, buf, VDP_MESSAGE_MAX_LEN, NULL);
        buf[0] = 6 << 1;
        write_input(c, "unknown-tlv", buf, len);
    }

    /* What lldpad sent in its test suite (test/qbg22/ecp22/2.ecp): just
     * the END TLV, padded to the minimum frame. */
    memset(buf, 0, ECP_MIN_FRAME_LEN - ECP_ETH_HEADER_LEN - ECP_HEADER_LEN);
    write_input(c, "lldpad-end-only", buf,
                ECP_MIN_FRAME_LEN - ECP_ETH_HEADER_LEN - ECP_HEADER_LEN);

    /* The names of a VM and of its interface, for OVN on the switch. */
    vdp_sample(&m, VDP_TLV_ASSOC, VDP_FILTER_MAC_VID, 1);
    vdp_add_roe(&m);
    snprintf(m.roe.iface_id, sizeof m.roe.iface_id, "lsp-a1");
    snprintf(m.roe.vm_id, sizeof m.roe.vm_id, "vm-a");
    vdp_write(c, "assoc-names", &m, buf);
}

/* A generic input: octets and little-endian integers, appended. */
struct input {
    uint8_t data[MAX_INPUT];
    size_t size;
};

static void
input_le(struct input *in, uint64_t x, int n)
{
    if (in->size + n > sizeof in->data) {
        fprintf(stderr, "fuzz-corpus: input too long\n");
        exit(1);
    }
    for (int i = 0; i < n; i++) {
        in->data[in->size++] = x >> (8 * i);
    }
}

static void
input_start(struct input *in, uint8_t config)
{
    in->size = 0;
    input_le(in, config, 1);
}

/* frame-ring: a configuration octet (bit 0: 8192-octet area), then
 * operations.  See fuzz-frame-ring.c. */

enum {
    FR_PUT, FR_GET, FR_NEAR_PROD, FR_NEAR_CONS, FR_SET_PROD, FR_SET_CONS,
    FR_RECORD, FR_POKE, FR_RESET, FR_ECHO,
};

/* Appends operation 'op': 'a' is its first argument, 'b' the second one
 * of FR_RECORD, FR_POKE (the octets to write follow) and FR_RESET. */
static void
fr_op(struct input *in, int op, uint64_t a, uint64_t b)
{
    static const int a_len[] = { 3, 0, 2, 2, 8, 8, 2, 2, 8, 0 };

    input_le(in, op, 1);
    input_le(in, a, a_len[op]);
    if (op == FR_RECORD) {
        input_le(in, b, 2);
    } else if (op == FR_POKE) {
        input_le(in, b, 1);
    } else if (op == FR_RESET) {
        input_le(in, b, 8);
    }
}

/* Puts a frame of 'len' octets and gets it back through the peer. */
static void
fr_loop(struct input *in, uint32_t len)
{
    fr_op(in, FR_PUT, len, 0);
    fr_op(in, FR_ECHO, 0, 0);
    fr_op(in, FR_GET, 0, 0);
    fr_op(in, FR_ECHO, 0, 0);
}

static void
frame_ring_corpus(struct corpus *c)
{
    static const uint8_t junk[] = { 0x10, 0, 0, 0, 0xf8, 0x0f, 0, 0 };
    struct input in;

    input_start(&in, 0);
    fr_loop(&in, 100);
    fr_loop(&in, 1500);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "put-get", in.data, in.size);

    /* Laps around the area, with skip records at its end. */
    input_start(&in, 0);
    for (int i = 0; i < 20; i++) {
        fr_loop(&in, 700 + 13 * i);
    }
    write_input(c, "laps", in.data, in.size);

    /* Until full, then one more. */
    input_start(&in, 0);
    for (int i = 0; i < 5; i++) {
        fr_op(&in, FR_PUT, 1000, 0);
    }
    write_input(c, "full", in.data, in.size);

    input_start(&in, 1);
    fr_op(&in, FR_PUT, FRAME_RING_MAX_FRAME, 0);
    fr_op(&in, FR_PUT, FRAME_RING_MAX_FRAME + 1, 0);
    fr_op(&in, FR_PUT, 0, 0);
    fr_loop(&in, 8000);
    write_input(c, "big-area", in.data, in.size);

    /* Records that the peer writes. */
    input_start(&in, 0);
    fr_op(&in, FR_RECORD, 0, 100);
    fr_op(&in, FR_NEAR_PROD, 112, 0);
    fr_op(&in, FR_GET, 0, 0);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "peer-record", in.data, in.size);

    input_start(&in, 0);
    fr_op(&in, FR_RESET, 0, 4088);
    fr_op(&in, FR_RECORD, 4088, 0);
    fr_op(&in, FR_RECORD, 0, 8);
    fr_op(&in, FR_NEAR_PROD, 24, 0);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "peer-skip", in.data, in.size);

    input_start(&in, 0);
    fr_op(&in, FR_RESET, 0, 4080);
    fr_op(&in, FR_RECORD, 4080, 0);
    fr_op(&in, FR_NEAR_PROD, 8, 0);
    fr_op(&in, FR_GET, 0, 0);
    fr_op(&in, FR_NEAR_PROD, 16, 0);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "peer-skip-short", in.data, in.size);

    input_start(&in, 0);
    fr_op(&in, FR_RECORD, 0, 5000);
    fr_op(&in, FR_NEAR_PROD, 64, 0);
    fr_op(&in, FR_GET, 0, 0);
    fr_op(&in, FR_RECORD, 0, 48);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "peer-record-long", in.data, in.size);

    input_start(&in, 0);
    fr_op(&in, FR_POKE, 4064, sizeof junk);
    for (size_t i = 0; i < sizeof junk; i++) {
        input_le(&in, junk[i], 1);
    }
    fr_op(&in, FR_RESET, 0, 4064);
    fr_op(&in, FR_NEAR_PROD, 32, 0);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "peer-poke", in.data, in.size);

    /* A peer's record that says it refers to its frame elsewhere, with
     * "pointers" in its area: in a ring that a peer writes, the reserved
     * field means nothing and the frame is in the area. */
    input_start(&in, 0);
    fr_op(&in, FR_POKE, 0, 24);
    input_le(&in, 0x5a5a5a5a, 4);
    input_le(&in, 100, 2);
    input_le(&in, FRAME_RING_REF, 2);
    input_le(&in, UINT64_MAX, 8);
    input_le(&in, UINT64_C(0x4141414141414141), 8);
    fr_op(&in, FR_NEAR_PROD, 112, 0);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "peer-reference", in.data, in.size);

    /* Indexes that the peer breaks. */
    input_start(&in, 0);
    fr_op(&in, FR_NEAR_PROD, 61, 0);
    fr_op(&in, FR_GET, 0, 0);
    fr_op(&in, FR_NEAR_PROD, 4096 + 8, 0);
    fr_op(&in, FR_GET, 0, 0);
    fr_op(&in, FR_SET_PROD, UINT64_MAX - 7, 0);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "bad-producer", in.data, in.size);

    input_start(&in, 0);
    fr_op(&in, FR_PUT, 100, 0);
    fr_op(&in, FR_NEAR_CONS, 4096 + 8, 0);
    fr_op(&in, FR_PUT, 100, 0);
    fr_op(&in, FR_SET_CONS, 3, 0);
    fr_op(&in, FR_PUT, 100, 0);
    fr_op(&in, FR_SET_CONS, 1000, 0);
    fr_op(&in, FR_PUT, 100, 0);
    write_input(c, "bad-consumer", in.data, in.size);

    /* Our own indexes read back from the header, across 2^64. */
    input_start(&in, 0);
    fr_op(&in, FR_RESET, UINT64_MAX - 4095, UINT64_MAX - 4095);
    for (int i = 0; i < 6; i++) {
        fr_loop(&in, 1000);
    }
    fr_op(&in, FR_RESET, 5, 13);
    fr_op(&in, FR_PUT, 100, 0);
    fr_op(&in, FR_GET, 0, 0);
    write_input(c, "wrap-2-64", in.data, in.size);
}

/* memif-ring: a configuration octet (bits 2-0: log2 ring size - 1; bit 3:
 * two regions), then operations; bit 7 of one picks the S2C ring.  See
 * fuzz-memif-ring.c. */

enum {
    MR_HEAD, MR_FLAGS, MR_DESC, MR_TAIL, MR_RX, MR_TX, MR_RESYNC,
    MR_S2C = 0x80,
    MR_LOG2 = 4,                /* Ring size of most inputs. */
    MR_CONFIG = MR_LOG2 - 1,
    MR_TWO_REGIONS = 8,
    MR_REGION_BUFS = 2048,      /* As in fuzz-memif-ring.c. */
};

/* Offset of the buffers in region 0, after both rings of 2^'log2'. */
static uint32_t
mr_bufs(unsigned int log2)
{
    return 2 * memif_ring_bytes(log2);
}

static void
mr_op(struct input *in, int op, uint64_t x)
{
    input_le(in, op, 1);
    switch (op & 0x7f) {
    case MR_HEAD:
    case MR_FLAGS:
    case MR_TAIL:
        input_le(in, x, 2);
        break;
    case MR_RX:
    case MR_TX:
        input_le(in, x, 1);
        break;
    }
}

static void
mr_desc(struct input *in, int ring, uint8_t slot, uint16_t region,
        uint32_t offset, uint32_t length, uint16_t flags)
{
    input_le(in, ring | MR_DESC, 1);
    input_le(in, slot, 1);
    input_le(in, region, 2);
    input_le(in, offset, 4);
    input_le(in, length, 4);
    input_le(in, flags, 2);
}

/* A burst argument: 'n' frames into buffers of 2^'log2' octets. */
static uint8_t
mr_rx_arg(int n, int log2)
{
    return (log2 - 5) << 5 | (n - 1);
}

/* Transmits 'n' frames of 1 + 9 * 'len9' octets. */
static void
mr_tx(struct input *in, int n, uint8_t len9)
{
    mr_op(in, MR_TX, n - 1);
    for (int i = 0; i < n; i++) {
        input_le(in, len9, 1);
    }
}

static void
memif_ring_corpus(struct corpus *c)
{
    uint32_t bufs = mr_bufs(MR_LOG2);
    struct input in;

    input_start(&in, MR_CONFIG);
    mr_desc(&in, 0, 0, 0, bufs, 60, 0);
    mr_desc(&in, 0, 1, 0, bufs + 256, 100, 0);
    mr_op(&in, MR_HEAD, 2);
    mr_op(&in, MR_RX, mr_rx_arg(4, 11));
    write_input(c, "rx", in.data, in.size);

    input_start(&in, MR_CONFIG);
    for (int i = 0; i < 3; i++) {
        mr_desc(&in, 0, i, 0, bufs + 64 * i, 60,
                i < 2 ? MEMIF_DESC_FLAG_NEXT : 0);
    }
    mr_op(&in, MR_HEAD, 2);
    mr_op(&in, MR_RX, mr_rx_arg(4, 11));
    mr_op(&in, MR_HEAD, 3);
    mr_op(&in, MR_RX, mr_rx_arg(4, 11));
    write_input(c, "rx-chain", in.data, in.size);

    input_start(&in, MR_CONFIG);
    mr_desc(&in, 0, 0, 0, bufs, 2000, 0);
    mr_desc(&in, 0, 1, 0, bufs, 10, 0);
    mr_op(&in, MR_HEAD, 2);
    mr_op(&in, MR_RX, mr_rx_arg(2, 6));
    write_input(c, "rx-oversize", in.data, in.size);

    input_start(&in, MR_CONFIG);
    mr_desc(&in, 0, 0, 1, 0, 60, 0);
    mr_op(&in, MR_HEAD, 1);
    mr_op(&in, MR_RX, mr_rx_arg(1, 11));
    write_input(c, "rx-bad-region", in.data, in.size);

    input_start(&in, MR_CONFIG);
    mr_desc(&in, 0, 0, 0, bufs + MR_REGION_BUFS - 10, 11, 0);
    mr_desc(&in, 0, 1, 0, UINT32_MAX, 2, 0);
    mr_desc(&in, 0, 2, 0, 0, 0, 0);
    mr_op(&in, MR_HEAD, 1);
    mr_op(&in, MR_RX, mr_rx_arg(1, 11));
    write_input(c, "rx-bad-offset", in.data, in.size);

    input_start(&in, MR_CONFIG);
    mr_op(&in, MR_HEAD, (1 << MR_LOG2) + 1);
    mr_op(&in, MR_RX, mr_rx_arg(1, 11));
    write_input(c, "rx-head-past", in.data, in.size);

    /* A chain longer than MEMIF_MAX_CHAIN, and one as long as the ring. */
    input_start(&in, 6);
    for (int i = 0; i <= MEMIF_MAX_CHAIN; i++) {
        mr_desc(&in, 0, i, 0, mr_bufs(7), 8, MEMIF_DESC_FLAG_NEXT);
    }
    mr_op(&in, MR_HEAD, MEMIF_MAX_CHAIN + 1);
    mr_op(&in, MR_RX, mr_rx_arg(1, 11));
    write_input(c, "rx-chain-too-long", in.data, in.size);
    input_start(&in, MR_CONFIG);
    for (int i = 0; i < 1 << MR_LOG2; i++) {
        mr_desc(&in, 0, i, 0, bufs, 8, MEMIF_DESC_FLAG_NEXT);
    }
    mr_op(&in, MR_HEAD, 1 << MR_LOG2);
    mr_op(&in, MR_RX, mr_rx_arg(1, 11));
    write_input(c, "rx-chain-fills-ring", in.data, in.size);

    /* The client rewrites the tail, then the server resynchronizes. */
    input_start(&in, MR_CONFIG);
    mr_desc(&in, 0, 0, 0, bufs, 60, 0);
    mr_op(&in, MR_HEAD, 1);
    mr_op(&in, MR_RX, mr_rx_arg(1, 11));
    mr_op(&in, MR_TAIL, 0x8000);
    mr_op(&in, MR_RESYNC, 0);
    mr_op(&in, MR_HEAD, 3);
    mr_op(&in, MR_RX, mr_rx_arg(4, 11));
    write_input(c, "rx-resync", in.data, in.size);

    input_start(&in, MR_CONFIG);
    for (int i = 0; i < 4; i++) {
        mr_desc(&in, MR_S2C, i, 0, bufs + 256 * i, 256, 0);
    }
    mr_op(&in, MR_S2C | MR_HEAD, 4);
    mr_tx(&in, 3, 20);
    mr_op(&in, MR_S2C | MR_FLAGS, MEMIF_RING_FLAG_MASK_INT);
    write_input(c, "tx", in.data, in.size);

    input_start(&in, MR_CONFIG);
    for (int i = 0; i < 8; i++) {
        mr_desc(&in, MR_S2C, i, 0, bufs + 64 * i, 64, 0);
    }
    mr_op(&in, MR_S2C | MR_HEAD, 8);
    mr_tx(&in, 3, 22);
    write_input(c, "tx-chain", in.data, in.size);

    input_start(&in, MR_CONFIG);
    mr_desc(&in, MR_S2C, 0, 0, bufs, 64, 0);
    mr_op(&in, MR_S2C | MR_HEAD, 1);
    mr_tx(&in, 3, 10);
    mr_op(&in, MR_S2C | MR_TAIL, 0);
    mr_tx(&in, 1, 1);
    write_input(c, "tx-no-room", in.data, in.size);

    input_start(&in, MR_CONFIG);
    mr_op(&in, MR_S2C | MR_HEAD, 100);
    mr_tx(&in, 1, 1);
    write_input(c, "tx-head-past", in.data, in.size);

    input_start(&in, MR_CONFIG);
    mr_desc(&in, MR_S2C, 0, 5, 0, 64, 0);
    mr_desc(&in, MR_S2C, 1, 0, bufs, 64, 0);
    mr_op(&in, MR_S2C | MR_HEAD, 2);
    mr_tx(&in, 1, 1);
    write_input(c, "tx-bad-region", in.data, in.size);

    /* A buffer over the S2C ring itself. */
    input_start(&in, MR_CONFIG);
    mr_desc(&in, MR_S2C, 0, 0, memif_ring_bytes(MR_LOG2), 512, 0);
    mr_desc(&in, MR_S2C, 1, 0, bufs, 64, 0);
    mr_op(&in, MR_S2C | MR_HEAD, 2);
    mr_tx(&in, 2, 50);
    write_input(c, "tx-over-ring", in.data, in.size);

    input_start(&in, MR_CONFIG | MR_TWO_REGIONS);
    mr_desc(&in, 0, 0, 1, 0, MR_REGION_BUFS, 0);
    mr_desc(&in, 0, 1, 1, MR_REGION_BUFS, 1, 0);
    mr_op(&in, MR_HEAD, 2);
    mr_op(&in, MR_RX, mr_rx_arg(2, 11));
    mr_desc(&in, MR_S2C, 0, 1, 100, 1000, 0);
    mr_op(&in, MR_S2C | MR_HEAD, 1);
    mr_tx(&in, 1, 100);
    write_input(c, "two-regions", in.data, in.size);
}

/* roe-responder: four configuration octets, then packets of 17 octets.
 * See fuzz-roe-responder.c. */

enum {
    RR_SEG = 64,                /* Segment size of most inputs. */
    RR_CONFIG0 = 3 | 3 << 4,    /* Segments of 64 octets, 4 READs. */
    RR_ACKREQ = 0x10,
    RR_CRC = 0x20,
    RR_INVALIDATE = 0x40,
    RR_POST = 0x80,
    RR_RW = 0, RR_RO, RR_WO, RR_FOREIGN, RR_DOOMED, RR_STALE, RR_UNKNOWN,
};

static void
rr_start(struct input *in, uint8_t config0, uint8_t psn_hi)
{
    input_start(in, config0);
    input_le(in, 127, 1);               /* Window 128. */
    input_le(in, 2 << 4 | 2, 1);        /* rte 2 on both sides. */
    input_le(in, psn_hi, 1);
}

/* A packet with opcode 'op', 'psn' past the initial PSN, through region
 * 'mr' at 'off' past its base, and the clock advanced by 'us' (at most
 * 127) before up to 16 frames are transmitted. */
static void
rr_pkt(struct input *in, uint8_t op, uint8_t ctl, uint16_t psn, int mr,
       int32_t off, uint32_t dma_len, uint8_t syndrome, uint16_t len,
       uint8_t us)
{
    input_le(in, (op - ROE_WRITE_FIRST) | ctl, 1);
    input_le(in, psn, 2);
    input_le(in, mr, 1);
    input_le(in, (uint32_t) off, 4);
    input_le(in, dma_len, 4);
    input_le(in, syndrome, 1);
    input_le(in, len, 2);
    input_le(in, us, 1);
    input_le(in, 15, 1);
}

/* A request of 'op' to region 'mr' at 'off', 'len' octets in one packet. */
static void
rr_req(struct input *in, uint8_t op, uint16_t psn, int mr, int32_t off,
       uint32_t len)
{
    rr_pkt(in, op, RR_ACKREQ, psn, mr, off, len, 0,
           op == ROE_READ_REQUEST ? 0 : len, 10);
}

/* A packet that only lets the clock advance by 'us': an ACK of nothing. */
static void
rr_wait(struct input *in, uint8_t us)
{
    rr_pkt(in, ROE_ACK, 0, 0x8000, RR_RW, 0, 0, 0, 0, us);
}

/* Posts a work request (see post() in the target) with a stale ACK. */
static void
rr_post(struct input *in, enum roe_wr_opcode op, uint32_t len)
{
    rr_pkt(in, ROE_ACK, RR_POST, 0x8000, RR_RW, 0, len << 2 | op, 0, 0, 1);
}

/* Posts a READ_SG of 'len' octets in 'n_sg' segments (see post() in the
 * target) with a stale ACK. */
static void
rr_post_sg(struct input *in, uint32_t len, int n_sg)
{
    rr_pkt(in, ROE_ACK, RR_POST, 0x8000, RR_RW, 0,
           (uint32_t) (n_sg - 1) << 12 | len << 2 | ROE_WR_READ_SG, 0, 0, 1);
}

/* A segment of a READ_SG request: through the rkey that 'mr' chooses, at
 * 'off' (-16 to 495) past its region's base, 'len' octets (1 to 511, or
 * RR_SG_HUGE). */
struct rr_sge {
    int mr;
    int off;
    uint32_t len;
};

#define RR_SG_HUGE ROE_MAX_MESSAGE

/* What rr_sg() makes of a list: a good one, or one of the target's
 * corruptions. */
enum {
    RR_SG_GOOD = 0,
    RR_SG_RKEY = 3,             /* The first segment's rkey in the RETH. */
    RR_SG_SHORT,                /* List one octet short. */
    RR_SG_EMPTY,                /* Last segment empty. */
    RR_SG_DMA_LEN,              /* DMA length one too many. */
    RR_SG_START,                /* Starting where response 'start'
                                 * does, as a retry. */
};

static void
put_bits(uint8_t *bits, int *pos, uint32_t x, int n)
{
    for (int i = 0; i < n; i++) {
        int bit = (*pos)++;

        if ((x >> i) & 1) {
            bits[bit / 8] |= 1 << (bit % 8);
        }
    }
}

/* A READ_SG request at 'psn' for the 'n' segments 'sg' (1 to 4), made as
 * 'how' says (RR_SG_*; 'start' is for RR_SG_START), and the clock advanced
 * by 'us'. */
static void
rr_sg(struct input *in, uint8_t ctl, uint16_t psn,
      const struct rr_sge sg[], int n, int how, int start, uint8_t us)
{
    uint8_t bits[12] = { 0 };
    int pos = 0;

    for (int i = 0; i < 4; i++) {
        if (i < n) {
            put_bits(bits, &pos, sg[i].mr, 3);
            put_bits(bits, &pos, sg[i].off + 16, 9);
            put_bits(bits, &pos,
                     sg[i].len == RR_SG_HUGE ? 511 : sg[i].len - 1, 9);
        } else {
            pos += 21;
        }
    }
    put_bits(bits, &pos, n - 1, 2);
    put_bits(bits, &pos, how, 3);
    put_bits(bits, &pos, how == RR_SG_START ? start - 1 : 0, 4);

    input_le(in, 12 | ctl, 1);          /* READ_SG_REQUEST. */
    input_le(in, psn, 2);
    for (size_t i = 0; i < sizeof bits; i++) {
        input_le(in, bits[i], 1);
    }
    input_le(in, us, 1);
    input_le(in, 15, 1);
}

static void
roe_responder_corpus(struct corpus *c)
{
    static const struct {
        const char *name;
        uint8_t op;
        int mr;
        int32_t off;
        uint32_t len;
    } refusals[] = {
        { "read-write-only", ROE_READ_REQUEST, RR_WO, 0, 10 },
        { "write-read-only", ROE_WRITE_ONLY, RR_RO, 0, 10 },
        { "foreign-region", ROE_WRITE_ONLY, RR_FOREIGN, 0, 10 },
        { "stale-rkey", ROE_READ_REQUEST, RR_STALE, 0, 10 },
        { "unknown-rkey", ROE_READ_REQUEST, RR_UNKNOWN, 0, 10 },
        { "past-end", ROE_WRITE_ONLY, RR_RW, 290, 20 },
        { "before-start", ROE_READ_REQUEST, RR_RW, -1, 20 },
        { "read-huge", ROE_READ_REQUEST, RR_RW, 0, 0x7fffffff },
    };
    static const struct rr_sge sg_good[] = {
        { RR_RW, 10, 100 }, { RR_RO, 150, 50 }, { RR_RW, 0, 20 },
        { RR_DOOMED, 90, 10 },
    };
    static const struct rr_sge sg_moved[] = {
        { RR_RW, 10, 100 }, { RR_RO, 149, 50 },
    };
    static const struct rr_sge sg_last[] = { { RR_RW, 299, 1 } };
    static const struct rr_sge sg_bad[] = {
        { RR_RW, 0, 50 }, { RR_WO, 0, 10 }, { RR_RW, 0, 10 },
    };
    struct input in;

    rr_start(&in, RR_CONFIG0, 0);
    rr_req(&in, ROE_WRITE_ONLY, 0, RR_RW, 0, 50);
    rr_req(&in, ROE_WRITE_ONLY_IMM, 1, RR_RW, 250, 50);
    rr_req(&in, ROE_READ_REQUEST, 2, RR_RW, 10, 200);
    rr_req(&in, ROE_READ_REQUEST, 6, RR_RW, 299, 1);
    rr_req(&in, ROE_READ_REQUEST, 7, RR_RW, 0, 0);
    write_input(c, "write-read", in.data, in.size);

    rr_start(&in, RR_CONFIG0, 0);
    rr_pkt(&in, ROE_WRITE_FIRST, 0, 0, RR_RW, 0, 150, 0, RR_SEG, 1);
    rr_pkt(&in, ROE_WRITE_MIDDLE, 0, 1, RR_RW, 0, 0, 0, RR_SEG, 1);
    rr_pkt(&in, ROE_WRITE_LAST, RR_ACKREQ, 2, RR_RW, 0, 0, 0, 22, 1);
    rr_pkt(&in, ROE_WRITE_FIRST, 0, 3, RR_RW, 100, 100, 0, RR_SEG, 1);
    rr_pkt(&in, ROE_WRITE_LAST_IMM, 0, 4, RR_RW, 0, 0, 0, 36, 1);
    write_input(c, "write-multi", in.data, in.size);

    /* The read-only region ends at the top of the address space. */
    rr_start(&in, RR_CONFIG0, 0);
    rr_req(&in, ROE_READ_REQUEST, 0, RR_RO, 0, 200);
    rr_req(&in, ROE_READ_REQUEST, 4, RR_RO, 199, 1);
    rr_req(&in, ROE_READ_REQUEST, 5, RR_RO, 150, 100);
    write_input(c, "read-top", in.data, in.size);

    /* Retries of a READ, whole and in part, soon and later. */
    rr_start(&in, RR_CONFIG0, 0);
    rr_req(&in, ROE_READ_REQUEST, 0, RR_RW, 0, 300);
    rr_req(&in, ROE_READ_REQUEST, 0, RR_RW, 0, 300);
    rr_req(&in, ROE_READ_REQUEST, 2, RR_RW, 128, 172);
    rr_req(&in, ROE_READ_REQUEST, 2, RR_RW, 128, 172);
    rr_wait(&in, 127);
    rr_req(&in, ROE_READ_REQUEST, 2, RR_RW, 128, 172);
    rr_req(&in, ROE_READ_REQUEST, 2, RR_RW, 100, 200);
    write_input(c, "read-retry", in.data, in.size);

    /* More READs than may be outstanding, each answered one frame at a
     * time. */
    rr_start(&in, 3, 0);
    for (int i = 0; i < 3; i++) {
        rr_pkt(&in, ROE_READ_REQUEST, 0, 5 * i, RR_RW, 0, 300, 0, 0, 1);
        in.data[in.size - 1] = 0;
    }
    write_input(c, "read-resources", in.data, in.size);

    /* Each of the responder's refusals. */
    for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
        rr_start(&in, RR_CONFIG0, 0);
        rr_req(&in, refusals[i].op, 0, refusals[i].mr, refusals[i].off,
               refusals[i].len);
        rr_req(&in, ROE_WRITE_ONLY, 1, RR_RW, 0, 8);
        write_input(c, refusals[i].name, in.data, in.size);
    }

    rr_start(&in, RR_CONFIG0, 0);
    rr_pkt(&in, ROE_WRITE_MIDDLE, 0, 0, RR_RW, 0, 0, 0, RR_SEG, 1);
    write_input(c, "op-sequence", in.data, in.size);

    rr_start(&in, RR_CONFIG0, 0);
    rr_pkt(&in, ROE_WRITE_ONLY, 0, 0, RR_RW, 0, 20, 0, 21, 1);
    write_input(c, "length", in.data, in.size);

    rr_start(&in, RR_CONFIG0, 0);
    rr_req(&in, ROE_WRITE_ONLY, 5, RR_RW, 0, 8);
    rr_req(&in, ROE_WRITE_ONLY, 6, RR_RW, 0, 8);
    rr_req(&in, ROE_WRITE_ONLY, 0, RR_RW, 0, 8);
    rr_req(&in, ROE_WRITE_ONLY, 0, RR_RW, 0, 8);
    write_input(c, "psn-gap", in.data, in.size);

    /* The region goes away inside a WRITE and inside a READ. */
    rr_start(&in, RR_CONFIG0, 0);
    rr_pkt(&in, ROE_WRITE_FIRST, 0, 0, RR_DOOMED, 0, 100, 0, RR_SEG, 1);
    rr_pkt(&in, ROE_WRITE_LAST, RR_INVALIDATE, 1, RR_DOOMED, 0, 0, 0, 36,
           1);
    write_input(c, "invalidate-write", in.data, in.size);
    rr_start(&in, RR_CONFIG0, 0);
    rr_req(&in, ROE_READ_REQUEST, 0, RR_DOOMED, 0, 100);
    in.data[in.size - 1] = 0;           /* One frame only. */
    rr_pkt(&in, ROE_ACK, RR_INVALIDATE, 0x8000, RR_RW, 0, 0, 0, 0, 1);
    write_input(c, "invalidate-read", in.data, in.size);

    /* The QP's own requests, and the peer's responses. */
    rr_start(&in, RR_CONFIG0, 0);
    rr_post(&in, ROE_WR_WRITE, 100);
    rr_pkt(&in, ROE_ACK, 0, 1, RR_RW, 0, 0, 0x1f, 0, 1);
    rr_post(&in, ROE_WR_WRITE_IMM, 10);
    rr_pkt(&in, ROE_ACK, 0, 2, RR_RW, 0, 0, 0x1f, 0, 1);
    write_input(c, "requester-write", in.data, in.size);

    rr_start(&in, RR_CONFIG0, 0);
    rr_post(&in, ROE_WR_READ, 100);
    rr_pkt(&in, ROE_READ_RESPONSE_FIRST, 0, 0, RR_RW, 0, 0, 0x1f, RR_SEG,
           1);
    rr_pkt(&in, ROE_READ_RESPONSE_LAST, 0, 1, RR_RW, 0, 0, 0x1f, 36, 1);
    rr_post(&in, ROE_WR_READ, 0);
    rr_pkt(&in, ROE_READ_RESPONSE_ONLY, 0, 2, RR_RW, 0, 0, 0x1f, 0, 1);
    write_input(c, "requester-read", in.data, in.size);

    rr_start(&in, RR_CONFIG0, 0);
    rr_post(&in, ROE_WR_WRITE, 300);
    rr_pkt(&in, ROE_ACK, 0, 1, RR_RW, 0, 0, ROE_SYN_NAK_PSN_SEQ, 0, 1);
    rr_pkt(&in, ROE_ACK, 0, 2, RR_RW, 0, 0, ROE_SYN_RNR_NAK | 3, 0, 1);
    rr_wait(&in, 100);
    rr_pkt(&in, ROE_ACK, 0, 3, RR_RW, 0, 0, ROE_SYN_NAK_ACCESS, 0, 1);
    write_input(c, "requester-naks", in.data, in.size);

    /* No answer: retransmissions, then the retry limit. */
    rr_start(&in, RR_CONFIG0, 0);
    rr_post(&in, ROE_WR_WRITE, 100);
    for (int i = 0; i < 6; i++) {
        rr_wait(&in, 0xff);
    }
    write_input(c, "requester-timeout", in.data, in.size);

    /* CRC trailers required: one packet without. */
    rr_start(&in, RR_CONFIG0 | 8, 0);
    rr_pkt(&in, ROE_WRITE_ONLY, RR_CRC | RR_ACKREQ, 0, RR_RW, 0, 8, 0, 8, 1);
    rr_pkt(&in, ROE_WRITE_ONLY, RR_ACKREQ, 1, RR_RW, 0, 8, 0, 8, 1);
    rr_pkt(&in, ROE_READ_REQUEST, RR_CRC, 1, RR_RW, 0, 100, 0, 0, 1);
    write_input(c, "crc", in.data, in.size);

    /* PSNs across 0xffff, with segments of 8 octets. */
    rr_start(&in, RR_CONFIG0 & 0xf0, 0xff);
    rr_pkt(&in, ROE_WRITE_FIRST, 0, 0, RR_RW, 0, 200, 0, 8, 1);
    for (int i = 1; i < 24; i++) {
        rr_pkt(&in, ROE_WRITE_MIDDLE, 0, i, RR_RW, 0, 0, 0, 8, 1);
    }
    rr_pkt(&in, ROE_WRITE_LAST, RR_ACKREQ, 24, RR_RW, 0, 0, 0, 8, 1);
    rr_req(&in, ROE_READ_REQUEST, 25, RR_RW, 0, 100);
    write_input(c, "psn-wrap", in.data, in.size);

    /* Scatter READs: segments across regions, up to the top of the
     * address space, overlapping, in 3 responses, 1 and 1. */
    rr_start(&in, RR_CONFIG0, 0);
    rr_sg(&in, RR_ACKREQ, 0, sg_good, 4, RR_SG_GOOD, 0, 10);
    rr_req(&in, ROE_WRITE_ONLY, 3, RR_RW, 0, 50);
    rr_sg(&in, RR_ACKREQ, 4, sg_good + 2, 1, RR_SG_GOOD, 0, 10);
    rr_sg(&in, RR_ACKREQ, 5, sg_last, 1, RR_SG_GOOD, 0, 10);
    write_input(c, "read-sg", in.data, in.size);

    /* Retries of a scatter READ, whole and from its third response, soon
     * and later, and retries that do not match it. */
    rr_start(&in, RR_CONFIG0, 0);
    rr_sg(&in, 0, 0, sg_good, 2, RR_SG_GOOD, 0, 10);
    rr_sg(&in, 0, 0, sg_good, 2, RR_SG_GOOD, 0, 10);
    rr_sg(&in, 0, 2, sg_good, 2, RR_SG_START, 2, 10);
    rr_wait(&in, 127);
    rr_sg(&in, 0, 2, sg_good, 2, RR_SG_START, 2, 10);
    rr_wait(&in, 127);
    rr_sg(&in, 0, 2, sg_moved, 2, RR_SG_START, 2, 10);
    rr_sg(&in, 0, 1, sg_good, 2, RR_SG_START, 2, 10);
    rr_sg(&in, 0, 2, sg_good, 2, RR_SG_DMA_LEN, 0, 10);
    rr_sg(&in, RR_ACKREQ, 3, sg_good, 2, RR_SG_GOOD, 0, 10);
    write_input(c, "read-sg-retry", in.data, in.size);

    /* A write-only segment between good ones. */
    rr_start(&in, RR_CONFIG0, 0);
    rr_sg(&in, 0, 0, sg_good, 2, RR_SG_GOOD, 0, 10);
    rr_sg(&in, 0, 3, sg_bad, 3, RR_SG_GOOD, 0, 10);
    rr_req(&in, ROE_WRITE_ONLY, 4, RR_RW, 0, 8);
    write_input(c, "read-sg-bad", in.data, in.size);

    /* The QP's own scatter READs: one whose request goes out again after
     * a timeout, from its second response, and lists that are not
     * posted (an empty segment) or are (4 segments, a packet's worth). */
    rr_start(&in, RR_CONFIG0, 0);
    rr_post_sg(&in, 100, 2);
    rr_pkt(&in, ROE_READ_RESPONSE_FIRST, 0, 0, RR_RW, 0, 0, 0x1f, RR_SEG,
           1);
    rr_wait(&in, 127);
    rr_pkt(&in, ROE_READ_RESPONSE_LAST, 0, 1, RR_RW, 0, 0, 0x1f, 36, 1);
    rr_post_sg(&in, 3, 4);
    rr_post_sg(&in, 64, 4);
    rr_pkt(&in, ROE_READ_RESPONSE_ONLY, 0, 2, RR_RW, 0, 0, 0x1f, 64, 1);
    write_input(c, "requester-read-sg", in.data, in.size);
}

static int
test_fuzz_corpus(int argc, char *argv[])
{
    struct corpus c = { .n = 0 };
    char buf[128];

    if (argc != 3) {
        fprintf(stderr, "usage: ecprdma-test fuzz-corpus TARGET DIR\n");
        return 2;
    }
    c.dir = argv[2];
    if (mkdir(c.dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "fuzz-corpus: %s: cannot create (%s)\n", c.dir,
                strerror_r(errno, buf, sizeof buf));
        return 1;
    }
    if (!strcmp(argv[1], "memif")) {
        memif_corpus(&c);
    } else if (!strcmp(argv[1], "roe")) {
        roe_corpus(&c);
    } else if (!strcmp(argv[1], "vdp")) {
        vdp_corpus(&c);
    } else if (!strcmp(argv[1], "frame-ring")) {
        frame_ring_corpus(&c);
    } else if (!strcmp(argv[1], "memif-ring")) {
        memif_ring_corpus(&c);
    } else if (!strcmp(argv[1], "roe-responder")) {
        roe_responder_corpus(&c);
    } else {
        fprintf(stderr, "fuzz-corpus: unknown target %s\n", argv[1]);
        return 2;
    }
    if (c.failed) {
        return 1;
    }
    printf("%d inputs\n", c.n);
    return 0;
}

ECPRDMA_TEST_REGISTER("fuzz-corpus", "TARGET DIR", test_fuzz_corpus);

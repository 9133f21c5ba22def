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

#include "roe-samples.h"

#include <stdbool.h>
#include <string.h>

#include "ecp.h"
#include "roe.h"

#define REQUESTER { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }
#define RESPONDER { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }

/* Requests go from the requester to the responder, responses back. */
static const struct ecp_l2 to_responder = {
    .dst = RESPONDER,
    .src = REQUESTER,
};
static const struct ecp_l2 to_requester = {
    .dst = REQUESTER,
    .src = RESPONDER,
};
static const struct ecp_l2 to_responder_vlan = {
    .dst = RESPONDER,
    .src = REQUESTER,
    .has_vlan = true,
    .vlan_tci = 0x2064,         /* PCP 1, VID 100. */
};

#define VA 0x00007f0000001000ULL
#define RKEY 0x1a2b3c4d
#define QPN 0x000123
#define RQPN 0x000456

struct roe_sample {
    const char *name;
    const struct ecp_l2 *l2;
    struct roe_packet p;        /* 'payload' is filled in by the code. */
};

/* The segment list of the READ_SG samples, their payload: 446 octets, in
 * two READ responses with segments of 256 octets. */
static const struct roe_sge sg[] = {
    { VA, RKEY, 200 },
    { VA + 8192, RKEY, 96 },
    { VA + 6144, 0x5e6f7a8b, 150 },
};
#define N_SG (sizeof sg / sizeof sg[0])

static const struct roe_sample samples[] = {
    { "write-first", &to_responder,
      { .psn = 17, .opcode = ROE_WRITE_FIRST, .dqpn = QPN,
        .va = VA, .rkey = RKEY, .dma_len = 600, .payload_len = 256 } },
    { "write-middle", &to_responder,
      { .psn = 18, .opcode = ROE_WRITE_MIDDLE, .dqpn = QPN,
        .payload_len = 256 } },
    { "write-last", &to_responder,
      { .psn = 19, .opcode = ROE_WRITE_LAST, .flags = ROE_FLAG_ACKREQ,
        .dqpn = QPN, .payload_len = 88 } },
    { "write-last-imm", &to_responder,
      { .psn = 20, .opcode = ROE_WRITE_LAST_IMM,
        .flags = ROE_FLAG_SE | ROE_FLAG_ACKREQ, .dqpn = QPN,
        .imm = 0xdeadbeef, .payload_len = 100 } },
    { "write-only", &to_responder,
      { .psn = 21, .opcode = ROE_WRITE_ONLY, .flags = ROE_FLAG_ACKREQ,
        .dqpn = QPN, .va = VA + 4096, .rkey = RKEY, .dma_len = 64,
        .payload_len = 64 } },
    { "write-only-imm", &to_responder,
      { .psn = 22, .opcode = ROE_WRITE_ONLY_IMM,
        .flags = ROE_FLAG_SE | ROE_FLAG_ACKREQ, .dqpn = QPN,
        .va = VA + 8192, .rkey = RKEY, .dma_len = 8, .imm = 42,
        .payload_len = 8 } },
    { "read-request", &to_responder,
      { .psn = 23, .opcode = ROE_READ_REQUEST, .flags = ROE_FLAG_ACKREQ,
        .dqpn = QPN, .va = VA, .rkey = RKEY, .dma_len = 564 } },
    { "read-response-first", &to_requester,
      { .psn = 23,
        .opcode = ROE_READ_RESPONSE_FIRST, .dqpn = RQPN,
        .syndrome = ROE_SYN_ACK_UNLIMITED, .msn = 5, .payload_len = 256 } },
    { "read-response-middle", &to_requester,
      { .psn = 24,
        .opcode = ROE_READ_RESPONSE_MIDDLE, .dqpn = RQPN,
        .payload_len = 256 } },
    { "read-response-last", &to_requester,
      { .psn = 25, .opcode = ROE_READ_RESPONSE_LAST,
        .dqpn = RQPN, .syndrome = ROE_SYN_ACK_UNLIMITED, .msn = 6,
        .payload_len = 52 } },
    { "read-response-only", &to_requester,
      { .psn = 26, .opcode = ROE_READ_RESPONSE_ONLY,
        .dqpn = RQPN, .syndrome = ROE_SYN_ACK_UNLIMITED, .msn = 7,
        .payload_len = 0 } },
    { "ack", &to_requester,
      { .psn = 22, .opcode = ROE_ACK, .dqpn = RQPN,
        .syndrome = ROE_SYN_ACK_UNLIMITED, .msn = 4 } },
    { "nak-psn-sequence", &to_requester,
      { .psn = 27, .opcode = ROE_ACK, .dqpn = RQPN,
        .syndrome = ROE_SYN_NAK_PSN_SEQ, .msn = 7 } },
    { "nak-remote-access", &to_requester,
      { .psn = 28, .opcode = ROE_ACK, .dqpn = RQPN,
        .syndrome = ROE_SYN_NAK_ACCESS, .msn = 7 } },
    { "rnr-nak", &to_requester,
      { .psn = 29, .opcode = ROE_ACK, .dqpn = RQPN,
        .syndrome = ROE_SYN_RNR_NAK | 14, .msn = 7 } },
    { "write-only-crc", &to_responder,
      { .psn = 31, .opcode = ROE_WRITE_ONLY,
        .flags = ROE_FLAG_ACKREQ | ROE_FLAG_CRC, .dqpn = QPN,
        .va = VA + 12288, .rkey = RKEY, .dma_len = 32,
        .payload_len = 32 } },
    { "write-only-vlan", &to_responder_vlan,
      { .psn = 65535, .opcode = ROE_WRITE_ONLY, .flags = ROE_FLAG_ACKREQ,
        .dqpn = 0xabcdef, .va = 0xfffffffffffff000ULL, .rkey = 0xffffffff,
        .dma_len = 16, .payload_len = 16 } },
    { "read-sg-request", &to_responder,
      { .psn = 32, .opcode = ROE_READ_SG_REQUEST, .flags = ROE_FLAG_ACKREQ,
        .dqpn = QPN, .va = 0, .rkey = 0, .dma_len = 446 } },
    /* A retry, from the second response, with a CRC-32C trailer. */
    { "read-sg-request-retry", &to_responder,
      { .psn = 33, .opcode = ROE_READ_SG_REQUEST,
        .flags = ROE_FLAG_ACKREQ | ROE_FLAG_CRC, .dqpn = QPN, .va = 256,
        .rkey = 0, .dma_len = 446 - 256 } },
};

int
roe_sample_count(void)
{
    return sizeof samples / sizeof samples[0];
}

size_t
roe_sample_frame(int i, uint8_t *frame, const char **name)
{
    static uint8_t payload[ROE_SAMPLE_MAX_LEN];
    const struct roe_sample *s = &samples[i];
    struct roe_packet p = s->p;

    /* A recognizable payload: octet k of every payload is k mod 251. */
    for (size_t k = 0; k < sizeof payload; k++) {
        payload[k] = k % 251;
    }
    p.payload = payload;
    if (p.opcode == ROE_READ_SG_REQUEST) {
        static uint8_t list[N_SG * ROE_SGE_LEN];

        for (size_t k = 0; k < N_SG; k++) {
            roe_put_sge(list + k * ROE_SGE_LEN, &sg[k]);
        }
        p.payload = list;
        p.payload_len = sizeof list;
    }
    *name = s->name;
    return roe_put_frame(frame, s->l2, ECP_SUBTYPE_ROE_DEFAULT, &p);
}

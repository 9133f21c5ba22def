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

#ifndef ECP_STOPWAIT_H
#define ECP_STOPWAIT_H 1

/* The standard ECP stop-and-wait instance (IEEE 802.1Qbg ECP, as lldpad's
 * "ecp22" implements it), as used for the VDP subtype.
 *
 * One instance serves one ECP subtype on one port, in both directions:
 *
 *   - Transmit: upper-layer PDUs (ULPDUs) wait in a bounded queue.  The
 *     ECPDU at the head of the queue is the only one outstanding.  Each new
 *     ECPDU gets the next sequence number, skipping 0 on wrap, so that the
 *     first one after start carries 1.  An ack is accepted only if its
 *     sequence number is that of the outstanding ECPDU.  If no ack arrives
 *     within the ack timer, 10 us x 2^RTE, the ECPDU is sent again, up to
 *     R + 1 transmissions in all; then it is discarded, the error counter is
 *     incremented and, unlike lldpad, ecp_sw_run() tells the caller.
 *
 *   - Receive: the first ECPDU after start is always accepted.  An ECPDU
 *     whose sequence number equals that of the last accepted one is a
 *     duplicate: it is not delivered again, but it is acked again.  A new
 *     ECPDU is delivered to the caller and then acked: the ack (4 octets of
 *     ECP header, same subtype and sequence number, no payload, padded to a
 *     60-octet frame) becomes available from ecp_sw_pull() only after
 *     ecp_sw_receive() has returned the ULPDU, so a caller that processes
 *     the ULPDU before pulling makes the ack mean "received and processed",
 *     as lldpad does.
 *
 * The instance is a pure state machine: it does no I/O, reads no clock and
 * never blocks.  Its owner
 *
 *   - feeds it every received ECP frame of its subtype (as parsed by
 *     ecp_parse()) with ecp_sw_receive(), which returns delivered ULPDUs,
 *   - queues ULPDUs with ecp_sw_send(),
 *   - calls ecp_sw_run() with the current time, when time has passed (at
 *     the latest at ecp_sw_next_deadline()), which handles the ack timer
 *     and reports discarded ECPDUs,
 *   - and pulls frames to transmit (acks first, then ECPDUs) into its own
 *     buffers with ecp_sw_pull() until it returns 0.
 *
 * Times are in microseconds on any monotonic clock, as 'long long now_us'.
 * Memory is allocated only by ecp_sw_create(); nothing is allocated per
 * frame.  An instance is not thread-safe: its owner serializes calls. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ecp.h"

/* Largest ULPDU by default: a 1500-octet MSDU less the ECP header, leaving
 * room for a 2-octet VDP END TLV (lldpad's ECP22_MAXPAYLOAD_LEN). */
#define ECP_SW_MAX_PAYLOAD_DEFAULT 1494

/* Largest ULPDU that may be configured: the same rule applied to a 9000-octet
 * jumbo MSDU.  Anything above 1494 is an extension that both ends must
 * agree on. */
#define ECP_SW_MAX_PAYLOAD_LIMIT 8994

#define ECP_SW_QUEUE_LEN_DEFAULT 64
#define ECP_SW_QUEUE_LEN_MAX 1024
#define ECP_SW_RTE_MAX 31           /* 5 bits in the EVB TLV. */
#define ECP_SW_RTE_DEFAULT 8        /* 2.56 ms, lldpad's default. */
#define ECP_SW_MAX_RETRIES_MAX 7    /* R: 3 bits in the EVB TLV. */
#define ECP_SW_MAX_RETRIES_DEFAULT 3

struct ecp_sw_config {
    /* Addressing of every frame sent, ECPDUs and acks alike.  lldpad sends
     * both to ecp_nearest_customer_bridge. */
    struct ecp_l2 l2;

    uint16_t subtype;           /* 1..ECP_SUBTYPE_MAX, e.g. ECP_SUBTYPE_VDP. */
    unsigned int rte;           /* Ack timer is 10 us x 2^rte; at most 31. */
    unsigned int max_retries;   /* R: R + 1 transmissions; at most 7. */
    size_t max_payload;         /* Largest ULPDU, at most
                                 * ECP_SW_MAX_PAYLOAD_LIMIT. */
    size_t queue_len;           /* ULPDUs queued, 1..ECP_SW_QUEUE_LEN_MAX,
                                 * the outstanding one included. */

    /* The sequence number "before" the first ECPDU: the first one carries
     * the next value, skipping 0.  Normally 0 (so the first is 1); tests set
     * it to see the wrap. */
    uint16_t initial_seqno;
};

/* Counters, never reset (not even by ecp_sw_reset()). */
struct ecp_sw_stats {
    /* Transmit side. */
    uint64_t tx_ecpdus;         /* ECPDUs sent for the first time. */
    uint64_t tx_retransmissions;    /* ECPDUs sent again after a timeout. */
    uint64_t tx_errors;         /* ECPDUs discarded after R + 1 sends. */
    uint64_t tx_queue_full;     /* ULPDUs refused by ecp_sw_send(). */
    uint64_t rx_acks;           /* Acks of the outstanding ECPDU. */
    uint64_t rx_acks_ignored;   /* Acks matching nothing outstanding. */

    /* Receive side. */
    uint64_t rx_ecpdus;         /* New ECPDUs, delivered. */
    uint64_t rx_duplicates;     /* Repeated ECPDUs, acked, not delivered. */
    uint64_t tx_acks;           /* Acks sent. */
    uint64_t rx_ignored;        /* Frames of another subtype, bad version or
                                 * reserved operation. */
};

/* What ecp_sw_receive() did with a frame. */
enum ecp_sw_rx {
    ECP_SW_RX_DELIVER,          /* A new ULPDU: see '*ulpdu'.  Its ack is
                                 * now pending. */
    ECP_SW_RX_DUPLICATE,        /* The last accepted ECPDU again: not
                                 * delivered, its ack is pending again. */
    ECP_SW_RX_ACKED,            /* The outstanding ECPDU is acked and left
                                 * the queue. */
    ECP_SW_RX_ACK_IGNORED,      /* An ack that matches nothing outstanding. */
    ECP_SW_RX_IGNORED,          /* Another subtype, version or a reserved
                                 * operation: no effect. */
};

/* A ULPDU delivered by ecp_sw_receive().  ECP has no length field, so
 * 'len' runs to the end of the frame and includes any Ethernet padding:
 * the upper layer must know where its data ends (VDP: the END TLV). */
struct ecp_sw_ulpdu {
    const uint8_t *data;        /* Points into the received frame. */
    size_t len;
    uint16_t seqno;
};

/* An ECPDU discarded by ecp_sw_run() after R + 1 transmissions without an
 * ack.  'data' stays valid until the next ecp_sw_send(), ecp_sw_reset() or
 * ecp_sw_destroy(). */
struct ecp_sw_failure {
    uint16_t seqno;
    unsigned int transmissions;
    const uint8_t *data;
    size_t len;
};

void ecp_sw_config_init(struct ecp_sw_config *);
struct ecp_sw *ecp_sw_create(const struct ecp_sw_config *,
                             const char **errorp);
void ecp_sw_destroy(struct ecp_sw *);
void ecp_sw_reset(struct ecp_sw *);

int ecp_sw_send(struct ecp_sw *, const void *ulpdu, size_t len);
enum ecp_sw_rx ecp_sw_receive(struct ecp_sw *, const struct ecp_frame *,
                              struct ecp_sw_ulpdu *);
bool ecp_sw_run(struct ecp_sw *, long long now_us, struct ecp_sw_failure *);
int ecp_sw_pull(struct ecp_sw *, long long now_us, void *frame, size_t size);

bool ecp_sw_want_pull(const struct ecp_sw *);
long long ecp_sw_next_deadline(const struct ecp_sw *);
size_t ecp_sw_queued(const struct ecp_sw *);
size_t ecp_sw_max_frame_len(const struct ecp_sw *);
void ecp_sw_get_stats(const struct ecp_sw *, struct ecp_sw_stats *);
long long ecp_sw_ack_timeout_us(unsigned int rte);
const char *ecp_sw_rx_to_string(enum ecp_sw_rx);

#endif /* ecp-stopwait.h */

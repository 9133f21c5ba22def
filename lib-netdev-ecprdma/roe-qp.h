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

#ifndef ROE_QP_H
#define ROE_QP_H 1

/* A RoE queue pair: one reliable connection between two RoE endpoints,
 * with the semantics of an InfiniBand RC queue pair.
 *
 * Each side is both a requester (it posts RDMA WRITE and READ work
 * requests against the peer's memory regions) and a responder (it executes
 * the peer's requests against its own memory regions, see mr-table.h).
 * Requests travel as ECP requests in the requester's PSN space; responses
 * (ACK, NAK, READ responses) as ECP acks in the same space.
 *
 * Reliability: up to 'window' request PSNs are outstanding.  The responder
 * executes requests strictly in PSN order; it acknowledges cumulatively,
 * re-acknowledges duplicates without executing them again, replays READ
 * responses for a retried READ (the first retry at once, later ones at
 * most once per the peer's retransmit timeout, as go-back-N retries), and
 * answers the first out-of-order packet with one NAK (PSN sequence
 * error).  The requester goes back to the
 * first unacknowledged PSN on that NAK, on READ responses that skip a PSN,
 * and on timeout (10 us x 2^rte without progress, doubling with each
 * retransmission up to 16 times that).  After 'max_tries'
 * transmissions without progress, the QP goes to the error state: the
 * work request at the head completes with ROE_WC_RETRY_EXCEEDED, the rest
 * are flushed, and the owner re-establishes the connection.  A request
 * that fails a responder check is NAKed, places or returns nothing, and
 * moves both ends to the error state.
 *
 * The QP does no I/O and reads no clock: the owner passes received packets
 * to roe_qp_receive(), sends the frames that roe_qp_transmit() builds, and
 * passes the current time in microseconds.  Completions are polled.  A QP
 * is used by one thread at a time and allocates nothing after creation. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ecp.h"
#include "roe.h"

struct mr_table;

struct roe_qp_config {
    struct ecp_l2 l2;           /* Addresses for the frames we send. */
    uint16_t subtype;           /* ECP subtype of RoE. */
    uint32_t dest_qpn;          /* The peer's QP number, 24 bits. */
    uint16_t sq_psn;            /* PSN of our first request. */
    uint16_t rq_psn;            /* PSN of the peer's first request. */
    uint16_t segment_size;      /* Payload octets per packet, >= 8. */
    uint16_t window;            /* Outstanding request PSNs, 1..32767. */
    uint8_t rte;                /* Retransmit timeout: 10 us x 2^rte. */
    uint8_t peer_rte;           /* The peer's 'rte': a retried READ is
                                 * replayed again at most once per
                                 * 10 us x 2^peer_rte. */
    uint8_t max_tries;          /* Transmissions without progress before
                                 * error; 0 means never give up. */
    uint8_t max_reads;          /* Outstanding READs, each way, 1..255. */
    bool crc;                   /* Send CRC-32C trailers, and drop packets
                                 * without one. */

    /* Responder: the regions the peer may access. */
    struct mr_table *mrs;
    uint32_t pd;
};

#define ROE_QP_DEFAULT_WINDOW 128
#define ROE_QP_DEFAULT_RTE 8
#define ROE_QP_RTE_MAX 20
#define ROE_QP_DEFAULT_MAX_TRIES 4
#define ROE_QP_DEFAULT_MAX_READS 16
#define ROE_QP_SQ_SIZE 256      /* Work requests posted and not polled. */
#define ROE_QP_RQ_SIZE 256      /* Immediates received and not polled. */

/* The largest payload per packet on a link with Ethernet MTU 'mtu'. */
uint16_t roe_segment_size_for_mtu(int mtu);

/* The largest frame a QP with 'config' builds (at least
 * ECP_MIN_FRAME_LEN). */
size_t roe_qp_max_frame_len(const struct roe_qp_config *);

/* Returns NULL and stores a message in '*errorp' (free() it) if 'config'
 * is invalid. */
struct roe_qp *roe_qp_create(const struct roe_qp_config *, char **errorp);
void roe_qp_destroy(struct roe_qp *);

enum roe_qp_state {
    ROE_QP_READY,
    ROE_QP_ERROR,
};

enum roe_qp_state roe_qp_get_state(const struct roe_qp *);

/* The most segments a READ_SG of 'qp' may have: ROE_SG_MAX, or fewer if
 * its packets are too short for their list. */
unsigned int roe_qp_max_sg(const struct roe_qp *);

/* The payload octets of each full packet of a READ or WRITE of 'qp'. */
uint16_t roe_qp_segment_size(const struct roe_qp *);
const char *roe_qp_error_reason(const struct roe_qp *);

/* A piece of local memory. */
struct roe_local_sge {
    uint8_t *addr;
    uint32_t len;
};

/* Work requests. */
enum roe_wr_opcode {
    ROE_WR_WRITE,
    ROE_WR_WRITE_IMM,
    ROE_WR_READ,
    ROE_WR_READ_SG,             /* A READ of 'n_sg' remote segments 'sg',
                                 * which arrive in 'local' back to back. */
};

struct roe_send_wr {
    uint64_t wr_id;
    enum roe_wr_opcode opcode;
    void *local;                /* WRITE: source.  READ: destination.  Must
                                 * stay valid until the completion. */
    uint32_t length;            /* READ_SG: the sum of the segments'. */
    uint64_t remote_va;         /* Not for READ_SG. */
    uint32_t rkey;              /* Not for READ_SG. */
    uint32_t imm;               /* ROE_WR_WRITE_IMM only. */
    const struct roe_sge *sg;   /* ROE_WR_READ_SG: must stay valid until
                                 * the completion. */
    unsigned int n_sg;          /* ROE_WR_READ_SG: 1 to ROE_SG_MAX. */
    const struct roe_local_sge *scatter;    /* READ and READ_SG: if not
                                 * NULL, where the octets land instead of
                                 * 'local': the 'n_scatter' pieces in turn,
                                 * whose lengths add up to 'length'.  Must
                                 * stay valid until the completion. */
    unsigned int n_scatter;
    void (*gather)(void *aux, uint64_t off, uint8_t *dst, uint32_t len);
                                /* WRITE: if not NULL, copies octets
                                 * [off, off + len) of the message to 'dst'
                                 * instead of 'local', as each packet is
                                 * built (again for a retransmission),
                                 * with 'gather_aux', until the
                                 * completion. */
    void *gather_aux;
};

/* Posts 'wr'.  Returns 0, EAGAIN if the send queue or the PSN space is
 * full (poll completions and retry), EINVAL if 'wr' is too long for one
 * message (more than ROE_MAX_MESSAGE octets, or a READ wider than the
 * window), or a bad READ_SG (a segment list that is empty, longer than
 * ROE_SG_MAX or than a packet, with an empty segment, or whose lengths do
 * not add up to 'length'), or a READ with a bad scatter list (an empty
 * piece, or lengths that do not add up to 'length'), or EPIPE if the QP
 * is in the error state. */
int roe_qp_post_send(struct roe_qp *, const struct roe_send_wr *);

enum roe_wc_status {
    ROE_WC_SUCCESS,
    ROE_WC_RETRY_EXCEEDED,
    ROE_WC_REMOTE_INVALID,      /* NAK: invalid request. */
    ROE_WC_REMOTE_ACCESS,       /* NAK: remote access error. */
    ROE_WC_REMOTE_OPERATIONAL,  /* NAK: remote operational error. */
    ROE_WC_FLUSHED,             /* QP went to error before it completed. */
};

const char *roe_wc_status_to_string(enum roe_wc_status);

struct roe_completion {
    uint64_t wr_id;
    enum roe_wr_opcode opcode;
    enum roe_wc_status status;
    uint32_t length;
};

/* Send completions, in the order the work requests were posted. */
int roe_qp_poll_send(struct roe_qp *, struct roe_completion[], int max);

/* Responder: an RDMA WRITE with immediate that has been placed. */
struct roe_recv_completion {
    uint32_t imm;
    uint32_t length;
};

int roe_qp_poll_recv(struct roe_qp *, struct roe_recv_completion[], int max);

/* Processes a packet received from the peer (already parsed, with its
 * destination QP matched to this QP). */
void roe_qp_receive(struct roe_qp *, const struct roe_packet *,
                    long long now_us);

/* A frame to send: the caller provides 'data' with room for
 * roe_qp_max_frame_len() octets; the QP sets 'len'. */
struct roe_frame {
    uint8_t *data;
    size_t len;
};

/* Builds up to 'max' frames to send now: responses first, then requests
 * (retransmissions and new ones) as the window allows.  Also runs the
 * retransmit timer.  Returns the number of frames built. */
int roe_qp_transmit(struct roe_qp *, long long now_us,
                    struct roe_frame frames[], int max);

/* When roe_qp_transmit() should be called next even if nothing arrives,
 * or LLONG_MAX. */
long long roe_qp_next_timeout(const struct roe_qp *);

/* True if the QP has nothing outstanding: every posted work request has
 * completed and no response is waiting to be sent. */
bool roe_qp_is_idle(const struct roe_qp *);

/* Responder: while 'hold' is true, the QP executes none of the peer's
 * requests and answers each new one with an RNR NAK, after which the
 * requester waits 10 us x 2^4 and sends it again, as often as it takes
 * (RNR NAKs do not count against 'max_tries').  For memory that the
 * owner is still handing over: the peer's first access comes after
 * roe_qp_set_hold(qp, false).  Counted in 'held'. */
void roe_qp_set_hold(struct roe_qp *, bool hold);

/* Why the responder refused a request. */
enum roe_reject {
    ROE_REJECT_PSN,             /* Out of sequence (one NAK per gap). */
    ROE_REJECT_OP_SEQ,          /* FIRST/MIDDLE/LAST out of order. */
    ROE_REJECT_QP_STATE,        /* QP in error. */
    ROE_REJECT_RESOURCES,       /* Too many READs outstanding. */
    ROE_REJECT_RNR,             /* No room for an immediate (RNR NAK). */
    ROE_REJECT_LENGTH,          /* Packet or message length. */
    ROE_REJECT_RKEY,            /* Unknown, stale or foreign rkey. */
    ROE_REJECT_ACCESS,          /* Region lacks the access bit. */
    ROE_REJECT_BOUNDS,          /* Outside the region. */
    N_ROE_REJECTS
};

const char *roe_reject_to_string(enum roe_reject);

struct roe_qp_stats {
    uint64_t tx_packets;
    uint64_t rx_packets;
    uint64_t tx_payload_bytes;
    uint64_t rx_payload_bytes;
    uint64_t writes;            /* Work requests completed, by kind. */
    uint64_t reads;
    uint64_t retransmits;       /* Request packets sent again. */
    uint64_t timeouts;
    uint64_t naks_sent;
    uint64_t naks_received;
    uint64_t rnr_naks_received;
    uint64_t duplicates;        /* Responder: duplicate requests. */
    uint64_t read_replays_refused;  /* Responder: retried READs not
                                     * answered again so soon. */
    uint64_t stale_responses;   /* Requester: responses to ignore. */
    uint64_t no_crc;            /* Dropped for lack of a CRC trailer. */
    uint64_t held;              /* Responder: requests answered with an
                                 * RNR NAK while held. */
    uint64_t rejects[N_ROE_REJECTS];
};

void roe_qp_get_stats(const struct roe_qp *, struct roe_qp_stats *);

#endif /* roe-qp.h */

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

#ifndef ROE_QP_PRIVATE_H
#define ROE_QP_PRIVATE_H 1

/* The inside of a RoE queue pair, for roe-qp.c and for the responder's
 * checks of a request in roe-qp-check.c.  Nothing else includes this: the
 * QP's owner uses roe-qp.h. */

#include <stdbool.h>
#include <stdint.h>

#include "roe-qp.h"

/* A message spans at most this many packets, so that the PSNs of every
 * outstanding work request fit in half the 16-bit PSN space. */
#define MAX_MESSAGE_PSNS 16384

/* A posted work request. */
struct wqe {
    struct roe_send_wr wr;
    uint16_t first_psn;
    uint16_t n_psns;
    uint16_t received;          /* READ: response packets received. */
    unsigned int scatter_i;     /* READ with a scatter list: the piece */
    uint32_t scatter_ofs;       /* and the offset in it of the next
                                 * response's first octet. */
};

/* Responder: a READ being answered, kept after its responses are sent so
 * that a retried READ can be answered again. */
struct read_resource {
    bool valid;
    uint16_t first_psn;
    uint16_t n_psns;
    uint16_t next;              /* Next response packet to send. */
    bool answered;              /* Every response sent at least once. */
    bool replayed;              /* Replayed since it was accepted. */
    long long replayed_at;      /* When it was last replayed. */
    uint64_t va;
    uint32_t rkey;
    uint32_t length;
    uint8_t n_sg;               /* READ_SG: segments in 'sg'.  0: READ. */
    struct roe_sge *sg;         /* READ_SG: ROE_SG_MAX entries, owned. */
};

struct roe_qp {
    struct roe_qp_config cfg;
    enum roe_qp_state state;
    const char *error;
    long long timeout_us;
    long long replay_interval_us;   /* The peer's retransmit timeout. */
    unsigned int ack_interval;

    /* Requester.  'sq_head' is the oldest work request not completed,
     * 'sq_send' the one that holds 'send_psn', 'sq_tail' the next free
     * slot.  PSNs before 'comp_psn' are acknowledged; 'sent_hi' is one
     * past the highest PSN ever sent; 'next_psn' goes to the next work
     * request posted. */
    struct wqe sq[ROE_QP_SQ_SIZE];
    unsigned int sq_head, sq_send, sq_tail;
    uint16_t comp_psn, send_psn, sent_hi, next_psn;
    unsigned int reads_in_flight;   /* READs in [sq_head, sq_send). */
    unsigned int since_ackreq;
    unsigned int transmissions;     /* Of 'comp_psn', without progress. */
    bool went_back;                 /* Went back to 'comp_psn' already. */
    long long deadline;
    long long rnr_until;

    struct roe_completion cq[ROE_QP_SQ_SIZE];
    unsigned int cq_head, cq_tail;

    /* Responder. */
    bool hold;                      /* See roe_qp_set_hold(). */
    uint16_t epsn;                  /* Next PSN expected. */
    uint32_t msn;
    bool seq_nak_sent;              /* Gap already NAKed. */
    bool ack_pending;
    bool nak_pending;
    uint8_t nak_syndrome;
    uint16_t nak_psn;
    bool writing;                   /* Inside a multi-packet WRITE. */
    uint64_t write_va;
    uint32_t write_rkey;
    uint32_t write_resid;
    uint32_t write_length;
    struct read_resource reads[UINT8_MAX];
    unsigned int read_next;         /* Slot for the next READ: oldest. */
    bool reads_to_answer;           /* Some READ may have responses left
                                     * to send. */
    uint8_t sg_buf[ROE_SG_MAX * ROE_SGE_LEN];   /* A READ_SG's list, as
                                                 * sent. */

    struct roe_recv_completion rq[ROE_QP_RQ_SIZE];
    unsigned int rq_head, rq_tail;

    struct roe_qp_stats stats;
};

static inline int
psn_diff(uint16_t a, uint16_t b)
{
    return ecp_seq_diff(a, b);
}

/* The packets of a message of 'length' octets on 'qp'. */
static inline unsigned int
n_psns_for(const struct roe_qp *qp, uint32_t length)
{
    uint16_t s = qp->cfg.segment_size;

    return length ? length / s + (length % s != 0) : 1;
}

static inline bool
is_read_request(uint8_t opcode)
{
    return opcode == ROE_READ_REQUEST || opcode == ROE_READ_SG_REQUEST;
}

static inline bool
is_write_continuation(uint8_t opcode)
{
    return (opcode == ROE_WRITE_MIDDLE || opcode == ROE_WRITE_LAST
            || opcode == ROE_WRITE_LAST_IMM);
}

/* For the responder's checks, in roe-qp.c. */
void roe_qp_queue_nak(struct roe_qp *, uint8_t syndrome, uint16_t psn);
void roe_qp_set_error(struct roe_qp *, const char *reason,
                      enum roe_wc_status);

#endif /* roe-qp-private.h */

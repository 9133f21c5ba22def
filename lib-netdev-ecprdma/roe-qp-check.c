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

#include "roe-qp-check.h"

#include <stddef.h>

#include "roe-qp-private.h"

/* The responder checks a request in steps, as the Linux kernel's rxe
 * responder does (check_psn(), check_op_seq(), check_resource(),
 * check_length(), check_rkey()).  Each step returns true if the request
 * passes it, and otherwise deals with the request itself and returns
 * false. */

/* The RNR NAK timer we send: the requester waits 10 us x 2^timer. */
#define RNR_TIMER 4

/* Refuses the request in 'p': NAKs it and moves the QP to error. */
static void
reject(struct roe_qp *qp, enum roe_reject why, uint8_t syndrome)
{
    qp->stats.rejects[why]++;
    roe_qp_queue_nak(qp, syndrome, qp->epsn);
    roe_qp_set_error(qp, roe_reject_to_string(why), ROE_WC_FLUSHED);
}

enum roe_reject
roe_qp_mr_reject(enum mr_check_result r)
{
    switch (r) {
    case MR_CHECK_ACCESS:
        return ROE_REJECT_ACCESS;
    case MR_CHECK_BOUNDS:
        return ROE_REJECT_BOUNDS;
    case MR_CHECK_OK:
    case MR_CHECK_RKEY:
    case MR_CHECK_PD:
    default:
        return ROE_REJECT_RKEY;
    }
}

/* A QP in error drops every request. */
static bool
check_qp_state(struct roe_qp *qp)
{
    if (qp->state != ROE_QP_READY) {
        qp->stats.rejects[ROE_REJECT_QP_STATE]++;
        return false;
    }
    return true;
}

/* Whether READ or READ_SG request 'p' names the segments of 'r' (none for
 * a READ). */
static bool
same_segments(const struct read_resource *r, const struct roe_packet *p)
{
    size_t n = p->opcode == ROE_READ_SG_REQUEST
               ? p->payload_len / ROE_SGE_LEN : 0;

    if (n != r->n_sg || p->payload_len % ROE_SGE_LEN) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct roe_sge sge;

        roe_get_sge(p->payload + i * ROE_SGE_LEN, &sge);
        if (sge.va != r->sg[i].va || sge.rkey != r->sg[i].rkey
            || sge.len != r->sg[i].len) {
            return false;
        }
    }
    return true;
}

/* Answers request 'p', whose PSN is before the one expected: a WRITE is
 * acknowledged again, a retried READ answered again. */
static void
responder_duplicate(struct roe_qp *qp, const struct roe_packet *p,
                    long long now)
{
    qp->stats.duplicates++;
    if (!is_read_request(p->opcode)) {
        qp->ack_pending = true;
        return;
    }

    /* Answer a retried READ again only if it is the tail of one we
     * accepted, with the same rkey, or the same segments. */
    for (int i = 0; i < qp->cfg.max_reads; i++) {
        struct read_resource *r = &qp->reads[i];
        uint64_t off;
        int k;

        if (!r->valid || r->rkey != p->rkey) {
            continue;
        }
        k = psn_diff(p->psn, r->first_psn);
        if (k < 0 || k >= r->n_psns) {
            continue;
        }
        off = (uint64_t) k * qp->cfg.segment_size;
        if (p->va != r->va + off || p->dma_len != r->length - off
            || !same_segments(r, p)) {
            continue;
        }
        if (k >= r->next) {
            return;             /* Those responses are still to come. */
        }

        /* Go-back-N retries a READ at once after a gap in its responses,
         * and then once per retransmit timeout.  Replaying more often
         * would let a peer that repeats one small request draw any number
         * of responses. */
        if (r->replayed && now - r->replayed_at < qp->replay_interval_us) {
            qp->stats.read_replays_refused++;
            return;
        }
        r->replayed = true;
        r->replayed_at = now;
        r->next = k;
        qp->reads_to_answer = true;
        return;
    }
}

/* The request must have the PSN expected next.  A held QP answers it, or
 * one past a gap, with an RNR NAK; a gap is NAKed once; a duplicate is
 * answered by responder_duplicate(). */
static bool
check_psn(struct roe_qp *qp, const struct roe_packet *p, long long now)
{
    int d = psn_diff(p->psn, qp->epsn);

    if (qp->hold && d >= 0) {
        /* Not yet: the requester goes back to 'epsn' and tries again. */
        qp->stats.held++;
        roe_qp_queue_nak(qp, ROE_SYN_RNR_NAK | RNR_TIMER, qp->epsn);
        return false;
    } else if (d > 0) {
        qp->stats.rejects[ROE_REJECT_PSN]++;
        if (!qp->seq_nak_sent) {
            qp->seq_nak_sent = true;
            roe_qp_queue_nak(qp, ROE_SYN_NAK_PSN_SEQ, qp->epsn);
        }
        return false;
    } else if (d < 0) {
        responder_duplicate(qp, p, now);
        return false;
    }
    qp->seq_nak_sent = false;
    return true;
}

/* MIDDLE and LAST packets of a WRITE, and only they, follow its FIRST. */
static bool
check_op_seq(struct roe_qp *qp, const struct roe_packet *p)
{
    if (qp->writing != is_write_continuation(p->opcode)) {
        reject(qp, ROE_REJECT_OP_SEQ, ROE_SYN_NAK_INVALID);
        return false;
    }
    return true;
}

/* A READ needs a free slot; a WRITE with immediate, room in the receive
 * queue, or the requester tries again after an RNR NAK. */
static bool
check_resources(struct roe_qp *qp, const struct roe_packet *p)
{
    if (is_read_request(p->opcode)) {
        /* The oldest READ's slot is free once it has been answered: a
         * replay still in progress is moot, because the requester never
         * has more than 'max_reads' READs outstanding. */
        const struct read_resource *slot = &qp->reads[qp->read_next];

        if (slot->valid && !slot->answered) {
            reject(qp, ROE_REJECT_RESOURCES, ROE_SYN_NAK_INVALID);
            return false;
        }
    } else if (roe_opcode_has_immdt(p->opcode)
               && qp->rq_tail - qp->rq_head >= ROE_QP_RQ_SIZE) {
        qp->stats.rejects[ROE_REJECT_RNR]++;
        roe_qp_queue_nak(qp, ROE_SYN_RNR_NAK | RNR_TIMER, qp->epsn);
        return false;
    }
    return true;
}

/* Checks the lengths of new READ_SG request 'p': 1 to ROE_SG_MAX
 * segments, in one packet, none empty, which the request asks for from
 * the start, all of them; that is a message of at most ROE_MAX_MESSAGE
 * octets (the sum cannot overflow: 64 lengths of 32 bits). */
static bool
sg_request_ok(const struct roe_qp *qp, const struct roe_packet *p)
{
    size_t n = p->payload_len / ROE_SGE_LEN;
    uint64_t sum = 0;

    if (!n || n > ROE_SG_MAX || p->payload_len % ROE_SGE_LEN
        || p->payload_len > qp->cfg.segment_size || p->va || p->rkey) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        struct roe_sge sge;

        roe_get_sge(p->payload + i * ROE_SGE_LEN, &sge);
        if (!sge.len) {
            return false;
        }
        sum += sge.len;
    }
    return (sum == p->dma_len
            && n_psns_for(qp, p->dma_len) <= MAX_MESSAGE_PSNS);
}

/* Checks the per-packet and per-message lengths of 'p'. */
static bool
length_ok(const struct roe_qp *qp, const struct roe_packet *p)
{
    uint16_t s = qp->cfg.segment_size;
    size_t len = p->payload_len;

    if (roe_opcode_has_reth(p->opcode) && p->dma_len > ROE_MAX_MESSAGE) {
        return false;
    }
    switch (p->opcode) {
    case ROE_WRITE_FIRST:
        return len == s && p->dma_len > s
               && n_psns_for(qp, p->dma_len) <= MAX_MESSAGE_PSNS;
    case ROE_WRITE_MIDDLE:
        return len == s && qp->write_resid > s;
    case ROE_WRITE_LAST:
    case ROE_WRITE_LAST_IMM:
        return len && len == qp->write_resid && len <= s;
    case ROE_WRITE_ONLY:
    case ROE_WRITE_ONLY_IMM:
        return len == p->dma_len && len <= s;
    case ROE_READ_REQUEST:
        return n_psns_for(qp, p->dma_len) <= MAX_MESSAGE_PSNS;
    case ROE_READ_SG_REQUEST:
        return sg_request_ok(qp, p);
    default:
        return false;
    }
}

static bool
check_length(struct roe_qp *qp, const struct roe_packet *p)
{
    if (!length_ok(qp, p)) {
        reject(qp, ROE_REJECT_LENGTH, ROE_SYN_NAK_INVALID);
        return false;
    }
    return true;
}

/* Checks rkey, access and bounds of each segment of READ_SG request 'p'.
 * Segments may overlap: they are only read. */
static enum mr_check_result
check_segments(const struct roe_qp *qp, const struct roe_packet *p)
{
    for (size_t i = 0; i < p->payload_len / ROE_SGE_LEN; i++) {
        enum mr_check_result r;
        struct roe_sge sge;
        uint8_t *addr;

        roe_get_sge(p->payload + i * ROE_SGE_LEN, &sge);
        r = mr_check(qp->cfg.mrs, qp->cfg.pd, sge.rkey,
                     MR_ACCESS_REMOTE_READ, sge.va, sge.len, &addr);
        if (r != MR_CHECK_OK) {
            return r;
        }
    }
    return MR_CHECK_OK;
}

/* rkey, access and bounds: of the whole message on the first packet, of
 * this packet's part again on every later one, because the region may
 * have been invalidated in between.  Stores in '*addrp' where the memory
 * is. */
static bool
check_rkey(struct roe_qp *qp, const struct roe_packet *p, uint8_t **addrp)
{
    bool is_read = is_read_request(p->opcode);
    enum mr_check_result r = MR_CHECK_OK;
    uint64_t va;
    uint32_t rkey;
    size_t len;

    if (p->opcode == ROE_READ_SG_REQUEST) {
        r = check_segments(qp, p);
        len = 0;
    } else if (is_write_continuation(p->opcode)) {
        va = qp->write_va;
        rkey = qp->write_rkey;
        len = p->payload_len;
    } else {
        va = p->va;
        rkey = p->rkey;
        len = p->dma_len;
    }
    if (r == MR_CHECK_OK && len) {
        r = mr_check(qp->cfg.mrs, qp->cfg.pd, rkey,
                     is_read ? MR_ACCESS_REMOTE_READ : MR_ACCESS_REMOTE_WRITE,
                     va, len, addrp);
    }
    if (r != MR_CHECK_OK) {
        reject(qp, roe_qp_mr_reject(r), ROE_SYN_NAK_ACCESS);
        return false;
    }
    return true;
}

bool
roe_qp_check_request(struct roe_qp *qp, const struct roe_packet *p,
                     long long now, uint8_t **addrp)
{
    *addrp = NULL;
    return (check_qp_state(qp)
            && check_psn(qp, p, now)
            && check_op_seq(qp, p)
            && check_resources(qp, p)
            && check_length(qp, p)
            && check_rkey(qp, p, addrp));
}

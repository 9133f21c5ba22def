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

#include "roe-qp.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mr-table.h"
#include "roe-qp-check.h"
#include "roe-qp-private.h"
#include "xalloc.h"

#define SQ_MASK (ROE_QP_SQ_SIZE - 1)
#define RQ_MASK (ROE_QP_RQ_SIZE - 1)

/* READ responses and WRITEs of at most this many octets access registered
 * memory with copy_from_shared() and copy_to_shared(). */
#define SHARED_COPY_MAX 256

/* Registered memory is shared with its owner, who may change it while a
 * peer accesses it: a VM publishes the head index of its ring while the
 * switch READs it.  memcpy() makes no promise about how it accesses
 * memory (glibc copies 2 octets with a 2-octet load and then a 1-octet
 * load of the second octet), so a READ of a 16-bit index that changes in
 * between would return the new high octet with the old low one: a value
 * that the index never held, up to 255 ahead of it.  Like RDMA hardware,
 * the responder therefore accesses an index or a header (a short transfer)
 * in the largest naturally aligned loads or stores that fit, up to 8
 * octets: each naturally aligned field of up to 8 octets is then read or
 * written whole.  Longer transfers carry frames and descriptors, which
 * their owner leaves alone while the peer may access them. */

/* Returns the size of the largest naturally aligned access of at most 8
 * octets at 'p' that fits in 'n' octets. */
static size_t
shared_access_size(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t) p;
    size_t size = 8;

    while (size > 1 && ((a & (size - 1)) || n < size)) {
        size /= 2;
    }
    return size;
}

/* Copies 'n' octets from shared memory at 'src' to 'dst'. */
static void
copy_from_shared(void *dst_, const void *src_, size_t n)
{
    const uint8_t *src = src_;
    uint8_t *dst = dst_;

    while (n) {
        size_t size = shared_access_size(src, n);

        if (size == 8) {
            uint64_t x = __atomic_load_n((const uint64_t *) src,
                                         __ATOMIC_ACQUIRE);
            memcpy(dst, &x, 8);
        } else if (size == 4) {
            uint32_t x = __atomic_load_n((const uint32_t *) src,
                                         __ATOMIC_ACQUIRE);
            memcpy(dst, &x, 4);
        } else if (size == 2) {
            uint16_t x = __atomic_load_n((const uint16_t *) src,
                                         __ATOMIC_ACQUIRE);
            memcpy(dst, &x, 2);
        } else {
            *dst = __atomic_load_n(src, __ATOMIC_ACQUIRE);
        }
        src += size;
        dst += size;
        n -= size;
    }
}

/* Copies 'n' octets from 'src' to shared memory at 'dst'. */
static void
copy_to_shared(void *dst_, const void *src_, size_t n)
{
    const uint8_t *src = src_;
    uint8_t *dst = dst_;

    while (n) {
        size_t size = shared_access_size(dst, n);

        if (size == 8) {
            uint64_t x;

            memcpy(&x, src, 8);
            __atomic_store_n((uint64_t *) dst, x, __ATOMIC_RELEASE);
        } else if (size == 4) {
            uint32_t x;

            memcpy(&x, src, 4);
            __atomic_store_n((uint32_t *) dst, x, __ATOMIC_RELEASE);
        } else if (size == 2) {
            uint16_t x;

            memcpy(&x, src, 2);
            __atomic_store_n((uint16_t *) dst, x, __ATOMIC_RELEASE);
        } else {
            __atomic_store_n(dst, *src, __ATOMIC_RELEASE);
        }
        src += size;
        dst += size;
        n -= size;
    }
}

uint16_t
roe_segment_size_for_mtu(int mtu)
{
    int s = mtu - ECP_HEADER_LEN - ROE_HEADER_LEN - ROE_RETH_LEN
            - ROE_IMMDT_LEN;

    return s < 8 ? 0 : s > UINT16_MAX ? UINT16_MAX & ~7 : s & ~7;
}

size_t
roe_qp_max_frame_len(const struct roe_qp_config *cfg)
{
    size_t len = (ecp_headers_len(&cfg->l2) + ROE_HEADER_LEN + ROE_RETH_LEN
                  + ROE_IMMDT_LEN + cfg->segment_size + ROE_CRC_LEN);

    return len < ECP_MIN_FRAME_LEN ? ECP_MIN_FRAME_LEN : len;
}

unsigned int
roe_qp_max_sg(const struct roe_qp *qp)
{
    unsigned int n = qp->cfg.segment_size / ROE_SGE_LEN;

    return n < ROE_SG_MAX ? n : ROE_SG_MAX;
}

uint16_t
roe_qp_segment_size(const struct roe_qp *qp)
{
    return qp->cfg.segment_size;
}

struct roe_qp *
roe_qp_create(const struct roe_qp_config *cfg, char **errorp)
{
    struct roe_qp *qp;

    *errorp = NULL;
    if (cfg->segment_size < 8) {
        *errorp = xalloc_printf("segment size %u is below 8",
                                cfg->segment_size);
    } else if (!cfg->window || cfg->window > 0x7fff) {
        *errorp = xalloc_printf("window %u is not in 1..32767",
                                cfg->window);
    } else if (cfg->rte > ROE_QP_RTE_MAX || cfg->peer_rte > ROE_QP_RTE_MAX) {
        *errorp = xalloc_printf("rte %u or peer rte %u is above %d",
                                cfg->rte, cfg->peer_rte, ROE_QP_RTE_MAX);
    } else if (!cfg->max_reads) {
        *errorp = xalloc_printf("max reads must be at least 1");
    } else if (cfg->dest_qpn & ~ROE_QPN_MASK) {
        *errorp = xalloc_printf("QP number 0x%x is wider than 24 bits",
                                cfg->dest_qpn);
    } else if (cfg->subtype > ECP_SUBTYPE_MAX) {
        *errorp = xalloc_printf("subtype 0x%x is wider than 10 bits",
                                cfg->subtype);
    } else if (!cfg->mrs) {
        *errorp = xalloc_printf("no memory region table");
    }
    if (*errorp) {
        return NULL;
    }

    qp = xalloc_zeroed(1, sizeof *qp);
    qp->cfg = *cfg;
    qp->state = ROE_QP_READY;
    qp->timeout_us = 10LL << cfg->rte;
    qp->replay_interval_us = 10LL << cfg->peer_rte;
    qp->ack_interval = cfg->window >= 128 ? 64 : (cfg->window + 1) / 2;
    qp->comp_psn = qp->send_psn = qp->sent_hi = qp->next_psn = cfg->sq_psn;
    qp->transmissions = 1;
    qp->deadline = LLONG_MAX;
    qp->epsn = cfg->rq_psn;
    for (int i = 0; i < cfg->max_reads; i++) {
        qp->reads[i].sg = xalloc(ROE_SG_MAX * sizeof *qp->reads[i].sg);
    }
    return qp;
}

void
roe_qp_destroy(struct roe_qp *qp)
{
    if (qp) {
        for (int i = 0; i < qp->cfg.max_reads; i++) {
            free(qp->reads[i].sg);
        }
    }
    free(qp);
}

enum roe_qp_state
roe_qp_get_state(const struct roe_qp *qp)
{
    return qp->state;
}

const char *
roe_qp_error_reason(const struct roe_qp *qp)
{
    return qp->error;
}

static bool
is_read_wr(const struct roe_send_wr *wr)
{
    return wr->opcode == ROE_WR_READ || wr->opcode == ROE_WR_READ_SG;
}

/* Checks the segment list of READ_SG 'wr'. */
static bool
sg_ok(const struct roe_qp *qp, const struct roe_send_wr *wr)
{
    uint64_t sum = 0;

    if (!wr->n_sg || wr->n_sg > ROE_SG_MAX
        || wr->n_sg * ROE_SGE_LEN > qp->cfg.segment_size) {
        return false;
    }
    for (unsigned int i = 0; i < wr->n_sg; i++) {
        if (!wr->sg[i].len) {
            return false;
        }
        sum += wr->sg[i].len;
    }
    return sum == wr->length;
}

/* Checks the scatter list of READ 'wr', if it has one. */
static bool
scatter_ok(const struct roe_send_wr *wr)
{
    uint64_t sum = 0;

    if (!wr->scatter) {
        return true;
    }
    for (unsigned int i = 0; i < wr->n_scatter; i++) {
        if (!wr->scatter[i].len) {
            return false;
        }
        sum += wr->scatter[i].len;
    }
    return is_read_wr(wr) && sum == wr->length;
}

int
roe_qp_post_send(struct roe_qp *qp, const struct roe_send_wr *wr)
{
    unsigned int n;
    struct wqe *wqe;

    if (qp->state != ROE_QP_READY) {
        return EPIPE;
    }
    if (wr->length > ROE_MAX_MESSAGE
        || (wr->opcode == ROE_WR_READ_SG && !sg_ok(qp, wr))
        || !scatter_ok(wr)) {
        return EINVAL;
    }
    n = n_psns_for(qp, wr->length);
    if (n > MAX_MESSAGE_PSNS || (is_read_wr(wr) && n > qp->cfg.window)) {
        return EINVAL;
    }
    if ((qp->sq_tail - qp->sq_head) + (qp->cq_tail - qp->cq_head)
        >= ROE_QP_SQ_SIZE
        || (uint16_t) (qp->next_psn - qp->comp_psn) + n >= 0x8000) {
        return EAGAIN;
    }

    wqe = &qp->sq[qp->sq_tail++ & SQ_MASK];
    wqe->wr = *wr;
    wqe->first_psn = qp->next_psn;
    wqe->n_psns = n;
    wqe->received = 0;
    wqe->scatter_i = 0;
    wqe->scatter_ofs = 0;
    qp->next_psn += n;
    return 0;
}

static void
push_completion(struct roe_qp *qp, const struct wqe *wqe,
                enum roe_wc_status status)
{
    struct roe_completion *c = &qp->cq[qp->cq_tail++ & SQ_MASK];

    c->wr_id = wqe->wr.wr_id;
    c->opcode = wqe->wr.opcode;
    c->status = status;
    c->length = wqe->wr.length;
}

/* Completes the work request at the head of the send queue. */
static void
complete_head(struct roe_qp *qp, enum roe_wc_status status)
{
    struct wqe *wqe = &qp->sq[qp->sq_head & SQ_MASK];

    push_completion(qp, wqe, status);
    if (status == ROE_WC_SUCCESS) {
        qp->comp_psn = wqe->first_psn + wqe->n_psns;
        if (is_read_wr(&wqe->wr)) {
            qp->stats.reads++;
        } else {
            qp->stats.writes++;
        }
    }
    if (qp->sq_send == qp->sq_head) {
        qp->sq_send++;
    } else if (is_read_wr(&wqe->wr)) {
        qp->reads_in_flight--;
    }
    qp->sq_head++;
}

/* Moves the QP to the error state: the head work request completes with
 * 'status' and every other one is flushed. */
void
roe_qp_set_error(struct roe_qp *qp, const char *reason,
                 enum roe_wc_status status)
{
    if (qp->state == ROE_QP_ERROR) {
        return;
    }
    qp->state = ROE_QP_ERROR;
    qp->error = reason;
    if (qp->sq_head != qp->sq_tail) {
        complete_head(qp, status);
    }
    while (qp->sq_head != qp->sq_tail) {
        complete_head(qp, ROE_WC_FLUSHED);
    }
    qp->deadline = LLONG_MAX;
    qp->writing = false;
    for (int i = 0; i < qp->cfg.max_reads; i++) {
        qp->reads[i].valid = false;
    }
    qp->ack_pending = false;
}

/* Points 'sq_send' and 'send_psn' at 'comp_psn' and recounts the READs in
 * flight. */
static void
rewind_to_comp_psn(struct roe_qp *qp)
{
    unsigned int i;

    qp->reads_in_flight = 0;
    for (i = qp->sq_head; i != qp->sq_tail; i++) {
        const struct wqe *wqe = &qp->sq[i & SQ_MASK];

        if (psn_diff(qp->comp_psn, wqe->first_psn + wqe->n_psns) < 0) {
            break;
        }
    }
    qp->sq_send = i;
    qp->send_psn = qp->comp_psn;
    qp->since_ackreq = 0;
}

static bool
has_outstanding(const struct roe_qp *qp)
{
    return qp->comp_psn != qp->sent_hi;
}

/* The retransmit timeout: 10 us x 2^rte, doubled for each retransmission
 * without progress, up to 16 times, so that a peer that is slow to run
 * is not taken for a dead one while loss is still recovered quickly. */
static long long
current_timeout(const struct roe_qp *qp)
{
    unsigned int backoff = qp->transmissions - 1;

    return qp->timeout_us << (backoff < 4 ? backoff : 4);
}

static void
on_progress(struct roe_qp *qp, long long now)
{
    qp->transmissions = 1;
    qp->went_back = false;
    qp->deadline = has_outstanding(qp) ? now + current_timeout(qp)
                                       : LLONG_MAX;
    if (psn_diff(qp->send_psn, qp->comp_psn) < 0) {
        rewind_to_comp_psn(qp);
    }
}

/* Goes back to the first unacknowledged PSN, or gives up. */
static void
go_back(struct roe_qp *qp)
{
    if (qp->cfg.max_tries && qp->transmissions >= qp->cfg.max_tries) {
        roe_qp_set_error(qp, "retry limit exceeded", ROE_WC_RETRY_EXCEEDED);
        return;
    }
    qp->transmissions++;
    qp->went_back = true;
    qp->deadline = LLONG_MAX;
    rewind_to_comp_psn(qp);
}

/* Acknowledges every PSN before 'psn_end' (an ACK, a NAK, or the implicit
 * acknowledgement a READ response gives).  Returns true if a READ before
 * 'psn_end' lacks responses: they were lost. */
static bool
ack_through(struct roe_qp *qp, uint16_t psn_end, long long now)
{
    uint16_t old = qp->comp_psn;
    bool lost = false;

    while (qp->sq_head != qp->sq_tail
           && psn_diff(qp->comp_psn, psn_end) < 0) {
        struct wqe *wqe = &qp->sq[qp->sq_head & SQ_MASK];
        uint16_t end = wqe->first_psn + wqe->n_psns;

        if (is_read_wr(&wqe->wr)) {
            lost = psn_diff(wqe->first_psn + wqe->received, psn_end) < 0;
            break;
        }
        if (psn_diff(end, psn_end) > 0) {
            qp->comp_psn = psn_end;
            break;
        }
        complete_head(qp, ROE_WC_SUCCESS);
    }
    if (qp->comp_psn != old) {
        on_progress(qp, now);
    }
    return lost;
}

static void
go_back_once(struct roe_qp *qp)
{
    if (!qp->went_back) {
        go_back(qp);
    }
}

static enum roe_wc_status
nak_status(uint8_t syndrome)
{
    switch (syndrome) {
    case ROE_SYN_NAK_INVALID:
        return ROE_WC_REMOTE_INVALID;
    case ROE_SYN_NAK_ACCESS:
        return ROE_WC_REMOTE_ACCESS;
    default:
        return ROE_WC_REMOTE_OPERATIONAL;
    }
}

/* Places the next 'len' octets of the response to READ 'wqe', which has a
 * scatter list, where they go.  Responses are placed in order, each
 * once. */
static void
scatter_payload(struct wqe *wqe, const uint8_t *payload, uint32_t len)
{
    while (len) {
        const struct roe_local_sge *piece;
        uint32_t n;

        piece = &wqe->wr.scatter[wqe->scatter_i];
        n = piece->len - wqe->scatter_ofs;
        if (n > len) {
            n = len;
        }

        memcpy(piece->addr + wqe->scatter_ofs, payload, n);
        payload += n;
        len -= n;
        wqe->scatter_ofs += n;
        if (wqe->scatter_ofs == piece->len) {
            wqe->scatter_i++;
            wqe->scatter_ofs = 0;
        }
    }
}

static void
receive_read_response(struct roe_qp *qp, const struct roe_packet *p,
                      long long now)
{
    uint16_t s = qp->cfg.segment_size;
    unsigned int k, n;
    struct wqe *wqe;
    uint8_t expected;
    uint32_t len;

    if (ack_through(qp, p->psn, now)) {
        go_back_once(qp);
        return;
    }
    if (psn_diff(p->psn, qp->comp_psn) < 0) {
        qp->stats.stale_responses++;
        return;
    }
    wqe = &qp->sq[qp->sq_head & SQ_MASK];
    if (p->psn != qp->comp_psn) {
        /* A response is missing: ask again from the first missing one. */
        qp->stats.stale_responses++;
        go_back_once(qp);
        return;
    }
    if (qp->sq_head == qp->sq_send || !is_read_wr(&wqe->wr)) {
        qp->stats.stale_responses++;
        return;
    }

    k = (uint16_t) (p->psn - wqe->first_psn);
    n = wqe->n_psns;
    len = k == n - 1 ? wqe->wr.length - k * s : s;
    expected = (n == 1 ? ROE_READ_RESPONSE_ONLY
                : !k ? ROE_READ_RESPONSE_FIRST
                : k == n - 1 ? ROE_READ_RESPONSE_LAST
                : ROE_READ_RESPONSE_MIDDLE);
    if (p->opcode != expected || p->payload_len != len
        || (roe_opcode_has_aeth(p->opcode)
            && (p->syndrome & ROE_SYN_TYPE_MASK) != ROE_SYN_ACK)) {
        qp->stats.stale_responses++;
        return;
    }
    if (wqe->wr.scatter) {
        scatter_payload(wqe, p->payload, len);
    } else {
        memcpy((uint8_t *) wqe->wr.local + (size_t) k * s, p->payload, len);
    }
    qp->stats.rx_payload_bytes += len;
    wqe->received++;
    qp->comp_psn++;
    if (wqe->received == n) {
        complete_head(qp, ROE_WC_SUCCESS);
    }
    on_progress(qp, now);
}

static void
receive_ack(struct roe_qp *qp, const struct roe_packet *p, long long now)
{
    uint8_t type = p->syndrome & ROE_SYN_TYPE_MASK;

    if (type == ROE_SYN_ACK) {
        if (psn_diff(p->psn, qp->comp_psn) < 0) {
            qp->stats.stale_responses++;
        } else if (ack_through(qp, p->psn + 1, now)) {
            go_back_once(qp);
        }
    } else if (type == ROE_SYN_RNR_NAK) {
        qp->stats.rnr_naks_received++;
        ack_through(qp, p->psn, now);
        if (p->psn == qp->comp_psn) {
            unsigned int timer = p->syndrome & 0x1f;

            qp->rnr_until = now + (10LL << (timer > 20 ? 20 : timer));
            qp->deadline = LLONG_MAX;
            rewind_to_comp_psn(qp);
        }
    } else if (p->syndrome == ROE_SYN_NAK_PSN_SEQ) {
        qp->stats.naks_received++;
        if (psn_diff(p->psn, qp->comp_psn) < 0) {
            qp->stats.stale_responses++;
            return;
        }
        ack_through(qp, p->psn, now);
        go_back_once(qp);
    } else {
        qp->stats.naks_received++;
        ack_through(qp, p->psn, now);
        roe_qp_set_error(qp, roe_syndrome_to_string(p->syndrome),
                         nak_status(p->syndrome));
    }
}

static void
requester_receive(struct roe_qp *qp, const struct roe_packet *p,
                  long long now)
{
    /* Only PSNs from the last acknowledged one up to the last one sent can
     * be answered. */
    if (psn_diff(p->psn, qp->sent_hi) >= 0
        || psn_diff(p->psn, qp->comp_psn) < -1) {
        qp->stats.stale_responses++;
        return;
    }
    if (p->opcode == ROE_ACK) {
        receive_ack(qp, p, now);
    } else {
        receive_read_response(qp, p, now);
    }
}

/* Queues a NAK with 'syndrome' for 'psn', which the responder sends
 * next. */
void
roe_qp_queue_nak(struct roe_qp *qp, uint8_t syndrome, uint16_t psn)
{
    qp->nak_pending = true;
    qp->nak_syndrome = syndrome;
    qp->nak_psn = psn;
    qp->stats.naks_sent++;
}

static bool
is_message_end(uint8_t opcode)
{
    return opcode != ROE_WRITE_FIRST && opcode != ROE_WRITE_MIDDLE;
}

/* Accepts new READ request 'p', which passed the checks: its responses go
 * out from the next READ slot. */
static void
execute_read(struct roe_qp *qp, const struct roe_packet *p)
{
    struct read_resource *slot = &qp->reads[qp->read_next];

    slot->valid = true;
    slot->first_psn = p->psn;
    slot->n_psns = n_psns_for(qp, p->dma_len);
    slot->next = 0;
    qp->reads_to_answer = true;
    slot->answered = false;
    slot->replayed = false;
    slot->va = p->va;
    slot->rkey = p->rkey;
    slot->length = p->dma_len;
    slot->n_sg = 0;
    if (p->opcode == ROE_READ_SG_REQUEST) {
        slot->n_sg = p->payload_len / ROE_SGE_LEN;
        for (size_t i = 0; i < slot->n_sg; i++) {
            roe_get_sge(p->payload + i * ROE_SGE_LEN, &slot->sg[i]);
        }
    }
    qp->read_next = (qp->read_next + 1) % qp->cfg.max_reads;
    qp->epsn += slot->n_psns;
    qp->msn++;
}

/* Places the payload of WRITE packet 'p', which passed the checks, at
 * 'addr', and completes the message with its last packet. */
static void
execute_write(struct roe_qp *qp, const struct roe_packet *p, uint8_t *addr)
{
    if (p->payload_len <= SHARED_COPY_MAX) {
        copy_to_shared(addr, p->payload, p->payload_len);
    } else {
        memcpy(addr, p->payload, p->payload_len);
    }
    qp->stats.rx_payload_bytes += p->payload_len;
    if (!is_write_continuation(p->opcode)) {
        qp->write_va = p->va;
        qp->write_rkey = p->rkey;
        qp->write_resid = p->dma_len;
        qp->write_length = p->dma_len;
    }
    qp->write_va += p->payload_len;
    qp->write_resid -= p->payload_len;
    qp->writing = !is_message_end(p->opcode);
    qp->epsn++;
    if (!qp->writing) {
        qp->msn++;
        if (roe_opcode_has_immdt(p->opcode)) {
            struct roe_recv_completion *c = &qp->rq[qp->rq_tail++ & RQ_MASK];

            c->imm = p->imm;
            c->length = qp->write_length;
        }
    }
    if (p->flags & ROE_FLAG_ACKREQ) {
        qp->ack_pending = true;
    }
}

static void
responder_receive(struct roe_qp *qp, const struct roe_packet *p,
                  long long now)
{
    uint8_t *addr;

    if (!roe_qp_check_request(qp, p, now, &addr)) {
        return;
    }
    qp->stats.rx_packets++;
    if (is_read_request(p->opcode)) {
        execute_read(qp, p);
    } else {
        execute_write(qp, p, addr);
    }
}

void
roe_qp_receive(struct roe_qp *qp, const struct roe_packet *p, long long now)
{
    if (qp->cfg.crc && !(p->flags & ROE_FLAG_CRC)) {
        qp->stats.no_crc++;
        return;
    }
    if (p->ecp_op == ECP_OP_REQUEST) {
        responder_receive(qp, p, now);
    } else if (qp->state == ROE_QP_READY) {
        qp->stats.rx_packets++;
        requester_receive(qp, p, now);
    }
}

/* Writes the headers of 'p' into 'frame', with the CRC-32C trailer flag
 * if the QP uses it, and returns where its payload goes.  Once the payload
 * is there, finish_frame() completes the frame. */
static uint8_t *
start_frame(struct roe_qp *qp, struct roe_frame *frame, struct roe_packet *p)
{
    if (qp->cfg.crc) {
        p->flags |= ROE_FLAG_CRC;
    }
    return roe_put_headers(frame->data, &qp->cfg.l2, qp->cfg.subtype, p);
}

static void
finish_frame(struct roe_qp *qp, struct roe_frame *frame,
             const struct roe_packet *p)
{
    frame->len = roe_put_trailer(frame->data, &qp->cfg.l2, p);
    qp->stats.tx_packets++;
    qp->stats.tx_payload_bytes += p->payload_len;
}

static void
put_frame(struct roe_qp *qp, struct roe_frame *frame, struct roe_packet *p)
{
    uint8_t *payload = start_frame(qp, frame, p);

    if (p->payload_len) {
        memcpy(payload, p->payload, p->payload_len);
    }
    finish_frame(qp, frame, p);
}

/* put_frame() for a WRITE packet of 'wr' whose payload, octets 'off' on
 * of the message, its gather function copies into the frame. */
static void
put_gathered_frame(struct roe_qp *qp, struct roe_frame *frame,
                   struct roe_packet *p, const struct roe_send_wr *wr,
                   uint64_t off)
{
    uint8_t *payload = start_frame(qp, frame, p);

    wr->gather(wr->gather_aux, off, payload, p->payload_len);
    finish_frame(qp, frame, p);
}

static void
put_ack(struct roe_qp *qp, struct roe_frame *frame, uint8_t syndrome,
        uint16_t psn)
{
    struct roe_packet p = {
        .opcode = ROE_ACK,
        .psn = psn,
        .dqpn = qp->cfg.dest_qpn,
        .syndrome = syndrome,
        .msn = qp->msn & 0xffffff,
    };

    put_frame(qp, frame, &p);
}

/* Copies octets [off, off + len) of the concatenation of READ_SG 'r''s
 * segments to 'dst', checking each piece's region again.  Returns
 * MR_CHECK_OK or why a region no longer allows it. */
static enum mr_check_result
gather_segments(const struct roe_qp *qp, const struct read_resource *r,
                uint64_t off, uint32_t len, uint8_t *dst)
{
    for (size_t i = 0; i < r->n_sg && len; i++) {
        const struct roe_sge *sge = &r->sg[i];
        enum mr_check_result result;
        uint32_t n;
        uint8_t *addr;

        if (off >= sge->len) {
            off -= sge->len;
            continue;
        }
        n = len < sge->len - off ? len : sge->len - off;
        result = mr_check(qp->cfg.mrs, qp->cfg.pd, sge->rkey,
                          MR_ACCESS_REMOTE_READ, sge->va + off, n, &addr);
        if (result != MR_CHECK_OK) {
            return result;
        }
        if (n <= SHARED_COPY_MAX) {
            copy_from_shared(dst, addr, n);
        } else {
            memcpy(dst, addr, n);
        }
        dst += n;
        len -= n;
        off = 0;
    }
    return MR_CHECK_OK;
}

/* Puts the payload of READ response 'p', octets [off, off + len) of 'r',
 * into 'frame', built around it.  Returns MR_CHECK_OK or why a region no
 * longer allows it. */
static enum mr_check_result
put_read_payload(struct roe_qp *qp, const struct read_resource *r,
                 uint64_t off, struct roe_packet *p, struct roe_frame *frame)
{
    uint32_t len = p->payload_len;
    uint8_t copy[SHARED_COPY_MAX];
    enum mr_check_result result;
    uint8_t *addr = NULL;

    if (r->n_sg) {
        uint8_t *payload = start_frame(qp, frame, p);

        result = gather_segments(qp, r, off, len, payload);
        if (result == MR_CHECK_OK) {
            finish_frame(qp, frame, p);
        }
        return result;
    }
    if (len) {
        result = mr_check(qp->cfg.mrs, qp->cfg.pd, r->rkey,
                          MR_ACCESS_REMOTE_READ, r->va + off, len, &addr);
        if (result != MR_CHECK_OK) {
            return result;
        }
    }
    if (len <= SHARED_COPY_MAX) {
        /* The memory is read once, here, and sent from 'copy'. */
        copy_from_shared(copy, addr, len);
        p->payload = copy;
    } else {
        p->payload = addr;
    }
    put_frame(qp, frame, p);
    return MR_CHECK_OK;
}

/* Builds the next READ response of 'r' into 'frame'.  Returns false, with
 * the QP in error, if the region no longer allows it. */
static bool
put_read_response(struct roe_qp *qp, struct read_resource *r,
                  struct roe_frame *frame)
{
    uint16_t s = qp->cfg.segment_size;
    unsigned int k = r->next;
    uint64_t off = (uint64_t) k * s;
    uint32_t len = k == r->n_psns - 1u ? r->length - off : s;
    struct roe_packet p = {
        .psn = r->first_psn + k,
        .dqpn = qp->cfg.dest_qpn,
        .syndrome = ROE_SYN_ACK | ROE_SYN_ACK_UNLIMITED,
        .msn = qp->msn & 0xffffff,
        .payload_len = len,
    };
    enum mr_check_result result;

    p.opcode = (r->n_psns == 1 ? ROE_READ_RESPONSE_ONLY
                : !k ? ROE_READ_RESPONSE_FIRST
                : k == r->n_psns - 1u ? ROE_READ_RESPONSE_LAST
                : ROE_READ_RESPONSE_MIDDLE);
    result = put_read_payload(qp, r, off, &p, frame);
    if (result != MR_CHECK_OK) {
        qp->stats.rejects[roe_qp_mr_reject(result)]++;
        roe_qp_queue_nak(qp, ROE_SYN_NAK_ACCESS, p.psn);
        roe_qp_set_error(qp, "region changed during READ", ROE_WC_FLUSHED);
        return false;
    }
    if (++r->next == r->n_psns) {
        r->answered = true;
    }
    return true;
}

/* Responses, oldest first: READ responses, then one NAK or one cumulative
 * ACK, which must not overtake a READ response it would cover. */
static int
responder_transmit(struct roe_qp *qp, struct roe_frame frames[], int max)
{
    bool blocked = false;
    int n = 0;

    if (qp->nak_pending && qp->state == ROE_QP_ERROR) {
        qp->nak_pending = false;
        put_ack(qp, &frames[n++], qp->nak_syndrome, qp->nak_psn);
        return n;
    }

    for (int i = 0; qp->reads_to_answer && i < qp->cfg.max_reads; i++) {
        struct read_resource *r;

        r = &qp->reads[(qp->read_next + i) % qp->cfg.max_reads];
        while (r->valid && r->next < r->n_psns) {
            if (n >= max) {
                return n;
            }
            if (!put_read_response(qp, r, &frames[n])) {
                return responder_transmit(qp, frames + n, max - n) + n;
            }
            n++;
        }
    }
    /* Every READ is answered (a call that returned early leaves the flag
     * set): the next calls skip the slots until a READ arrives. */
    qp->reads_to_answer = false;
    blocked = n >= max;
    if (blocked) {
        return n;
    }
    if (qp->nak_pending) {
        qp->nak_pending = false;
        qp->ack_pending = false;
        put_ack(qp, &frames[n++], qp->nak_syndrome, qp->nak_psn);
    } else if (qp->ack_pending) {
        qp->ack_pending = false;
        put_ack(qp, &frames[n++], ROE_SYN_ACK | ROE_SYN_ACK_UNLIMITED,
                qp->epsn - 1);
    }
    return n;
}

/* Makes 'p' the READ or READ_SG request of 'wqe' that asks for its
 * octets from 'off' on, with the PSN after it in '*endp', or returns false
 * if the window or the READ limit hold it back. */
static bool
prepare_read_request(struct roe_qp *qp, struct wqe *wqe, uint64_t off,
                     struct roe_packet *p, uint16_t *endp)
{
    uint16_t end = wqe->first_psn + wqe->n_psns;

    if ((uint16_t) (end - 1 - qp->comp_psn) >= qp->cfg.window
        || qp->reads_in_flight >= qp->cfg.max_reads) {
        return false;
    }
    if (wqe->wr.opcode == ROE_WR_READ_SG) {
        /* 'va' is where in the segments' octets to start: after the
         * responses already received, for a retry. */
        p->opcode = ROE_READ_SG_REQUEST;
        p->va = off;
        p->rkey = 0;
        for (unsigned int i = 0; i < wqe->wr.n_sg; i++) {
            roe_put_sge(qp->sg_buf + i * ROE_SGE_LEN, &wqe->wr.sg[i]);
        }
        p->payload = qp->sg_buf;
        p->payload_len = wqe->wr.n_sg * ROE_SGE_LEN;
    } else {
        p->opcode = ROE_READ_REQUEST;
        p->va = wqe->wr.remote_va + off;
    }
    p->dma_len = wqe->wr.length - off;
    qp->reads_in_flight++;
    qp->sq_send++;
    *endp = end;
    return true;
}

/* Makes 'p' packet 'k' of WRITE 'wqe', which carries its octets from 'off'
 * on, with the PSN after it in '*endp', or returns false if the window
 * holds it back. */
static bool
prepare_write_packet(struct roe_qp *qp, struct wqe *wqe, unsigned int k,
                     uint64_t off, struct roe_packet *p, uint16_t *endp)
{
    bool imm = wqe->wr.opcode == ROE_WR_WRITE_IMM;
    unsigned int n = wqe->n_psns;
    bool last = k == n - 1;
    uint16_t end;

    if ((uint16_t) (qp->send_psn - qp->comp_psn) >= qp->cfg.window) {
        return false;
    }
    end = qp->send_psn + 1;
    p->opcode = (n == 1 ? (imm ? ROE_WRITE_ONLY_IMM : ROE_WRITE_ONLY)
                 : !k ? ROE_WRITE_FIRST
                 : last ? (imm ? ROE_WRITE_LAST_IMM : ROE_WRITE_LAST)
                 : ROE_WRITE_MIDDLE);
    p->va = wqe->wr.remote_va;
    p->dma_len = wqe->wr.length;
    p->imm = wqe->wr.imm;
    if (!wqe->wr.gather) {
        p->payload = (const uint8_t *) wqe->wr.local + off;
    }
    p->payload_len = last ? wqe->wr.length - off : qp->cfg.segment_size;
    if (last || ++qp->since_ackreq >= qp->ack_interval
        || (uint16_t) (end - qp->comp_psn) >= qp->cfg.window) {
        p->flags |= ROE_FLAG_ACKREQ;
        qp->since_ackreq = 0;
    }
    if (last) {
        qp->sq_send++;
    }
    *endp = end;
    return true;
}

/* Builds the request packet at 'send_psn' into 'frame', or returns false
 * if the window, the READ limit or the RNR timer hold it back. */
static bool
put_request(struct roe_qp *qp, struct roe_frame *frame)
{
    struct wqe *wqe = &qp->sq[qp->sq_send & SQ_MASK];
    unsigned int k = (uint16_t) (qp->send_psn - wqe->first_psn);
    uint64_t off = (uint64_t) k * qp->cfg.segment_size;
    struct roe_packet p = {
        .psn = qp->send_psn,
        .dqpn = qp->cfg.dest_qpn,
        .rkey = wqe->wr.rkey,
    };
    uint16_t end;

    if (is_read_wr(&wqe->wr)) {
        if (!prepare_read_request(qp, wqe, off, &p, &end)) {
            return false;
        }
    } else if (!prepare_write_packet(qp, wqe, k, off, &p, &end)) {
        return false;
    }

    if (!is_read_wr(&wqe->wr) && wqe->wr.gather) {
        put_gathered_frame(qp, frame, &p, &wqe->wr, off);
    } else {
        put_frame(qp, frame, &p);
    }
    if (psn_diff(qp->send_psn, qp->sent_hi) < 0) {
        qp->stats.retransmits++;
    }
    if (psn_diff(end, qp->sent_hi) > 0) {
        qp->sent_hi = end;
    }
    qp->send_psn = end;
    return true;
}

static int
requester_transmit(struct roe_qp *qp, long long now,
                   struct roe_frame frames[], int max)
{
    int n = 0;

    if (qp->rnr_until) {
        if (now < qp->rnr_until) {
            return 0;
        }
        qp->rnr_until = 0;
    }
    if (now >= qp->deadline) {
        qp->deadline = LLONG_MAX;
        if (has_outstanding(qp)) {
            qp->stats.timeouts++;
            go_back(qp);
        }
    }
    while (n < max && qp->state == ROE_QP_READY
           && qp->sq_send != qp->sq_tail && put_request(qp, &frames[n])) {
        n++;
    }
    if (n && qp->deadline == LLONG_MAX) {
        qp->deadline = now + current_timeout(qp);
    }
    return n;
}

int
roe_qp_transmit(struct roe_qp *qp, long long now, struct roe_frame frames[],
                int max)
{
    int n = responder_transmit(qp, frames, max);

    if (qp->state == ROE_QP_READY) {
        n += requester_transmit(qp, now, frames + n, max - n);
    }
    return n;
}

long long
roe_qp_next_timeout(const struct roe_qp *qp)
{
    if (qp->state != ROE_QP_READY) {
        return LLONG_MAX;
    }
    return qp->rnr_until ? qp->rnr_until : qp->deadline;
}

bool
roe_qp_is_idle(const struct roe_qp *qp)
{
    for (int i = 0; i < qp->cfg.max_reads; i++) {
        const struct read_resource *r = &qp->reads[i];

        if (r->valid && r->next < r->n_psns) {
            return false;
        }
    }
    return (qp->sq_head == qp->sq_tail && !qp->ack_pending
            && !qp->nak_pending);
}

int
roe_qp_poll_send(struct roe_qp *qp, struct roe_completion c[], int max)
{
    int n = 0;

    while (n < max && qp->cq_head != qp->cq_tail) {
        c[n++] = qp->cq[qp->cq_head++ & SQ_MASK];
    }
    return n;
}

int
roe_qp_poll_recv(struct roe_qp *qp, struct roe_recv_completion c[], int max)
{
    int n = 0;

    while (n < max && qp->rq_head != qp->rq_tail) {
        c[n++] = qp->rq[qp->rq_head++ & RQ_MASK];
    }
    return n;
}

void
roe_qp_set_hold(struct roe_qp *qp, bool hold)
{
    qp->hold = hold;
}

void
roe_qp_get_stats(const struct roe_qp *qp, struct roe_qp_stats *stats)
{
    *stats = qp->stats;
}

const char *
roe_wc_status_to_string(enum roe_wc_status status)
{
    switch (status) {
    case ROE_WC_SUCCESS:
        return "success";
    case ROE_WC_RETRY_EXCEEDED:
        return "retry limit exceeded";
    case ROE_WC_REMOTE_INVALID:
        return "remote invalid request";
    case ROE_WC_REMOTE_ACCESS:
        return "remote access error";
    case ROE_WC_REMOTE_OPERATIONAL:
        return "remote operational error";
    case ROE_WC_FLUSHED:
        return "flushed";
    default:
        return "unknown";
    }
}

const char *
roe_reject_to_string(enum roe_reject reject)
{
    switch (reject) {
    case ROE_REJECT_PSN:
        return "out of sequence";
    case ROE_REJECT_OP_SEQ:
        return "bad opcode sequence";
    case ROE_REJECT_QP_STATE:
        return "QP in error";
    case ROE_REJECT_RESOURCES:
        return "too many READs";
    case ROE_REJECT_RNR:
        return "receiver not ready";
    case ROE_REJECT_LENGTH:
        return "bad length";
    case ROE_REJECT_RKEY:
        return "bad rkey";
    case ROE_REJECT_ACCESS:
        return "access not allowed";
    case ROE_REJECT_BOUNDS:
        return "out of bounds";
    case N_ROE_REJECTS:
    default:
        return "unknown";
    }
}

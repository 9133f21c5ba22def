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

#include "ecp-stopwait.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct ecp_sw_slot {
    size_t len;
    uint8_t *data;              /* 'max_payload' octets. */
};

struct ecp_sw {
    struct ecp_sw_config cfg;
    long long ack_timeout;      /* Microseconds. */

    /* Transmit.  The queue is a ring of 'cfg.queue_len' slots; the slot at
     * 'head' is the outstanding ECPDU, sent 'tries' times so far. */
    struct ecp_sw_slot *slots;
    size_t head;
    size_t n_queued;
    uint16_t tx_seqno;          /* Of the outstanding ECPDU, once sent. */
    unsigned int tries;         /* Transmissions of the outstanding one. */
    bool retransmit;            /* Ack timer expired, send again. */
    long long deadline;         /* Ack timer, valid if 'tries' and not
                                 * 'retransmit'. */

    /* Receive. */
    bool rx_started;            /* An ECPDU was accepted since start. */
    uint16_t rx_last_seqno;     /* The last accepted one, if started. */
    bool ack_pending;
    uint16_t ack_seqno;

    struct ecp_sw_stats stats;
};

/* Initializes 'cfg' with lldpad's defaults for the VDP subtype: frames to
 * the nearest customer bridge without a VLAN tag and from the zero MAC
 * (set cfg->l2.src to the port's address), RTE 8, R 3, 1494-octet ULPDUs,
 * a queue of 64. */
void
ecp_sw_config_init(struct ecp_sw_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    memcpy(cfg->l2.dst, ecp_nearest_customer_bridge, 6);
    cfg->subtype = ECP_SUBTYPE_VDP;
    cfg->rte = ECP_SW_RTE_DEFAULT;
    cfg->max_retries = ECP_SW_MAX_RETRIES_DEFAULT;
    cfg->max_payload = ECP_SW_MAX_PAYLOAD_DEFAULT;
    cfg->queue_len = ECP_SW_QUEUE_LEN_DEFAULT;
}

/* Returns the ack timer for 'rte' (at most ECP_SW_RTE_MAX), 10 us x 2^rte,
 * in microseconds. */
long long
ecp_sw_ack_timeout_us(unsigned int rte)
{
    return 10LL << (rte <= ECP_SW_RTE_MAX ? rte : ECP_SW_RTE_MAX);
}

/* Creates an instance configured by 'cfg'.  If 'cfg' is invalid, returns
 * NULL and stores a static message naming the problem in '*errorp'. */
struct ecp_sw *
ecp_sw_create(const struct ecp_sw_config *cfg, const char **errorp)
{
    struct ecp_sw *sw;

    *errorp = NULL;
    if (!cfg->subtype || cfg->subtype > ECP_SUBTYPE_MAX) {
        *errorp = "ECP subtype must be between 1 and 1023";
    } else if (cfg->rte > ECP_SW_RTE_MAX) {
        *errorp = "ECP RTE must be between 0 and 31";
    } else if (cfg->max_retries > ECP_SW_MAX_RETRIES_MAX) {
        *errorp = "ECP max retries must be between 0 and 7";
    } else if (!cfg->max_payload
               || cfg->max_payload > ECP_SW_MAX_PAYLOAD_LIMIT) {
        *errorp = "ECP max payload must be between 1 and 8994";
    } else if (!cfg->queue_len || cfg->queue_len > ECP_SW_QUEUE_LEN_MAX) {
        *errorp = "ECP queue length must be between 1 and 1024";
    }
    if (*errorp) {
        return NULL;
    }

    sw = xalloc_zeroed(1, sizeof *sw);
    sw->cfg = *cfg;
    sw->ack_timeout = ecp_sw_ack_timeout_us(cfg->rte);
    sw->slots = xalloc_zeroed(cfg->queue_len, sizeof *sw->slots);
    for (size_t i = 0; i < cfg->queue_len; i++) {
        sw->slots[i].data = xalloc(cfg->max_payload);
    }
    ecp_sw_reset(sw);
    return sw;
}

void
ecp_sw_destroy(struct ecp_sw *sw)
{
    if (sw) {
        for (size_t i = 0; i < sw->cfg.queue_len; i++) {
            free(sw->slots[i].data);
        }
        free(sw->slots);
        free(sw);
    }
}

/* Returns 'sw' to its state after creation, as when the port restarts:
 * queued ULPDUs are dropped, the next ECPDU carries the sequence number
 * after the configured initial one, the receiver accepts whatever comes
 * first, no ack is pending.  The counters are kept. */
void
ecp_sw_reset(struct ecp_sw *sw)
{
    sw->head = 0;
    sw->n_queued = 0;
    sw->tx_seqno = sw->cfg.initial_seqno;
    sw->tries = 0;
    sw->retransmit = false;
    sw->deadline = 0;
    sw->rx_started = false;
    sw->rx_last_seqno = 0;
    sw->ack_pending = false;
    sw->ack_seqno = 0;
}

/* Queues a copy of the 'len' octets at 'ulpdu' for transmission.  Returns 0
 * on success, EINVAL if 'len' is 0, EMSGSIZE if it exceeds the configured
 * maximum payload, ENOBUFS if the queue is full. */
int
ecp_sw_send(struct ecp_sw *sw, const void *ulpdu, size_t len)
{
    struct ecp_sw_slot *slot;

    if (!len) {
        return EINVAL;
    }
    if (len > sw->cfg.max_payload) {
        return EMSGSIZE;
    }
    if (sw->n_queued >= sw->cfg.queue_len) {
        sw->stats.tx_queue_full++;
        return ENOBUFS;
    }
    slot = &sw->slots[(sw->head + sw->n_queued) % sw->cfg.queue_len];
    memcpy(slot->data, ulpdu, len);
    slot->len = len;
    sw->n_queued++;
    return 0;
}

/* Removes the outstanding ECPDU from the queue. */
static void
pop_head(struct ecp_sw *sw)
{
    sw->head = (sw->head + 1) % sw->cfg.queue_len;
    sw->n_queued--;
    sw->tries = 0;
    sw->retransmit = false;
}

/* Processes the received ECP frame 'f', which ecp_parse() accepted.
 *
 * A request of this instance's subtype is either new (returns
 * ECP_SW_RX_DELIVER and stores the ULPDU in '*ulpdu'; the caller should
 * process it before pulling the ack) or a duplicate (ECP_SW_RX_DUPLICATE).
 * Either way an ack is pending for ecp_sw_pull().  An ack either
 * acknowledges the outstanding ECPDU (ECP_SW_RX_ACKED) or is ignored
 * (ECP_SW_RX_ACK_IGNORED).  Anything else is ECP_SW_RX_IGNORED. */
enum ecp_sw_rx
ecp_sw_receive(struct ecp_sw *sw, const struct ecp_frame *f,
               struct ecp_sw_ulpdu *ulpdu)
{
    memset(ulpdu, 0, sizeof *ulpdu);
    if (f->version != ECP_VERSION || f->subtype != sw->cfg.subtype
        || (f->op != ECP_OP_REQUEST && f->op != ECP_OP_ACK)) {
        sw->stats.rx_ignored++;
        return ECP_SW_RX_IGNORED;
    }

    if (f->op == ECP_OP_ACK) {
        /* Any padding after an ack's header is ignored. */
        if (sw->n_queued && sw->tries && f->seqno == sw->tx_seqno) {
            pop_head(sw);
            sw->stats.rx_acks++;
            return ECP_SW_RX_ACKED;
        }
        sw->stats.rx_acks_ignored++;
        return ECP_SW_RX_ACK_IGNORED;
    }

    sw->ack_pending = true;
    sw->ack_seqno = f->seqno;
    if (sw->rx_started && f->seqno == sw->rx_last_seqno) {
        sw->stats.rx_duplicates++;
        return ECP_SW_RX_DUPLICATE;
    }
    sw->rx_started = true;
    sw->rx_last_seqno = f->seqno;
    sw->stats.rx_ecpdus++;
    ulpdu->data = f->payload;
    ulpdu->len = f->payload_len;
    ulpdu->seqno = f->seqno;
    return ECP_SW_RX_DELIVER;
}

/* Runs the ack timer at time 'now_us'.  If the outstanding ECPDU's timer
 * has expired, either schedules a retransmission (for ecp_sw_pull()) and
 * returns false, or, if it was already sent R + 1 times, discards it,
 * counts an error, describes it in '*failure' and returns true.  Returns
 * false if nothing was discarded. */
bool
ecp_sw_run(struct ecp_sw *sw, long long now_us,
           struct ecp_sw_failure *failure)
{
    memset(failure, 0, sizeof *failure);
    if (!sw->n_queued || !sw->tries || sw->retransmit
        || now_us < sw->deadline) {
        return false;
    }
    if (sw->tries <= sw->cfg.max_retries) {
        sw->retransmit = true;
        return false;
    }

    const struct ecp_sw_slot *slot = &sw->slots[sw->head];

    failure->seqno = sw->tx_seqno;
    failure->transmissions = sw->tries;
    failure->data = slot->data;
    failure->len = slot->len;
    sw->stats.tx_errors++;
    pop_head(sw);
    return true;
}

/* Returns true if ecp_sw_pull() has a frame to give. */
bool
ecp_sw_want_pull(const struct ecp_sw *sw)
{
    return sw->ack_pending || (sw->n_queued && (!sw->tries
                                                || sw->retransmit));
}

/* Returns the time at which ecp_sw_run() must be called next, or LLONG_MAX
 * if no timer runs. */
long long
ecp_sw_next_deadline(const struct ecp_sw *sw)
{
    return (sw->n_queued && sw->tries && !sw->retransmit
            ? sw->deadline : LLONG_MAX);
}

/* Returns the number of queued ULPDUs, the outstanding one included. */
size_t
ecp_sw_queued(const struct ecp_sw *sw)
{
    return sw->n_queued;
}

/* Returns the size of the largest frame ecp_sw_pull() produces: a buffer of
 * this size is always big enough. */
size_t
ecp_sw_max_frame_len(const struct ecp_sw *sw)
{
    size_t len = ecp_headers_len(&sw->cfg.l2) + sw->cfg.max_payload;

    return len > ECP_MIN_FRAME_LEN ? len : ECP_MIN_FRAME_LEN;
}

void
ecp_sw_get_stats(const struct ecp_sw *sw, struct ecp_sw_stats *stats)
{
    *stats = sw->stats;
}

static uint16_t
next_seqno(uint16_t seqno)
{
    seqno++;
    return seqno ? seqno : 1;
}

static size_t
pad_frame(uint8_t *frame, size_t len)
{
    if (len < ECP_MIN_FRAME_LEN) {
        memset(frame + len, 0, ECP_MIN_FRAME_LEN - len);
        len = ECP_MIN_FRAME_LEN;
    }
    return len;
}

/* Writes the next frame to transmit at time 'now_us' into 'frame', which
 * has room for 'size' octets, and returns its length: a pending ack first,
 * else the outstanding ECPDU if it was not sent yet or its ack timer
 * expired (see ecp_sw_run()).  Sending an ECPDU starts its ack timer.
 * Returns 0 if there is nothing to send, or -ENOBUFS, with nothing
 * consumed, if the next frame does not fit in 'size' octets (a buffer of
 * ecp_sw_max_frame_len() always fits). */
int
ecp_sw_pull(struct ecp_sw *sw, long long now_us, void *frame_, size_t size)
{
    size_t hlen = ecp_headers_len(&sw->cfg.l2);
    uint8_t *frame = frame_;
    const struct ecp_sw_slot *slot;
    size_t len;

    if (sw->ack_pending) {
        if (size < ECP_MIN_FRAME_LEN) {
            return -ENOBUFS;
        }
        len = ecp_put_headers(frame, &sw->cfg.l2, ECP_OP_ACK,
                              sw->cfg.subtype, sw->ack_seqno);
        sw->ack_pending = false;
        sw->stats.tx_acks++;
        return pad_frame(frame, len);
    }

    if (!sw->n_queued || (sw->tries && !sw->retransmit)) {
        return 0;
    }
    slot = &sw->slots[sw->head];
    len = hlen + slot->len;
    if (size < len || size < ECP_MIN_FRAME_LEN) {
        return -ENOBUFS;
    }
    if (!sw->tries) {
        sw->tx_seqno = next_seqno(sw->tx_seqno);
        sw->stats.tx_ecpdus++;
    } else {
        sw->stats.tx_retransmissions++;
    }
    sw->tries++;
    sw->retransmit = false;
    sw->deadline = now_us + sw->ack_timeout;
    ecp_put_headers(frame, &sw->cfg.l2, ECP_OP_REQUEST, sw->cfg.subtype,
                    sw->tx_seqno);
    memcpy(frame + hlen, slot->data, slot->len);
    return pad_frame(frame, len);
}

const char *
ecp_sw_rx_to_string(enum ecp_sw_rx rx)
{
    switch (rx) {
    case ECP_SW_RX_DELIVER:
        return "deliver";
    case ECP_SW_RX_DUPLICATE:
        return "duplicate";
    case ECP_SW_RX_ACKED:
        return "acked";
    case ECP_SW_RX_ACK_IGNORED:
        return "ack-ignored";
    case ECP_SW_RX_IGNORED:
        return "ignored";
    }
    return "unknown";
}

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

/* The server uplink's own rings, seen from the switch: the egress ring,
 * whose records the switch READs into a mirror and hands to its sink, and
 * the ingress ring, which it WRITEs from a mirror that its ports fill.
 * Their state machines are drawn at the top of remote-vsi.c. */

#include "remote-vsi-private.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static bool
same_ring(const struct frame_ring_loc *a, const struct frame_ring_loc *b)
{
    return (a->size == b->size
            && a->data_iova == b->data_iova && a->data_rkey == b->data_rkey
            && a->producer_iova == b->producer_iova
            && a->consumer_iova == b->consumer_iova
            && a->header_rkey == b->header_rkey);
}

/* Returns the number of records in 'ring' from its consumer index to its
 * producer index. */
static uint64_t
count_records(const struct frame_ring *ring)
{
    uint64_t prod = frame_ring_producer(ring);
    uint64_t cons = frame_ring_consumer(ring);
    struct frame_ring_frame f;
    uint64_t n = 0;

    while (frame_ring_get(ring, &cons, prod, &f) == FRAME_RING_OK) {
        n++;
    }
    return n;
}

uint64_t
remote_vsi_carry_ingress(struct remote_vsi *v, struct remote_vsi *old)
{
    struct ingress_ring *in = v->ingress;

    /* 'old' holds records if it was ready, or if it had taken them over
     * from its own predecessor and went away before it was ready. */
    if (in && !in->ready && old->ingress
        && (old->ingress->ready || old->ingress->carried)) {
        struct frame_ring mirror = in->mirror;

        if (!same_ring(&in->loc, &old->ingress->loc)) {
            return count_records(&old->ingress->mirror);
        }
        in->mirror = old->ingress->mirror;
        old->ingress->mirror = mirror;
        in->carried = true;
    }
    return 0;
}

void
remote_vsi_set_release(struct remote_vsi *v, void (*release)(void *))
{
    if (v->ingress) {
        v->ingress->mirror.release = release;
    }
}

bool
remote_vsi_ingress_settling(const struct remote_vsi *v)
{
    return v->ingress && v->ingress->carried && !v->ingress->ready;
}

struct frame_ring *
remote_vsi_ingress(struct remote_vsi *v)
{
    return (v->ingress && (v->ingress->ready || v->ingress->carried)
            ? &v->ingress->mirror : NULL);
}

/* The READ of the egress ring's header completed: the switch reads the
 * records from the server's consumer index on. */
static void
egress_header_read_done(struct remote_vsi *v)
{
    struct egress_ring *e = v->egress;
    uint64_t cons;

    if (e) {
        memcpy(&cons, e->header + FRAME_RING_CONSUMER_OFS, 8);
        e->cons = le64toh(cons) & ~UINT64_C(7);
        e->have_cons = true;
        e->pending--;
    }
}

/* A READ of the egress ring's producer index or records, or a WRITE of
 * its consumer index, completed. */
static void
egress_wr_done(struct remote_vsi *v)
{
    if (v->egress) {
        v->egress->pending--;
    }
}

/* The READ of the ingress ring's header completed: the mirror takes the
 * server's indexes, and keeps the records of a previous association that
 * never reached the server. */
static void
ingress_header_read_done(struct remote_vsi *v)
{
    struct ingress_ring *in = v->ingress;
    uint64_t held, first, prod, cons;

    if (!in) {
        return;
    }
    held = frame_ring_producer(&in->mirror);
    first = frame_ring_consumer(&in->mirror);
    memcpy(&prod, in->header + FRAME_RING_PRODUCER_OFS, 8);
    memcpy(&cons, in->header + FRAME_RING_CONSUMER_OFS, 8);
    prod = le64toh(prod);
    cons = le64toh(cons);
    if (prod - cons > in->mirror.size || prod & 7) {
        /* Start afresh where the server's consumer is. */
        prod = cons & ~UINT64_C(7);
    }
    if (in->carried && held - cons <= in->mirror.size
        && held - prod <= held - cons) {
        /* The records of a previous association from the server's
         * producer index on never reached the server: they go again, in
         * this one. */
        v->stats.tx_carried += held != prod;
        frame_ring_release(&in->mirror, first, cons);
    } else {
        frame_ring_release(&in->mirror, first, held);
        frame_ring_set_producer(&in->mirror, prod);
    }
    in->posted = in->published = in->posted_rec = prod;
    in->known_cons = cons;
    frame_ring_set_consumer(&in->mirror, cons);
    in->init_pending = false;
    in->ready = true;
}

/* A WRITE of the ingress ring's producer index completed. */
static void
ingress_producer_write_done(struct remote_vsi *v)
{
    if (v->ingress) {
        v->ingress->prod_pending--;
    }
}

/* A READ of the ingress ring's consumer index completed: the records
 * before it are consumed. */
static void
ingress_consumer_read_done(struct remote_vsi *v)
{
    struct ingress_ring *in = v->ingress;
    uint64_t cons;

    if (!in) {
        return;
    }
    cons = le64toh(in->cons_buf);
    in->cons_pending = false;
    if (cons - in->known_cons <= in->posted - in->known_cons) {
        /* The records' frames go before the producers may write over the
         * records. */
        frame_ring_release(&in->mirror, in->known_cons, cons);
        in->known_cons = cons;
        frame_ring_set_consumer(&in->mirror, cons);
    } else {
        v->stats.rx_bad++;
    }
}

/* Plans the transfers (READs or WRITEs) of [from, to) between the frame
 * ring at 'loc' and its local 'mirror', at the same offsets, split at the
 * end of the area and into pieces of at most 'max_xfer'.  Returns the
 * number of transfers, at most 'max_ops'. */
static size_t
plan_transfers(struct transfer *ops, size_t max_ops, uint64_t from,
               uint64_t to, const struct frame_ring *mirror,
               const struct frame_ring_loc *loc, uint32_t max_xfer)
{
    size_t n = 0;

    while (from != to && n < max_ops) {
        uint64_t pos = from & (mirror->size - 1);
        uint64_t len = MIN(to - from, mirror->size - pos);

        len = MIN(len, max_xfer);
        ops[n].iova = loc->data_iova + pos;
        ops[n].rkey = loc->data_rkey;
        ops[n].len = len;
        ops[n].local = mirror->data + pos;
        n++;
        from += len;
    }
    return n;
}

/* Hands the records of the egress mirror from 'e->cons' to 'e->prod' to
 * 'sink', as many as it takes, advancing 'e->cons' past them.  Returns
 * FRAME_RING_OK if the sink is full, FRAME_RING_EMPTY if every record
 * went, or FRAME_RING_BAD at a record cut by the end of what was read (it
 * waits for the next round) or a bad one. */
static enum frame_ring_status
deliver_records(struct remote_vsi *v, struct egress_ring *e,
                const struct remote_vsi_sink *sink)
{
    size_t room = remote_vsi_sink_room(v, sink);
    enum frame_ring_status st = FRAME_RING_OK;
    uint64_t next = e->cons;
    struct frame_ring_frame f;

    while (room
           && (st = frame_ring_get(&e->mirror, &next, e->prod, &f))
              == FRAME_RING_OK) {
        uint8_t *data;
        void *buffer = sink->get_buffer(sink->aux, f.len, &data);

        if (buffer) {
            memcpy(data, f.data, f.len);
            sink->deliver(sink->aux, buffer);
            room--;
            v->stats.rx_frames++;
            v->stats.rx_bytes += f.len;
        }
        e->cons = next;
    }
    if (st == FRAME_RING_EMPTY) {
        /* Past any skip record at the end. */
        e->cons = next;
    }
    return room ? st : FRAME_RING_OK;
}

/* RS_IDLE: once it is time to poll, READs the egress ring's producer
 * index, or first its whole header, and goes to RS_INDEX. */
static enum ring_step
egress_ring_idle(struct remote_vsi *v, long long now)
{
    struct egress_ring *e = v->egress;
    int error;

    if (now < e->next_poll) {
        return STEP_WAIT;
    }
    if (!e->have_cons) {
        error = remote_vsi_post(v, 0, WR_EG_INIT, ROE_WR_READ, e->header,
                                sizeof e->header, e->loc.producer_iova,
                                e->loc.header_rkey);
    } else {
        error = remote_vsi_post(v, 0, WR_EG_PRODUCER, ROE_WR_READ,
                                &e->prod_buf, 8, e->loc.producer_iova,
                                e->loc.header_rkey);
    }
    if (error) {
        return remote_vsi_post_failed(v, error);
    }
    e->pending++;
    e->state = RS_INDEX;
    return STEP_WAIT;
}

/* RS_INDEX: once the index is read, plans the READs of the records up to
 * it, as many as a round takes, and goes to RS_DATA at once; back to
 * RS_IDLE if there are none. */
static enum ring_step
egress_ring_index_read(struct remote_vsi *v, long long now)
{
    struct egress_ring *e = v->egress;

    if (e->pending) {
        return STEP_WAIT;
    }
    if (!e->have_cons) {
        e->state = RS_IDLE;
        return STEP_WAIT;
    }
    e->prod = le64toh(e->prod_buf);
    if (e->prod - e->cons > e->mirror.size || e->prod & 7) {
        v->stats.rx_bad++;
        e->prod = e->cons;
    }
    if (e->prod == e->cons) {
        remote_vsi_back_off(now, &e->next_poll, &e->idle_us,
                            &e->idle_since);
        e->state = RS_IDLE;
        return STEP_WAIT;
    }
    e->idle_us = IDLE_POLL_US;
    e->round_start = e->cons;
    e->n_reads = plan_transfers(e->reads, ARRAY_SIZE(e->reads),
                                e->cons, e->prod, &e->mirror, &e->loc,
                                v->max_xfer);
    e->prod = e->cons;
    for (size_t i = 0; i < e->n_reads; i++) {
        e->prod += e->reads[i].len;
    }
    e->next_read = 0;
    e->state = RS_DATA;
    return STEP_GO;
}

/* RS_DATA: posts the READs of the records; once all of them are read,
 * goes to RS_DELIVER at once. */
static enum ring_step
egress_ring_data_read(struct remote_vsi *v)
{
    struct egress_ring *e = v->egress;
    int error = remote_vsi_post_reads(v, 0, WR_EG_DATA, e->reads, e->n_reads,
                                      &e->next_read, &e->pending);

    if (error) {
        return remote_vsi_post_failed(v, error);
    }
    if (e->pending) {
        return STEP_WAIT;
    }
    e->state = RS_DELIVER;
    return STEP_GO;
}

/* RS_DELIVER: hands the records read to 'sink', as long as it takes
 * them, then WRITEs the new consumer index and goes to RS_IDLE. */
static enum ring_step
egress_ring_deliver(struct remote_vsi *v, long long now,
                    const struct remote_vsi_sink *sink)
{
    struct egress_ring *e = v->egress;
    enum frame_ring_status st = deliver_records(v, e, sink);
    int error;

    if (st == FRAME_RING_OK) {
        return STEP_WAIT;       /* The sink is full. */
    }
    if (st == FRAME_RING_BAD && e->cons == e->round_start) {
        /* Not even one whole record (a round may cut the last one): the
         * server is broken. */
        v->stats.rx_bad++;
        remote_vsi_stop_all(v);
        return STEP_WAIT;
    }
    e->cons_buf[e->cons_turn] = htole64(e->cons);
    error = remote_vsi_post(v, 0, WR_EG_CONSUMER, ROE_WR_WRITE,
                            &e->cons_buf[e->cons_turn], 8,
                            e->loc.consumer_iova, e->loc.header_rkey);
    if (error) {
        return remote_vsi_post_failed(v, error);
    }
    e->cons_turn ^= 1;
    e->pending++;
    e->next_poll = now;
    e->state = RS_IDLE;
    return STEP_WAIT;
}

/* Moves the egress ring of 'v' through as many states as it can now. */
void
remote_vsi_run_egress(struct remote_vsi *v, long long now,
                      const struct remote_vsi_sink *sink)
{
    enum ring_step step = STEP_GO;

    while (step == STEP_GO) {
        switch (v->egress->state) {
        case RS_IDLE:
            /* To RS_INDEX: the index READ posted. */
            step = egress_ring_idle(v, now);
            break;

        case RS_INDEX:
            /* To RS_IDLE: nothing new.  To RS_DATA at once: the READs of
             * the records planned. */
            step = egress_ring_index_read(v, now);
            break;

        case RS_DATA:
            /* To RS_DELIVER at once: every READ completed. */
            step = egress_ring_data_read(v);
            break;

        case RS_DELIVER:
            /* To RS_IDLE: the records delivered, the consumer index
             * WRITE posted. */
            step = egress_ring_deliver(v, now, sink);
            break;

        case RS_DESCS:
        case RS_DEAD:
            step = STEP_WAIT;
            break;
        }
    }
}

/* The gather function of the WRITEs of ingress records. */
static void
gather_ingress(void *w_, uint64_t off, uint8_t *dst, uint32_t len)
{
    struct ingress_write *w = w_;

    if (w->pos + off < w->rec) {
        w->rec = w->first_rec;  /* A retransmission. */
    }
    frame_ring_copy_out(w->mirror, &w->rec, w->pos + off, dst, len);
}

/* Posts a WRITE of the mirror's octets from 'in->posted' towards 'prod',
 * as many as a WRITE takes, with the frames of referring records in
 * place.  Returns 0 or the error of remote_vsi_post_wr(). */
static int
post_ingress_write(struct remote_vsi *v, struct ingress_ring *in,
                   uint64_t prod)
{
    struct ingress_write *w = &in->writes[in->write_next];
    struct transfer op;
    int error;

    plan_transfers(&op, 1, in->posted, prod, &in->mirror, &in->loc,
                   v->max_xfer);
    *w = (struct ingress_write) {
        .mirror = &in->mirror,
        .pos = in->posted,
        .first_rec = in->posted_rec,
        .rec = in->posted_rec,
    };
    error = remote_vsi_post_wr(v, &(struct roe_send_wr) {
        .wr_id = WR_IN_DATA,
        .opcode = ROE_WR_WRITE,
        .length = op.len,
        .remote_va = op.iova,
        .rkey = op.rkey,
        .gather = gather_ingress,
        .gather_aux = w,
    });
    if (error) {
        return error;
    }
    in->write_next = (in->write_next + 1) % ARRAY_SIZE(in->writes);
    in->posted += op.len;
    if (in->posted != prod) {
        in->posted_rec = frame_ring_record_at(&in->mirror, in->posted_rec,
                                              in->posted);
    } else {
        in->posted_rec = prod;
    }
    return 0;
}

/* Posts the WRITEs of the records that the mirror's producers added, once
 * there is a packet's worth of them or the producers pause.  Returns 0 or
 * the error of the WRITE that could not be posted. */
static int
ingress_write_records(struct remote_vsi *v, struct ingress_ring *in)
{
    uint64_t prod = frame_ring_producer(&in->mirror);
    uint32_t segment = roe_qp_segment_size(v->qp);

    if (prod != in->last_prod && prod - in->posted < segment) {
        /* The vsi ports are still adding records: wait until a packet's
         * worth is there, or until they pause, so that a WRITE fills its
         * packets rather than sending each burst of frames on its own. */
        in->last_prod = prod;
        prod = in->posted;
    } else {
        in->last_prod = prod;
    }
    while (in->posted != prod) {
        int error = post_ingress_write(v, in, prod);

        if (error) {
            return error;
        }
    }
    return 0;
}

/* Posts a WRITE of the producer index, up to the records posted, unless
 * the server has it already or too many such WRITEs are in flight.
 * Returns 0 or the error of the WRITE. */
static int
ingress_publish(struct remote_vsi *v, struct ingress_ring *in)
{
    uint64_t *buf;
    int error;

    if (in->published == in->posted
        || in->prod_pending >= PRODUCER_WRITES_MAX) {
        return 0;
    }
    /* Once per batch, and never past data not yet posted.  WRITEs complete
     * in order, so the buffer after the last one completed is free. */
    buf = &in->prod_bufs[in->prod_next];
    *buf = htole64(in->posted);
    error = remote_vsi_post(v, 0, WR_IN_PRODUCER, ROE_WR_WRITE, buf, 8,
                            in->loc.producer_iova, in->loc.header_rkey);
    if (!error) {
        in->prod_next = (in->prod_next + 1) % PRODUCER_WRITES_MAX;
        in->prod_pending++;
        in->published = in->posted;
    }
    return error;
}

/* Reads the ingress ring's indexes first; then, each run, writes the
 * mirror's new records, publishes them and polls the consumer index. */
void
remote_vsi_run_ingress(struct remote_vsi *v)
{
    struct ingress_ring *in = v->ingress;
    int error;

    if (in->dead) {
        return;
    }
    if (!in->ready) {
        if (!in->init_pending
            && !remote_vsi_post(v, 0, WR_IN_INIT, ROE_WR_READ, in->header,
                                sizeof in->header, in->loc.producer_iova,
                                in->loc.header_rkey)) {
            in->init_pending = true;
        }
        return;
    }
    error = ingress_write_records(v, in);
    if (!error) {
        error = ingress_publish(v, in);
    }
    if (error && error != EAGAIN) {
        remote_vsi_stop_all(v);
        return;
    }
    if (!in->cons_pending && in->posted != in->known_cons) {
        /* Learn of free room as soon as the server makes it. */
        if (!remote_vsi_post(v, 0, WR_IN_CONSUMER, ROE_WR_READ, &in->cons_buf,
                             8, in->loc.consumer_iova, in->loc.header_rkey)) {
            in->cons_pending = true;
        }
    }
}

/* When remote_vsi_run_ingress() has something to do: never once the
 * server has consumed every record of the mirror, at once otherwise (or
 * while the ring's indexes are not known yet). */
long long
remote_vsi_ingress_next_run(const struct remote_vsi *v)
{
    const struct ingress_ring *in = v->ingress;

    if (in->dead
        || (in->ready && !in->cons_pending && !in->prod_pending
            && in->posted == frame_ring_producer(&in->mirror)
            && in->published == in->posted
            && in->known_cons == in->posted)) {
        return LLONG_MAX;
    }
    return LLONG_MIN;
}

/* A work request of kind 'kind' on the egress ring of 'v' completed. */
void
remote_vsi_egress_done(struct remote_vsi *v, enum wr_kind kind)
{
    if (kind == WR_EG_INIT) {
        egress_header_read_done(v);
    } else {
        egress_wr_done(v);
    }
}

/* A work request of kind 'kind' on the ingress ring of 'v' completed. */
void
remote_vsi_ingress_done(struct remote_vsi *v, enum wr_kind kind)
{
    switch (kind) {
    case WR_IN_INIT:
        ingress_header_read_done(v);
        break;
    case WR_IN_PRODUCER:
        ingress_producer_write_done(v);
        break;
    case WR_IN_CONSUMER:
        ingress_consumer_read_done(v);
        break;
    case WR_IN_DATA:
    default:
        break;
    }
}

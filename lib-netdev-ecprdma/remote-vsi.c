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


/* The rings' state machines.
 *
 * remote_vsi_run() moves each VM ring and the egress ring through the
 * states of enum ring_state as far as it can: a transition marked (now)
 * runs the next state in the same run, the others wait for a later run,
 * for completions, the next poll or room in the sink.  A work request
 * that fails, or that cannot be posted for another reason than a full
 * send queue, sends every ring to RS_DEAD, for good.
 *
 * A VM's transmit ring (memif C2S), run_vm_ring():
 *
 *      +---------------> RS_IDLE <---------------------------------+
 *      |                    |                                      |
 *      | empty              | READ head (first: tail; after a busy |
 *      |                    v batch: descriptors too)              |
 *      +---------------- RS_INDEX <----------------------+         |
 *                           |                            |         |
 *                           | READ descriptors (now, if  |         |
 *                           v they came with the head)   |         |
 *                        RS_DESCS -----------------------|-------->+
 *                           |      part of a frame only  |         |
 *                           | plan the batch (now)       |         |
 *                           v                            |         |
 *                        RS_DATA   READ_SG the frames,   |         |
 *                           |      READ the next head    |         |
 *                           | all read (now)             |         |
 *                           v                            |         |
 *                       RS_DELIVER ----------------------+         |
 *                           |      WRITE tail, next head |         |
 *                           |      read behind (now)     |         |
 *                           +------------------------------------->+
 *                                  WRITE tail
 *
 * The server's egress ring (a frame ring), remote_vsi_run_egress():
 *
 *      +---------------> RS_IDLE <---------------------------------+
 *      |                    |                                      |
 *      | none new           | READ producer index (first: header)  |
 *      |                    v                                      |
 *      +---------------- RS_INDEX                                  |
 *                           |                                      |
 *                           | plan the READs of the records (now)  |
 *                           v                                      |
 *                        RS_DATA                                   |
 *                           |                                      |
 *                           | all read (now)                       |
 *                           v                                      |
 *                       RS_DELIVER ------------------------------->+
 *                                  WRITE consumer index
 *
 * The server's ingress ring (a frame ring), remote_vsi_run_ingress(),
 * keeps flags of its own rather than a ring_state, and 'dead' for
 * RS_DEAD:
 *
 *               READ header                indexes read
 *      !ready ---------------> init_pending ------------> ready ---+
 *                                                           ^      |
 *                             each run: WRITE the new records,     |
 *                             then the producer index; READ the    |
 *                             consumer index                +------+
 */

#include "remote-vsi-private.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "memif-proto.h"
#include "remote-vsi-batch.h"
#include "roe-qp.h"
#include "vdp.h"
#include "xalloc.h"

/* Finds the MR of 'assoc' that holds [iova, iova + len) with 'access'.
 * Returns its index or -1. */
static int
find_mr(const struct vdp_message *assoc, uint64_t iova, uint64_t len,
        uint32_t access)
{
    for (size_t i = 0; i < assoc->roe.n_mrs; i++) {
        const struct vdp_mr *mr = &assoc->roe.mrs[i];

        if ((mr->access & access) == access
            && iova >= mr->iova && iova - mr->iova <= mr->length
            && len <= mr->length - (iova - mr->iova)) {
            return i;
        }
    }
    return -1;
}

static char *
init_vm_ring(struct vm_ring *r, const struct vdp_message *assoc,
             const struct vdp_ring *ring)
{
    uint64_t slots = UINT64_C(1) << ring->log2_entries;
    int mr;

    if (ring->log2_entry_size != 4 || ring->log2_entries > 14) {
        return xalloc_printf("VM ring %"PRIu16" is not a memif ring",
                             ring->id);
    }
    mr = find_mr(assoc, ring->base_iova, slots * sizeof(struct memif_desc),
                 VDP_MR_REMOTE_READ);
    if (mr < 0 || assoc->roe.mrs[mr].rkey != ring->rkey
        || find_mr(assoc, ring->producer_iova, 2, VDP_MR_REMOTE_READ) < 0) {
        return xalloc_printf("VM ring %"PRIu16" is outside its region",
                             ring->id);
    }
    mr = find_mr(assoc, ring->consumer_iova, 2,
                 VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE);
    if (mr < 0) {
        return xalloc_printf("VM ring %"PRIu16"'s tail is not writable",
                             ring->id);
    }
    memset(r, 0, sizeof *r);
    r->state = RS_IDLE;
    r->desc_iova = ring->base_iova;
    r->rkey = ring->rkey;
    r->head_iova = ring->producer_iova;
    r->tail_iova = ring->consumer_iova;
    r->tail_rkey = assoc->roe.mrs[mr].rkey;
    r->mask = slots - 1;
    r->idle_us = IDLE_POLL_US;
    return NULL;
}

/* Finds where frame ring 'ring' of 'assoc' is, its area with
 * 'data_access'. */
static char *
locate_frame_ring(const struct vdp_message *assoc,
                  const struct vdp_ring *ring, uint32_t data_access,
                  struct frame_ring_loc *loc)
{
    uint64_t size = UINT64_C(1) << (ring->log2_entries
                                    + ring->log2_entry_size);
    int data_mr, prod_mr, cons_mr;

    data_mr = find_mr(assoc, ring->base_iova, size, data_access);
    prod_mr = find_mr(assoc, ring->producer_iova, 8,
                      VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE);
    cons_mr = find_mr(assoc, ring->consumer_iova, 8,
                      VDP_MR_REMOTE_READ | VDP_MR_REMOTE_WRITE);
    if (ring->log2_entry_size < 3 || size < FRAME_RING_MIN_SIZE
        || size > (UINT64_C(1) << 30)) {
        return xalloc_printf("ring %"PRIu16" is not a frame ring",
                             ring->id);
    }
    if (data_mr < 0 || assoc->roe.mrs[data_mr].rkey != ring->rkey
        || prod_mr < 0 || prod_mr != cons_mr) {
        return xalloc_printf("ring %"PRIu16" is outside its regions",
                             ring->id);
    }
    *loc = (struct frame_ring_loc) {
        .size = size,
        .data_iova = ring->base_iova,
        .data_rkey = ring->rkey,
        .producer_iova = ring->producer_iova,
        .consumer_iova = ring->consumer_iova,
        .header_rkey = assoc->roe.mrs[prod_mr].rkey,
    };
    return NULL;
}

uint64_t
remote_vsi_memory(const struct vdp_message *assoc)
{
    uint64_t n = 0;

    for (size_t i = 0; i < assoc->roe.n_rings; i++) {
        const struct vdp_ring *ring = &assoc->roe.rings[i];
        unsigned int log2_size = ring->log2_entries + ring->log2_entry_size;

        if (ring->kind == VDP_RING_VM_TX) {
            n += VM_BATCH_BYTES_MAX;
        } else if (ring->kind == VDP_RING_EGRESS
                   || ring->kind == VDP_RING_INGRESS) {
            /* Larger rings are refused. */
            n += UINT64_C(1) << MIN(log2_size, 30);
        }
    }
    return n;
}

struct remote_vsi *
remote_vsi_create(struct roe_qp *qp, const struct vdp_message *assoc,
                  uint32_t max_xfer, char **errorp)
{
    struct remote_vsi *v = xalloc_zeroed(1, sizeof *v);
    struct vdp_message *copy = xalloc(sizeof *copy);
    struct frame_ring_loc loc;
    char *error = NULL;

    *copy = *assoc;
    v->assoc = copy;
    v->qp = qp;
    v->max_xfer = max_xfer;
    for (size_t i = 0; i < assoc->roe.n_rings && !error; i++) {
        const struct vdp_ring *ring = &assoc->roe.rings[i];

        switch (ring->kind) {
        case VDP_RING_VM_TX:
            error = init_vm_ring(&v->vm_rings[v->n_vm_rings], assoc, ring);
            if (!error) {
                v->n_vm_rings++;
            }
            break;

        case VDP_RING_EGRESS:
            /* Each ring and its mirror exist only once the ring is
             * known good: remote_vsi_destroy() frees what exists. */
            if (v->egress) {
                error = xalloc_strdup("two egress rings");
            } else if (!(error = locate_frame_ring(assoc, ring,
                                                   VDP_MR_REMOTE_READ,
                                                   &loc))) {
                v->egress = xalloc_zeroed(1, sizeof *v->egress);
                v->egress->loc = loc;
                frame_ring_alloc(&v->egress->mirror, loc.size);
                v->egress->idle_us = IDLE_POLL_US;
            }
            break;

        case VDP_RING_INGRESS:
            if (v->ingress) {
                error = xalloc_strdup("two ingress rings");
            } else if (!(error = locate_frame_ring(assoc, ring,
                                                   VDP_MR_REMOTE_WRITE,
                                                   &loc))) {
                v->ingress = xalloc_zeroed(1, sizeof *v->ingress);
                v->ingress->loc = loc;
                frame_ring_alloc(&v->ingress->mirror, loc.size);
            }
            break;

        default:
            break;
        }
    }
    if (error) {
        remote_vsi_destroy(v);
        *errorp = error;
        return NULL;
    }
    return v;
}

/* Gives back to the sink the buffers of 'r''s batch that were not
 * delivered. */
static void
put_buffers(struct remote_vsi *v, struct vm_ring *r)
{
    struct vm_batch *b = &r->batch;

    for (size_t i = b->next_frame; i < b->n_frames; i++) {
        struct vm_batch_frame *f = &b->frames[i];

        if (f->ok) {
            v->put_buffer(f->buffer);
            v->held--;
            f->ok = false;
        }
    }
}

void
remote_vsi_destroy(struct remote_vsi *v)
{
    if (v) {
        for (size_t i = 0; i < v->n_vm_rings; i++) {
            put_buffers(v, &v->vm_rings[i]);
        }
        if (v->egress) {
            frame_ring_free(&v->egress->mirror);
            free(v->egress);
        }
        if (v->ingress) {
            struct frame_ring *mirror = &v->ingress->mirror;

            frame_ring_release(mirror, frame_ring_consumer(mirror),
                               frame_ring_producer(mirror));
            frame_ring_free(mirror);
            free(v->ingress);
        }
        free((void *) v->assoc);
        free(v);
    }
}

bool
remote_vsi_has_vm_rings(const struct remote_vsi *v)
{
    return v->n_vm_rings > 0;
}

bool
remote_vsi_has_ingress(const struct remote_vsi *v)
{
    return v->ingress != NULL;
}

bool
remote_vsi_has_egress(const struct remote_vsi *v)
{
    return v->egress != NULL;
}

uint64_t
remote_vsi_vm_unacked(const struct remote_vsi *v)
{
    uint64_t n = 0;

    for (size_t i = 0; i < v->n_vm_rings; i++) {
        n += v->vm_rings[i].unacked;
    }
    return n;
}

void
remote_vsi_get_stats(const struct remote_vsi *v,
                     struct remote_vsi_stats *stats)
{
    *stats = v->stats;
}

/* Posts 'wr' and counts it.  Returns 0, EAGAIN to try again later, or
 * another error, after which the QP is of no more use. */
int
remote_vsi_post_wr(struct remote_vsi *v, const struct roe_send_wr *wr)
{
    int error = roe_qp_post_send(v->qp, wr);

    if (!error) {
        if (wr->opcode == ROE_WR_READ || wr->opcode == ROE_WR_READ_SG) {
            v->stats.reads++;
        } else {
            v->stats.writes++;
        }
    } else if (error != EAGAIN) {
        v->stats.errors++;
    }
    return error;
}

/* Posts a READ or WRITE of 'len' octets between 'local' and 'iova' of
 * 'rkey', for ring 'ring', as remote_vsi_post_wr(). */
int
remote_vsi_post(struct remote_vsi *v, size_t ring, enum wr_kind kind,
                enum roe_wr_opcode opcode, void *local, uint32_t len,
                uint64_t iova, uint32_t rkey)
{
    return remote_vsi_post_wr(v, &(struct roe_send_wr) {
        .wr_id = ring << 8 | kind,
        .opcode = opcode,
        .local = local,
        .length = len,
        .remote_va = iova,
        .rkey = rkey,
    });
}

/* Posts READs 'ops[*nextp]' to 'ops[n - 1]', counting each in '*pending',
 * until one cannot be posted.  Returns 0 or the error of that one. */
int
remote_vsi_post_reads(struct remote_vsi *v, size_t ring, enum wr_kind kind,
                      const struct transfer *ops, size_t n, size_t *nextp,
                      int *pending)
{
    size_t i;

    for (i = *nextp; i < n; i++) {
        int error = remote_vsi_post(v, ring, kind, ROE_WR_READ, ops[i].local,
                                    ops[i].len, ops[i].iova, ops[i].rkey);

        if (error) {
            *nextp = i;
            return error;
        }
        *pending += 1;
    }
    *nextp = i;
    return 0;
}

/* Posts the READ_SGs of the batch of VM ring 'idx' from 'next_gather' on,
 * until one cannot be posted.  Returns 0 or the error of that one. */
static int
post_gathers(struct remote_vsi *v, size_t idx, struct vm_ring *r)
{
    struct vm_batch *b = &r->batch;

    for (; b->next_gather < b->n_gathers; b->next_gather++) {
        const struct vm_gather *g = &b->gathers[b->next_gather];
        struct roe_send_wr wr = {
            .wr_id = idx << 8 | WR_VM_DATA,
            .opcode = ROE_WR_READ_SG,
            .length = g->len,
            .sg = &b->sges[g->first],
            .n_sg = g->n,
            .scatter = &b->pieces[g->first_piece],
            .n_scatter = g->n_pieces,
        };
        int error = remote_vsi_post_wr(v, &wr);

        if (error) {
            return error;
        }
        r->pending++;
    }
    return 0;
}

/* An index poll found nothing: polls again later, each time later, up to
 * IDLE_POLL_MAX_US, and IDLE_DEEP_POLL_US once the ring has been empty for
 * IDLE_DEEP_AFTER_US.  (A busy ring resets '*idle_us' to IDLE_POLL_US.)
 * An access switch has a ring per VM of every server, most of them idle
 * at any time: each poll is a READ and its response on the link.
 *
 * From IDLE_POLL_MAX_US on, polls fall on multiples of the period, so
 * that the idle rings of a server are polled together, in one run of the
 * switch and one frame on the link, rather than each in its own. */
void
remote_vsi_back_off(long long now, long long *next_poll, int *idle_us,
                    long long *idle_since)
{
    if (*idle_us == IDLE_POLL_US) {
        *idle_since = now;
    }
    *next_poll = (*idle_us < IDLE_POLL_MAX_US ? now + *idle_us
                  : (now / *idle_us + 1) * *idle_us);
    *idle_us = (now - *idle_since >= IDLE_DEEP_AFTER_US ? IDLE_DEEP_POLL_US
                : MIN(*idle_us * 2, IDLE_POLL_MAX_US));
}

void
remote_vsi_stop_all(struct remote_vsi *v)
{
    for (size_t i = 0; i < v->n_vm_rings; i++) {
        v->vm_rings[i].state = RS_DEAD;
    }
    if (v->egress) {
        v->egress->state = RS_DEAD;
    }
    if (v->ingress) {
        v->ingress->dead = true;
    }
}

/* Posting a request of a ring failed with 'error': EAGAIN waits for room
 * in the send queue, another error stops every ring. */
enum ring_step
remote_vsi_post_failed(struct remote_vsi *v, int error)
{
    if (error != EAGAIN) {
        remote_vsi_stop_all(v);
    }
    return STEP_WAIT;
}

/* Returns VM ring 'ring' of 'v', or NULL if 'v' has no such ring. */
static struct vm_ring *
vm_ring_at(struct remote_vsi *v, size_t ring)
{
    return ring < v->n_vm_rings ? &v->vm_rings[ring] : NULL;
}

/* A READ of VM ring 'ring''s head, descriptors or frames completed. */
static void
vm_read_done(struct remote_vsi *v, size_t ring)
{
    struct vm_ring *r = vm_ring_at(v, ring);

    if (r) {
        r->pending--;
    }
}

/* The first READ of VM ring 'ring''s tail completed: the switch reads
 * from there on. */
static void
vm_tail_read_done(struct remote_vsi *v, size_t ring)
{
    struct vm_ring *r = vm_ring_at(v, ring);

    if (r) {
        r->pending--;
        r->tail = le16toh(r->head_buf);
        r->have_tail = true;
    }
}

/* A WRITE of VM ring 'ring''s tail completed. */
static void
vm_tail_write_done(struct remote_vsi *v, size_t ring)
{
    struct vm_ring *r = vm_ring_at(v, ring);

    if (r) {
        /* WRITEs complete in order: this is the oldest. */
        r->unacked -= r->tail_frames[(r->tail_turn + r->tails_pending) & 1];
        r->tails_pending--;
    }
}

/* Accounts for the completion 'c' of a work request of 'v': a failed one
 * stops every ring, for good. */
static void
handle_completion(struct remote_vsi *v, const struct roe_completion *c)
{
    size_t ring = c->wr_id >> 8;
    enum wr_kind kind = c->wr_id & 0xff;

    if (c->status != ROE_WC_SUCCESS) {
        v->stats.errors++;
        remote_vsi_stop_all(v);
        return;
    }
    switch (kind) {
    case WR_VM_HEAD:
    case WR_VM_DESCS:
    case WR_VM_DATA:
        vm_read_done(v, ring);
        break;

    case WR_VM_TAIL_INIT:
        vm_tail_read_done(v, ring);
        break;

    case WR_VM_TAIL:
        vm_tail_write_done(v, ring);
        break;

    case WR_EG_INIT:
    case WR_EG_PRODUCER:
    case WR_EG_DATA:
    case WR_EG_CONSUMER:
        remote_vsi_egress_done(v, kind);
        break;

    case WR_IN_INIT:
    case WR_IN_DATA:
    case WR_IN_PRODUCER:
    case WR_IN_CONSUMER:
        remote_vsi_ingress_done(v, kind);
        break;
    }
}

/* Hands the read frames of 'r''s batch to 'sink'. */
static void
deliver_frames(struct remote_vsi *v, struct vm_ring *r,
               const struct remote_vsi_sink *sink)
{
    struct vm_batch *b = &r->batch;

    for (; b->next_frame < b->n_frames; b->next_frame++) {
        const struct vm_batch_frame *f = &b->frames[b->next_frame];

        if (f->ok) {
            sink->deliver(sink->aux, f->buffer);
            v->held--;
            v->stats.rx_frames++;
            v->stats.rx_bytes += f->len;
            r->batch_delivered++;
            r->unacked++;
        }
    }
}

/* Posts READs of 'n' descriptors from slot 'first' on, in two pieces if
 * they wrap around the end of the ring, and no more than a READ may take
 * (the rest wait for the next batch).  Sets 'n_descs' to the number
 * asked for.  Returns 0 or an error. */
static int
post_desc_reads(struct remote_vsi *v, size_t idx, uint16_t first,
                uint16_t n)
{
    struct vm_ring *r = &v->vm_rings[idx];
    uint16_t slot = first & r->mask;
    uint16_t n1;
    int error;

    n = MIN(n, MAX(1, v->max_xfer / sizeof *r->descs));
    n1 = MIN(n, r->mask + 1 - slot);

    error = remote_vsi_post(v, idx, WR_VM_DESCS, ROE_WR_READ, r->descs,
                            n1 * sizeof *r->descs,
                            r->desc_iova + slot * sizeof *r->descs, r->rkey);
    if (error) {
        return error;
    }
    r->pending++;
    if (n1 < n) {
        error = remote_vsi_post(v, idx, WR_VM_DESCS, ROE_WR_READ,
                                r->descs + n1, (n - n1) * sizeof *r->descs,
                                r->desc_iova, r->rkey);
        if (error) {
            /* Use what the first piece brings. */
            r->n_descs = n1;
            return 0;
        }
        r->pending++;
    }
    r->n_descs = n;
    return 0;
}

/* How many descriptors to read ahead for the batch after the current
 * one: as many as the VM had published from this batch's start on when
 * its head was read, that is, those already waiting beyond this batch
 * plus as many as this batch has (about what the VM adds in a round
 * trip).  Reading only as many as this batch has would keep every later
 * batch as small as a small one, however fast the VM sends. */
static uint16_t
n_ahead(const struct vm_ring *r)
{
    uint16_t published = r->head - r->tail;

    return MIN(MIN(VM_BATCH, r->mask + 1), MAX(published, PREFETCH_MIN));
}

/* How many more frames 'sink' takes, besides those whose buffers 'v'
 * holds. */
size_t
remote_vsi_sink_room(const struct remote_vsi *v,
                     const struct remote_vsi_sink *sink)
{
    size_t room = sink->room(sink->aux);

    return room > v->held ? room - v->held : 0;
}

/* RS_IDLE: once it is time to poll and the sink has room, READs the VM
 * ring's head (after a busy batch, with the next descriptors), or first
 * its tail, and goes to RS_INDEX. */
static enum ring_step
vm_ring_idle(struct remote_vsi *v, size_t idx, long long now,
             const struct remote_vsi_sink *sink)
{
    struct vm_ring *r = &v->vm_rings[idx];
    int error;

    if (now < r->next_poll) {
        return STEP_WAIT;
    }
    if (!remote_vsi_sink_room(v, sink)) {
        /* Frames that wait stay in the VM's ring, where a switch that
         * dies does not lose them, until the switch catches up. */
        return STEP_WAIT;
    }
    if (!r->have_tail) {
        error = remote_vsi_post(v, idx, WR_VM_TAIL_INIT, ROE_WR_READ,
                                &r->head_buf, 2, r->tail_iova, r->tail_rkey);
    } else {
        error = remote_vsi_post(v, idx, WR_VM_HEAD, ROE_WR_READ, &r->head_buf,
                                2, r->head_iova, r->rkey);
    }
    if (error) {
        return remote_vsi_post_failed(v, error);
    }
    r->pending++;
    r->n_descs = 0;
    if (r->have_tail && r->busy) {
        /* Likely more: read the next descriptors along with the head,
         * which the server serves after it. */
        post_desc_reads(v, idx, r->tail, MIN(VM_BATCH, r->mask + 1));
    }
    r->state = RS_INDEX;
    return STEP_WAIT;
}

/* RS_INDEX: once the head (or tail) is read, takes the VM's frames from
 * the tail to the head as the batch, and goes to RS_DESCS, at once if the
 * descriptors came along with the head, else once their READs are
 * posted; back to RS_IDLE if there are none. */
static enum ring_step
vm_ring_index_read(struct remote_vsi *v, size_t idx, long long now)
{
    struct vm_ring *r = &v->vm_rings[idx];
    int error;

    if (r->pending) {
        return STEP_WAIT;
    }
    if (!r->have_tail) {
        r->state = RS_IDLE;
        return STEP_WAIT;
    }
    r->head = le16toh(r->head_buf);
    r->n = (r->head - r->tail) & 0xffff;
    if (r->n > r->mask + 1) {
        /* The VM published a head out of range: try again later. */
        v->stats.rx_bad++;
        r->n = 0;
    }
    if (!r->n) {
        r->busy = false;
        remote_vsi_back_off(now, &r->next_poll, &r->idle_us,
                            &r->idle_since);
        r->state = RS_IDLE;
        return STEP_WAIT;
    }
    r->busy = true;
    r->idle_us = IDLE_POLL_US;
    r->n = MIN(r->n, VM_BATCH);
    if (r->n_descs) {
        /* Read along with the head: the rest waits for the next batch. */
        r->n = MIN(r->n, r->n_descs);
        r->state = RS_DESCS;
        return STEP_GO;
    }
    error = post_desc_reads(v, idx, r->tail, r->n);
    if (error) {
        return remote_vsi_post_failed(v, error);
    }
    r->state = RS_DESCS;
    return STEP_WAIT;
}

/* RS_DESCS: once the descriptors are read, plans the READs of the batch's
 * frames into buffers of 'sink', and goes to RS_DATA at once; back to
 * RS_IDLE if the batch is not even one whole frame. */
static enum ring_step
vm_ring_descs_read(struct remote_vsi *v, size_t idx, long long now,
                   const struct remote_vsi_sink *sink)
{
    struct vm_ring *r = &v->vm_rings[idx];
    struct vm_batch_env env = {
        .assoc = v->assoc,
        .max_sg = roe_qp_max_sg(v->qp),
        .max_xfer = v->max_xfer,
        .sink = sink,
    };

    if (r->pending) {
        return STEP_WAIT;
    }
    env.max_frames = remote_vsi_sink_room(v, sink);
    r->n = MIN(r->n, r->n_descs);
    vm_batch_plan(&r->batch, &env, r->descs, &r->n);
    v->stats.rx_bad += r->batch.n_bad;
    if (r->batch.n_buffers) {
        v->put_buffer = sink->put_buffer;
        v->held += r->batch.n_buffers;
    }
    if (!r->n) {
        /* Only part of a frame: wait for the rest. */
        r->busy = false;
        r->next_poll = now + r->idle_us;
        r->state = RS_IDLE;
        return STEP_WAIT;
    }
    r->state = RS_DATA;
    return STEP_GO;
}

/* Posts the READs of the head and descriptors of the batch after 'r''s
 * current one.  Returns 0 or the error of the head's READ. */
static int
vm_ring_prefetch(struct remote_vsi *v, size_t idx)
{
    struct vm_ring *r = &v->vm_rings[idx];
    int error = remote_vsi_post(v, idx, WR_VM_HEAD, ROE_WR_READ, &r->head_buf,
                                2, r->head_iova, r->rkey);

    if (!error) {
        r->pending++;
        r->prefetched = true;
        r->n_descs = 0;
        post_desc_reads(v, idx, r->tail + r->n, n_ahead(r));
    }
    return error;
}

/* RS_DATA: posts the batch's READ_SGs, and behind them the READs of the
 * next batch's head and descriptors; once all of them are read, goes to
 * RS_DELIVER at once. */
static enum ring_step
vm_ring_data_read(struct remote_vsi *v, size_t idx)
{
    struct vm_ring *r = &v->vm_rings[idx];
    int error = post_gathers(v, idx, r);

    if (!error && !r->prefetched) {
        /* The server answers in order: the head and descriptors of the
         * next batch arrive right behind this batch's data, a round trip
         * sooner than if they were asked for after it. */
        error = vm_ring_prefetch(v, idx);
    }
    if (error) {
        return remote_vsi_post_failed(v, error);
    }
    if (r->pending) {
        return STEP_WAIT;
    }
    r->state = RS_DELIVER;
    return STEP_GO;
}

/* RS_DELIVER: hands the batch's frames to 'sink' and WRITEs the new tail,
 * which gives the VM its slots back; then goes to RS_INDEX at once if the
 * next head was read behind the batch, else to RS_IDLE. */
static enum ring_step
vm_ring_deliver(struct remote_vsi *v, size_t idx, long long now,
                const struct remote_vsi_sink *sink)
{
    struct vm_ring *r = &v->vm_rings[idx];
    int error;

    deliver_frames(v, r, sink);
    if (r->tails_pending == ARRAY_SIZE(r->tail_buf)) {
        return STEP_WAIT;
    }
    if ((uint16_t) (r->head - r->tail) < r->n) {
        /* Never past the head that the VM published: the slots beyond it
         * are the VM's. */
        v->stats.rx_bad++;
        remote_vsi_stop_all(v);
        return STEP_WAIT;
    }
    r->tail_buf[r->tail_turn] = htole16(r->tail + r->n);
    error = remote_vsi_post(v, idx, WR_VM_TAIL, ROE_WR_WRITE,
                            &r->tail_buf[r->tail_turn], 2, r->tail_iova,
                            r->tail_rkey);
    if (error) {
        return remote_vsi_post_failed(v, error);
    }
    r->tail_frames[r->tail_turn] = r->batch_delivered;
    r->batch_delivered = 0;
    r->tail_turn ^= 1;
    r->tails_pending++;
    r->tail += r->n;
    r->next_poll = now;
    if (r->prefetched) {
        r->prefetched = false;
        r->state = RS_INDEX;
        return STEP_GO;
    }
    r->state = RS_IDLE;
    return STEP_WAIT;
}

/* Moves VM ring 'idx' of 'v' through as many states as it can now. */
static void
run_vm_ring(struct remote_vsi *v, size_t idx, long long now,
            const struct remote_vsi_sink *sink)
{
    struct vm_ring *r = &v->vm_rings[idx];
    enum ring_step step = STEP_GO;

    while (step == STEP_GO) {
        switch (r->state) {
        case RS_IDLE:
            /* To RS_INDEX: the head (or tail) READ posted. */
            step = vm_ring_idle(v, idx, now, sink);
            break;

        case RS_INDEX:
            /* To RS_IDLE: nothing new.  To RS_DESCS: their READs posted,
             * or at once if they came along with the head. */
            step = vm_ring_index_read(v, idx, now);
            break;

        case RS_DESCS:
            /* To RS_DATA at once: the batch planned.  To RS_IDLE: part
             * of a frame only. */
            step = vm_ring_descs_read(v, idx, now, sink);
            break;

        case RS_DATA:
            /* To RS_DELIVER at once: every READ completed. */
            step = vm_ring_data_read(v, idx);
            break;

        case RS_DELIVER:
            /* To RS_INDEX at once: the tail WRITE posted, the next head
             * read.  To RS_IDLE: the tail WRITE posted. */
            step = vm_ring_deliver(v, idx, now, sink);
            break;

        case RS_DEAD:
            step = STEP_WAIT;
            break;
        }
    }
}

/* When a ring in 'state', to be polled next at 'next_poll', has something
 * to do. */
static long long
ring_next_run(enum ring_state state, long long next_poll)
{
    return (state == RS_IDLE ? next_poll
            : state == RS_DEAD ? LLONG_MAX
            : LLONG_MIN);
}

long long
remote_vsi_next_run(const struct remote_vsi *v, bool reading)
{
    long long t = v->ingress ? remote_vsi_ingress_next_run(v) : LLONG_MAX;

    if (reading) {
        for (size_t i = 0; i < v->n_vm_rings; i++) {
            const struct vm_ring *r = &v->vm_rings[i];

            t = MIN(t, ring_next_run(r->state, r->next_poll));
        }
        if (v->egress) {
            t = MIN(t, ring_next_run(v->egress->state,
                                     v->egress->next_poll));
        }
    }
    return t;
}

void
remote_vsi_run(struct remote_vsi *v, long long now_us,
               const struct remote_vsi_sink *sink)
{
    struct roe_completion wc[32];
    int n;

    while ((n = roe_qp_poll_send(v->qp, wc, ARRAY_SIZE(wc))) > 0) {
        for (int i = 0; i < n; i++) {
            handle_completion(v, &wc[i]);
        }
    }
    if (v->ingress) {
        remote_vsi_run_ingress(v);
    }
    if (!sink) {
        return;
    }
    for (size_t i = 0; i < v->n_vm_rings; i++) {
        run_vm_ring(v, i, now_us, sink);
    }
    if (v->egress) {
        remote_vsi_run_egress(v, now_us, sink);
    }
}

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
 * The server's egress ring (a frame ring), run_egress():
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
 * The server's ingress ring (a frame ring), run_ingress(), keeps flags
 * of its own rather than a ring_state, and 'dead' for RS_DEAD:
 *
 *               READ header                indexes read
 *      !ready ---------------> init_pending ------------> ready ---+
 *                                                           ^      |
 *                             each run: WRITE the new records,     |
 *                             then the producer index; READ the    |
 *                             consumer index                +------+
 */

#include "remote-vsi.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "memif-proto.h"
#include "remote-vsi-batch.h"
#include "roe-qp.h"
#include "vdp.h"
#include "xalloc.h"

#define MIN(A, B) ((A) < (B) ? (A) : (B))
#define MAX(A, B) ((A) > (B) ? (A) : (B))
#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

enum {
    PREFETCH_MIN = 64,          /* Descriptors read ahead, at least. */
    PRODUCER_WRITES_MAX = 8,    /* Ingress producer WRITEs in flight. */
    IDLE_POLL_US = 20,          /* Index polls of an empty ring... */
    IDLE_POLL_MAX_US = 1000,    /* ...back off up to this. */
};

/* What a work request was for: the low 8 bits of its wr_id; the ring's
 * index is above them. */
enum wr_kind {
    WR_VM_HEAD,
    WR_VM_TAIL_INIT,
    WR_VM_DESCS,
    WR_VM_DATA,
    WR_VM_TAIL,
    WR_EG_INIT,
    WR_EG_PRODUCER,
    WR_EG_DATA,
    WR_EG_CONSUMER,
    WR_IN_INIT,
    WR_IN_DATA,
    WR_IN_PRODUCER,
    WR_IN_CONSUMER,
};

enum ring_state {
    RS_IDLE,                    /* Waiting to poll the index. */
    RS_INDEX,                   /* Index (and descriptors) requested. */
    RS_DESCS,                   /* Descriptors requested. */
    RS_DATA,                    /* Buffers or records requested. */
    RS_DELIVER,                 /* Read; going into the sink. */
    RS_DEAD,                    /* Stopped for good. */
};

/* One READ or WRITE to post. */
struct transfer {
    uint64_t iova;
    uint32_t rkey;
    uint32_t len;
    uint8_t *local;             /* READ: destination.  WRITE: source. */
};

/* A VM's transmit ring (memif C2S). */
struct vm_ring {
    enum ring_state state;
    uint64_t desc_iova;         /* desc[0]. */
    uint32_t rkey;              /* Region of the ring. */
    uint64_t head_iova;
    uint64_t tail_iova;
    uint32_t tail_rkey;
    uint16_t mask;              /* Slots - 1. */
    bool have_tail;
    uint16_t tail;              /* Next slot to read. */
    uint16_t head;              /* As read from 'head_buf', once. */
    uint16_t head_buf;          /* READ target. */
    uint16_t tail_buf[2];       /* WRITE sources, used in turn. */
    uint32_t tail_frames[2];    /* Frames delivered for each. */
    int tail_turn;
    int tails_pending;          /* Tail WRITEs not completed. */
    uint32_t batch_delivered;   /* Frames of this batch delivered. */
    uint64_t unacked;           /* Frames delivered whose tail WRITE has
                                 * not completed. */
    struct memif_desc descs[VM_BATCH];
    uint16_t n_descs;           /* Valid descriptors from 'tail'. */
    bool busy;                  /* Last batch found frames. */
    bool prefetched;            /* Head and descriptors of the next batch
                                 * requested behind this batch's data. */
    long long next_poll;
    int idle_us;
    int pending;                /* READs not completed. */

    uint16_t n;                 /* Descriptors in the batch. */
    struct vm_batch batch;
};

/* Where a frame ring of the server is: its area, and its header with the
 * indexes. */
struct frame_ring_loc {
    uint64_t size;
    uint64_t data_iova;
    uint32_t data_rkey;
    uint64_t producer_iova;
    uint64_t consumer_iova;
    uint32_t header_rkey;
};

/* The server's egress ring, read into a mirror at the same offsets. */
struct egress_ring {
    enum ring_state state;
    struct frame_ring_loc loc;
    struct frame_ring mirror;
    bool have_cons;
    uint8_t header[FRAME_RING_CONSUMER_OFS + 8];    /* READ target. */
    uint64_t cons;              /* Next record to read. */
    uint64_t prod;              /* As read, or what fits in 'reads'. */
    uint64_t round_start;       /* 'cons' when the round started. */
    uint64_t prod_buf;          /* READ target, little-endian. */
    uint64_t cons_buf[2];       /* WRITE sources, little-endian. */
    int cons_turn;
    long long next_poll;
    int idle_us;
    int pending;
    size_t n_reads, next_read;
    struct transfer reads[16];
};

/* A WRITE of ingress records in flight: octets from 'pos' of the
 * mirror, whose record at or before 'pos' is at 'first_rec'; 'rec' is
 * that of the octets last copied. */
struct ingress_write {
    const struct frame_ring *mirror;
    uint64_t pos;
    uint64_t first_rec;
    uint64_t rec;
};

/* The server's ingress ring, written from a mirror at the same offsets.
 * The mirror's records may refer to the frames (packets) of the vsi
 * ports that sent them: the WRITEs copy the frames straight from there
 * (frame_ring_copy_out()), and the mirror releases them once the server
 * has consumed their records, or they are dropped. */
struct ingress_ring {
    bool dead;
    bool ready;                 /* Indexes known. */
    bool init_pending;
    bool carried;               /* 'mirror' is the previous association's. */
    uint8_t header[FRAME_RING_CONSUMER_OFS + 8];    /* READ target. */
    struct frame_ring_loc loc;
    struct frame_ring mirror;
    uint64_t posted;            /* Records up to here are posted. */
    uint64_t posted_rec;        /* The record that holds 'posted'. */
    struct ingress_write writes[ROE_QP_SQ_SIZE];    /* Used in turn. */
    unsigned int write_next;
    uint64_t last_prod;         /* Producer index at the last run. */
    uint64_t published;         /* Producer index last posted. */
    uint64_t known_cons;        /* Consumer index as last read. */
    uint64_t prod_bufs[PRODUCER_WRITES_MAX];    /* WRITE sources,
                                 * little-endian, used in turn: a
                                 * retransmission sends what its buffer
                                 * holds then, so a buffer is reused only
                                 * once its WRITE completed. */
    unsigned int prod_next;     /* Next buffer to use. */
    unsigned int prod_pending;  /* WRITEs of the producer index posted. */
    uint64_t cons_buf;          /* READ target, little-endian. */
    bool cons_pending;
};

struct remote_vsi {
    struct roe_qp *qp;
    uint32_t max_xfer;
    const struct vdp_message *assoc;    /* Owned copy. */
    size_t n_vm_rings;
    struct vm_ring vm_rings[VDP_MAX_RINGS];
    struct egress_ring *egress;
    struct ingress_ring *ingress;
    size_t held;                /* Sink buffers taken, not delivered. */
    void (*put_buffer)(void *); /* Frees them. */
    struct remote_vsi_stats stats;
};

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
static int
post_wr(struct remote_vsi *v, const struct roe_send_wr *wr)
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
 * 'rkey', for ring 'ring', as post_wr(). */
static int
post(struct remote_vsi *v, size_t ring, enum wr_kind kind,
     enum roe_wr_opcode opcode, void *local, uint32_t len, uint64_t iova,
     uint32_t rkey)
{
    return post_wr(v, &(struct roe_send_wr) {
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
static int
post_reads(struct remote_vsi *v, size_t ring, enum wr_kind kind,
           const struct transfer *ops, size_t n, size_t *nextp, int *pending)
{
    size_t i;

    for (i = *nextp; i < n; i++) {
        int error = post(v, ring, kind, ROE_WR_READ, ops[i].local,
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
        int error = post_wr(v, &wr);

        if (error) {
            return error;
        }
        r->pending++;
    }
    return 0;
}

/* An index poll found nothing: polls again later, each time later. */
static void
back_off(long long now, long long *next_poll, int *idle_us)
{
    *next_poll = now + *idle_us;
    *idle_us = MIN(*idle_us * 2, IDLE_POLL_MAX_US);
}

static void
stop_all(struct remote_vsi *v)
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

/* What a step of a ring's state machine leaves to do in this run. */
enum ring_step {
    STEP_WAIT,                  /* Nothing: the ring waits for completions,
                                 * for its next poll or for the sink. */
    STEP_GO,                    /* The ring's new state runs now. */
};

/* Posting a request of a ring failed with 'error': EAGAIN waits for room
 * in the send queue, another error stops every ring. */
static enum ring_step
post_failed(struct remote_vsi *v, int error)
{
    if (error != EAGAIN) {
        stop_all(v);
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

/* Accounts for the completion 'c' of a work request of 'v': a failed one
 * stops every ring, for good. */
static void
handle_completion(struct remote_vsi *v, const struct roe_completion *c)
{
    size_t ring = c->wr_id >> 8;
    enum wr_kind kind = c->wr_id & 0xff;

    if (c->status != ROE_WC_SUCCESS) {
        v->stats.errors++;
        stop_all(v);
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
        egress_header_read_done(v);
        break;

    case WR_EG_PRODUCER:
    case WR_EG_DATA:
    case WR_EG_CONSUMER:
        egress_wr_done(v);
        break;

    case WR_IN_INIT:
        ingress_header_read_done(v);
        break;

    case WR_IN_DATA:
        break;

    case WR_IN_PRODUCER:
        ingress_producer_write_done(v);
        break;

    case WR_IN_CONSUMER:
        ingress_consumer_read_done(v);
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

    error = post(v, idx, WR_VM_DESCS, ROE_WR_READ, r->descs,
                 n1 * sizeof *r->descs,
                 r->desc_iova + slot * sizeof *r->descs, r->rkey);
    if (error) {
        return error;
    }
    r->pending++;
    if (n1 < n) {
        error = post(v, idx, WR_VM_DESCS, ROE_WR_READ, r->descs + n1,
                     (n - n1) * sizeof *r->descs, r->desc_iova, r->rkey);
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
static size_t
sink_room(const struct remote_vsi *v, const struct remote_vsi_sink *sink)
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
    if (!sink_room(v, sink)) {
        /* Frames that wait stay in the VM's ring, where a switch that
         * dies does not lose them, until the switch catches up. */
        return STEP_WAIT;
    }
    if (!r->have_tail) {
        error = post(v, idx, WR_VM_TAIL_INIT, ROE_WR_READ, &r->head_buf,
                     2, r->tail_iova, r->tail_rkey);
    } else {
        error = post(v, idx, WR_VM_HEAD, ROE_WR_READ, &r->head_buf, 2,
                     r->head_iova, r->rkey);
    }
    if (error) {
        return post_failed(v, error);
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
        back_off(now, &r->next_poll, &r->idle_us);
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
        return post_failed(v, error);
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
    env.max_frames = sink_room(v, sink);
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
    int error = post(v, idx, WR_VM_HEAD, ROE_WR_READ, &r->head_buf, 2,
                     r->head_iova, r->rkey);

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
        return post_failed(v, error);
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
        stop_all(v);
        return STEP_WAIT;
    }
    r->tail_buf[r->tail_turn] = htole16(r->tail + r->n);
    error = post(v, idx, WR_VM_TAIL, ROE_WR_WRITE,
                 &r->tail_buf[r->tail_turn], 2, r->tail_iova, r->tail_rkey);
    if (error) {
        return post_failed(v, error);
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
    size_t room = sink_room(v, sink);
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
        error = post(v, 0, WR_EG_INIT, ROE_WR_READ, e->header,
                     sizeof e->header, e->loc.producer_iova,
                     e->loc.header_rkey);
    } else {
        error = post(v, 0, WR_EG_PRODUCER, ROE_WR_READ, &e->prod_buf, 8,
                     e->loc.producer_iova, e->loc.header_rkey);
    }
    if (error) {
        return post_failed(v, error);
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
        back_off(now, &e->next_poll, &e->idle_us);
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
    int error = post_reads(v, 0, WR_EG_DATA, e->reads, e->n_reads,
                           &e->next_read, &e->pending);

    if (error) {
        return post_failed(v, error);
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
        stop_all(v);
        return STEP_WAIT;
    }
    e->cons_buf[e->cons_turn] = htole64(e->cons);
    error = post(v, 0, WR_EG_CONSUMER, ROE_WR_WRITE,
                 &e->cons_buf[e->cons_turn], 8, e->loc.consumer_iova,
                 e->loc.header_rkey);
    if (error) {
        return post_failed(v, error);
    }
    e->cons_turn ^= 1;
    e->pending++;
    e->next_poll = now;
    e->state = RS_IDLE;
    return STEP_WAIT;
}

/* Moves the egress ring of 'v' through as many states as it can now. */
static void
run_egress(struct remote_vsi *v, long long now,
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
 * place.  Returns 0 or the error of post_wr(). */
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
    error = post_wr(v, &(struct roe_send_wr) {
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
    error = post(v, 0, WR_IN_PRODUCER, ROE_WR_WRITE, buf, 8,
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
static void
run_ingress(struct remote_vsi *v)
{
    struct ingress_ring *in = v->ingress;
    int error;

    if (in->dead) {
        return;
    }
    if (!in->ready) {
        if (!in->init_pending
            && !post(v, 0, WR_IN_INIT, ROE_WR_READ, in->header,
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
        stop_all(v);
        return;
    }
    if (!in->cons_pending && in->posted != in->known_cons) {
        /* Learn of free room as soon as the server makes it. */
        if (!post(v, 0, WR_IN_CONSUMER, ROE_WR_READ, &in->cons_buf, 8,
                  in->loc.consumer_iova, in->loc.header_rkey)) {
            in->cons_pending = true;
        }
    }
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
        run_ingress(v);
    }
    if (!sink) {
        return;
    }
    for (size_t i = 0; i < v->n_vm_rings; i++) {
        run_vm_ring(v, i, now_us, sink);
    }
    if (v->egress) {
        run_egress(v, now_us, sink);
    }
}

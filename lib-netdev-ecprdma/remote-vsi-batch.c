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

#include "remote-vsi-batch.h"

#include "frame-ring.h"
#include "remote-vsi.h"
#include "vdp.h"

#define MIN(A, B) ((A) < (B) ? (A) : (B))
#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

/* Where a batch's plan stood before a frame, to undo the frame's part. */
struct plan_mark {
    size_t n_gathers, n_sges;
    unsigned int gather_n;      /* Of the last gather. */
    uint32_t gather_len;
    uint32_t sge_len;           /* Of the last segment. */
    uint32_t ofs;               /* End of the frames in 'staging'. */
};

static struct plan_mark
plan_mark(const struct vm_batch *b, uint32_t ofs)
{
    const struct vm_gather *g = (b->n_gathers
                                 ? &b->gathers[b->n_gathers - 1] : NULL);

    return (struct plan_mark) {
        .n_gathers = b->n_gathers,
        .n_sges = b->n_sges,
        .gather_n = g ? g->n : 0,
        .gather_len = g ? g->len : 0,
        .sge_len = b->n_sges ? b->sges[b->n_sges - 1].len : 0,
        .ofs = ofs,
    };
}

static void
plan_undo(struct vm_batch *b, const struct plan_mark *m, uint32_t *ofs)
{
    b->n_gathers = m->n_gathers;
    b->n_sges = m->n_sges;
    if (b->n_gathers) {
        b->gathers[b->n_gathers - 1].n = m->gather_n;
        b->gathers[b->n_gathers - 1].len = m->gather_len;
    }
    if (b->n_sges) {
        b->sges[b->n_sges - 1].len = m->sge_len;
    }
    *ofs = m->ofs;
}

/* Appends the 'len' octets at 'iova' in the region of 'rkey' to the
 * batch's READ_SGs, as octet '*ofs' on of the batch, which it advances: to
 * the last segment if they follow it, else as a segment of their own; a
 * READ_SG takes at most 'env->max_sg' segments and 'env->max_xfer'
 * octets.  Returns false if 'b' has no room left (then the caller undoes
 * the frame). */
static bool
plan_append(const struct vm_batch_env *env, struct vm_batch *b,
            uint64_t iova, uint32_t rkey, uint32_t len, uint32_t *ofs)
{
    while (len) {
        struct vm_gather *g = (b->n_gathers
                               ? &b->gathers[b->n_gathers - 1] : NULL);
        struct roe_sge *last = g && g->n ? &b->sges[b->n_sges - 1] : NULL;
        bool follows = last && last->rkey == rkey
                       && last->va + last->len == iova;
        uint32_t n;

        if (!g || g->len == env->max_xfer
            || (!follows && g->n == env->max_sg)) {
            if (b->n_gathers == ARRAY_SIZE(b->gathers)) {
                return false;
            }
            g = &b->gathers[b->n_gathers++];
            *g = (struct vm_gather) { .first = b->n_sges, .ofs = *ofs };
            follows = false;
        }
        n = MIN(len, env->max_xfer - g->len);
        if (follows) {
            b->sges[b->n_sges - 1].len += n;
        } else if (b->n_sges < ARRAY_SIZE(b->sges)) {
            b->sges[b->n_sges++] = (struct roe_sge) { iova, rkey, n };
            g->n++;
        } else {
            return false;
        }
        g->len += n;
        iova += n;
        len -= n;
        *ofs += n;
    }
    return true;
}

enum plan_result {
    PLAN_FRAME,                 /* A whole frame, planned. */
    PLAN_BAD,                   /* A whole frame, with a bad descriptor. */
    PLAN_PARTIAL,               /* The batch ends inside the frame. */
    PLAN_FULL,                  /* No room for the frame in this batch. */
};

/* Plans the READ of the frame whose first descriptor is 'descs[*i]', of
 * the 'n' descriptors of the batch, advancing '*i' past its descriptors
 * and '*ofs' past its octets in the batch, and stores its length in
 * '*lenp'.  A descriptor is checked against the ASSOC's regions before
 * anything of it is planned. */
static enum plan_result
plan_frame(const struct vm_batch_env *env, struct vm_batch *b,
           const struct memif_desc *descs, uint16_t n, size_t *i,
           uint32_t *ofs, uint32_t *lenp)
{
    const struct vdp_message *assoc = env->assoc;
    uint32_t len = 0;
    bool ok = true;

    while (*i < n) {
        const struct memif_desc *d = &descs[(*i)++];
        bool end = !(d->flags & MEMIF_DESC_FLAG_NEXT);
        const struct vdp_mr *mr;

        mr = d->region < assoc->roe.n_mrs ? &assoc->roe.mrs[d->region] : NULL;
        if (!mr || !(mr->access & VDP_MR_REMOTE_READ)
            || d->offset > mr->length
            || d->length > mr->length - d->offset
            || len + d->length > FRAME_RING_MAX_FRAME) {
            ok = false;
        } else if (ok && d->length) {
            if (*ofs + d->length > VM_BATCH_BYTES_MAX
                || !plan_append(env, b, mr->iova + d->offset, mr->rkey,
                                d->length, ofs)) {
                return PLAN_FULL;
            }
            len += d->length;
        }
        if (end) {
            *lenp = len;
            return ok ? PLAN_FRAME : PLAN_BAD;
        }
    }
    return PLAN_PARTIAL;
}

/* Takes a buffer from 'sink' for the frame 'f' just planned, and returns
 * true, or false if the sink refuses the frame. */
static bool
take_buffer(struct vm_batch *b, const struct remote_vsi_sink *sink,
            struct vm_batch_frame *f)
{
    f->buffer = sink->get_buffer(sink->aux, f->len, &f->data);
    if (!f->buffer) {
        return false;
    }
    b->n_buffers++;
    return true;
}

/* Plans the READ_SGs of the frames of descriptors [0, *n) of the batch,
 * at most 'env->max_frames' of them: only the frames' octets, each frame
 * into a buffer of 'env->sink'.  A frame that the batch does not hold
 * whole, or that finds no room, waits for the next batch ('*n' shrinks to
 * end before it), unless it is the batch's first and the batch is as long
 * as a batch gets: then it is dropped, as is a frame with a bad
 * descriptor or one that the sink refuses. */
static void
plan_frames(struct vm_batch *b, const struct vm_batch_env *env,
            const struct memif_desc *descs, uint16_t *n)
{
    uint32_t ofs = 0;
    size_t i = 0;

    b->n_frames = b->next_frame = 0;
    b->n_gathers = b->next_gather = 0;
    b->n_sges = 0;
    b->n_buffers = b->n_bad = 0;
    while (i < *n) {
        struct vm_batch_frame *f = &b->frames[b->n_frames];
        struct plan_mark mark = plan_mark(b, ofs);
        size_t first = i;
        enum plan_result result;
        uint32_t len = 0;

        if (b->n_buffers == env->max_frames) {
            *n = first;
            break;
        }
        result = plan_frame(env, b, descs, *n, &i, &ofs, &len);
        if (result == PLAN_FULL
            || (result == PLAN_PARTIAL && (first > 0 || *n < VM_BATCH))) {
            plan_undo(b, &mark, &ofs);
            *n = first;
            break;
        } else if (result != PLAN_FRAME) {
            plan_undo(b, &mark, &ofs);
            b->n_bad++;
        }
        f->ofs = mark.ofs;
        f->len = result == PLAN_FRAME ? len : 0;
        f->ok = f->len > 0 && take_buffer(b, env->sink, f);
        if (!f->ok && f->len) {
            plan_undo(b, &mark, &ofs);
        }
        b->n_frames++;
    }
}

/* Splits the octets of each of the batch's READ_SGs into the pieces of the
 * frames' buffers where they land. */
static void
plan_pieces(struct vm_batch *b)
{
    size_t fi = 0;

    b->n_pieces = 0;
    for (size_t gi = 0; gi < b->n_gathers; gi++) {
        struct vm_gather *g = &b->gathers[gi];
        uint32_t ofs = g->ofs;
        uint32_t end = g->ofs + g->len;

        g->first_piece = b->n_pieces;
        g->n_pieces = 0;
        while (ofs < end) {
            const struct vm_batch_frame *f = &b->frames[fi];
            uint32_t n;

            if (!f->ok || ofs >= f->ofs + f->len) {
                fi++;
                continue;
            }
            n = MIN(end, f->ofs + f->len) - ofs;
            b->pieces[b->n_pieces++] = (struct roe_local_sge) {
                f->data + (ofs - f->ofs), n
            };
            g->n_pieces++;
            ofs += n;
        }
    }
}

/* Plans batch 'b' of the frames of descriptors 'descs[0]' to
 * 'descs[*n - 1]', as plan_frames() says, and where the READ_SGs land. */
void
vm_batch_plan(struct vm_batch *b, const struct vm_batch_env *env,
              const struct memif_desc *descs, uint16_t *n)
{
    plan_frames(b, env, descs, n);
    plan_pieces(b);
}

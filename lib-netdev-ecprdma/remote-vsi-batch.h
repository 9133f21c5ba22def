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

#ifndef REMOTE_VSI_BATCH_H
#define REMOTE_VSI_BATCH_H 1

/* The plan of a batch of a VM's transmit ring, for remote-vsi.c only: the
 * READ_SGs that bring the octets of the batch's frames from the VM's
 * memory, and the pieces of the frames' buffers, taken from the caller's
 * sink, where they land.  Only the frames' octets are read, back to back,
 * with the descriptors that follow each other in the VM's memory merged
 * into one segment. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memif-proto.h"
#include "roe-qp.h"

struct remote_vsi_sink;
struct vdp_message;

enum {
    VM_BATCH = 1024,                /* Descriptors per batch. */
    VM_BATCH_BYTES_MAX = 1 << 22,   /* Octets read per batch, at most. */
};

/* One READ_SG of a VM ring batch: the ring's segments [first, first + n),
 * 'len' octets in all, octets [ofs, ofs + len) of the batch's frames back
 * to back, which land in the pieces [first_piece, first_piece + n_pieces)
 * of the frames' buffers. */
struct vm_gather {
    size_t first;
    unsigned int n;
    uint32_t len;
    uint32_t ofs;
    size_t first_piece;
    unsigned int n_pieces;
};

/* One frame of a VM ring batch: octets [ofs, ofs + len) of the batch's
 * frames back to back, read into 'data' of 'buffer' (taken from the sink)
 * if 'ok'. */
struct vm_batch_frame {
    uint32_t ofs;
    uint32_t len;
    bool ok;
    void *buffer;
    uint8_t *data;
};

struct vm_batch {
    size_t n_frames, next_frame;
    struct vm_batch_frame frames[VM_BATCH];
    size_t n_gathers, next_gather;
    struct vm_gather gathers[VM_BATCH];
    size_t n_sges;
    struct roe_sge sges[VM_BATCH];  /* Of 'gathers', until they complete. */
    size_t n_pieces;
    struct roe_local_sge pieces[2 * VM_BATCH];  /* Of 'gathers': a piece
                                 * per frame and READ_SG it spans. */

    /* What the last plan did besides planning. */
    size_t n_buffers;           /* Buffers taken from the sink. */
    size_t n_bad;               /* Frames dropped, with a bad descriptor
                                 * or too long for a batch. */
};

/* What a batch's plan depends on. */
struct vm_batch_env {
    const struct vdp_message *assoc;    /* Its regions. */
    unsigned int max_sg;        /* Segments per READ_SG, at most. */
    uint32_t max_xfer;          /* Octets per READ_SG, at most. */
    const struct remote_vsi_sink *sink;     /* Lends the buffers. */
    size_t max_frames;          /* Buffers to take, at most. */
};

void vm_batch_plan(struct vm_batch *, const struct vm_batch_env *,
                   const struct memif_desc *descs, uint16_t *n);

#endif /* remote-vsi-batch.h */

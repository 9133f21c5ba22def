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

#ifndef REMOTE_VSI_PRIVATE_H
#define REMOTE_VSI_PRIVATE_H 1

/* The inside of a remote VSI, shared by remote-vsi.c (the VSI, its VM
 * rings, completions) and remote-vsi-uplink.c (the server uplink's egress
 * and ingress rings). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame-ring.h"
#include "memif-proto.h"
#include "remote-vsi.h"
#include "remote-vsi-batch.h"
#include "roe-qp.h"
#include "vdp.h"

#define MIN(A, B) ((A) < (B) ? (A) : (B))
#define MAX(A, B) ((A) > (B) ? (A) : (B))
#define ARRAY_SIZE(A) (sizeof (A) / sizeof (A)[0])

enum {
    PREFETCH_MIN = 64,          /* Descriptors read ahead, at least. */
    PRODUCER_WRITES_MAX = 8,    /* Ingress producer WRITEs in flight. */
    IDLE_POLL_US = 20,          /* Index polls of an empty ring... */
    IDLE_POLL_MAX_US = 1000,    /* ...back off up to this, and once it
                                 * has been empty for... */
    IDLE_DEEP_AFTER_US = 1000 * 1000,
    IDLE_DEEP_POLL_US = 20 * 1000,  /* ...to this. */
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
    long long idle_since;
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
    long long idle_since;
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


/* What a step of a ring's state machine leaves to do in this run. */
enum ring_step {
    STEP_WAIT,                  /* Nothing: the ring waits for completions,
                                 * for its next poll or for the sink. */
    STEP_GO,                    /* The ring's new state runs now. */
};

/* Helpers of remote-vsi.c. */
int remote_vsi_post_wr(struct remote_vsi *, const struct roe_send_wr *);
int remote_vsi_post(struct remote_vsi *, size_t ring, enum wr_kind,
                    enum roe_wr_opcode, void *local, uint32_t len,
                    uint64_t iova, uint32_t rkey);
int remote_vsi_post_reads(struct remote_vsi *, size_t ring, enum wr_kind,
                          const struct transfer *, size_t n, size_t *nextp,
                          int *pending);
void remote_vsi_back_off(long long now, long long *next_poll, int *idle_us,
                         long long *idle_since);
void remote_vsi_stop_all(struct remote_vsi *);
enum ring_step remote_vsi_post_failed(struct remote_vsi *, int error);
size_t remote_vsi_sink_room(const struct remote_vsi *,
                            const struct remote_vsi_sink *);

/* The server uplink's rings (remote-vsi-uplink.c). */
void remote_vsi_egress_done(struct remote_vsi *, enum wr_kind);
void remote_vsi_ingress_done(struct remote_vsi *, enum wr_kind);
void remote_vsi_run_egress(struct remote_vsi *, long long now,
                           const struct remote_vsi_sink *);
void remote_vsi_run_ingress(struct remote_vsi *);
long long remote_vsi_ingress_next_run(const struct remote_vsi *);

#endif /* remote-vsi-private.h */

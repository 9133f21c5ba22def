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

/* Two links in memory, each receiving what the other sends, for tests.
 *
 * Each link owns the FIFO of frames sent to it: 'capacity' slots of
 * max_frame_len octets, allocated once.  The frames that link_recv()
 * returns stay in their slots until the next link_recv(), so the peer
 * cannot overwrite them before then. */

#include "link-provider.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct pair_link {
    struct link up;
    struct pair_link *peer;     /* NULL once the peer is closed. */

    /* The FIFO of frames for this link.  Slots 'head' up to 'tail' (free
     * running, modulo 'capacity') are in use; of those, the first 'n_lent'
     * were returned by the last link_recv(). */
    uint8_t *slots;
    size_t *lens;
    size_t capacity;
    size_t head;
    size_t tail;
    size_t n_lent;
};

static struct pair_link *
pair_link_cast(const struct link *link)
{
    return LINK_CAST(struct pair_link, link);
}

static struct pair_link *
pair_link_create(const char *name, int mtu, size_t capacity)
{
    struct pair_link *pl = xalloc_zeroed(1, sizeof *pl);
    uint8_t mac[6];

    link_random_mac(mac);
    link_init(&pl->up, &link_pair_class, name, mtu, mac);
    pl->capacity = capacity;
    pl->slots = xalloc(capacity * pl->up.max_frame_len);
    pl->lens = xalloc(capacity * sizeof *pl->lens);
    return pl;
}

void
link_pair_create(int mtu, size_t capacity, struct link **a, struct link **b)
{
    struct pair_link *pa, *pb;

    if (mtu <= 0 || mtu > LINK_MTU_MAX) {
        mtu = LINK_DEFAULT_MTU;
    }
    if (!capacity) {
        capacity = 1;
    }
    pa = pair_link_create("pair:a", mtu, capacity);
    pb = pair_link_create("pair:b", mtu, capacity);
    pa->peer = pb;
    pb->peer = pa;
    *a = &pa->up;
    *b = &pb->up;
}

static void
pair_close(struct link *link)
{
    struct pair_link *pl = pair_link_cast(link);

    if (pl->peer) {
        pl->peer->peer = NULL;
    }
    free(pl->slots);
    free(pl->lens);
    link_uninit(&pl->up);
    free(pl);
}

static bool
pair_is_up(const struct link *link)
{
    return pair_link_cast(link)->peer != NULL;
}

static int
pair_fd(const struct link *link)
{
    (void) link;
    return -1;
}

static int
pair_recv(struct link *link, struct link_frame frames[], int max)
{
    struct pair_link *pl = pair_link_cast(link);
    int n = 0;

    pl->head += pl->n_lent;
    while (n < max && pl->head + n != pl->tail) {
        size_t slot = (pl->head + n) % pl->capacity;

        frames[n].data = pl->slots + slot * link->max_frame_len;
        frames[n].len = pl->lens[slot];
        n++;
    }
    pl->n_lent = n;
    return n;
}

static int
pair_send(struct link *link, const struct link_frame frames[], int n)
{
    struct pair_link *peer = pair_link_cast(link)->peer;
    int i;

    if (!peer) {
        return 0;
    }
    for (i = 0; i < n && peer->tail - peer->head < peer->capacity; i++) {
        size_t slot = peer->tail % peer->capacity;

        /* Both links have the same MTU, so the frame fits. */
        memcpy(peer->slots + slot * peer->up.max_frame_len,
               frames[i].data, frames[i].len);
        peer->lens[slot] = frames[i].len;
        peer->tail++;
        link->stats.tx_frames++;
        link->stats.tx_bytes += frames[i].len;
    }
    return i;
}

const struct link_class link_pair_class = {
    .type = "pair",
    .close = pair_close,
    .is_up = pair_is_up,
    .fd = pair_fd,
    .recv = pair_recv,
    .send = pair_send,
};

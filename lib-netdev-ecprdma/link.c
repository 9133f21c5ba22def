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

/* The generic link layer: names, length checks, statistics and fault
 * injection.  The classes in link-*.c move the frames. */

#define _GNU_SOURCE
#include "link-provider.h"

#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ecprdma-clock.h"
#include "xalloc.h"

static const struct link_class *const classes[] = {
    &link_afpacket_class,
#ifdef HAVE_AF_XDP
    &link_afxdp_class,
#endif
    &link_unix_class,
    &link_punix_class,
};

int
link_open(const char *name, int mtu, struct link **linkp, char **errorp)
{
    const char *colon = strchr(name, ':');

    *linkp = NULL;
    *errorp = NULL;
    if (colon) {
        size_t n = colon - name;

        for (size_t i = 0; i < sizeof classes / sizeof *classes; i++) {
            const struct link_class *class = classes[i];

            if (strlen(class->type) == n && !memcmp(class->type, name, n)) {
                if (mtu < 0 || mtu > LINK_MTU_MAX) {
                    *errorp = xalloc_printf("%s: invalid MTU %d (expected "
                                            "1 to %d, or 0 for the "
                                            "default)", name, mtu,
                                            LINK_MTU_MAX);
                    return EINVAL;
                }
                return class->open(name, colon + 1, mtu, linkp, errorp);
            }
        }
    }
    if (!strncmp(name, "afxdp:", 6)) {
        *errorp = xalloc_printf("%s: this build has no AF_XDP links (it "
                                "needs libxdp and libbpf)", name);
        return EOPNOTSUPP;
    }
    *errorp = xalloc_printf("%s: unknown type of link (expected "
                            "afpacket:IFNAME, afxdp:IFNAME[:QUEUE], "
                            "unix:PATH or punix:PATH)", name);
    return EINVAL;
}

void
link_close(struct link *link)
{
    if (link) {
        link->class->close(link);
    }
}

/* Initializes the generic part of 'link', which link_uninit() frees.
 * 'mtu' must be positive. */
void
link_init(struct link *link, const struct link_class *class,
          const char *name, int mtu, const uint8_t mac[6])
{
    memset(link, 0, sizeof *link);
    link->class = class;
    link->name = xalloc_strdup(name);
    link->mtu = mtu;
    link->max_frame_len = LINK_MAX_FRAME_LEN(mtu);
    memcpy(link->mac, mac, 6);
}

void
link_uninit(struct link *link)
{
    free(link->name);
    free(link->scratch);
    free(link->held);
}

const char *
link_name(const struct link *link)
{
    return link->name;
}

int
link_mtu(const struct link *link)
{
    return link->mtu;
}

void
link_get_mac(const struct link *link, uint8_t mac[6])
{
    memcpy(mac, link->mac, 6);
}

bool
link_is_up(const struct link *link)
{
    return link->class->is_up(link);
}

int
link_fd(const struct link *link)
{
    return link->class->fd(link);
}

void
link_get_stats(const struct link *link, struct link_stats *stats)
{
    *stats = link->stats;
}

int
link_recv(struct link *link, struct link_frame frames[], int max)
{
    int n = max > 0 ? link->class->recv(link, frames, max) : 0;

    link->stats.rx_frames += n;
    for (int i = 0; i < n; i++) {
        link->stats.rx_bytes += frames[i].len;
    }
    return n;
}

static bool
frame_is_valid(const struct link *link, const struct link_frame *frame)
{
    return (frame->len >= LINK_ETH_HEADER_LEN
            && frame->len <= link->max_frame_len);
}

/* Hands one frame to the class and returns true if it accepted it. */
static bool
send_one(struct link *link, const uint8_t *data, size_t len)
{
    struct link_frame frame = { data, len };

    return link->class->send(link, &frame, 1) == 1;
}

/* Sends the held frame, if any and if the class accepts it. */
static void
release_held(struct link *link)
{
    if (link->held_len && send_one(link, link->held, link->held_len)) {
        link->held_len = 0;
    }
}

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(uint64_t s[4])
{
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* True with probability 'p'. */
static bool
rng_chance(uint64_t s[4], double p)
{
    return (double) (rng_next(s) >> 11) / (UINT64_C(1) << 53) < p;
}

void
link_set_faults(struct link *link, const struct link_faults *faults)
{
    uint64_t x = faults->seed;

    link->faults = *faults;
    link->faults_active = (faults->drop > 0 || faults->duplicate > 0
                           || faults->reorder > 0 || faults->corrupt > 0);
    for (int i = 0; i < 4; i++) {
        link->rng[i] = splitmix64(&x);
    }
    if (link->faults_active && !link->scratch) {
        link->scratch = xalloc(link->max_frame_len);
        link->held = xalloc(link->max_frame_len);
    }
}

/* Sends 'frame' with faults: see link_send().  Returns true if the frame
 * counts as accepted. */
static bool
send_with_faults(struct link *link, const struct link_frame *frame)
{
    const struct link_faults *f = &link->faults;
    uint64_t saved_rng[4];
    const uint8_t *data = frame->data;
    bool corrupt, reorder, duplicate;

    memcpy(saved_rng, link->rng, sizeof saved_rng);
    if (rng_chance(link->rng, f->drop)) {
        link->stats.fault_drops++;
        return true;
    }
    corrupt = rng_chance(link->rng, f->corrupt);
    if (corrupt) {
        size_t bit = rng_next(link->rng) % (frame->len * 8);

        memcpy(link->scratch, frame->data, frame->len);
        link->scratch[bit / 8] ^= 1u << (bit % 8);
        data = link->scratch;
    }
    reorder = rng_chance(link->rng, f->reorder);
    duplicate = rng_chance(link->rng, f->duplicate);

    if (reorder && !link->held_len) {
        /* Hold the frame back until after the next one. */
        memcpy(link->held, data, frame->len);
        link->held_len = frame->len;
        link->n_holds++;
        link->stats.fault_reorders++;
        link->stats.fault_corruptions += corrupt;
        return true;
    }
    if (!send_one(link, data, frame->len)) {
        /* Not accepted: the caller sends the frame again later, and then
         * it meets the same fate. */
        memcpy(link->rng, saved_rng, sizeof saved_rng);
        return false;
    }
    link->stats.fault_corruptions += corrupt;
    if (duplicate && send_one(link, data, frame->len)) {
        link->stats.fault_duplicates++;
    }
    release_held(link);
    return true;
}

/* The slow path of link_send(): one frame at a time, with faults, and with
 * the held frame, if any, sent after the first frame of this call. */
static int
send_slow(struct link *link, const struct link_frame frames[], int n)
{
    uint64_t n_holds = link->n_holds;
    bool was_held = link->held_len != 0;
    int i;

    for (i = 0; i < n; i++) {
        if (!frame_is_valid(link, &frames[i])) {
            link->stats.tx_errors++;
        } else if (link->faults_active) {
            if (!send_with_faults(link, &frames[i])) {
                break;
            }
        } else if (send_one(link, frames[i].data, frames[i].len)) {
            release_held(link);
        } else {
            break;
        }
    }

    /* A frame held before this call goes now at the latest, so that no
     * frame is stranded. */
    if (was_held && link->n_holds == n_holds) {
        release_held(link);
    }
    return i;
}

int
link_send(struct link *link, const struct link_frame frames[], int n)
{
    int i = 0;

    if (link->faults_active || link->held_len) {
        return send_slow(link, frames, n);
    }

    /* The fast path: runs of valid frames go to the class in one call. */
    while (i < n) {
        int start = i;
        int sent;

        while (i < n && frame_is_valid(link, &frames[i])) {
            i++;
        }
        if (i > start) {
            sent = link->class->send(link, &frames[start], i - start);
            if (sent < i - start) {
                return start + sent;
            }
        }
        if (i < n) {
            /* Too short or too long: counted and dropped. */
            link->stats.tx_errors++;
            i++;
        }
    }
    return n;
}

void
link_run(struct link *link)
{
    if (link->class->run) {
        link->class->run(link);
    }
    release_held(link);
}

/* Parses a probability from 'value' into '*p'.  Returns true if
 * successful. */
static bool
parse_probability(const char *value, double *p)
{
    char *end;

    errno = 0;
    *p = strtod(value, &end);
    return (end != value && !*end && !errno && isfinite(*p)
            && *p >= 0 && *p <= 1);
}

static bool
parse_seed(const char *value, uint64_t *seed)
{
    char *end;

    if (value[0] < '0' || value[0] > '9') {
        return false;
    }
    errno = 0;
    *seed = strtoull(value, &end, 0);
    return !*end && !errno;
}

char *
link_faults_parse(const char *s, struct link_faults *faults)
{
    static const char *const keys[] = {
        "drop", "dup", "reorder", "corrupt", "seed"
    };
    char *copy = xalloc_strdup(s);
    char *save_ptr = NULL;
    char *error = NULL;
    unsigned int seen = 0;

    memset(faults, 0, sizeof *faults);
    for (char *word = strtok_r(copy, " ,", &save_ptr); word && !error;
         word = strtok_r(NULL, " ,", &save_ptr)) {
        char *value = strchr(word, '=');
        int key;

        if (!value || value == word) {
            error = xalloc_printf("%s: expected KEY=VALUE", word);
            continue;
        }
        *value++ = '\0';
        for (key = 0; key < 5; key++) {
            if (!strcmp(word, keys[key])) {
                break;
            }
        }
        if (key == 5) {
            error = xalloc_printf("%s: unknown fault (expected drop, dup, "
                                  "reorder, corrupt or seed)", word);
        } else if (seen & (1u << key)) {
            error = xalloc_printf("%s: given twice", word);
        } else if (key == 4) {
            if (!parse_seed(value, &faults->seed)) {
                error = xalloc_printf("seed=%s: expected an integer from 0 "
                                      "to %llu", value,
                                      (unsigned long long) UINT64_MAX);
            }
        } else {
            double *p = (key == 0 ? &faults->drop
                         : key == 1 ? &faults->duplicate
                         : key == 2 ? &faults->reorder
                         : &faults->corrupt);

            if (!parse_probability(value, p)) {
                error = xalloc_printf("%s=%s: expected a probability from 0 "
                                      "to 1", word, value);
            }
        }
        seen |= 1u << key;
    }
    free(copy);
    if (error) {
        memset(faults, 0, sizeof *faults);
    }
    return error;
}

/* Stores a random, locally administered, unicast MAC address in 'mac'. */
void
link_random_mac(uint8_t mac[6])
{
    static uint64_t counter;

    if (getrandom(mac, 6, GRND_NONBLOCK) != 6) {
        uint64_t x = (link_time_msec() ^ ((uint64_t) getpid() << 32)
                      ^ counter++);
        uint64_t r = splitmix64(&x);

        memcpy(mac, &r, 6);
    }
    mac[0] = (mac[0] & ~1u) | 2u;
}

/* Monotonic time in milliseconds. */
long long int
link_time_msec(void)
{
    return ecprdma_clock_ns() / 1000000;
}

/* The text for 'error', in 'buf'. */
const char *
link_strerror(int error, char *buf, size_t size)
{
    return strerror_r(error, buf, size);
}

/* Sends frames[0..n-1] on socket 'fd' with sendmmsg(), LINK_BATCH at a
 * time, and counts them in tx_frames and tx_bytes, until all are sent or
 * one is not.  Returns how many were sent and stores in '*errorp' 0 if
 * that is all of them, otherwise the errno value for the first frame not
 * sent (EAGAIN if the socket buffer is full). */
int
link_sendmmsg(struct link *link, int fd, const struct link_frame frames[],
              int n, int flags, int *errorp)
{
    int i = 0;

    *errorp = 0;
    while (i < n) {
        struct mmsghdr msgs[LINK_BATCH];
        struct iovec iovs[LINK_BATCH];
        int k = n - i < LINK_BATCH ? n - i : LINK_BATCH;
        int sent;

        memset(msgs, 0, k * sizeof *msgs);
        for (int j = 0; j < k; j++) {
            iovs[j].iov_base = (void *) frames[i + j].data;
            iovs[j].iov_len = frames[i + j].len;
            msgs[j].msg_hdr.msg_iov = &iovs[j];
            msgs[j].msg_hdr.msg_iovlen = 1;
        }
        sent = sendmmsg(fd, msgs, k, flags | MSG_DONTWAIT);
        if (sent <= 0) {
            *errorp = sent < 0 ? errno : EAGAIN;
            break;
        }
        for (int j = 0; j < sent; j++) {
            link->stats.tx_frames++;
            link->stats.tx_bytes += frames[i + j].len;
        }
        i += sent;
        if (sent < k) {
            /* sendmmsg() keeps the error that stopped it, if any, for
             * SO_ERROR; none means the socket buffer is full. */
            socklen_t len = sizeof *errorp;

            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, errorp, &len)) {
                *errorp = errno;
            }
            if (!*errorp) {
                *errorp = EAGAIN;
            }
            break;
        }
    }
    return i;
}

/* True if 'error' from sending means "try again later". */
bool
link_error_is_transient(int error)
{
    return (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS
            || error == EINTR);
}

/* Looks up the interface 'ifname' of link 'name' (for messages): stores
 * its index, MTU (at most LINK_MTU_MAX), address, and whether it is an
 * Ethernet interface.  Returns 0, or a positive errno value with a message
 * in '*errorp'. */
int
link_lookup_interface(const char *name, const char *ifname,
                      unsigned int *ifindex, int *mtu, uint8_t mac[6],
                      bool *is_ethernet, char **errorp)
{
    struct ifreq ifr;
    char buf[64];
    int error = 0;
    int fd;

    if (!ifname[0]) {
        /* 'name' is "TYPE:". */
        *errorp = xalloc_printf("%.*s: missing interface name",
                                (int) strlen(name) - 1, name);
        return EINVAL;
    }
    if (strlen(ifname) >= IFNAMSIZ) {
        *errorp = xalloc_printf("%s: interface name too long (at most %d "
                                "characters)", name, IFNAMSIZ - 1);
        return ENAMETOOLONG;
    }
    *ifindex = if_nametoindex(ifname);
    if (!*ifindex) {
        error = errno;
        if (error == ENODEV || error == ENXIO) {
            *errorp = xalloc_printf("%s: no such network interface", name);
        } else {
            *errorp = xalloc_printf("%s: cannot look up interface (%s)",
                                    name,
                                    link_strerror(error, buf, sizeof buf));
        }
        return error;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = errno;
        *errorp = xalloc_printf("%s: cannot create socket (%s)", name,
                                link_strerror(error, buf, sizeof buf));
        return error;
    }
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    if (ioctl(fd, SIOCGIFMTU, &ifr)) {
        error = errno;
        *errorp = xalloc_printf("%s: cannot get the interface's MTU (%s)",
                                name, link_strerror(error, buf, sizeof buf));
    } else if (ifr.ifr_mtu <= 0) {
        *errorp = xalloc_printf("%s: the interface's MTU %d is unusable",
                                name, ifr.ifr_mtu);
        error = EINVAL;
    } else {
        *mtu = ifr.ifr_mtu < LINK_MTU_MAX ? ifr.ifr_mtu : LINK_MTU_MAX;
        if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
            error = errno;
            *errorp = xalloc_printf("%s: cannot get the interface's "
                                    "Ethernet address (%s)", name,
                                    link_strerror(error, buf, sizeof buf));
        } else {
            *is_ethernet = ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;
            memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
        }
    }
    close(fd);
    return error;
}

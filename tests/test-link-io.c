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


/* Link test commands for the shell: open a link and report on it, send
 * test frames, receive and check them.  The .at files run them on both
 * ends of unix and afpacket links, in separate processes or network
 * namespaces. */

#define _GNU_SOURCE
#include "link.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecprdma-test.h"
#include "test-link.h"

/* How long the commands wait for a peer or for frames. */
enum { TIMEOUT_MS = 10000 };

long long int
test_time_ms(void)
{
    return ecprdma_test_now_us() / 1000;
}

void
test_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static uint8_t
pattern(uint32_t index, size_t offset)
{
    uint32_t x = index * 0x9e3779b9u + (uint32_t) offset * 0x85ebca6bu;

    x ^= x >> 15;
    x *= 0x2c1b3c6du;
    return x >> 24;
}

void
test_frame_make(uint8_t *frame, uint32_t index, size_t len, bool vlan)
{
    static const uint8_t header[12] = {
        0x01, 0x80, 0xc2, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    };
    size_t off = 12;

    memcpy(frame, header, sizeof header);
    if (vlan) {
        uint16_t tci = 0x2000 | (index % 4096);

        frame[off++] = 0x81;
        frame[off++] = 0x00;
        frame[off++] = tci >> 8;
        frame[off++] = tci;
    }
    frame[off++] = 0x89;
    frame[off++] = 0x40;
    frame[off++] = index >> 24;
    frame[off++] = index >> 16;
    frame[off++] = index >> 8;
    frame[off++] = index;
    for (; off < len; off++) {
        frame[off] = pattern(index, off);
    }
}

bool
test_frame_check(const uint8_t *frame, size_t len, uint32_t *index,
                 bool *vlan)
{
    uint8_t expected[65536 + 18];
    size_t off;

    *index = 0;
    *vlan = len >= 14 && frame[12] == 0x81 && frame[13] == 0x00;
    off = *vlan ? 18 : 14;
    if (len < TEST_FRAME_MIN_LEN(*vlan) || len > sizeof expected) {
        return false;
    }
    *index = ((uint32_t) frame[off] << 24 | frame[off + 1] << 16
              | frame[off + 2] << 8 | frame[off + 3]);
    test_frame_make(expected, *index, len, *vlan);
    return !memcmp(frame, expected, len);
}

bool
test_link_wait_up(struct link *a, struct link *b, int ms)
{
    long long int deadline = test_time_ms() + ms;

    for (;;) {
        if (a) {
            link_run(a);
        }
        if (b) {
            link_run(b);
        }
        if ((!a || link_is_up(a)) && (!b || link_is_up(b))) {
            return true;
        }
        if (test_time_ms() >= deadline) {
            return false;
        }
        test_sleep_ms(1);
    }
}

/* Opens 'name' with the MTU in 'mtu_s' or exits with the error. */
static struct link *
open_or_exit(const char *name, const char *mtu_s)
{
    struct link *link;
    char *error;

    if (link_open(name, mtu_s ? atoi(mtu_s) : 0, &link, &error)) {
        fprintf(stderr, "%s\n", error);
        free(error);
        exit(1);
    }
    return link;
}

static int
test_link_open(int argc, char *argv[])
{
    struct link *link;
    uint8_t mac[6];

    if (argc < 2) {
        fprintf(stderr, "usage: link-open NAME [MTU]\n");
        return 2;
    }
    link = open_or_exit(argv[1], argc > 2 ? argv[2] : NULL);
    link_get_mac(link, mac);
    printf("mtu %d\nmac %02x:%02x:%02x:%02x:%02x:%02x\n", link_mtu(link),
           mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    link_close(link);
    return 0;
}

ECPRDMA_TEST_REGISTER("link-open", "NAME [MTU]", test_link_open);

/* Parses "LEN" or "LENv" (with a VLAN tag). */
static bool
parse_spec(const char *s, size_t *len, bool *vlan)
{
    char *end;
    long n = strtol(s, &end, 10);

    *vlan = *end == 'v';
    if (*vlan) {
        end++;
    }
    *len = n;
    return (end != s && !*end && n >= TEST_FRAME_MIN_LEN(*vlan)
            && n <= 65536 + 18);
}

static int
test_link_send(int argc, char *argv[])
{
    static uint8_t frame[65536 + 18];
    long long int deadline;
    struct link_stats stats;
    struct link *link;

    if (argc < 3) {
        fprintf(stderr, "usage: link-send NAME MTU LEN[v]...\n");
        return 2;
    }
    link = open_or_exit(argv[1], argv[2]);
    if (!test_link_wait_up(link, NULL, TIMEOUT_MS)) {
        printf("%s: not up\n", argv[1]);
        return 1;
    }

    deadline = test_time_ms() + TIMEOUT_MS;
    for (int i = 3; i < argc; i++) {
        struct link_frame lf = { frame, 0 };
        bool vlan;

        if (!parse_spec(argv[i], &lf.len, &vlan)) {
            fprintf(stderr, "%s: bad frame length\n", argv[i]);
            return 2;
        }
        test_frame_make(frame, i - 3, lf.len, vlan);
        while (link_send(link, &lf, 1) != 1) {
            if (test_time_ms() >= deadline) {
                printf("timeout sending frame %d\n", i - 3);
                return 1;
            }
            link_run(link);
            test_sleep_ms(1);
        }
    }
    link_get_stats(link, &stats);
    printf("sent %llu frames, %llu errors\n",
           (unsigned long long) stats.tx_frames,
           (unsigned long long) stats.tx_errors);
    link_close(link);
    return 0;
}

ECPRDMA_TEST_REGISTER("link-send", "NAME MTU LEN[v]...", test_link_send);

static int
test_link_recv(int argc, char *argv[])
{
    long long int deadline;
    struct link_stats stats;
    struct link *link;
    int count, n = 0;
    bool ok = true;

    if (argc < 4) {
        fprintf(stderr, "usage: link-recv NAME MTU COUNT\n");
        return 2;
    }
    link = open_or_exit(argv[1], argv[2]);
    count = atoi(argv[3]);
    printf("ready\n");
    fflush(stdout);

    deadline = test_time_ms() + TIMEOUT_MS;
    while (n < count) {
        struct link_frame frames[8];
        int k;

        link_run(link);
        k = link_recv(link, frames, 8);
        for (int i = 0; i < k; i++) {
            uint32_t index;
            bool vlan;
            bool good = test_frame_check(frames[i].data, frames[i].len,
                                         &index, &vlan);

            printf("frame %"PRIu32": %zu octets%s, %s\n", index,
                   frames[i].len, vlan ? " with VLAN tag" : "",
                   good ? "ok" : "WRONG");
            ok = ok && good;
        }
        n += k;
        if (!k) {
            if (test_time_ms() >= deadline) {
                printf("timeout after %d frames\n", n);
                return 1;
            }
            test_sleep_ms(1);
        }
    }
    link_get_stats(link, &stats);
    printf("rx_errors %llu\n", (unsigned long long) stats.rx_errors);
    link_close(link);
    return ok ? 0 : 1;
}

ECPRDMA_TEST_REGISTER("link-recv", "NAME MTU COUNT", test_link_recv);

/* Sends COUNT frames of 60 octets from link SEND to link RECV, which does
 * not receive meanwhile, so that its receive ring overflows; then receives
 * what is there and prints how many frames arrived and how many the link
 * counted as overruns. */
static int
test_link_overrun(int argc, char *argv[])
{
    static uint8_t frame[60];
    struct link *send, *recv;
    struct link_stats stats;
    long long int deadline;
    int count, received = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: link-overrun SEND RECV COUNT\n");
        return 2;
    }
    send = open_or_exit(argv[1], "1500");
    recv = open_or_exit(argv[2], "1500");
    count = atoi(argv[3]);
    if (!test_link_wait_up(send, NULL, TIMEOUT_MS)) {
        printf("%s: not up\n", argv[1]);
        return 1;
    }
    for (int i = 0; i < count; i++) {
        struct link_frame lf = { frame, sizeof frame };

        test_frame_make(frame, i, sizeof frame, false);
        deadline = test_time_ms() + TIMEOUT_MS;
        while (link_send(send, &lf, 1) != 1) {
            if (test_time_ms() >= deadline) {
                printf("timeout sending frame %d\n", i);
                return 1;
            }
            link_run(send);
            test_sleep_ms(1);
        }
    }

    /* Whatever the ring holds is there by now; receive it all. */
    deadline = test_time_ms() + 200;
    while (test_time_ms() < deadline) {
        struct link_frame frames[32];
        int k;

        link_run(recv);
        k = link_recv(recv, frames, 32);
        received += k;
        if (k) {
            deadline = test_time_ms() + 200;
        }
    }
    link_get_stats(recv, &stats);
    printf("%s\n", stats.rx_overruns > 0 ? "overruns counted"
                                         : "no overruns counted");
    printf("received + overruns %s sent\n",
           received + stats.rx_overruns == count ? "=" : "!=");
    if (received + stats.rx_overruns != count) {
        printf("sent %d, received %d, overruns %llu\n", count, received,
               (unsigned long long) stats.rx_overruns);
    }
    link_close(send);
    link_close(recv);
    return 0;
}

ECPRDMA_TEST_REGISTER("link-overrun", "SEND RECV COUNT", test_link_overrun);

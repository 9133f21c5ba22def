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

/* ecp-rdma-vm's command line: its options, their checks and its help. */

#include "ecp-rdma-vm-options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#ifndef ECPRDMA_VERSION
#define ECPRDMA_VERSION "unknown"
#endif

#define CMDS_ALL ((1u << N_COMMANDS) - 1)
#define CMD_BIT(CMD) (1u << (CMD))

const char *const command_names[N_COMMANDS] = {
    "send", "recv", "echo", "ping", "arp",
};

/* Prints the usage message and exits successfully. */
static void
usage(void)
{
    printf("%s: a memif client standing in for a VM\n"
           "usage: %s COMMAND --socket=PATH [OPTIONS]\n"
           "\n"
           "Commands:\n"
           "  send  send sequence-numbered test frames\n"
           "  recv  receive test frames; report loss, duplicates, reordering\n"
           "        and corruption\n"
           "  echo  send every frame back, with its MAC (and IPv4) addresses\n"
           "        swapped\n"
           "  ping  send test frames to an echoing peer; report round trips\n"
           "  arp   ask for the MAC address of --ip's DST; print it\n"
           "\n"
           "Connection options:\n"
           "  --socket=PATH        server socket; @NAME for an abstract name\n"
           "  --id=N               interface id (default 0)\n"
           "  --secret=STRING      secret, at most 23 bytes\n"
           "  --ring-size=N        slots per ring, a power of two from 2 to\n"
           "                       16384 (default 1024; the server may lower\n"
           "                       it)\n"
           "  --buffer-size=N      bytes per buffer, 64 to 65535 (default\n"
           "                       2048)\n"
           "  --queues=N           queue pairs, 1 to %d (default 1)\n"
           "  --regions=1|2        rings and buffers in one region or in two\n"
           "                       (default 1)\n"
           "  --mode=MODE          poll: busy-poll the receive rings;\n"
           "                       interrupt: sleep until the server signals\n"
           "                       them (default)\n"
           "  --connect-timeout=S  keep trying to connect for S seconds\n"
           "                       (default 10)\n"
           "\n"
           "Traffic options:\n"
           "  --count=N            stop after N frames (ping: default 10)\n"
           "  --timeout=S          stop after S seconds\n"
           "  --rate=PPS           send: at most PPS frames per second\n"
           "  --size=SPEC          send, ping: frame sizes, each N or\n"
           "                       MIN-MAX (random), separated by commas,\n"
           "                       used in turn (default 60)\n"
           "  --seed=N             send, ping: seed of the random sizes\n"
           "                       (default 1)\n"
           "  --src-mac=MAC        source (default 02:00:00:00:00:01, echo:\n"
           "                       02:00:00:00:00:02)\n"
           "  --dst-mac=MAC        send, ping: destination address (default\n"
           "                       ff:ff:ff:ff:ff:ff)\n"
           "  --vlan=VID           send, ping, arp: add an 802.1Q tag\n"
           "  --ip=SRC,DST         send, ping: IPv4 packets (UDP) from SRC\n"
           "                       to DST; echo swaps them; arp: ask for\n"
           "                       DST as SRC\n"
           "  --stream=N           send, ping: stream id (default 0); send\n"
           "                       uses N + queue number\n"
           "  --expect-vlan=VID    recv: check the frames' VLAN id, or that\n"
           "                       they are untagged if VID is \"none\"\n"
           "  --interval=S         ping: seconds between pings (default\n"
           "                       0.01)\n"
           "  --rx-pause=S         recv: a slow VM: sleep S seconds after\n"
           "                       every look at the rings, without asking\n"
           "                       to be woken up\n"
           "  --hold               after the summary, stay connected until\n"
           "                       a signal or until the server leaves\n"
           "  --start-file=PATH    send, ping: once connected, wait until\n"
           "                       PATH exists\n"
           "\n"
           "Output options:\n"
           "  --json               print the summary as one JSON object\n"
           "  -v, --verbose        log the handshake on stderr\n"
           "  -h, --help           print this message\n"
           "  -V, --version        print the version\n"
           "\n"
           "Exit status: 0 success, 1 connection or protocol failure,\n"
           "2 usage error, 3 frames lost, duplicated, reordered, corrupted\n"
           "or mis-tagged (arp: no answer).\n",
           PROGRAM_NAME, PROGRAM_NAME, MEMIF_CLIENT_MAX_QUEUES);
    exit(EXIT_OK);
}

/* Reports a command-line error and exits. */
static void __attribute__((format(printf, 1, 2), noreturn))
usage_error(const char *format, ...)
{
    va_list args;

    fputs(PROGRAM_NAME ": ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry '%s --help' for more information.\n",
            PROGRAM_NAME);
    exit(EXIT_USAGE);
}

/* Parses 's', the value of option 'name', as an integer between 'min' and
 * 'max', or exits with a usage error. */
static uint64_t
parse_uint(const char *name, const char *s, uint64_t min, uint64_t max)
{
    unsigned long long int x;
    char *end;

    errno = 0;
    x = strtoull(s, &end, 0);
    if (s[0] < '0' || s[0] > '9' || errno || *end || x < min || x > max) {
        usage_error("--%s: \"%s\" is not an integer between %"PRIu64
                    " and %"PRIu64, name, s, min, max);
    }
    return x;
}

/* Parses 's', the value of option 'name', as a number of seconds between
 * 'min' and 'max', or exits with a usage error. */
static double
parse_seconds(const char *name, const char *s, double min, double max)
{
    double x;
    char *end;

    errno = 0;
    x = strtod(s, &end);
    if (end == s || errno || *end || !(x >= min && x <= max)) {
        usage_error("--%s: \"%s\" is not a number between %g and %g",
                    name, s, min, max);
    }
    return x;
}

/* Parses MAC address 's', the value of option 'name', into 'mac', or exits
 * with a usage error. */
static void
parse_mac(const char *name, const char *s, uint8_t mac[VM_ETH_ADDR_LEN])
{
    unsigned int b[VM_ETH_ADDR_LEN];
    int n = 0;
    int i;

    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n",
               &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) != 6
        || s[n]) {
        usage_error("--%s: \"%s\" is not a MAC address "
                    "(xx:xx:xx:xx:xx:xx)", name, s);
    }
    for (i = 0; i < VM_ETH_ADDR_LEN; i++) {
        mac[i] = b[i];
    }
}

/* Parses the value 's' of --size into 'opt', or exits with a usage
 * error.  Sizes are checked against the frame template later. */
static void
parse_sizes(struct options *opt, const char *s)
{
    char *copy = xalloc_strdup(s);
    char *save = NULL;
    char *item;

    opt->n_sizes = 0;
    for (item = strtok_r(copy, ",", &save); item;
         item = strtok_r(NULL, ",", &save)) {
        struct size_item *si;
        char *dash = strchr(item, '-');

        if (opt->n_sizes >= MAX_SIZE_ITEMS) {
            usage_error("--size: more than %d items", MAX_SIZE_ITEMS);
        }
        si = &opt->sizes[opt->n_sizes++];
        if (dash) {
            *dash = '\0';
            si->min = parse_uint("size", item, 0, MEMIF_CLIENT_MAX_FRAME);
            si->max = parse_uint("size", dash + 1, si->min,
                                 MEMIF_CLIENT_MAX_FRAME);
        } else {
            si->min = si->max = parse_uint("size", item, 0,
                                           MEMIF_CLIENT_MAX_FRAME);
        }
    }
    free(copy);
    if (!opt->n_sizes) {
        usage_error("--size: no size given");
    }
}

/* Parses --ip's "SRC,DST" into the IPv4 addresses of 't', or exits. */
static void
parse_ip_pair(const char *arg, struct vm_frame_template *t)
{
    const char *comma = strchr(arg, ',');
    char src[INET_ADDRSTRLEN];

    if (!comma || (size_t) (comma - arg) >= sizeof src) {
        usage_error("--ip: \"%s\" is not SRC,DST (two IPv4 addresses)",
                    arg);
    }
    memcpy(src, arg, comma - arg);
    src[comma - arg] = '\0';
    if (inet_pton(AF_INET, src, t->ip_src) != 1
        || inet_pton(AF_INET, comma + 1, t->ip_dst) != 1) {
        usage_error("--ip: \"%s\" is not SRC,DST (two IPv4 addresses)",
                    arg);
    }
    t->ipv4 = true;
}

/* Returns the largest frame size that 'opt' asks for. */
uint32_t
max_frame_size(const struct options *opt)
{
    uint32_t max = 0;
    size_t i;

    for (i = 0; i < opt->n_sizes; i++) {
        if (opt->sizes[i].max > max) {
            max = opt->sizes[i].max;
        }
    }
    return max;
}

/* Long options, and for each the commands that accept it. */
enum {
    OPT_SOCKET = UCHAR_MAX + 1,
    OPT_ID,
    OPT_SECRET,
    OPT_RING_SIZE,
    OPT_BUFFER_SIZE,
    OPT_QUEUES,
    OPT_REGIONS,
    OPT_MODE,
    OPT_CONNECT_TIMEOUT,
    OPT_COUNT,
    OPT_TIMEOUT,
    OPT_RATE,
    OPT_SIZE,
    OPT_SEED,
    OPT_SRC_MAC,
    OPT_DST_MAC,
    OPT_VLAN,
    OPT_IP,
    OPT_STREAM,
    OPT_EXPECT_VLAN,
    OPT_INTERVAL,
    OPT_RX_PAUSE,
    OPT_HOLD,
    OPT_START_FILE,
    OPT_JSON,
};

static const struct option long_options[] = {
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"id", required_argument, NULL, OPT_ID},
    {"secret", required_argument, NULL, OPT_SECRET},
    {"ring-size", required_argument, NULL, OPT_RING_SIZE},
    {"buffer-size", required_argument, NULL, OPT_BUFFER_SIZE},
    {"queues", required_argument, NULL, OPT_QUEUES},
    {"regions", required_argument, NULL, OPT_REGIONS},
    {"mode", required_argument, NULL, OPT_MODE},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"count", required_argument, NULL, OPT_COUNT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"rate", required_argument, NULL, OPT_RATE},
    {"size", required_argument, NULL, OPT_SIZE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"src-mac", required_argument, NULL, OPT_SRC_MAC},
    {"dst-mac", required_argument, NULL, OPT_DST_MAC},
    {"vlan", required_argument, NULL, OPT_VLAN},
    {"ip", required_argument, NULL, OPT_IP},
    {"stream", required_argument, NULL, OPT_STREAM},
    {"expect-vlan", required_argument, NULL, OPT_EXPECT_VLAN},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"rx-pause", required_argument, NULL, OPT_RX_PAUSE},
    {"hold", no_argument, NULL, OPT_HOLD},
    {"start-file", required_argument, NULL, OPT_START_FILE},
    {"json", no_argument, NULL, OPT_JSON},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* Returns the commands that accept option 'opt'. */
static unsigned int
option_commands(int opt)
{
    switch (opt) {
    case OPT_RATE:
        return CMD_BIT(CMD_SEND);
    case OPT_SIZE:
    case OPT_SEED:
    case OPT_DST_MAC:
    case OPT_STREAM:
        return CMD_BIT(CMD_SEND) | CMD_BIT(CMD_PING);
    case OPT_VLAN:
    case OPT_IP:
        return CMD_BIT(CMD_SEND) | CMD_BIT(CMD_PING) | CMD_BIT(CMD_ARP);
    case OPT_SRC_MAC:
        return (CMD_BIT(CMD_SEND) | CMD_BIT(CMD_PING) | CMD_BIT(CMD_ECHO)
                | CMD_BIT(CMD_ARP));
    case OPT_EXPECT_VLAN:
    case OPT_RX_PAUSE:
        return CMD_BIT(CMD_RECV);
    case OPT_INTERVAL:
        return CMD_BIT(CMD_PING);
    case OPT_START_FILE:
        return CMD_BIT(CMD_SEND) | CMD_BIT(CMD_PING);
    default:
        return CMDS_ALL;
    }
}

/* Returns the name of long option 'opt'. */
static const char *
option_name(int opt)
{
    const struct option *o;

    for (o = long_options; o->name; o++) {
        if (o->val == opt) {
            return o->name;
        }
    }
    return "?";
}

/* Sets the defaults of every option in 'opt'.  The connection stops waiting
 * when '*stop' becomes nonzero. */
static void
set_defaults(struct options *opt, volatile sig_atomic_t *stop)
{
    static const uint8_t broadcast[VM_ETH_ADDR_LEN] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    };

    memset(opt, 0, sizeof *opt);
    opt->memif.log2_ring_size = 10;
    opt->memif.buffer_size = 2048;
    opt->memif.n_queues = 1;
    opt->memif.n_regions = 1;
    opt->memif.interrupt = true;
    opt->memif.connect_timeout = 10;
    opt->memif.stop = stop;
    opt->sizes[0].min = opt->sizes[0].max = 60;
    opt->n_sizes = 1;
    opt->seed = 1;
    memcpy(opt->template.dst, broadcast, VM_ETH_ADDR_LEN);
    opt->template.vlan = -1;
    opt->expect_vlan = -2;
    opt->interval = 0.01;
}

/* Parses option 'c', with argument 'arg', if it is one of the options of
 * the memif connection.  Returns true if it was. */
static bool
parse_memif_option(struct memif_client_config *memif, int c,
                   const char *arg)
{
    switch (c) {
    case OPT_SOCKET:
        memif->socket = arg;
        break;
    case OPT_ID:
        memif->id = parse_uint("id", arg, 0, UINT32_MAX);
        break;
    case OPT_SECRET:
        if (strlen(arg) >= 24) {
            usage_error("--secret: longer than 23 bytes");
        }
        memif->secret = arg;
        break;
    case OPT_RING_SIZE: {
        uint64_t n = parse_uint("ring-size", arg, 2, 16384);

        if (n & (n - 1)) {
            usage_error("--ring-size: %"PRIu64" is not a power of two", n);
        }
        memif->log2_ring_size = __builtin_ctzll(n);
        break;
    }
    case OPT_BUFFER_SIZE:
        memif->buffer_size = parse_uint("buffer-size", arg, 64, 65535);
        break;
    case OPT_QUEUES:
        memif->n_queues = parse_uint("queues", arg, 1,
                                     MEMIF_CLIENT_MAX_QUEUES);
        break;
    case OPT_REGIONS:
        memif->n_regions = parse_uint("regions", arg, 1, 2);
        break;
    case OPT_MODE:
        if (!strcmp(arg, "poll")) {
            memif->interrupt = false;
        } else if (!strcmp(arg, "interrupt")) {
            memif->interrupt = true;
        } else {
            usage_error("--mode: \"%s\" is neither poll nor interrupt", arg);
        }
        break;
    case OPT_CONNECT_TIMEOUT:
        memif->connect_timeout = parse_seconds("connect-timeout", arg, 0,
                                               86400);
        break;
    case 'v':
        memif->verbose = true;
        break;
    default:
        return false;
    }
    return true;
}

/* Parses option 'c', with argument 'arg', if it is one of the options of
 * the traffic: how much, how fast, which frames, what to expect, how to
 * report.  Returns true if it was. */
static bool
parse_traffic_option(struct options *opt, int c, const char *arg)
{
    switch (c) {
    case OPT_COUNT:
        opt->count = parse_uint("count", arg, 1, UINT64_MAX);
        break;
    case OPT_TIMEOUT:
        opt->timeout = parse_seconds("timeout", arg, 0.001, 1e9);
        break;
    case OPT_RATE:
        opt->rate = parse_seconds("rate", arg, 0.001, 1e9);
        break;
    case OPT_SIZE:
        parse_sizes(opt, arg);
        break;
    case OPT_SEED:
        opt->seed = parse_uint("seed", arg, 0, UINT64_MAX);
        break;
    case OPT_SRC_MAC:
        parse_mac("src-mac", arg, opt->template.src);
        opt->src_mac_set = true;
        break;
    case OPT_DST_MAC:
        parse_mac("dst-mac", arg, opt->template.dst);
        break;
    case OPT_VLAN:
        opt->template.vlan = parse_uint("vlan", arg, 0, VM_VID_MAX);
        break;
    case OPT_IP:
        parse_ip_pair(arg, &opt->template);
        break;
    case OPT_STREAM:
        opt->stream = parse_uint("stream", arg, 0, UINT32_MAX);
        break;
    case OPT_EXPECT_VLAN:
        opt->expect_vlan = (!strcmp(arg, "none") ? -1
                            : (int) parse_uint("expect-vlan", arg, 0,
                                               VM_VID_MAX));
        break;
    case OPT_INTERVAL:
        opt->interval = parse_seconds("interval", arg, 0, 3600);
        break;
    case OPT_RX_PAUSE:
        opt->rx_pause = parse_seconds("rx-pause", arg, 0, 60);
        break;
    case OPT_HOLD:
        opt->hold = true;
        break;
    case OPT_START_FILE:
        opt->start_file = arg;
        break;
    case OPT_JSON:
        opt->json = true;
        break;
    default:
        return false;
    }
    return true;
}

/* Handles the options that only print something and exit: --help,
 * --version and those that getopt_long() did not recognize. */
static void
handle_other_option(int c)
{
    switch (c) {
    case 'h':
        usage();
        break;
    case 'V':
        printf("%s (ovs-ecp-rdma) %s\n", PROGRAM_NAME, ECPRDMA_VERSION);
        exit(EXIT_OK);
    default:
        fprintf(stderr, "Try '%s --help' for more information.\n",
                PROGRAM_NAME);
        exit(EXIT_USAGE);
    }
}

/* Returns the command named 'name', or exits. */
static enum command
parse_command(const char *name)
{
    size_t i;

    if (!name) {
        usage_error("missing command (send, recv, echo, ping or arp)");
    }
    for (i = 0; i < N_COMMANDS; i++) {
        if (!strcmp(name, command_names[i])) {
            return i;
        }
    }
    usage_error("unknown command \"%s\"", name);
}

/* Checks the options of 'opt', given for its command ('given' lists the
 * 'n_given' long options that the command line named), and fills in the
 * defaults that depend on the command.  Exits if they do not go
 * together. */
static void
check_options(struct options *opt, const unsigned int given[],
              size_t n_given)
{
    const char *socket = opt->memif.socket;
    size_t i;

    for (i = 0; i < n_given; i++) {
        if (!(option_commands(given[i]) & CMD_BIT(opt->command))) {
            usage_error("--%s does not apply to %s", option_name(given[i]),
                        command_names[opt->command]);
        }
    }
    if (!socket) {
        usage_error("missing --socket");
    }
    if (socket[0] == '@' ? !socket[1] : !socket[0]) {
        usage_error("--socket: empty name");
    }
    if (strlen(socket) > 107) {
        usage_error("--socket: name longer than 107 bytes");
    }
    if (!opt->src_mac_set) {
        static const uint8_t src[VM_ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 1 };
        static const uint8_t echo_src[VM_ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 2 };

        memcpy(opt->template.src, opt->command == CMD_ECHO ? echo_src : src,
               VM_ETH_ADDR_LEN);
    }
    for (i = 0; opt->command != CMD_ARP && i < opt->n_sizes; i++) {
        size_t min = vm_frame_min_size(&opt->template);

        if (opt->sizes[i].min < min) {
            usage_error("--size: frames must be at least %zu bytes%s", min,
                        opt->template.vlan >= 0 ? " with --vlan" : "");
        }
    }
    if (opt->command == CMD_PING && !opt->count) {
        opt->count = 10;
    }
    if (opt->command == CMD_ARP && !opt->template.ipv4) {
        usage_error("arp needs --ip");
    }
}

/* Parses the command line into 'opt', or exits. */
void
parse_options(int argc, char *argv[], struct options *opt,
              volatile sig_atomic_t *stop)
{
    unsigned int given[64] = { 0 };
    size_t n_given = 0;
    const char *command = NULL;
    int c;

    set_defaults(opt, stop);
    while ((c = getopt_long(argc, argv, "+vhV", long_options, NULL)) != -1
           || optind < argc) {
        if (c == -1) {
            /* A non-option argument: the command.  Options may follow. */
            if (command) {
                usage_error("unexpected argument \"%s\"", argv[optind]);
            }
            command = argv[optind++];
            continue;
        }
        if (c > UCHAR_MAX && n_given < sizeof given / sizeof *given) {
            given[n_given++] = c;
        }
        if (!parse_memif_option(&opt->memif, c, optarg)
            && !parse_traffic_option(opt, c, optarg)) {
            handle_other_option(c);
        }
    }
    opt->command = parse_command(command);
    check_options(opt, given, n_given);
}


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

/* "ecprdma-test roe-pcap FILE" writes the sample RoE frames (see
 * roe-samples.h), as the engine's roe_put_frame() encodes them, to FILE in
 * the classic libpcap format, for the Wireshark dissector's test
 * (tests/wireshark.at).  Every frame is parsed back with ecp_parse() and
 * roe_parse() before it is written, and a line about it is printed.
 *
 * "ecprdma-test roe-pcap FILE FRAME..." writes instead the frames read from
 * the files FRAME... (such as the fuzzers' corpus), as they are, and prints
 * what the engine's parsers say about each. */

#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ecp.h"
#include "ecprdma-test.h"
#include "roe-samples.h"
#include "roe.h"

#define PCAP_MAGIC 0xa1b2c3d4
#define PCAP_LINKTYPE_ETHERNET 1

/* Capture time of the first frame: 2026-01-01 00:00:00 UTC; the frames
 * follow one millisecond apart. */
#define PCAP_FIRST_SECOND 1767225600

/* The pcap format is written in little-endian byte order, whatever the
 * host's, so that the file is the same everywhere. */
static void
put_le32(uint8_t *p, uint32_t x)
{
    p[0] = x;
    p[1] = x >> 8;
    p[2] = x >> 16;
    p[3] = x >> 24;
}

static void
put_le16(uint8_t *p, uint16_t x)
{
    p[0] = x;
    p[1] = x >> 8;
}

static const char *
errno_string(int error, char *buf, size_t size)
{
    return strerror_r(error, buf, size);
}

static int
write_or_fail(FILE *stream, const char *file_name, const void *data,
              size_t size)
{
    if (fwrite(data, 1, size, stream) != size) {
        char buf[128];

        fprintf(stderr, "roe-pcap: %s: write failed (%s)\n", file_name,
                errno_string(errno, buf, sizeof buf));
        return -1;
    }
    return 0;
}

/* Appends to 'stream' the pcap record of frame number 'i' (from 0). */
static int
write_record(FILE *stream, const char *file_name, int i,
             const uint8_t *frame, size_t len)
{
    uint8_t record[16];

    put_le32(record, PCAP_FIRST_SECOND);
    put_le32(record + 4, i * 1000);     /* Microseconds. */
    put_le32(record + 8, len);          /* Captured length. */
    put_le32(record + 12, len);         /* Length on the wire. */
    return (write_or_fail(stream, file_name, record, sizeof record)
            || write_or_fail(stream, file_name, frame, len));
}

/* Reads the frame in 'file_name' into 'frame' of 'size' octets.  Returns
 * its length, or -1 on error. */
static long
read_frame(const char *file_name, uint8_t *frame, size_t size)
{
    char buf[128];
    FILE *stream;
    size_t len;
    bool too_long;

    stream = fopen(file_name, "rb");
    if (!stream) {
        fprintf(stderr, "roe-pcap: %s: cannot open (%s)\n", file_name,
                errno_string(errno, buf, sizeof buf));
        return -1;
    }
    len = fread(frame, 1, size, stream);
    too_long = len == size && fgetc(stream) != EOF;
    if (ferror(stream) || too_long) {
        fprintf(stderr, "roe-pcap: %s: %s\n", file_name,
                too_long ? "frame too long" : "read error");
        fclose(stream);
        return -1;
    }
    fclose(stream);
    return len;
}

/* Prints what ecp_parse() and roe_parse() say about 'frame'. */
static void
print_parse(const uint8_t *frame, size_t len)
{
    enum ecp_parse_error ecp_error;
    enum roe_parse_error roe_error;
    struct ecp_frame ecp;
    struct roe_packet p;

    ecp_error = ecp_parse(frame, len, &ecp);
    if (ecp_error) {
        printf("ecp: %s", ecp_parse_error_to_string(ecp_error));
        return;
    }
    printf("subtype=0x%x", ecp.subtype);
    roe_error = roe_parse(&ecp, &p);
    if (roe_error) {
        printf(" roe: %s", roe_parse_error_to_string(roe_error));
    } else {
        printf(" %s psn=%u", roe_opcode_to_string(p.opcode), p.psn);
    }
}

/* Writes the frames read from the 'n' files 'names'. */
static int
write_frame_files(FILE *stream, const char *file_name, char *names[], int n)
{
    for (int i = 0; i < n; i++) {
        uint8_t frame[ROE_SAMPLE_MAX_LEN];
        const char *base = strrchr(names[i], '/');
        long len = read_frame(names[i], frame, sizeof frame);

        if (len < 0 || write_record(stream, file_name, i, frame, len)) {
            return 1;
        }
        printf("%d %s %ld ", i + 1, base ? base + 1 : names[i], len);
        print_parse(frame, len);
        putchar('\n');
    }
    return 0;
}

static int
test_roe_pcap(int argc, char *argv[])
{
    uint8_t header[24] = { 0 };
    const char *file_name;
    char buf[128];
    FILE *stream;
    int n = roe_sample_count();

    if (argc < 2) {
        fprintf(stderr, "usage: ecprdma-test roe-pcap FILE [FRAME]...\n");
        return 2;
    }
    file_name = argv[1];
    stream = fopen(file_name, "wb");
    if (!stream) {
        fprintf(stderr, "roe-pcap: %s: cannot create (%s)\n", file_name,
                errno_string(errno, buf, sizeof buf));
        return 1;
    }

    put_le32(header, PCAP_MAGIC);
    put_le16(header + 4, 2);                /* Version 2.4. */
    put_le16(header + 6, 4);
    put_le32(header + 16, ROE_SAMPLE_MAX_LEN);      /* Snapshot length. */
    put_le32(header + 20, PCAP_LINKTYPE_ETHERNET);
    if (write_or_fail(stream, file_name, header, sizeof header)) {
        fclose(stream);
        return 1;
    }
    if (argc > 2) {
        if (write_frame_files(stream, file_name, argv + 2, argc - 2)) {
            fclose(stream);
            return 1;
        }
        n = 0;
    }

    for (int i = 0; i < n; i++) {
        uint8_t frame[ROE_SAMPLE_MAX_LEN];
        struct ecp_frame ecp;
        struct roe_packet p;
        enum ecp_parse_error ecp_error;
        enum roe_parse_error roe_error;
        const char *name;
        size_t len = roe_sample_frame(i, frame, &name);

        ecp_error = ecp_parse(frame, len, &ecp);
        roe_error = (ecp_error ? ROE_PARSE_OK : roe_parse(&ecp, &p));
        if (ecp_error || roe_error) {
            fprintf(stderr, "roe-pcap: sample %s does not parse: %s\n",
                    name, (ecp_error ? ecp_parse_error_to_string(ecp_error)
                           : roe_parse_error_to_string(roe_error)));
            fclose(stream);
            return 1;
        }

        if (write_record(stream, file_name, i, frame, len)) {
            fclose(stream);
            return 1;
        }
        printf("%d %s %zu %s psn=%u\n", i + 1, name, len,
               roe_opcode_to_string(p.opcode), p.psn);
    }
    if (fclose(stream)) {
        fprintf(stderr, "roe-pcap: %s: write failed (%s)\n", file_name,
                errno_string(errno, buf, sizeof buf));
        return 1;
    }
    return 0;
}

ECPRDMA_TEST_REGISTER("roe-pcap", "FILE [FRAME]...", test_roe_pcap);

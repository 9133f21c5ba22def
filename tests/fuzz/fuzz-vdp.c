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

/* libFuzzer target: vdp_decode() on arbitrary VDP ECPDU payloads.
 *
 * Besides the sanitizers' checks: a payload that decodes must describe a
 * message that vdp_validate() accepts and vdp_encode() encodes; that
 * encoding must decode to a message with the same encoding and the same
 * text (vdp_format()); and the response to a request must encode and
 * decode too.  A payload that does not decode must come with an error
 * message. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vdp.h"

/* Encodes 'msg' into 'buf' (VDP_MESSAGE_MAX_LEN octets), which must
 * succeed, and returns the length. */
static size_t
encode(const struct vdp_message *msg, uint8_t *buf)
{
    char *error = NULL;
    int len;

    len = vdp_encode(msg, buf, VDP_MESSAGE_MAX_LEN, &error);
    if (len <= 0) {
        fprintf(stderr, "vdp_encode: %s\n", error ? error : "(no error)");
    }
    FUZZ_CHECK(len > 0 && len <= VDP_MESSAGE_MAX_LEN);
    FUZZ_CHECK(!error);
    return len;
}

/* Checks that 'msg' survives an encode-decode round trip, and returns its
 * encoding in 'buf' and length in '*lenp'. */
static void
round_trip(const struct vdp_message *msg, uint8_t *buf, size_t *lenp)
{
    static uint8_t buf2[VDP_MESSAGE_MAX_LEN];
    static char text[4096], text2[4096];
    static struct vdp_message msg2;
    char *error = NULL;
    size_t len, len2;

    error = vdp_validate(msg);
    if (error) {
        fprintf(stderr, "vdp_validate: %s\n", error);
    }
    FUZZ_CHECK(!error);

    len = encode(msg, buf);
    FUZZ_CHECK(vdp_decode(buf, len, &msg2, &error) == 0);
    FUZZ_CHECK(!error);
    len2 = encode(&msg2, buf2);
    FUZZ_CHECK(len2 == len && !memcmp(buf, buf2, len));

    /* The text says the same, and is truncated as snprintf() would. */
    FUZZ_CHECK(vdp_format(msg, text, sizeof text) < sizeof text);
    FUZZ_CHECK(vdp_format(&msg2, text2, sizeof text2) < sizeof text2);
    FUZZ_CHECK(!strcmp(text, text2));
    FUZZ_CHECK(vdp_format(msg, text2, 7) == strlen(text));
    FUZZ_CHECK(strlen(text2) == 6 && !memcmp(text, text2, 6));
    *lenp = len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[VDP_MESSAGE_MAX_LEN];
    static struct vdp_message msg, response;
    char *error = NULL;
    size_t len;

    if (vdp_decode(data, size, &msg, &error)) {
        FUZZ_CHECK(error && error[0]);
        free(error);
        return 0;
    }
    FUZZ_CHECK(!error);
    round_trip(&msg, buf, &len);

    /* The encoding is never longer than the input (which may have
     * padding and TLVs of other organizations on top). */
    FUZZ_CHECK(len <= size);

    if (!msg.vsi.response) {
        FUZZ_CHECK(!vdp_make_response(&msg, VDP_STATUS_INVALID_FILTER,
                                      VDP_RESP_HARD, &response));
        FUZZ_CHECK(response.vsi.response);
        round_trip(&response, buf, &len);
    } else {
        FUZZ_CHECK(vdp_make_response(&msg, 0, 0, &response) != 0);
    }
    return 0;
}

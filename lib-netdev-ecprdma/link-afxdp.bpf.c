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

/* The XDP program of afxdp links (link-afxdp.c), compiled with clang for
 * the BPF target: ECP frames (EtherType 0x8940, also behind one 802.1Q
 * tag) go to the AF_XDP socket of their receive queue, if it has one;
 * everything else goes on to the kernel's stack. */

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ECP_ETH_TYPE 0x8940

struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, 256);
    __type(key, __u32);
    __type(value, __u32);
} ecp_xsks SEC(".maps");

struct vlan_tag {
    __be16 tci;
    __be16 type;
};

SEC("xdp")
int
ecp_to_xsk(struct xdp_md *ctx)
{
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    struct ethhdr *eth = data;
    __be16 type;

    if ((void *) (eth + 1) > end) {
        return XDP_PASS;
    }
    type = eth->h_proto;
    if (type == bpf_htons(ETH_P_8021Q)) {
        struct vlan_tag *tag = (void *) (eth + 1);

        if ((void *) (tag + 1) > end) {
            return XDP_PASS;
        }
        type = tag->type;
    }
    if (type != bpf_htons(ECP_ETH_TYPE)) {
        return XDP_PASS;
    }
    return bpf_redirect_map(&ecp_xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "Dual BSD/GPL";

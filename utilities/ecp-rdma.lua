-- Copyright (c) 2026 The ovs-ecp-rdma Authors.
--
-- Licensed under the Apache License, Version 2.0 (the "License");
-- you may not use this file except in compliance with the License.
-- You may obtain a copy of the License at:
--
--     http://www.apache.org/licenses/LICENSE-2.0
--
-- Unless required by applicable law or agreed to in writing, software
-- distributed under the License is distributed on an "AS IS" BASIS,
-- WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
-- See the License for the specific language governing permissions and
-- limitations under the License.

-- Wireshark dissector for RDMA over ECP ("RoE"), the data plane of
-- ovs-ecp-rdma (see lib-netdev-ecprdma/roe.h for the wire format).
--
-- RoE frames are IEEE 802.1Qbg ECP frames (EtherType 0x8940), which
-- Wireshark's built-in "ecp21" dissector decodes; it hands the ECP payload
-- to the "ecp.subtype" dissector table, where this dissector registers for
-- subtype 0x3e0 (a preference changes it).  Usage:
--
--     tshark -X lua_script:ecp-rdma.lua -r capture.pcap -Y roe
--     tshark -X lua_script:ecp-rdma.lua -r capture.pcap \
--         -T fields -e roe.opcode -e roe.psn -e roe.dqpn -e roe.rkey
--
-- or copy the file into Wireshark's personal Lua plugins folder
-- (Help > About Wireshark > Folders).  Filter examples: "roe",
-- "roe.opcode == 0x11 && roe.syndrome >= 0x60" (NAKs), "roe.rkey == 0x...
-- || roe.sg.rkey == 0x..." (a region's, also in READ_SG segment lists).
--
-- Only arithmetic is used on integers (no bit library), so the file works
-- with the Lua 5.2 of Wireshark 3.x/4.0 and the Lua 5.4 of later versions.

local DEFAULT_SUBTYPE = 0x3e0

local HEADER_LEN = 8
local RETH_LEN = 16
local IMMDT_LEN = 4
local AETH_LEN = 4
local CRC_LEN = 4

-- A READ_SG request's payload: 1 to SG_MAX segments of SGE_LEN octets.
local SGE_LEN = 16
local SG_MAX = 64

local ECP_OP_REQUEST = 0
local ECP_OP_ACK = 1

local roe = Proto("roe", "RDMA over ECP")

-- What each opcode carries: its name, extension headers, whether it may
-- carry a payload and which ECP operation it travels as.  Mirrors roe.c.
-- A READ_SG request's payload is its segment list, and the 'va' of its
-- RETH is where in the segments' octets the responses start.
local opcodes = {
    [0x06] = { name = "WRITE_FIRST", reth = true, payload = true },
    [0x07] = { name = "WRITE_MIDDLE", payload = true },
    [0x08] = { name = "WRITE_LAST", payload = true },
    [0x09] = { name = "WRITE_LAST_IMM", immdt = true, payload = true },
    [0x0a] = { name = "WRITE_ONLY", reth = true, payload = true },
    [0x0b] = { name = "WRITE_ONLY_IMM", reth = true, immdt = true,
               payload = true },
    [0x0c] = { name = "READ_REQUEST", reth = true },
    [0x0d] = { name = "READ_RESPONSE_FIRST", aeth = true, payload = true,
               response = true },
    [0x0e] = { name = "READ_RESPONSE_MIDDLE", payload = true,
               response = true },
    [0x0f] = { name = "READ_RESPONSE_LAST", aeth = true, payload = true,
               response = true },
    [0x10] = { name = "READ_RESPONSE_ONLY", aeth = true, payload = true,
               response = true },
    [0x11] = { name = "ACK", aeth = true, response = true },
    [0xc0] = { name = "READ_SG_REQUEST", reth = true, payload = true,
               sg = true },
}

local opcode_names = {}
for code, op in pairs(opcodes) do
    opcode_names[code] = op.name
end

-- AETH syndromes, named as roe_syndrome_to_string() does.
local function syndrome_name(syn)
    if syn < 0x20 then
        return "ACK"
    elseif syn < 0x40 then
        return "RNR_NAK"
    elseif syn == 0x60 then
        return "NAK_PSN_SEQUENCE"
    elseif syn == 0x61 then
        return "NAK_INVALID_REQUEST"
    elseif syn == 0x62 then
        return "NAK_REMOTE_ACCESS"
    elseif syn == 0x63 then
        return "NAK_REMOTE_OPERATIONAL"
    end
    return "RESERVED"
end

local syndrome_names = {}
for syn = 0, 255 do
    syndrome_names[syn] = syndrome_name(syn)
end

local function bit_set(value, bit)
    return math.floor(value / bit) % 2 == 1
end

-- CRC-32C (Castagnoli, reflected, as ecprdma-crc32c.c), with the bit
-- library of Lua 5.2 (bit32) or Wireshark's (bit); nil if neither is there.
local bitlib = rawget(_G, "bit32") or rawget(_G, "bit")
local crc32c_table = nil

local function crc32c(bytes)
    if not bitlib then
        return nil
    end
    local band, bxor, rshift = bitlib.band, bitlib.bxor, bitlib.rshift
    if not crc32c_table then
        crc32c_table = {}
        for i = 0, 255 do
            local c = i
            for _ = 1, 8 do
                if c % 2 == 1 then
                    c = bxor(rshift(c, 1), 0x82f63b78)
                else
                    c = rshift(c, 1)
                end
            end
            crc32c_table[i] = c
        end
    end
    local crc = 0xffffffff
    for i = 0, bytes:len() - 1 do
        crc = bxor(crc32c_table[band(bxor(crc, bytes:get_index(i)), 0xff)],
                   rshift(crc, 8))
    end
    -- bit (LuaJIT BitOp) returns signed results.
    return bxor(crc, 0xffffffff) % 0x100000000
end

local f = {
    opcode = ProtoField.uint8("roe.opcode", "Opcode", base.HEX,
                              opcode_names),
    flags = ProtoField.uint8("roe.flags", "Flags", base.HEX),
    flag_se = ProtoField.bool("roe.flags.se", "Solicited event", 8, nil,
                              0x80),
    flag_ackreq = ProtoField.bool("roe.flags.ackreq", "Ack request", 8, nil,
                                  0x40),
    flag_crc = ProtoField.bool("roe.flags.crc", "CRC-32C trailer", 8, nil,
                               0x20),
    flag_reserved = ProtoField.uint8("roe.flags.reserved", "Reserved",
                                     base.HEX, nil, 0x1f),
    length = ProtoField.uint16("roe.length", "Length", base.DEC),
    dqpn_reserved = ProtoField.uint8("roe.dqpn_reserved", "Reserved",
                                     base.HEX),
    dqpn = ProtoField.uint24("roe.dqpn", "Destination QP", base.HEX),
    psn = ProtoField.uint16("roe.psn", "PSN (ECP sequence number)",
                            base.DEC),
    reth = ProtoField.bytes("roe.reth", "RETH"),
    va = ProtoField.uint64("roe.va", "Virtual address", base.HEX),
    rkey = ProtoField.uint32("roe.rkey", "Remote key", base.HEX),
    dma_len = ProtoField.uint32("roe.dma_len", "DMA length", base.DEC),
    start = ProtoField.uint64("roe.start", "Start offset", base.DEC),
    imm = ProtoField.uint32("roe.imm", "Immediate data", base.HEX),
    aeth = ProtoField.bytes("roe.aeth", "AETH"),
    syndrome = ProtoField.uint8("roe.syndrome", "Syndrome", base.HEX,
                                syndrome_names),
    msn = ProtoField.uint24("roe.msn", "Message sequence number", base.DEC),
    payload_len = ProtoField.uint32("roe.payload_len", "Payload length",
                                    base.DEC),
    payload = ProtoField.bytes("roe.payload", "Payload"),
    sg = ProtoField.bytes("roe.sg", "Segment list"),
    sg_count = ProtoField.uint32("roe.sg.count", "Segments", base.DEC),
    sge = ProtoField.bytes("roe.sg.segment", "Segment"),
    sge_va = ProtoField.uint64("roe.sg.va", "Virtual address", base.HEX),
    sge_rkey = ProtoField.uint32("roe.sg.rkey", "Remote key", base.HEX),
    sge_len = ProtoField.uint32("roe.sg.len", "Length", base.DEC),
    crc = ProtoField.uint32("roe.crc", "CRC-32C", base.HEX),
    crc_status = ProtoField.uint8("roe.crc.status", "CRC-32C status",
                                  base.DEC, { [0] = "Bad", [1] = "Good",
                                              [2] = "Unverified" }),
    padding = ProtoField.bytes("roe.padding", "Padding"),
}
roe.fields = {
    f.opcode, f.flags, f.flag_se, f.flag_ackreq, f.flag_crc,
    f.flag_reserved, f.length, f.dqpn_reserved, f.dqpn, f.psn, f.reth, f.va,
    f.rkey, f.dma_len, f.start, f.imm, f.aeth, f.syndrome, f.msn,
    f.payload_len, f.payload, f.sg, f.sg_count, f.sge, f.sge_va, f.sge_rkey,
    f.sge_len, f.crc, f.crc_status, f.padding,
}

local e = {
    short = ProtoExpert.new("roe.short", "Frame shorter than a RoE header",
                            expert.group.MALFORMED, expert.severity.ERROR),
    length = ProtoExpert.new("roe.length.past_end",
                             "RoE length runs past the end of the frame",
                             expert.group.MALFORMED, expert.severity.ERROR),
    ext_headers = ProtoExpert.new(
        "roe.length.ext_headers",
        "RoE length shorter than the opcode's extension headers",
        expert.group.MALFORMED, expert.severity.ERROR),
    opcode = ProtoExpert.new("roe.opcode.unknown", "Unknown RoE opcode",
                             expert.group.MALFORMED, expert.severity.ERROR),
    reserved = ProtoExpert.new("roe.reserved", "Reserved bits set",
                               expert.group.PROTOCOL, expert.severity.WARN),
    ecp_version = ProtoExpert.new(
        "roe.ecp_version", "ECP version is not 1", expert.group.PROTOCOL,
        expert.severity.WARN),
    direction = ProtoExpert.new(
        "roe.direction", "Opcode sent with the wrong ECP operation",
        expert.group.PROTOCOL, expert.severity.WARN),
    payload = ProtoExpert.new(
        "roe.payload.unexpected", "Payload on an opcode that carries none",
        expert.group.PROTOCOL, expert.severity.WARN),
    nak = ProtoExpert.new("roe.nak", "NAK", expert.group.SEQUENCE,
                          expert.severity.NOTE),
    crc_bad = ProtoExpert.new("roe.crc.bad", "Bad CRC-32C",
                              expert.group.CHECKSUM, expert.severity.ERROR),
    crc_short = ProtoExpert.new(
        "roe.crc.short", "RoE length shorter than the CRC-32C trailer",
        expert.group.MALFORMED, expert.severity.ERROR),
    sg_malformed = ProtoExpert.new(
        "roe.sg.malformed", "Malformed segment list",
        expert.group.MALFORMED, expert.severity.ERROR),
    sg_empty_segment = ProtoExpert.new(
        "roe.sg.len.zero", "Empty segment", expert.group.PROTOCOL,
        expert.severity.WARN),
    sg_sum = ProtoExpert.new(
        "roe.sg.sum", "Segment lengths do not add up to start + DMA length",
        expert.group.PROTOCOL, expert.severity.WARN),
}
roe.experts = {
    e.short, e.length, e.ext_headers, e.opcode, e.reserved, e.ecp_version,
    e.direction, e.payload, e.nak, e.crc_bad, e.crc_short, e.sg_malformed,
    e.sg_empty_segment, e.sg_sum,
}

roe.prefs.subtype = Pref.uint("ECP subtype", DEFAULT_SUBTYPE,
                              "ECP subtype that carries RoE (default 0x3e0, "
                              .. "the ecp-rdma ports' default)")

-- The ECP header is decoded by the ecp21 dissector; these read its fields
-- of the current frame.
local ecp_ver = Field.new("ecp.ver")
local ecp_op = Field.new("ecp.op")
local ecp_subtype = Field.new("ecp.subtype")
local ecp_seqno = Field.new("ecp.seqno")

-- An unsigned big-endian integer of up to 8 octets as a Lua number
-- (exact up to 2^53), for arithmetic.
local function number_of(range)
    local x = 0
    for i = 0, range:len() - 1 do
        x = x * 256 + range(i, 1):uint()
    end
    return x
end

-- Decodes the segment list of a READ_SG request, 'len' octets at 'off',
-- into 't'.  'start' and 'dma_len' are its RETH's, for the check that the
-- segments add up.  Returns the number of segments and what is malformed
-- about the list, or nil.
local function dissect_sg(tvb, t, off, len, start, dma_len)
    local n = math.floor(len / SGE_LEN)
    local sum = 0
    local malformed = nil
    local list

    if len > 0 then
        list = t:add(f.sg, tvb(off, len))
        list:add(f.sg_count, n):set_generated()
    else
        list = t:add(f.sg_count, 0)
        list:set_generated()
    end
    list:set_text(string.format("Segment list: %d segment%s", n,
                                n == 1 and "" or "s"))
    for i = 0, n - 1 do
        local b = off + i * SGE_LEN
        local sge_len = tvb(b + 12, 4):uint()
        local s = list:add(f.sge, tvb(b, SGE_LEN))
        s:set_text(string.format("Segment %d: va=0x%s rkey=0x%08x len=%d",
                                 i, tvb(b, 8):uint64():tohex(),
                                 tvb(b + 8, 4):uint(), sge_len))
        s:add(f.sge_va, tvb(b, 8))
        s:add(f.sge_rkey, tvb(b + 8, 4))
        local len_item = s:add(f.sge_len, tvb(b + 12, 4))
        if sge_len == 0 then
            len_item:add_proto_expert_info(e.sg_empty_segment,
                                           string.format("Segment %d is empty",
                                                         i))
        end
        sum = sum + sge_len
    end
    if len % SGE_LEN ~= 0 then
        malformed = "segment list not a multiple of 16 octets"
        list:add_proto_expert_info(
            e.sg_malformed,
            string.format("Segment list of %d octets is not a whole number "
                          .. "of %d-octet segments", len, SGE_LEN))
    elseif n == 0 then
        malformed = "no segments"
        list:add_proto_expert_info(e.sg_malformed, "Segment list is empty")
    elseif n > SG_MAX then
        malformed = "more than 64 segments"
        list:add_proto_expert_info(
            e.sg_malformed,
            string.format("Segment list of %d segments, more than %d", n,
                          SG_MAX))
    end
    if not malformed and sum ~= start + dma_len then
        list:add_proto_expert_info(
            e.sg_sum,
            string.format("Segment lengths add up to %.0f octets, not start "
                          .. "+ DMA length (%.0f)", sum, start + dma_len))
    end
    return n, malformed
end

local function last_value(field)
    local all = { field() }
    if #all == 0 then
        return nil
    end
    return all[#all].value
end

function roe.dissector(tvb, pinfo, tree)
    local total = tvb:len()
    local psn = last_value(ecp_seqno)
    local op = last_value(ecp_op)
    local version = last_value(ecp_ver)

    pinfo.cols.protocol = "RoE"
    local t = tree:add(roe, tvb())
    if psn then
        t:add(f.psn, psn):set_generated()
    end
    if version and version ~= 1 then
        t:add_proto_expert_info(e.ecp_version,
                                string.format("ECP version %d is not 1",
                                              version))
    end
    if total < HEADER_LEN then
        t:add_proto_expert_info(e.short)
        pinfo.cols.info = "RoE [malformed: shorter than a RoE header]"
        return total
    end

    local opcode = tvb(0, 1):uint()
    local flags = tvb(1, 1):uint()
    local length = tvb(2, 2):uint()
    local dqpn = tvb(5, 3):uint()
    local desc = opcodes[opcode]
    local name = desc and desc.name or string.format("UNKNOWN(0x%02x)",
                                                     opcode)

    t:append_text(", " .. name)
    local op_item = t:add(f.opcode, tvb(0, 1))
    local flags_item = t:add(f.flags, tvb(1, 1))
    flags_item:add(f.flag_se, tvb(1, 1))
    flags_item:add(f.flag_ackreq, tvb(1, 1))
    flags_item:add(f.flag_crc, tvb(1, 1))
    flags_item:add(f.flag_reserved, tvb(1, 1))
    local len_item = t:add(f.length, tvb(2, 2))
    local resv_item = t:add(f.dqpn_reserved, tvb(4, 1))
    t:add(f.dqpn, tvb(5, 3))

    local info = { "RoE", name }
    if psn then
        info[#info + 1] = string.format("PSN=%d", psn)
    end
    info[#info + 1] = string.format("QP=0x%06x", dqpn)

    if flags % 0x20 ~= 0 then
        flags_item:add_proto_expert_info(e.reserved)
    end
    if tvb(4, 1):uint() ~= 0 then
        resv_item:add_proto_expert_info(e.reserved)
    end

    local malformed = nil
    if length > total - HEADER_LEN then
        len_item:add_proto_expert_info(
            e.length, string.format("RoE length %d runs past the end of the "
                                    .. "frame (%d octets after the header)",
                                    length, total - HEADER_LEN))
        malformed = "length past the end"
        -- Decode what is there.
        length = total - HEADER_LEN
    end
    if not desc then
        op_item:add_proto_expert_info(
            e.opcode, string.format("Unknown RoE opcode 0x%02x", opcode))
        pinfo.cols.info = table.concat(info, " ") .. " [malformed: "
                          .. (malformed or "unknown opcode") .. "]"
        if length > 0 then
            t:add(f.payload, tvb(HEADER_LEN, length))
        end
        return total
    end
    if op then
        local want = desc.response and ECP_OP_ACK or ECP_OP_REQUEST
        if op ~= want then
            op_item:add_proto_expert_info(e.direction)
        end
    end

    -- The CRC-32C trailer ends what 'length' covers.
    local has_crc = bit_set(flags, 0x20)
    local crc_offset = nil
    if has_crc then
        if length < CRC_LEN then
            len_item:add_proto_expert_info(e.crc_short)
            malformed = malformed or "length shorter than the CRC trailer"
            has_crc = false
        else
            length = length - CRC_LEN
            crc_offset = HEADER_LEN + length
        end
    end

    local ext = (desc.reth and RETH_LEN or 0) + (desc.immdt and IMMDT_LEN or 0)
                + (desc.aeth and AETH_LEN or 0)
    if length < ext then
        len_item:add_proto_expert_info(e.ext_headers)
        pinfo.cols.info = table.concat(info, " ") .. " [malformed: "
                          .. (malformed or "length shorter than the "
                                           .. "extension headers") .. "]"
        return total
    end

    local off = HEADER_LEN
    local start, dma_len
    if desc.reth then
        local r = t:add(f.reth, tvb(off, RETH_LEN))
        r:set_text("RDMA extended transport header")
        if desc.sg then
            -- READ_SG: 'va' is where in the segments' octets to start.
            start = number_of(tvb(off, 8))
            dma_len = tvb(off + 12, 4):uint()
            r:add(f.start, tvb(off, 8))
            info[#info + 1] = string.format("start=%s len=%d",
                                            tostring(tvb(off, 8):uint64()),
                                            dma_len)
        else
            r:add(f.va, tvb(off, 8))
            info[#info + 1] = string.format("va=0x%s rkey=0x%08x len=%d",
                                            tvb(off, 8):uint64():tohex(),
                                            tvb(off + 8, 4):uint(),
                                            tvb(off + 12, 4):uint())
        end
        r:add(f.rkey, tvb(off + 8, 4))
        r:add(f.dma_len, tvb(off + 12, 4))
        off = off + RETH_LEN
    end
    if desc.immdt then
        t:add(f.imm, tvb(off, 4))
        info[#info + 1] = string.format("imm=0x%08x", tvb(off, 4):uint())
        off = off + IMMDT_LEN
    end
    if desc.aeth then
        local syn = tvb(off, 1):uint()
        local a = t:add(f.aeth, tvb(off, AETH_LEN))
        a:set_text("ACK extended transport header")
        local syn_item = a:add(f.syndrome, tvb(off, 1))
        a:add(f.msn, tvb(off + 1, 3))
        info[#info + 1] = string.format("%s(0x%02x) MSN=%d",
                                        syndrome_names[syn], syn,
                                        tvb(off + 1, 3):uint())
        if syn >= 0x20 then
            syn_item:add_proto_expert_info(e.nak,
                                           "NAK: " .. syndrome_names[syn])
        end
        off = off + AETH_LEN
    end

    local payload_len = length - ext
    local pl_item = t:add(f.payload_len, payload_len)
    pl_item:set_generated()
    if desc.sg then
        local n, bad = dissect_sg(tvb, t, off, payload_len, start, dma_len)
        off = off + payload_len
        info[#info + 1] = string.format("segments=%d", n)
        malformed = malformed or bad
    elseif payload_len > 0 then
        local p = t:add(f.payload, tvb(off, payload_len))
        if not desc.payload then
            p:add_proto_expert_info(e.payload)
        end
        off = off + payload_len
        info[#info + 1] = string.format("payload=%d", payload_len)
    end
    if crc_offset then
        local crc_item = t:add(f.crc, tvb(crc_offset, CRC_LEN))
        local header = last_value(ecp_ver)
        local computed = nil
        if header then
            -- The CRC covers the ECP header, which precedes this tvb: it
            -- is rebuilt from the ecp21 dissector's fields.
            local x = header * 0x1000 + last_value(ecp_op) * 0x400
                      + last_value(ecp_subtype)
            local bytes = ByteArray.new(string.format("%04x%04x", x, psn))
            bytes:append(tvb(0, crc_offset):bytes())
            computed = crc32c(bytes)
        end
        local status
        if not computed then
            status = 2
        elseif computed == tvb(crc_offset, CRC_LEN):uint() then
            status = 1
        else
            status = 0
            crc_item:add_proto_expert_info(
                e.crc_bad, string.format("Bad CRC-32C (should be 0x%08x)",
                                         computed))
            malformed = malformed or "bad CRC-32C"
        end
        crc_item:add(f.crc_status, status):set_generated()
        off = off + CRC_LEN
    end
    if off < total then
        t:add(f.padding, tvb(off, total - off))
    end

    local text = table.concat(info, " ")
    if bit_set(flags, 0x80) then
        text = text .. " SE"
    end
    if bit_set(flags, 0x40) then
        text = text .. " ACKREQ"
    end
    if crc_offset then
        text = text .. " CRC"
    end
    if malformed then
        text = text .. " [malformed: " .. malformed .. "]"
    end
    pinfo.cols.info = text
    return total
end

local registered_subtype = nil

local function register_subtype()
    local subtypes = DissectorTable.get("ecp.subtype")
    if registered_subtype then
        subtypes:remove(registered_subtype, roe)
    end
    registered_subtype = roe.prefs.subtype
    subtypes:add(registered_subtype, roe)
end

function roe.prefs_changed()
    if registered_subtype ~= roe.prefs.subtype then
        register_subtype()
    end
end

register_subtype()

// SMAP (Supervisor Mode Access Prevention) and SMEP: with CR4.SMAP the CPU
// faults on any kernel access to a user page unless RFLAGS.AC is set, so
// a kernel bug cannot read or write user memory by accident; with
// CR4.SMEP it refuses to execute user pages in ring 0. The user-copy
// routines (user_copy.S) set AC with `stac` around their one access and
// clear it with `clac`; every interrupt entry clears it too, since user
// code may leave AC set.
//
// `stac`/`clac` are invalid opcodes on a CPU without SMAP, so each use is
// recorded in the .smap_sites section and smap::patch_sites() turns them
// into 3-byte NOPs at boot when the CPU lacks the feature (before the
// kernel text becomes read-only).
#pragma once

#ifdef __ASSEMBLER__

#define SMAP_SITE(b0, b1, b2)                 \
    771: .byte b0, b1, b2;                    \
    .pushsection .smap_sites, "a";            \
    .balign 8;                                \
    .quad 771b;                               \
    .popsection

#define SMAP_CLAC SMAP_SITE(0x0f, 0x01, 0xca)
#define SMAP_STAC SMAP_SITE(0x0f, 0x01, 0xcb)

#else

namespace smap {

// Boot CPU, early (kernel text still writable): NOPs out stac/clac when
// the CPU has no SMAP.
void patch_sites();
// Every CPU: sets CR4.SMEP and CR4.SMAP where supported.
void enable_this_cpu();
bool enabled();
bool smep_enabled();

}

#endif

// The kernel's cryptographically secure random number generator: what
// /dev/random and /dev/urandom read (fs/devfs/memory_devices.cpp) and what
// getrandom(2) and the ELF loader's AT_RANDOM bytes will use.
//
// Design: ChaCha20 (RFC 8439) keyed by a 256-bit pool key, with "fast key
// erasure": every request is served from the keystream and then the key is
// replaced by fresh keystream, so the state after a request cannot
// reproduce what it handed out. Entropy - samples from a source function,
// and whatever user space writes to /dev/random - is absorbed by XORing it
// into the key and rekeying. The generator seeds itself from 16 samples on
// first use and absorbs one more sample with every request.
//
// The entropy source is a function pointer: the kernel's default is
// hw_random::entropy_sample (RDSEED/RDRAND with the TSC); host builds have
// none until a test sets one.
//
// Locking: one lock around the state, held for at most 512 bytes of
// output at a time (longer requests are served piece by piece).
// Host-buildable.
#pragma once

#include <lib/types.h>

namespace csprng {

// Fills `sample`; false when nothing is available right now.
using EntropySource = bool (*)(u64& sample);

// Sets the source (null restores the default) and forgets the state, so
// the next request seeds afresh from the new source.
void set_entropy_source(EntropySource source);

void get_random_bytes(void* buffer, usize length);
void add_entropy(void const* data, usize length);

// The ChaCha20 block function (RFC 8439, section 2.3): 64 bytes of
// keystream for `key`, block `counter` and `nonce`. For the generator and
// its tests.
void chacha20_block(u32 const key[8], u32 counter, u32 const nonce[3], u8 output[64]);

}

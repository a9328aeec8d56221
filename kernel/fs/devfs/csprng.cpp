// The kernel CSPRNG (fs/devfs/csprng.h).
#include <atomic>
#include <fs/devfs/csprng.h>
#include <fs/vfs/fs_lock.h>
#include <lib/string.h>

#ifndef HANEUL_HOST
#include <arch/x86_64/random.h>
#endif

namespace csprng {

namespace {

constexpr usize kBlockSize = 64;
constexpr usize kKeyWords = 8;
constexpr int kSeedSamples = 16;

EntropySource default_source()
{
#ifdef HANEUL_HOST
    return nullptr;
#else
    return hw_random::entropy_sample;
#endif
}

u32 rotate_left(u32 value, int count)
{
    return (value << count) | (value >> (32 - count));
}

void quarter_round(u32& a, u32& b, u32& c, u32& d)
{
    a += b;
    d = rotate_left(d ^ a, 16);
    c += d;
    b = rotate_left(b ^ c, 12);
    a += b;
    d = rotate_left(d ^ a, 8);
    c += d;
    b = rotate_left(b ^ c, 7);
}

void store_le32(u8* out, u32 value)
{
    out[0] = static_cast<u8>(value);
    out[1] = static_cast<u8>(value >> 8);
    out[2] = static_cast<u8>(value >> 16);
    out[3] = static_cast<u8>(value >> 24);
}

u32 load_le32(u8 const* in)
{
    return static_cast<u32>(in[0]) | (static_cast<u32>(in[1]) << 8) | (static_cast<u32>(in[2]) << 16) | (static_cast<u32>(in[3]) << 24);
}

struct State {
    u32 key[kKeyWords] {};
    // The nonce carries a 64-bit request counter, so no two keystreams
    // repeat even if a key ever did.
    u64 requests { 0 };
    bool seeded { false };
};

FsLock s_lock { "csprng" };
State s_state;
std::atomic<EntropySource> s_source { nullptr };
std::atomic<bool> s_source_set { false };

EntropySource current_source()
{
    if (!s_source_set.load(std::memory_order_acquire))
        return default_source();
    return s_source.load(std::memory_order_relaxed);
}

void keystream_block(State const& state, u32 counter, u8 output[kBlockSize])
{
    u32 nonce[3] = { 0, static_cast<u32>(state.requests), static_cast<u32>(state.requests >> 32) };
    chacha20_block(state.key, counter, nonce, output);
}

// Replaces the key with fresh keystream: what came before cannot be
// recomputed from what remains.
void rekey_locked(State& state)
{
    u8 block[kBlockSize];
    keystream_block(state, 0xffffffffu, block);
    for (usize i = 0; i < kKeyWords; ++i)
        state.key[i] = load_le32(block + 4 * i);
    ++state.requests;
    memset(block, 0, sizeof(block));
}

void absorb_locked(State& state, u8 const* data, usize length)
{
    while (length) {
        usize chunk = length < 4 * kKeyWords ? length : 4 * kKeyWords;
        u8 padded[4 * kKeyWords] = {};
        memcpy(padded, data, chunk);
        for (usize i = 0; i < kKeyWords; ++i)
            state.key[i] ^= load_le32(padded + 4 * i);
        rekey_locked(state);
        data += chunk;
        length -= chunk;
    }
}

void absorb_samples_locked(State& state, int count)
{
    EntropySource source = current_source();
    if (!source)
        return;
    for (int i = 0; i < count; ++i) {
        u64 sample;
        if (!source(sample))
            continue;
        u8 bytes[8];
        for (int b = 0; b < 8; ++b)
            bytes[b] = static_cast<u8>(sample >> (8 * b));
        absorb_locked(state, bytes, sizeof(bytes));
    }
}

}

void chacha20_block(u32 const key[8], u32 counter, u32 const nonce[3], u8 output[64])
{
    // "expand 32-byte k", then key, counter, nonce (RFC 8439, 2.3).
    u32 initial[16] = {
        0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
        key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
        counter, nonce[0], nonce[1], nonce[2],
    };
    u32 x[16];
    for (int i = 0; i < 16; ++i)
        x[i] = initial[i];
    for (int round = 0; round < 10; ++round) {
        quarter_round(x[0], x[4], x[8], x[12]);
        quarter_round(x[1], x[5], x[9], x[13]);
        quarter_round(x[2], x[6], x[10], x[14]);
        quarter_round(x[3], x[7], x[11], x[15]);
        quarter_round(x[0], x[5], x[10], x[15]);
        quarter_round(x[1], x[6], x[11], x[12]);
        quarter_round(x[2], x[7], x[8], x[13]);
        quarter_round(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; ++i)
        store_le32(output + 4 * i, x[i] + initial[i]);
}

void set_entropy_source(EntropySource source)
{
    FsLocker locker(s_lock);
    s_source.store(source, std::memory_order_relaxed);
    s_source_set.store(source != nullptr, std::memory_order_release);
    s_state = State {};
}

void get_random_bytes(void* buffer, usize length)
{
    // Served a piece at a time, each from a fresh key, so the lock is
    // never held long whatever the caller asks for.
    constexpr usize kPiece = 8 * kBlockSize;
    auto* out = static_cast<u8*>(buffer);
    while (length) {
        usize piece = length < kPiece ? length : kPiece;
        FsLocker locker(s_lock);
        if (!s_state.seeded) {
            absorb_samples_locked(s_state, kSeedSamples);
            s_state.seeded = true;
        }
        absorb_samples_locked(s_state, 1);
        u8 block[kBlockSize];
        for (u32 counter = 0; piece; ++counter) {
            keystream_block(s_state, counter, block);
            usize chunk = piece < kBlockSize ? piece : kBlockSize;
            memcpy(out, block, chunk);
            out += chunk;
            piece -= chunk;
            length -= chunk;
        }
        memset(block, 0, sizeof(block));
        rekey_locked(s_state);
    }
}

void add_entropy(void const* data, usize length)
{
    FsLocker locker(s_lock);
    absorb_locked(s_state, static_cast<u8 const*>(data), length);
}

}

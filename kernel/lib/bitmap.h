// Bitmaps: Bitmap<N> owns N bits inline; BitmapView works on storage
// someone else owns (the physical page allocator's bitmap carved out of RAM
// at boot, an ext2 block or inode bitmap read from disk, PID and file
// descriptor tables). Both have the same operations, from BitmapOps.
//
// Bit i lives in word i / 64 at bit i % 64. On little-endian x86-64 that is
// also "byte i / 8, bit i % 8", the layout ext2 uses on disk, so a view over
// a disk bitmap's bytes (8-byte aligned, a whole number of words) reads it
// unchanged. Bits of the last word beyond the size are never reported by
// the searches or counts, whatever they hold.
// No locking: the owner of a bitmap guards it. Host-buildable.
#pragma once

#include <lib/types.h>
#include <lib/verify.h>

template<typename Derived>
class BitmapOps {
public:
    // What the find_* functions return when no bit qualifies.
    static constexpr usize npos = ~static_cast<usize>(0);
    static constexpr usize kBitsPerWord = 64;

    static constexpr usize words_for(usize bit_count) { return (bit_count + kBitsPerWord - 1) / kBitsPerWord; }

    bool test(usize index) const
    {
        VERIFY(index < bits());
        return (words()[index / kBitsPerWord] >> (index % kBitsPerWord)) & 1;
    }

    void set(usize index, bool value = true)
    {
        VERIFY(index < bits());
        u64 bit = u64(1) << (index % kBitsPerWord);
        if (value)
            words()[index / kBitsPerWord] |= bit;
        else
            words()[index / kBitsPerWord] &= ~bit;
    }

    void clear(usize index) { set(index, false); }

    // Sets the bit and says whether it was already set: "claim this slot".
    bool test_and_set(usize index)
    {
        bool was_set = test(index);
        set(index);
        return was_set;
    }

    // Sets (or clears) bits [start, start + count), a word at a time.
    void set_range(usize start, usize count, bool value = true)
    {
        VERIFY(start <= bits() && count <= bits() - start);
        usize index = start;
        usize end = start + count;
        while (index < end) {
            usize bit = index % kBitsPerWord;
            usize span = kBitsPerWord - bit;
            if (span > end - index)
                span = end - index;
            u64 mask = span == kBitsPerWord ? ~u64(0) : ((u64(1) << span) - 1) << bit;
            if (value)
                words()[index / kBitsPerWord] |= mask;
            else
                words()[index / kBitsPerWord] &= ~mask;
            index += span;
        }
    }

    void clear_range(usize start, usize count) { set_range(start, count, false); }
    void fill(bool value) { set_range(0, bits(), value); }

    // Number of set bits in [start, start + count).
    usize count_set_in_range(usize start, usize count) const
    {
        VERIFY(start <= bits() && count <= bits() - start);
        usize total = 0;
        usize index = start;
        usize end = start + count;
        while (index < end) {
            usize bit = index % kBitsPerWord;
            usize span = kBitsPerWord - bit;
            if (span > end - index)
                span = end - index;
            u64 mask = span == kBitsPerWord ? ~u64(0) : ((u64(1) << span) - 1) << bit;
            total += __builtin_popcountll(words()[index / kBitsPerWord] & mask);
            index += span;
        }
        return total;
    }

    usize count_set() const { return count_set_in_range(0, bits()); }
    usize count_clear() const { return bits() - count_set(); }

    // The first set (clear) bit at or after `from`, or npos. `from` may equal
    // the size, which finds nothing.
    usize find_first_set(usize from = 0) const { return find_first(true, from); }
    usize find_first_clear(usize from = 0) const { return find_first(false, from); }

    // The start of the first run of `length` clear bits at or after `from`,
    // or npos: contiguous physical pages, a block of inodes.
    usize find_clear_run(usize length, usize from = 0) const
    {
        VERIFY(length > 0);
        usize start = find_first_clear(from);
        while (start != npos) {
            if (length > bits() - start)
                return npos;
            usize end = find_first_set(start);
            if (end == npos)
                end = bits();
            if (end - start >= length)
                return start;
            start = find_first_clear(end);
        }
        return npos;
    }

private:
    usize bits() const { return static_cast<Derived const&>(*this).size(); }
    u64* words() { return static_cast<Derived&>(*this).storage(); }
    u64 const* words() const { return static_cast<Derived const&>(*this).storage(); }

    usize find_first(bool value, usize from) const
    {
        VERIFY(from <= bits());
        usize word_count = words_for(bits());
        // Looking for a clear bit is looking for a set bit in the complement.
        u64 flip = value ? 0 : ~u64(0);
        for (usize i = from / kBitsPerWord; i < word_count; ++i) {
            u64 word = words()[i] ^ flip;
            if (i == from / kBitsPerWord)
                word &= ~u64(0) << (from % kBitsPerWord);
            usize tail = bits() % kBitsPerWord;
            if (i == word_count - 1 && tail != 0)
                word &= (u64(1) << tail) - 1;
            if (word)
                return i * kBitsPerWord + __builtin_ctzll(word);
        }
        return npos;
    }
};

// A bitmap over storage it does not own: `storage` must hold at least
// words_for(bit_count) words and outlive the view.
class BitmapView : public BitmapOps<BitmapView> {
public:
    BitmapView(u64* storage, usize bit_count)
        : m_storage(storage)
        , m_size(bit_count)
    {
    }

    usize size() const { return m_size; }
    u64* storage() { return m_storage; }
    u64 const* storage() const { return m_storage; }

private:
    u64* m_storage;
    usize m_size;
};

// N bits stored inline, all clear at construction.
template<usize N>
class Bitmap : public BitmapOps<Bitmap<N>> {
    static_assert(N > 0);

public:
    constexpr usize size() const { return N; }
    u64* storage() { return m_words; }
    u64 const* storage() const { return m_words; }
    BitmapView view() { return BitmapView(m_words, N); }

private:
    u64 m_words[BitmapOps<Bitmap<N>>::words_for(N)] {};
};

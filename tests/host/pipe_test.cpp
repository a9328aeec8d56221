// The pipe ring buffer (kernel/ipc/pipe_buffer.h): lazy allocation, the
// 64 KiB capacity, wrap-around, offsets into the caller's buffer, faults
// part way through a copy (nothing lost, nothing duplicated), resizing
// (F_SETPIPE_SZ), peeking (MSG_PEEK of UNIX stream sockets) and a long
// randomized run against a simple model.
#include <deque>
#include <gtest/gtest.h>
#include <ipc/pipe_buffer.h>
#include <lib/errno.h>
#include <random>
#include <string.h>
#include <vector>

using ipc::PipeBuffer;

namespace {

// An IoBuffer over a vector whose bytes from `fault_at` on "fault" like an
// unmapped user page: any copy touching them fails with EFAULT.
class TestBuffer final : public IoBuffer {
public:
    explicit TestBuffer(usize size, usize fault_at = ~static_cast<usize>(0))
        : bytes(size)
        , m_fault_at(fault_at)
    {
    }

    ErrorOr<void> write_bytes(usize offset, void const* source, usize length) override
    {
        EXPECT_LE(offset + length, bytes.size());
        if (offset + length > m_fault_at)
            return Error::from_errno(EFAULT);
        memcpy(bytes.data() + offset, source, length);
        ++copies;
        return {};
    }
    ErrorOr<void> read_bytes(usize offset, void* destination, usize length) const override
    {
        EXPECT_LE(offset + length, bytes.size());
        if (offset + length > m_fault_at)
            return Error::from_errno(EFAULT);
        memcpy(destination, bytes.data() + offset, length);
        ++copies;
        return {};
    }

    void fill_pattern(u32 seed)
    {
        for (usize i = 0; i < bytes.size(); ++i)
            bytes[i] = static_cast<u8>((i * 131 + seed) & 0xff);
    }

    std::vector<u8> bytes;
    mutable usize copies { 0 };

private:
    usize m_fault_at;
};

usize must(ErrorOr<usize> result)
{
    EXPECT_FALSE(result.is_error()) << (result.is_error() ? errno_name(result.error().code()) : "");
    return result.is_error() ? 0 : result.value();
}

int error_of(ErrorOr<usize> result)
{
    return result.is_error() ? result.error().code() : 0;
}

}

TEST(PipeBuffer, starts_empty_without_memory_and_allocates_on_first_write)
{
    PipeBuffer ring;
    EXPECT_EQ(ring.capacity(), 64u * 1024);
    EXPECT_TRUE(ring.is_empty());
    EXPECT_FALSE(ring.has_storage());
    TestBuffer out(16);
    EXPECT_EQ(must(ring.read_into(out, 0, 16)), 0u);
    EXPECT_FALSE(ring.has_storage());

    TestBuffer in(5);
    memcpy(in.bytes.data(), "hello", 5);
    EXPECT_EQ(must(ring.write_from(in, 0, 5)), 5u);
    EXPECT_TRUE(ring.has_storage());
    EXPECT_EQ(ring.size(), 5u);
    EXPECT_EQ(ring.space(), 64u * 1024 - 5);
}

TEST(PipeBuffer, round_trips_bytes_in_order_with_offsets)
{
    PipeBuffer ring;
    TestBuffer in(100);
    in.fill_pattern(7);
    EXPECT_EQ(must(ring.write_from(in, 10, 40)), 40u);
    EXPECT_EQ(must(ring.write_from(in, 50, 50)), 50u);
    TestBuffer out(200);
    EXPECT_EQ(must(ring.read_into(out, 100, 30)), 30u);
    EXPECT_EQ(must(ring.read_into(out, 130, 1000)), 60u);
    EXPECT_EQ(memcmp(out.bytes.data() + 100, in.bytes.data() + 10, 90), 0);
    EXPECT_TRUE(ring.is_empty());
}

TEST(PipeBuffer, peek_copies_without_consuming_across_the_wrap)
{
    PipeBuffer ring(4096);
    TestBuffer in(4096);
    in.fill_pattern(5);
    TestBuffer sink(4096);
    // Move the positions near the end so the peeked bytes wrap.
    EXPECT_EQ(must(ring.write_from(in, 0, 4000)), 4000u);
    EXPECT_EQ(must(ring.read_into(sink, 0, 4000)), 4000u);
    EXPECT_EQ(must(ring.write_from(in, 0, 300)), 300u);
    TestBuffer out(300);
    EXPECT_EQ(must(ring.peek_into(out, 0, 10, 1000)), 290u);
    EXPECT_EQ(memcmp(out.bytes.data(), in.bytes.data() + 10, 290), 0);
    EXPECT_EQ(ring.size(), 300u);
    EXPECT_EQ(must(ring.peek_into(out, 0, 300, 10)), 0u);
    TestBuffer faulting(300, 0);
    EXPECT_EQ(error_of(ring.peek_into(faulting, 0, 0, 10)), EFAULT);
    EXPECT_EQ(must(ring.read_into(out, 0, 300)), 300u);
    EXPECT_EQ(memcmp(out.bytes.data(), in.bytes.data(), 300), 0);
}

TEST(PipeBuffer, holds_exactly_its_capacity)
{
    PipeBuffer ring;
    TestBuffer in(100 * 1024);
    in.fill_pattern(3);
    EXPECT_EQ(must(ring.write_from(in, 0, in.bytes.size())), 64u * 1024);
    EXPECT_TRUE(ring.is_full());
    EXPECT_EQ(ring.space(), 0u);
    EXPECT_EQ(must(ring.write_from(in, 0, 1)), 0u);
    TestBuffer out(64 * 1024);
    EXPECT_EQ(must(ring.read_into(out, 0, out.bytes.size())), 64u * 1024);
    EXPECT_EQ(memcmp(out.bytes.data(), in.bytes.data(), out.bytes.size()), 0);
}

TEST(PipeBuffer, wraps_around_with_at_most_two_copies_per_call)
{
    PipeBuffer ring(4096);
    TestBuffer in(4096);
    in.fill_pattern(11);
    EXPECT_EQ(must(ring.write_from(in, 0, 3000)), 3000u);
    TestBuffer sink(4096);
    EXPECT_EQ(must(ring.read_into(sink, 0, 2500)), 2500u);
    // 500 bytes left at 2500..3000: this write wraps.
    in.copies = 0;
    EXPECT_EQ(must(ring.write_from(in, 0, 3000)), 3000u);
    EXPECT_EQ(in.copies, 2u);
    TestBuffer out(3500);
    EXPECT_EQ(must(ring.read_into(out, 0, 3500)), 3500u);
    EXPECT_EQ(out.copies, 2u);
    EXPECT_EQ(memcmp(out.bytes.data(), in.bytes.data() + 2500, 500), 0);
    EXPECT_EQ(memcmp(out.bytes.data() + 500, in.bytes.data(), 3000), 0);
}

TEST(PipeBuffer, write_fault_in_the_first_piece_is_efault_and_stores_nothing)
{
    PipeBuffer ring;
    TestBuffer bad(100, 50);
    EXPECT_EQ(error_of(ring.write_from(bad, 0, 100)), EFAULT);
    EXPECT_TRUE(ring.is_empty());
}

TEST(PipeBuffer, write_fault_in_the_wrapped_piece_keeps_the_first)
{
    PipeBuffer ring(4096);
    TestBuffer filler(4096);
    EXPECT_EQ(must(ring.write_from(filler, 0, 4000)), 4000u);
    EXPECT_EQ(must(ring.read_into(filler, 0, 4000)), 4000u);
    // 96 bytes fit before the wrap; the rest faults.
    TestBuffer bad(200, 150);
    bad.fill_pattern(5);
    EXPECT_EQ(must(ring.write_from(bad, 0, 200)), 96u);
    EXPECT_EQ(ring.size(), 96u);
    TestBuffer out(96);
    EXPECT_EQ(must(ring.read_into(out, 0, 96)), 96u);
    EXPECT_EQ(memcmp(out.bytes.data(), bad.bytes.data(), 96), 0);
}

TEST(PipeBuffer, read_fault_leaves_the_data_in_the_pipe)
{
    PipeBuffer ring(4096);
    TestBuffer in(4096);
    in.fill_pattern(9);
    EXPECT_EQ(must(ring.write_from(in, 0, 100)), 100u);
    TestBuffer bad(100, 10);
    EXPECT_EQ(error_of(ring.read_into(bad, 0, 100)), EFAULT);
    EXPECT_EQ(ring.size(), 100u);

    // Wrapped data: the first piece reaches the reader, the second stays.
    EXPECT_EQ(must(ring.read_into(in, 0, 100)), 100u);
    TestBuffer filler(4096);
    EXPECT_EQ(must(ring.write_from(filler, 0, 3900)), 3900u);
    EXPECT_EQ(must(ring.read_into(filler, 0, 3900)), 3900u);
    in.fill_pattern(1);
    EXPECT_EQ(must(ring.write_from(in, 0, 200)), 200u); // 96 before the wrap, 104 after
    TestBuffer half(200, 150);
    EXPECT_EQ(must(ring.read_into(half, 0, 200)), 96u);
    EXPECT_EQ(ring.size(), 104u);
    TestBuffer rest(104);
    EXPECT_EQ(must(ring.read_into(rest, 0, 104)), 104u);
    EXPECT_EQ(memcmp(rest.bytes.data(), in.bytes.data() + 96, 104), 0);
}

TEST(PipeBuffer, resizing_keeps_the_data_in_order)
{
    PipeBuffer ring(8192);
    TestBuffer in(8192);
    in.fill_pattern(21);
    EXPECT_EQ(must(ring.write_from(in, 0, 8000)), 8000u);
    EXPECT_EQ(must(ring.read_into(in, 0, 7000)), 7000u);
    in.fill_pattern(22);
    EXPECT_EQ(must(ring.write_from(in, 0, 2000)), 2000u); // wraps: 192 + 1808
    EXPECT_EQ(ring.size(), 3000u);

    EXPECT_EQ(ring.set_capacity(4096).is_error(), false);
    EXPECT_EQ(ring.capacity(), 4096u);
    EXPECT_EQ(ring.size(), 3000u);
    TestBuffer out(3000);
    EXPECT_EQ(must(ring.read_into(out, 0, 3000)), 3000u);
    EXPECT_EQ(memcmp(out.bytes.data() + 1000, in.bytes.data(), 2000), 0);

    EXPECT_EQ(must(ring.write_from(in, 0, 4096)), 4096u);
    auto same = ring.set_capacity(PipeBuffer::kMinimumCapacity);
    EXPECT_FALSE(same.is_error()); // 4096 bytes fit in 4096
    EXPECT_EQ(must(ring.write_from(in, 0, 1)), 0u);
    auto grown = ring.set_capacity(1 << 20);
    EXPECT_FALSE(grown.is_error());
    EXPECT_EQ(ring.space(), (1u << 20) - 4096);
}

TEST(PipeBuffer, shrinking_below_the_buffered_data_is_ebusy)
{
    PipeBuffer ring;
    TestBuffer in(10000);
    EXPECT_EQ(must(ring.write_from(in, 0, 10000)), 10000u);
    auto result = ring.set_capacity(8192);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), EBUSY);
    EXPECT_EQ(ring.capacity(), 64u * 1024);
    EXPECT_EQ(ring.size(), 10000u);
}

TEST(PipeBuffer, resizing_before_the_first_write_allocates_nothing)
{
    PipeBuffer ring;
    EXPECT_FALSE(ring.set_capacity(1 << 20).is_error());
    EXPECT_FALSE(ring.has_storage());
    EXPECT_EQ(ring.space(), 1u << 20);
}

TEST(PipeBuffer, valid_capacities_are_powers_of_two_from_one_page)
{
    EXPECT_TRUE(PipeBuffer::is_valid_capacity(4096));
    EXPECT_TRUE(PipeBuffer::is_valid_capacity(65536));
    EXPECT_FALSE(PipeBuffer::is_valid_capacity(2048));
    EXPECT_FALSE(PipeBuffer::is_valid_capacity(12288));
    EXPECT_FALSE(PipeBuffer::is_valid_capacity(0));
}

TEST(PipeBuffer, random_traffic_matches_a_byte_queue)
{
    PipeBuffer ring(16384);
    std::deque<u8> model;
    std::mt19937 random(12345);
    u8 next = 0;
    for (int step = 0; step < 4000; ++step) {
        usize length = random() % 9000;
        if (random() % 2) {
            TestBuffer in(length + 7);
            for (usize i = 0; i < length; ++i)
                in.bytes[7 + i] = next++;
            usize expected = std::min(length, 16384 - model.size());
            usize stored = must(ring.write_from(in, 7, length));
            ASSERT_EQ(stored, expected);
            for (usize i = 0; i < stored; ++i)
                model.push_back(in.bytes[7 + i]);
            next = static_cast<u8>(next - (length - stored)); // unwritten bytes come again
        } else {
            TestBuffer out(length + 3);
            usize expected = std::min(length, model.size());
            usize taken = must(ring.read_into(out, 3, length));
            ASSERT_EQ(taken, expected);
            for (usize i = 0; i < taken; ++i) {
                ASSERT_EQ(out.bytes[3 + i], model.front()) << "step " << step;
                model.pop_front();
            }
        }
        ASSERT_EQ(ring.size(), model.size());
    }
}

// PidAllocator (kernel/proc/pid.h): PIDs are unique, never 0, handed out
// cyclically (a released PID is not reused at once), reused once the search
// wraps, wrap at pid_max to 1 or, past the reserved range, to 300 (Linux's
// RESERVED_PIDS), and run out with EAGAIN. Checked against a std::set model
// on random sequences too.
#include <gtest/gtest.h>
#include <proc/pid.h>
#include <random>
#include <set>
#include <vector>

namespace {

struct TestAllocator {
    explicit TestAllocator(u32 pid_max)
        : storage(PidAllocator::storage_words(pid_max), ~u64(0)) // garbage the constructor must clear
        , allocator(storage.data(), pid_max)
    {
    }
    std::vector<u64> storage;
    PidAllocator allocator;
};

pid_t must_allocate(PidAllocator& allocator)
{
    auto result = allocator.allocate();
    EXPECT_FALSE(result.is_error());
    return result.is_error() ? -1 : result.value();
}

TEST(PidAllocator, starts_at_one_and_counts_up)
{
    TestAllocator t(100);
    EXPECT_EQ(must_allocate(t.allocator), 1);
    EXPECT_EQ(must_allocate(t.allocator), 2);
    EXPECT_EQ(must_allocate(t.allocator), 3);
    EXPECT_EQ(t.allocator.in_use(), 3u);
    EXPECT_TRUE(t.allocator.is_allocated(0)); // the idle tasks, for good
    EXPECT_FALSE(t.allocator.is_allocated(4));
}

TEST(PidAllocator, released_pid_is_not_reused_at_once)
{
    TestAllocator t(100);
    for (int i = 0; i < 10; ++i)
        must_allocate(t.allocator);
    t.allocator.release(5);
    EXPECT_FALSE(t.allocator.is_allocated(5));
    EXPECT_EQ(must_allocate(t.allocator), 11);
    EXPECT_EQ(t.allocator.last_allocated(), 11);
}

TEST(PidAllocator, wraps_at_pid_max_and_reuses_released_pids)
{
    TestAllocator t(16); // PIDs 1..15
    for (pid_t expected = 1; expected < 16; ++expected)
        EXPECT_EQ(must_allocate(t.allocator), expected);
    t.allocator.release(7);
    t.allocator.release(3);
    // The cursor is at 15: the search wraps and finds the lowest free PID.
    EXPECT_EQ(must_allocate(t.allocator), 3);
    EXPECT_EQ(must_allocate(t.allocator), 7);
    auto full = t.allocator.allocate();
    ASSERT_TRUE(full.is_error());
    EXPECT_EQ(full.error().code(), EAGAIN);
}

TEST(PidAllocator, never_hands_out_pid_max_or_zero)
{
    TestAllocator t(8);
    std::set<pid_t> seen;
    for (int round = 0; round < 50; ++round) {
        pid_t p = must_allocate(t.allocator);
        EXPECT_GT(p, 0);
        EXPECT_LT(p, 8);
        seen.insert(p);
        t.allocator.release(p);
    }
    EXPECT_EQ(seen.size(), 7u); // cycled through every PID 1..7
}

TEST(PidAllocator, wrap_past_the_reserved_range_restarts_at_300)
{
    TestAllocator t(400);
    std::vector<pid_t> pids;
    for (int i = 1; i < 400; ++i)
        pids.push_back(must_allocate(t.allocator));
    EXPECT_EQ(pids.back(), 399);
    // Free a daemon-range PID and one above the reserved range.
    t.allocator.release(42);
    t.allocator.release(350);
    EXPECT_EQ(must_allocate(t.allocator), 350);
    // Only 42 is left, below the floor: the second pass from the floor
    // misses it, as in Linux (low PIDs stay with the boot daemons).
    auto result = t.allocator.allocate();
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), EAGAIN);
}

TEST(PidAllocator, allocate_specific_claims_one_pid)
{
    TestAllocator t(100);
    EXPECT_FALSE(t.allocator.allocate_specific(1).is_error());
    auto again = t.allocator.allocate_specific(1);
    ASSERT_TRUE(again.is_error());
    EXPECT_EQ(again.error().code(), EEXIST);
    EXPECT_EQ(t.allocator.allocate_specific(0).error().code(), EINVAL);
    EXPECT_EQ(t.allocator.allocate_specific(100).error().code(), EINVAL);
    EXPECT_EQ(t.allocator.allocate_specific(-3).error().code(), EINVAL);
    EXPECT_EQ(must_allocate(t.allocator), 2); // skips the claimed 1
}

TEST(PidAllocator, release_of_a_free_pid_is_a_bug)
{
    TestAllocator t(100);
    EXPECT_DEATH(t.allocator.release(5), "VERIFY");
    EXPECT_DEATH(t.allocator.release(0), "VERIFY");
}

TEST(PidAllocator, random_sequences_match_a_model)
{
    std::mt19937 random(1234);
    for (u32 pid_max : { 2u, 17u, 64u, 65u, 301u, 1000u }) {
        TestAllocator t(pid_max);
        std::set<pid_t> live;
        pid_t last = 0;
        for (int step = 0; step < 4000; ++step) {
            bool allocate = live.empty() || random() % 3 != 0;
            if (allocate) {
                auto result = t.allocator.allocate();
                // The model: the first free PID at or after last + 1 (from
                // the floor if past the end), else the first from the floor.
                u32 cursor = static_cast<u32>(last) + 1;
                u32 floor = cursor > pid::kReservedPids ? pid::kReservedPids : 1;
                pid_t expected = -1;
                for (u32 p = cursor < floor ? floor : cursor; p < pid_max && expected < 0; ++p)
                    if (!live.count(static_cast<pid_t>(p)))
                        expected = static_cast<pid_t>(p);
                for (u32 p = floor; p < pid_max && expected < 0; ++p)
                    if (!live.count(static_cast<pid_t>(p)))
                        expected = static_cast<pid_t>(p);
                if (expected < 0) {
                    ASSERT_TRUE(result.is_error());
                    EXPECT_EQ(result.error().code(), EAGAIN);
                } else {
                    ASSERT_FALSE(result.is_error());
                    ASSERT_EQ(result.value(), expected) << "pid_max " << pid_max << " step " << step;
                    live.insert(expected);
                    last = expected;
                }
            } else {
                auto it = live.begin();
                std::advance(it, random() % live.size());
                t.allocator.release(*it);
                live.erase(it);
            }
            ASSERT_EQ(t.allocator.in_use(), live.size());
        }
    }
}

}

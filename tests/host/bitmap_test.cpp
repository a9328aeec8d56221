// Bitmap and BitmapView (kernel/lib/bitmap.h), checked against a plain
// std::vector<bool> model on sizes that do and do not fill their last word.
#include <gtest/gtest.h>
#include <lib/bitmap.h>
#include <random>
#include <vector>

namespace {

constexpr usize npos = BitmapView::npos;

usize model_find(std::vector<bool> const& model, bool value, usize from)
{
    for (usize i = from; i < model.size(); ++i) {
        if (model[i] == value)
            return i;
    }
    return npos;
}

usize model_run(std::vector<bool> const& model, usize length, usize from)
{
    for (usize start = from; start + length <= model.size(); ++start) {
        usize i = 0;
        while (i < length && !model[start + i])
            ++i;
        if (i == length)
            return start;
    }
    return npos;
}

TEST(Bitmap, starts_clear)
{
    Bitmap<130> bitmap;
    EXPECT_EQ(bitmap.size(), 130u);
    EXPECT_EQ(bitmap.count_set(), 0u);
    EXPECT_EQ(bitmap.count_clear(), 130u);
    EXPECT_EQ(bitmap.find_first_set(), npos);
    EXPECT_EQ(bitmap.find_first_clear(), 0u);
    for (usize i = 0; i < bitmap.size(); ++i)
        EXPECT_FALSE(bitmap.test(i));
}

TEST(Bitmap, set_clear_and_test_single_bits_across_words)
{
    Bitmap<200> bitmap;
    for (usize i : { 0, 1, 63, 64, 65, 127, 128, 199 })
        bitmap.set(i);
    EXPECT_EQ(bitmap.count_set(), 8u);
    EXPECT_TRUE(bitmap.test(63));
    EXPECT_TRUE(bitmap.test(64));
    EXPECT_FALSE(bitmap.test(62));
    EXPECT_FALSE(bitmap.test(198));
    EXPECT_EQ(bitmap.storage()[0], (u64(1) << 63) | 3);
    EXPECT_EQ(bitmap.storage()[1], (u64(1) << 63) | 3);
    bitmap.clear(64);
    EXPECT_FALSE(bitmap.test(64));
    EXPECT_TRUE(bitmap.test(65));
    bitmap.set(65, false);
    bitmap.set(66, true);
    EXPECT_FALSE(bitmap.test(65));
    EXPECT_TRUE(bitmap.test(66));
    EXPECT_EQ(bitmap.count_set(), 7u);
}

TEST(Bitmap, test_and_set_reports_the_old_value)
{
    Bitmap<8> bitmap;
    EXPECT_FALSE(bitmap.test_and_set(3));
    EXPECT_TRUE(bitmap.test_and_set(3));
    EXPECT_TRUE(bitmap.test(3));
}

TEST(Bitmap, find_first_from_a_position)
{
    Bitmap<300> bitmap;
    bitmap.set(5);
    bitmap.set(70);
    bitmap.set(299);
    EXPECT_EQ(bitmap.find_first_set(), 5u);
    EXPECT_EQ(bitmap.find_first_set(5), 5u);
    EXPECT_EQ(bitmap.find_first_set(6), 70u);
    EXPECT_EQ(bitmap.find_first_set(71), 299u);
    EXPECT_EQ(bitmap.find_first_set(299), 299u);
    EXPECT_EQ(bitmap.find_first_set(300), npos);

    bitmap.fill(true);
    bitmap.clear(128);
    EXPECT_EQ(bitmap.find_first_clear(), 128u);
    EXPECT_EQ(bitmap.find_first_clear(129), npos);
    EXPECT_EQ(bitmap.find_first_clear(300), npos);
}

TEST(Bitmap, bits_past_the_size_are_never_found_or_counted)
{
    // 70 bits in two words: the top 58 bits of the second word are spare.
    u64 storage[2] = { ~u64(0), ~u64(0) };
    BitmapView view(storage, 70);
    EXPECT_EQ(view.count_set(), 70u);
    EXPECT_EQ(view.find_first_clear(), npos);
    storage[1] = ~u64(0) << 6; // bits 64..69 clear, spare bits set
    EXPECT_EQ(view.count_set(), 64u);
    EXPECT_EQ(view.find_first_set(64), npos);
    EXPECT_EQ(view.find_first_clear(), 64u);
    // Filling must not disturb the spare bits either way in a way counts see.
    view.fill(false);
    EXPECT_EQ(view.count_set(), 0u);
    EXPECT_EQ(view.find_first_set(), npos);
}

TEST(Bitmap, set_range_within_one_word_and_across_words)
{
    Bitmap<256> bitmap;
    bitmap.set_range(3, 4);
    EXPECT_EQ(bitmap.storage()[0], u64(0x78));
    bitmap.set_range(60, 72); // 60..131: tail of word 0, all of word 1, head of word 2
    EXPECT_EQ(bitmap.storage()[0], u64(0xf) << 60 | 0x78);
    EXPECT_EQ(bitmap.storage()[1], ~u64(0));
    EXPECT_EQ(bitmap.storage()[2], u64(0xf));
    EXPECT_EQ(bitmap.count_set(), 4u + 72u);
    bitmap.clear_range(62, 66); // 62..127
    EXPECT_EQ(bitmap.storage()[1], u64(0));
    EXPECT_EQ(bitmap.count_set(), 4u + 2u + 4u);
    bitmap.set_range(256, 0); // empty range at the very end is allowed
    bitmap.set_range(0, 256);
    EXPECT_EQ(bitmap.count_set(), 256u);
    EXPECT_EQ(bitmap.count_set_in_range(10, 100), 100u);
}

TEST(Bitmap, count_in_range)
{
    Bitmap<192> bitmap;
    for (usize i = 0; i < 192; i += 3)
        bitmap.set(i);
    EXPECT_EQ(bitmap.count_set(), 64u);
    EXPECT_EQ(bitmap.count_set_in_range(0, 3), 1u);
    EXPECT_EQ(bitmap.count_set_in_range(1, 2), 0u);
    EXPECT_EQ(bitmap.count_set_in_range(60, 70), 24u); // 60, 63, ..., 129
    EXPECT_EQ(bitmap.count_set_in_range(192, 0), 0u);
}

TEST(Bitmap, find_clear_run_skips_runs_that_are_too_short)
{
    Bitmap<128> bitmap;
    bitmap.set(2);
    bitmap.set(5);
    bitmap.set(70);
    EXPECT_EQ(bitmap.find_clear_run(1), 0u);
    EXPECT_EQ(bitmap.find_clear_run(2), 0u);
    EXPECT_EQ(bitmap.find_clear_run(3), 6u);
    EXPECT_EQ(bitmap.find_clear_run(64), 6u);
    EXPECT_EQ(bitmap.find_clear_run(65), npos);
    EXPECT_EQ(bitmap.find_clear_run(57, 7), 7u); // a run may start at `from`
    EXPECT_EQ(bitmap.find_clear_run(57, 70), 71u);
    EXPECT_EQ(bitmap.find_clear_run(58, 70), npos);
    bitmap.fill(true);
    EXPECT_EQ(bitmap.find_clear_run(1), npos);
}

TEST(Bitmap, view_over_owned_storage_shares_bits)
{
    Bitmap<100> bitmap;
    BitmapView view = bitmap.view();
    view.set(42);
    EXPECT_TRUE(bitmap.test(42));
    bitmap.set(99);
    EXPECT_EQ(view.find_first_set(43), 99u);
    EXPECT_EQ(view.size(), 100u);
}

TEST(Bitmap, view_reads_a_byte_ordered_disk_bitmap)
{
    // ext2 numbers bit i as byte i / 8, bit i % 8.
    alignas(8) u8 disk[16] = {};
    disk[0] = 0x01;  // bit 0
    disk[1] = 0x80;  // bit 15
    disk[9] = 0x04;  // bit 74
    BitmapView view(reinterpret_cast<u64*>(disk), 128);
    EXPECT_TRUE(view.test(0));
    EXPECT_TRUE(view.test(15));
    EXPECT_TRUE(view.test(74));
    EXPECT_EQ(view.count_set(), 3u);
    EXPECT_EQ(view.find_first_set(16), 74u);
}

TEST(Bitmap, random_operations_match_a_simple_model)
{
    std::mt19937 random(1234);
    for (usize size : { 1u, 63u, 64u, 65u, 127u, 500u }) {
        std::vector<u64> storage(BitmapView::words_for(size), 0);
        BitmapView view(storage.data(), size);
        std::vector<bool> model(size, false);
        for (int step = 0; step < 2000; ++step) {
            usize a = random() % size;
            usize count = random() % (size - a + 1);
            switch (random() % 6) {
            case 0:
                view.set(a);
                model[a] = true;
                break;
            case 1:
                view.clear(a);
                model[a] = false;
                break;
            case 2: {
                bool value = random() % 2;
                view.set_range(a, count, value);
                for (usize i = a; i < a + count; ++i)
                    model[i] = value;
                break;
            }
            case 3: {
                usize expected = 0;
                for (usize i = a; i < a + count; ++i)
                    expected += model[i];
                ASSERT_EQ(view.count_set_in_range(a, count), expected);
                break;
            }
            case 4:
                ASSERT_EQ(view.find_first_set(a), model_find(model, true, a)) << "size " << size << " from " << a;
                ASSERT_EQ(view.find_first_clear(a), model_find(model, false, a)) << "size " << size << " from " << a;
                break;
            case 5: {
                usize length = 1 + random() % 8;
                ASSERT_EQ(view.find_clear_run(length, a), model_run(model, length, a));
                break;
            }
            }
            ASSERT_EQ(view.test(a), model[a]);
        }
        usize set = 0;
        for (bool bit : model)
            set += bit;
        EXPECT_EQ(view.count_set(), set);
    }
}

TEST(BitmapDeathTest, out_of_range_index_is_a_verify_failure)
{
    Bitmap<10> bitmap;
    EXPECT_DEATH((void)bitmap.test(10), "VERIFY");
    EXPECT_DEATH(bitmap.set(64), "VERIFY");
    EXPECT_DEATH(bitmap.set_range(5, 6), "VERIFY");
    EXPECT_DEATH((void)bitmap.find_first_set(11), "VERIFY");
}

}

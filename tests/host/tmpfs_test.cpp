// tmpfs (kernel/fs/tmpfs): the page index of files (sparse pages, growth,
// truncation), file data and holes, Linux's sizes, link counts and times,
// directory listings whose positions survive changes, symlinks, renames
// within one tmpfs, the size and inode limits (ENOSPC) and statfs, mount
// options, files that stay usable after their last name is gone, and the
// release of a deep tree without recursion. Page lifetime: a file's pages
// are page-allocator pages holding one reference for the file and one per
// mapper (page_for_mapping), so a mapped page outlives truncate and
// unlink; reads and writes copy without the inode lock (a callback inside
// the copy takes it, as a page fault would) and meet truncates correctly.
#include "fs_test_fixture.h"
#include <fs/tmpfs/data_page.h>
#include <fs/tmpfs/page_index.h>
#include <fs/tmpfs/tmpfs_inodes.h>
#include <atomic>
#include <functional>
#include <map>
#include <mm/page_allocator.h>
#include <thread>

using fs_test::FsTest;

namespace {

constexpr u64 kPage = 4096;

// ------------------------------------------------------------------ PageIndex

TEST(TmpfsPageIndex, missing_pages_are_holes)
{
    tmpfs::PageIndex index;
    EXPECT_EQ(index.find(0), nullptr);
    EXPECT_EQ(index.find(12345), nullptr);
    EXPECT_EQ(index.page_count(), 0u);
}

TEST(TmpfsPageIndex, allocated_pages_are_zeroed_aligned_and_found_again)
{
    tmpfs::PageIndex index;
    u8* page = MUST(index.find_or_allocate(0));
    ASSERT_NE(page, nullptr);
    EXPECT_EQ(reinterpret_cast<uptr>(page) % kPage, 0u);
    for (u64 i = 0; i < kPage; ++i)
        ASSERT_EQ(page[i], 0);
    page[7] = 42;
    EXPECT_EQ(index.find(0), page);
    EXPECT_EQ(MUST(index.find_or_allocate(0)), page);
    EXPECT_EQ(index.page_count(), 1u);
}

TEST(TmpfsPageIndex, grows_levels_keeping_earlier_pages)
{
    tmpfs::PageIndex index;
    u8* first = MUST(index.find_or_allocate(0));
    first[0] = 1;
    // One past each level's capacity: 1, 512, 512^2, 512^3 pages.
    std::vector<u64> indices { 1, 511, 512, 512 * 512, 512ull * 512 * 512, tmpfs::PageIndex::kMaxPages - 1 };
    std::map<u64, u8*> pages;
    for (u64 i : indices)
        pages[i] = MUST(index.find_or_allocate(i));
    EXPECT_EQ(index.find(0), first);
    EXPECT_EQ(first[0], 1);
    for (auto [i, page] : pages)
        EXPECT_EQ(index.find(i), page) << i;
    EXPECT_EQ(index.find(2), nullptr);
    EXPECT_EQ(index.page_count(), 1 + indices.size());
    EXPECT_ERRNO(index.find_or_allocate(tmpfs::PageIndex::kMaxPages), EFBIG);
}

TEST(TmpfsPageIndex, free_from_releases_the_tail_only)
{
    tmpfs::PageIndex index;
    for (u64 i : { 0ull, 3ull, 600ull, 300000ull })
        MUST(index.find_or_allocate(i));
    EXPECT_EQ(index.free_from(601), 1u);
    EXPECT_NE(index.find(600), nullptr);
    EXPECT_EQ(index.find(300000), nullptr);
    EXPECT_EQ(index.free_from(1), 2u);
    EXPECT_NE(index.find(0), nullptr);
    EXPECT_EQ(index.free_from(0), 1u);
    EXPECT_EQ(index.page_count(), 0u);
    // Empty again: a far page starts a fresh tree.
    MUST(index.find_or_allocate(1000000));
    EXPECT_EQ(index.page_count(), 1u);
}

// ------------------------------------------------------------------ files

class TmpfsTest : public FsTest { };

TEST_F(TmpfsTest, written_data_reads_back_across_page_boundaries)
{
    std::string data;
    for (int i = 0; i < 3 * 4096 + 100; ++i)
        data.push_back(static_cast<char>('a' + i % 26));
    MUST(write_file("/f", data));
    EXPECT_EQ(MUST(read_file("/f")), data);
    LinuxStat st = MUST(stat("/f"));
    EXPECT_EQ(st.size, static_cast<i64>(data.size()));
    EXPECT_EQ(st.blocks, 4 * 8);
    EXPECT_EQ(st.blksize, 4096);
}

TEST_F(TmpfsTest, sparse_files_read_zeros_and_use_only_written_pages)
{
    auto file = MUST(vfs::open(as_root(), root(), "/sparse", O_RDWR | O_CREAT, 0644));
    MUST(file->seek(10 * kPage + 5, SEEK_SET));
    KernelIoBuffer x(static_cast<void const*>("x"), 1);
    EXPECT_EQ(MUST(file->write(x, 1)), 1u);
    LinuxStat st = MUST(stat("/sparse"));
    EXPECT_EQ(st.size, static_cast<i64>(10 * kPage + 6));
    EXPECT_EQ(st.blocks, 8);
    std::string content = MUST(read_file("/sparse"));
    ASSERT_EQ(content.size(), 10 * kPage + 6);
    EXPECT_EQ(content.back(), 'x');
    EXPECT_EQ(content.find_first_not_of('\0'), content.size() - 1);
}

TEST_F(TmpfsTest, truncate_shrinks_and_grows_with_zeros)
{
    MUST(write_file("/t", std::string(3 * kPage, 'q')));
    MUST(vfs::truncate(as_root(), root(), "/t", 100));
    EXPECT_EQ(MUST(read_file("/t")), std::string(100, 'q'));
    EXPECT_EQ(MUST(stat("/t")).blocks, 8);
    MUST(vfs::truncate(as_root(), root(), "/t", 2 * kPage));
    std::string grown = MUST(read_file("/t"));
    EXPECT_EQ(grown, std::string(100, 'q') + std::string(2 * kPage - 100, '\0'));
    MUST(vfs::truncate(as_root(), root(), "/t", 0));
    EXPECT_EQ(MUST(stat("/t")).blocks, 0);
    EXPECT_ERRNO(vfs::truncate(as_root(), root(), "/t", -1), EINVAL);
    EXPECT_ERRNO(vfs::truncate(as_root(), root(), "/t", static_cast<i64>(tmpfs::TmpfsFile::kMaxSize + 1)), EFBIG);
}

TEST_F(TmpfsTest, writes_past_the_largest_size_are_efbig)
{
    auto file = MUST(vfs::open(as_root(), root(), "/big", O_RDWR | O_CREAT, 0644));
    KernelIoBuffer x(static_cast<void const*>("xy"), 2);
    EXPECT_ERRNO(file->pwrite(x, 2, static_cast<i64>(tmpfs::TmpfsFile::kMaxSize)), EFBIG);
    // A write that straddles the limit is cut short.
    EXPECT_EQ(MUST(file->pwrite(x, 2, static_cast<i64>(tmpfs::TmpfsFile::kMaxSize - 1))), 1u);
}

TEST_F(TmpfsTest, pages_for_mapping_are_the_file_pages)
{
    MUST(write_file("/m", "hello"));
    auto file = MUST(lookup("/m"));
    u8* page = MUST(file.inode->page_for_mapping(0));
    EXPECT_EQ(memcmp(page, "hello", 5), 0);
    page[0] = 'j';
    EXPECT_EQ(MUST(read_file("/m")), "jello");
    tmpfs::unref_data_page(page);
    // A hole gets a zeroed page, counted in st_blocks.
    MUST(vfs::truncate(as_root(), root(), "/m", 6 * kPage));
    u8* far = MUST(file.inode->page_for_mapping(5));
    EXPECT_EQ(far[100], 0);
    EXPECT_EQ(MUST(stat("/m")).blocks, 16);
    tmpfs::unref_data_page(far);
    // A page wholly past the end is SIGBUS for the fault (EFAULT here).
    EXPECT_ERRNO(file.inode->page_for_mapping(6), EFAULT);
    EXPECT_EQ(MUST(stat("/m")).blocks, 16);
}

// ------------------------------------------------------------------ page lifetime

// Pages of the page allocator in use now (the host arena of data_page.cpp).
u64 pages_in_use() { return mm::page_allocator().allocated_pages(); }

TEST_F(TmpfsTest, file_pages_hold_one_reference_and_mappings_one_each)
{
    MUST(write_file("/r", std::string(2 * kPage, 'r')));
    auto file = MUST(lookup("/r"));
    u8* first = MUST(file.inode->page_for_mapping(0));
    EXPECT_EQ(tmpfs::data_page_references(first), 2u); // the file's and ours
    u8* again = MUST(file.inode->page_for_mapping(0));
    EXPECT_EQ(again, first);
    EXPECT_EQ(tmpfs::data_page_references(first), 3u);
    tmpfs::unref_data_page(again);
    tmpfs::unref_data_page(first);
    EXPECT_EQ(tmpfs::data_page_references(first), 1u);
    // Reading and writing take their references only while they copy.
    EXPECT_EQ(MUST(read_file("/r")), std::string(2 * kPage, 'r'));
    auto handle = MUST(vfs::open(as_root(), root(), "/r", O_RDWR, 0));
    KernelIoBuffer x(static_cast<void const*>("x"), 1);
    EXPECT_EQ(MUST(handle->pwrite(x, 1, 10)), 1u);
    EXPECT_EQ(tmpfs::data_page_references(first), 1u);
}

TEST_F(TmpfsTest, a_mapped_page_survives_truncate_until_unmapped)
{
    u64 before = pages_in_use();
    MUST(write_file("/t", std::string(3 * kPage, 'm')));
    EXPECT_EQ(pages_in_use(), before + 3);
    auto file = MUST(lookup("/t"));
    u8* mapped = MUST(file.inode->page_for_mapping(2));
    MUST(vfs::truncate(as_root(), root(), "/t", kPage));
    // The file let the page go (and stopped counting it)...
    EXPECT_EQ(MUST(stat("/t")).blocks, 8);
    EXPECT_EQ(tmpfs::data_page_references(mapped), 1u);
    EXPECT_EQ(pages_in_use(), before + 2);
    // ...but the mapper's page is intact, and not the file's any more.
    EXPECT_EQ(mapped[0], 'm');
    EXPECT_EQ(mapped[kPage - 1], 'm');
    MUST(vfs::truncate(as_root(), root(), "/t", 3 * kPage));
    EXPECT_EQ(MUST(read_file("/t")), std::string(kPage, 'm') + std::string(2 * kPage, '\0'));
    mapped[0] = 'w'; // the mapping writes to its own page only
    EXPECT_EQ(MUST(read_file("/t")), std::string(kPage, 'm') + std::string(2 * kPage, '\0'));
    // The last reference frees the page.
    tmpfs::unref_data_page(mapped);
    EXPECT_EQ(pages_in_use(), before + 1);
    MUST(vfs::unlink(as_root(), root(), "/t"));
    file = vfs::Location {};
    EXPECT_EQ(pages_in_use(), before);
}

TEST_F(TmpfsTest, a_mapped_page_survives_unlink_and_close)
{
    u64 before = pages_in_use();
    u8* mapped;
    {
        auto handle = MUST(vfs::open(as_root(), root(), "/u", O_RDWR | O_CREAT, 0644));
        KernelIoBuffer data(static_cast<void const*>("mapped"), 6);
        EXPECT_EQ(MUST(handle->write(data, 6)), 6u);
        mapped = MUST(handle->inode()->page_for_mapping(0));
        MUST(vfs::unlink(as_root(), root(), "/u"));
    }
    // The file is gone with its name and its last open file; the mapping
    // still holds its page.
    EXPECT_EQ(tmpfs::data_page_references(mapped), 1u);
    EXPECT_EQ(memcmp(mapped, "mapped", 6), 0);
    EXPECT_EQ(pages_in_use(), before + 1);
    tmpfs::unref_data_page(mapped);
    EXPECT_EQ(pages_in_use(), before);
}

TEST_F(TmpfsTest, an_unlinked_open_file_frees_its_pages_and_space_on_last_close)
{
    tmpfs::Options options = MUST(tmpfs::parse_options("size=16k"));
    RefPtr<vfs::Inode> small = MUST(tmpfs::TmpFs::create(options));
    MUST(make_directory("/small"));
    vfs::Location at = MUST(lookup("/small"));
    MUST(mounts.mount(small, at, "small", 0));
    u64 before = pages_in_use();
    auto file = MUST(vfs::open(as_root(), root(), "/small/f", O_RDWR | O_CREAT, 0644));
    std::string data(3 * kPage, 'o');
    KernelIoBuffer buffer(static_cast<void const*>(data.data()), data.size());
    EXPECT_EQ(MUST(file->write(buffer, data.size())), data.size());
    MUST(vfs::unlink(as_root(), root(), "/small/f"));
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/small")).bfree, 1u);
    EXPECT_EQ(pages_in_use(), before + 3);
    // Still open: still there, still counted.
    MUST(file->seek(0, SEEK_SET));
    EXPECT_EQ(MUST(FsTest::read_all(*file)), data);
    file = nullptr;
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/small")).bfree, 4u);
    EXPECT_EQ(pages_in_use(), before);
}

// An IoBuffer that runs a callback in the middle of a copy, where a user
// copy would fault: the callback may take the inode's lock (as the fault
// handler does for a mapping of the same file) or change the file.
class InterruptingBuffer final : public IoBuffer {
public:
    InterruptingBuffer(void* data, usize size, std::function<void()> during)
        : m_inner(data, size)
        , m_during(std::move(during))
    {
    }
    ErrorOr<void> write_bytes(usize offset, void const* source, usize length) override
    {
        interrupt();
        return m_inner.write_bytes(offset, source, length);
    }
    ErrorOr<void> read_bytes(usize offset, void* destination, usize length) const override
    {
        interrupt();
        return m_inner.read_bytes(offset, destination, length);
    }
    ErrorOr<void> write_zeros(usize offset, usize length) override
    {
        interrupt();
        return m_inner.write_zeros(offset, length);
    }
    int calls() const { return m_calls; }

private:
    void interrupt() const
    {
        if (m_calls++ == 0 && m_during)
            m_during();
    }
    KernelIoBuffer m_inner;
    std::function<void()> m_during;
    mutable int m_calls { 0 };
};

TEST_F(TmpfsTest, copies_run_without_the_inode_lock)
{
    MUST(write_file("/c", std::string(2 * kPage, 'c')));
    auto file = MUST(lookup("/c"));
    vfs::Inode& inode = *file.inode;
    // What a fault on a mapping of this file does in the middle of the
    // copy: ask the file for a page (taking its lock). Deadlocks (spins
    // forever) if the copy holds the lock.
    auto fault = [&] {
        u8* page = MUST(inode.page_for_mapping(1));
        tmpfs::unref_data_page(page);
        (void)inode.size();
    };
    std::string out(2 * kPage, '\0');
    InterruptingBuffer reader(out.data(), out.size(), fault);
    EXPECT_EQ(MUST(inode.read(0, reader, out.size())), out.size());
    EXPECT_EQ(out, std::string(2 * kPage, 'c'));

    std::string in(2 * kPage, 'w');
    InterruptingBuffer writer(in.data(), in.size(), fault);
    u64 offset = 0;
    EXPECT_EQ(MUST(inode.write(offset, writer, in.size(), false)), in.size());
    EXPECT_EQ(MUST(read_file("/c")), in);
}

TEST_F(TmpfsTest, a_write_that_meets_a_truncate_lands_after_it)
{
    MUST(write_file("/w", std::string(2 * kPage, 'a')));
    auto file = MUST(lookup("/w"));
    vfs::Inode& inode = *file.inode;
    std::string in(100, 'b');
    // A truncate to zero runs while the write copies into page 1: the
    // write copies again into a fresh page, after the truncate.
    InterruptingBuffer writer(in.data(), in.size(), [&] { MUST(inode.truncate(0)); });
    u64 offset = kPage + 10;
    EXPECT_EQ(MUST(inode.write(offset, writer, in.size(), false)), in.size());
    EXPECT_EQ(writer.calls(), 2);
    EXPECT_EQ(inode.size(), kPage + 110);
    EXPECT_EQ(MUST(read_file("/w")), std::string(kPage + 10, '\0') + in);
    EXPECT_EQ(MUST(stat("/w")).blocks, 8); // page 0 went with the truncate
}

TEST_F(TmpfsTest, a_read_that_meets_a_truncate_stops_at_the_new_end)
{
    MUST(write_file("/rt", std::string(3 * kPage, 'z')));
    auto file = MUST(lookup("/rt"));
    vfs::Inode& inode = *file.inode;
    std::string out(3 * kPage, '-');
    InterruptingBuffer reader(out.data(), out.size(), [&] { MUST(inode.truncate(kPage + 5)); });
    // The first page was already found (and is held) when the truncate
    // ran; the read then stops at the new end.
    EXPECT_EQ(MUST(inode.read(0, reader, out.size())), kPage + 5);
    EXPECT_EQ(out.substr(0, kPage + 5), std::string(kPage + 5, 'z'));
}

// A buffer whose copies fail after `good` bytes (a user buffer running
// into an unmapped page).
class FailingBuffer final : public IoBuffer {
public:
    explicit FailingBuffer(usize good)
        : m_good(good)
    {
    }
    ErrorOr<void> write_bytes(usize offset, void const*, usize length) override { return check(offset, length); }
    ErrorOr<void> read_bytes(usize offset, void* destination, usize length) const override
    {
        // Like a user copy that faults part way: the bytes before the
        // fault arrive.
        for (usize i = 0; i < length && offset + i < m_good; ++i)
            static_cast<u8*>(destination)[i] = 'f';
        return check(offset, length);
    }

private:
    ErrorOr<void> check(usize offset, usize length) const
    {
        if (offset + length > m_good)
            return Error::from_errno(EFAULT);
        return {};
    }
    usize m_good;
};

TEST_F(TmpfsTest, a_copy_that_fails_part_way_counts_what_went)
{
    MUST(write_file("/f", "0123456789"));
    auto file = MUST(lookup("/f"));
    vfs::Inode& inode = *file.inode;
    // The first page goes in whole; the second fails part way: a short write.
    FailingBuffer bad(kPage + 50);
    u64 offset = 5;
    EXPECT_EQ(MUST(inode.write(offset, bad, 2 * kPage, false)), kPage - 5);
    EXPECT_EQ(inode.size(), kPage);
    // Nothing goes: the error.
    FailingBuffer none(0);
    offset = 0;
    EXPECT_ERRNO(inode.write(offset, none, 10, false), EFAULT);
    EXPECT_EQ(inode.size(), kPage);
    // Reads the same: the bytes before the failure, or the error.
    MUST(inode.truncate(2 * kPage));
    FailingBuffer bad_read(kPage + 1);
    EXPECT_EQ(MUST(inode.read(0, bad_read, 2 * kPage)), kPage);
    EXPECT_ERRNO(inode.read(0, none, 10), EFAULT);
}

TEST_F(TmpfsTest, a_failed_copy_leaves_zeros_past_the_end)
{
    MUST(write_file("/f", "0123456789"));
    auto file = MUST(lookup("/f"));
    vfs::Inode& inode = *file.inode;
    // 50 bytes land at 20..70, past the end, before the copy fails.
    FailingBuffer half(50);
    u64 offset = 20;
    EXPECT_ERRNO(inode.write(offset, half, 100, false), EFAULT);
    EXPECT_EQ(inode.size(), 10u);
    // A mapping of the last page shows zeros after the end, and so does
    // the file grown by truncate.
    u8* page = MUST(inode.page_for_mapping(0));
    EXPECT_EQ(memcmp(page, "0123456789", 10), 0);
    for (u64 i = 10; i < kPage; ++i)
        ASSERT_EQ(page[i], 0) << i;
    tmpfs::unref_data_page(page);
    MUST(inode.truncate(100));
    EXPECT_EQ(MUST(read_file("/f")), std::string("0123456789") + std::string(90, '\0'));
}

TEST_F(TmpfsTest, writers_truncaters_and_mappers_in_parallel_free_every_page)
{
    u64 before = pages_in_use();
    {
        MUST(write_file("/p", ""));
        auto file = MUST(lookup("/p"));
        vfs::Inode& inode = *file.inode;
        std::atomic<bool> stop { false };
        auto writer = [&] {
            std::string data(3 * kPage, 'p');
            for (int i = 0; i < 300; ++i) {
                KernelIoBuffer buffer(static_cast<void const*>(data.data()), data.size());
                u64 offset = (i % 4) * 1000;
                MUST(inode.write(offset, buffer, data.size(), false));
            }
        };
        auto truncater = [&] {
            for (int i = 0; !stop.load(); ++i)
                MUST(inode.truncate((i % 5) * 3000));
        };
        auto mapper = [&] {
            while (!stop.load()) {
                auto page = inode.page_for_mapping(1);
                if (!page.is_error()) {
                    EXPECT_GE(tmpfs::data_page_references(page.value()), 1u);
                    volatile u8 byte = page.value()[7];
                    (void)byte;
                    tmpfs::unref_data_page(page.value());
                }
            }
        };
        std::thread t1(truncater), t2(mapper);
        writer();
        stop = true;
        t1.join();
        t2.join();
        // Every byte within the size is either written data or a zero.
        std::string content = MUST(read_file("/p"));
        EXPECT_EQ(content.size(), inode.size());
        EXPECT_EQ(content.find_first_not_of(std::string("p\0", 2)), std::string::npos);
        MUST(vfs::unlink(as_root(), root(), "/p"));
    }
    EXPECT_EQ(pages_in_use(), before);
}

// ------------------------------------------------------------------ metadata

TEST_F(TmpfsTest, times_follow_linux)
{
    MUST(make_directory("/d"));
    i64 created = fs_test::s_now_ns;
    advance_clock(1'000'000'000);
    MUST(write_file("/d/f", "abc"));
    LinuxStat dir = MUST(stat("/d"));
    LinuxStat file = MUST(stat("/d/f"));
    // Creating a file changes its directory's mtime and ctime.
    EXPECT_EQ(static_cast<i64>(dir.mtime_sec), fs_test::s_now_ns / 1'000'000'000);
    EXPECT_EQ(dir.ctime_sec, dir.mtime_sec);
    EXPECT_GT(static_cast<i64>(dir.mtime_sec), created / 1'000'000'000);
    EXPECT_EQ(file.mtime_sec, dir.mtime_sec);

    advance_clock(1'000'000'000);
    MUST(vfs::chmod(as_root(), root(), "/d/f", 0600, 0));
    LinuxStat after_chmod = MUST(stat("/d/f"));
    EXPECT_EQ(after_chmod.mtime_sec, file.mtime_sec); // chmod touches ctime only
    EXPECT_EQ(after_chmod.ctime_sec, file.ctime_sec + 1);

    advance_clock(1'000'000'000);
    auto handle = MUST(vfs::open(as_root(), root(), "/d/f", O_WRONLY | O_APPEND, 0));
    KernelIoBuffer more(static_cast<void const*>("de"), 2);
    MUST(handle->write(more, 2));
    LinuxStat after_write = MUST(stat("/d/f"));
    EXPECT_EQ(after_write.mtime_sec, file.mtime_sec + 2);
    EXPECT_EQ(after_write.ctime_sec, after_write.mtime_sec);
    EXPECT_EQ(MUST(read_file("/d/f")), "abcde");

    // A read moves atime when it is not newer than mtime (relatime).
    advance_clock(1'000'000'000);
    MUST(read_file("/d/f"));
    EXPECT_EQ(MUST(stat("/d/f")).atime_sec, after_write.mtime_sec + 1);
    advance_clock(1'000'000'000);
    MUST(read_file("/d/f"));
    EXPECT_EQ(MUST(stat("/d/f")).atime_sec, after_write.mtime_sec + 1);
}

TEST_F(TmpfsTest, directory_link_counts_and_sizes)
{
    MUST(make_directory("/d"));
    EXPECT_EQ(MUST(stat("/d")).nlink, 2u);
    EXPECT_EQ(MUST(stat("/d")).size, 40);
    MUST(make_directory("/d/a"));
    MUST(make_directory("/d/b"));
    MUST(write_file("/d/f", ""));
    LinuxStat d = MUST(stat("/d"));
    EXPECT_EQ(d.nlink, 4u);
    EXPECT_EQ(d.size, 40 + 3 * 20);
    MUST(vfs::rmdir(as_root(), root(), "/d/a"));
    EXPECT_EQ(MUST(stat("/d")).nlink, 3u);
    MUST(vfs::rename(as_root(), root(), "/d/b", root(), "/b", 0));
    EXPECT_EQ(MUST(stat("/d")).nlink, 2u);
    EXPECT_EQ(MUST(stat("/")).nlink, 4u); // ".", "..", d, b
}

TEST_F(TmpfsTest, hard_links_share_data_and_count)
{
    MUST(write_file("/a", "shared"));
    MUST(vfs::link(as_root(), root(), "/a", root(), "/b", 0));
    LinuxStat a = MUST(stat("/a"));
    LinuxStat b = MUST(stat("/b"));
    EXPECT_EQ(a.ino, b.ino);
    EXPECT_EQ(a.nlink, 2u);
    MUST(write_file("/b", "changed"));
    EXPECT_EQ(MUST(read_file("/a")), "changed");
    MUST(vfs::unlink(as_root(), root(), "/a"));
    EXPECT_EQ(MUST(stat("/b")).nlink, 1u);
}

TEST_F(TmpfsTest, unlinked_open_file_stays_usable_until_closed)
{
    MUST(write_file("/gone", "still here"));
    auto file = MUST(vfs::open(as_root(), root(), "/gone", O_RDWR, 0));
    MUST(vfs::unlink(as_root(), root(), "/gone"));
    EXPECT_ERRNO(lookup("/gone"), ENOENT);
    EXPECT_EQ(vfs::stat(file->location()).nlink, 0u);
    EXPECT_EQ(MUST(FsTest::read_all(*file)), "still here");
    KernelIoBuffer more(static_cast<void const*>("!"), 1);
    EXPECT_EQ(MUST(file->write(more, 1)), 1u);
    MUST(file->seek(0, SEEK_SET));
    EXPECT_EQ(MUST(FsTest::read_all(*file)), "still here!");
    // A name cannot come back to a file whose last link is gone.
    EXPECT_ERRNO(vfs::link(as_root(), file->location(), "", root(), "/again", AT_EMPTY_PATH), ENOENT);
}

TEST_F(TmpfsTest, symlinks_keep_their_target_and_size)
{
    MUST(vfs::symlink(as_root(), "some/where/else", root(), "/link"));
    LinuxStat st = MUST(stat("/link", AT_SYMLINK_NOFOLLOW));
    EXPECT_EQ(st.mode, static_cast<u32>(S_IFLNK | 0777));
    EXPECT_EQ(st.size, 15);
    char buffer[64];
    KernelIoBuffer out(buffer, sizeof(buffer));
    usize length = MUST(vfs::readlink(as_root(), root(), "/link", out, sizeof(buffer)));
    EXPECT_EQ(std::string(buffer, length), "some/where/else");
}

TEST_F(TmpfsTest, special_files_keep_type_and_device)
{
    MUST(vfs::mknod(as_root(), root(), "/fifo", S_IFIFO | 0600, 0));
    MUST(vfs::mknod(as_root(), root(), "/tty", S_IFCHR | 0620, vfs::make_device(4, 64)));
    MUST(vfs::mknod(as_root(), root(), "/disk", S_IFBLK | 0660, vfs::make_device(8, 1)));
    MUST(vfs::mknod(as_root(), root(), "/socket", S_IFSOCK | 0777, 0));
    EXPECT_EQ(MUST(stat("/fifo")).mode, static_cast<u32>(S_IFIFO | 0600));
    LinuxStat tty = MUST(stat("/tty"));
    EXPECT_EQ(tty.mode, static_cast<u32>(S_IFCHR | 0620));
    EXPECT_EQ(vfs::device_major(tty.rdev), 4u);
    EXPECT_EQ(vfs::device_minor(tty.rdev), 64u);
    EXPECT_EQ(MUST(stat("/disk")).rdev, vfs::make_device(8, 1));
    EXPECT_EQ(MUST(stat("/socket")).mode, static_cast<u32>(S_IFSOCK | 0777));
    EXPECT_EQ(MUST(stat("/fifo")).rdev, 0u);
}

// ------------------------------------------------------------------ listings

TEST_F(TmpfsTest, listing_has_dot_entries_then_insertion_order)
{
    MUST(make_directory("/d"));
    for (auto name : { "zeta", "alpha", "mid" })
        MUST(write_file(std::string("/d/") + name, ""));
    auto directory = MUST(vfs::open(as_root(), root(), "/d", O_RDONLY | O_DIRECTORY, 0));
    u8 bytes[4096];
    KernelIoBuffer buffer(bytes, sizeof(bytes));
    usize got = MUST(directory->read_directory(buffer, sizeof(bytes)));
    std::vector<std::pair<std::string, u8>> seen;
    LinuxStat d = MUST(stat("/d"));
    LinuxStat parent = MUST(stat("/"));
    for (usize offset = 0; offset < got;) {
        LinuxDirent64 head;
        memcpy(&head, bytes + offset, sizeof(head));
        EXPECT_EQ(head.reclen % 8, 0);
        std::string name(reinterpret_cast<char const*>(bytes + offset + LinuxDirent64::kNameOffset));
        if (name == ".") {
            EXPECT_EQ(head.ino, d.ino);
        }
        if (name == "..") {
            EXPECT_EQ(head.ino, parent.ino);
        }
        seen.push_back({ name, head.type });
        offset += head.reclen;
    }
    std::vector<std::pair<std::string, u8>> expected {
        { ".", DT_DIR }, { "..", DT_DIR }, { "zeta", DT_REG }, { "alpha", DT_REG }, { "mid", DT_REG }
    };
    EXPECT_EQ(seen, expected);
    EXPECT_EQ(MUST(directory->read_directory(buffer, sizeof(bytes))), 0u);
}

TEST_F(TmpfsTest, listing_resumes_across_removals_and_additions)
{
    MUST(make_directory("/d"));
    for (int i = 0; i < 10; ++i)
        MUST(write_file("/d/f" + std::to_string(i), ""));
    auto directory = MUST(vfs::open(as_root(), root(), "/d", O_RDONLY, 0));
    // Room for exactly one record each call.
    u8 bytes[32];
    std::vector<std::string> names;
    auto next = [&]() -> std::string {
        KernelIoBuffer buffer(bytes, sizeof(bytes));
        usize got = directory->read_directory(buffer, sizeof(bytes)).release_value();
        if (got == 0)
            return "";
        return reinterpret_cast<char const*>(bytes + LinuxDirent64::kNameOffset);
    };
    EXPECT_EQ(next(), ".");
    EXPECT_EQ(next(), "..");
    EXPECT_EQ(next(), "f0");
    EXPECT_EQ(next(), "f1");
    // Removing a listed and an unlisted entry, adding one: the walk
    // neither repeats nor skips what stayed.
    MUST(vfs::unlink(as_root(), root(), "/d/f0"));
    MUST(vfs::unlink(as_root(), root(), "/d/f5"));
    MUST(write_file("/d/new", ""));
    for (std::string name = next(); !name.empty(); name = next())
        names.push_back(name);
    std::vector<std::string> expected { "f2", "f3", "f4", "f6", "f7", "f8", "f9", "new" };
    EXPECT_EQ(names, expected);
    // Seeking back to 0 starts over.
    MUST(directory->seek(0, SEEK_SET));
    EXPECT_EQ(next(), ".");
}

// ------------------------------------------------------------------ rename

TEST_F(TmpfsTest, rename_moves_and_replaces)
{
    MUST(write_file("/a", "A"));
    MUST(write_file("/b", "B"));
    u64 a_ino = MUST(stat("/a")).ino;
    MUST(vfs::rename(as_root(), root(), "/a", root(), "/b", 0));
    EXPECT_ERRNO(lookup("/a"), ENOENT);
    EXPECT_EQ(MUST(read_file("/b")), "A");
    EXPECT_EQ(MUST(stat("/b")).ino, a_ino);
    // Renaming a file onto another name of itself changes nothing.
    MUST(vfs::link(as_root(), root(), "/b", root(), "/c", 0));
    MUST(vfs::rename(as_root(), root(), "/b", root(), "/c", 0));
    EXPECT_EQ(MUST(stat("/b")).nlink, 2u);
}

TEST_F(TmpfsTest, rename_errors_follow_linux)
{
    MUST(make_directory("/dir"));
    MUST(make_directory("/dir/sub"));
    MUST(make_directory("/full"));
    MUST(write_file("/full/x", ""));
    MUST(make_directory("/empty"));
    MUST(write_file("/file", ""));
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/missing", root(), "/x", 0), ENOENT);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/dir", root(), "/file", 0), ENOTDIR);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/file", root(), "/dir", 0), EISDIR);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/dir", root(), "/full", 0), ENOTEMPTY);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/dir", root(), "/dir/sub/inside", 0), EINVAL);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/dir", root(), "/dir/new", 0), EINVAL);
    // The target is an ancestor of the source: not empty, as Linux says.
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/dir/sub", root(), "/dir", 0), ENOTEMPTY);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/file", root(), "/empty", RENAME_NOREPLACE), EEXIST);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/file", root(), "/nothing", RENAME_EXCHANGE), ENOENT);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/file", root(), "/x", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/file", root(), "/x", 0x80), EINVAL);
    // An empty directory can be replaced by a directory.
    MUST(vfs::rename(as_root(), root(), "/dir", root(), "/empty", 0));
    EXPECT_ERRNO(lookup("/dir"), ENOENT);
    MUST(lookup("/empty/sub"));
}

TEST_F(TmpfsTest, rename_exchange_swaps_even_file_and_directory)
{
    MUST(make_directory("/p"));
    MUST(make_directory("/p/dir"));
    MUST(write_file("/file", "F"));
    u64 dir_ino = MUST(stat("/p/dir")).ino;
    MUST(vfs::rename(as_root(), root(), "/file", root(), "/p/dir", RENAME_EXCHANGE));
    EXPECT_EQ(MUST(read_file("/p/dir")), "F");
    EXPECT_EQ(MUST(stat("/file")).ino, dir_ino);
    EXPECT_EQ(MUST(stat("/p")).nlink, 2u); // lost its subdirectory
    EXPECT_EQ(MUST(stat("/")).nlink, 4u);  // ".", "..", p, and now "file"
    // ".." of the moved directory is its new parent.
    EXPECT_EQ(MUST(stat("/file/..")).ino, MUST(stat("/")).ino);
    EXPECT_ERRNO(vfs::rename(as_root(), root(), "/file", root(), "/file/x", RENAME_EXCHANGE), ENOENT);
}

TEST_F(TmpfsTest, removed_directory_keeps_dotdot_and_lists_nothing)
{
    MUST(make_directory("/p"));
    MUST(make_directory("/p/d"));
    vfs::Location d = MUST(lookup("/p/d"));
    MUST(vfs::rmdir(as_root(), root(), "/p/d"));
    EXPECT_EQ(vfs::stat(d).nlink, 0u);
    EXPECT_EQ(MUST(vfs::stat(as_root(), d, "..", 0)).ino, MUST(stat("/p")).ino);
    EXPECT_ERRNO(vfs::open(as_root(), d, "new", O_CREAT | O_WRONLY, 0644), ENOENT);
    EXPECT_ERRNO(vfs::mkdir(as_root(), d, "new", 0755), ENOENT);
    auto handle = MUST(vfs::open(as_root(), d, ".", O_RDONLY, 0));
    u8 bytes[256];
    KernelIoBuffer buffer(bytes, sizeof(bytes));
    EXPECT_ERRNO(handle->read_directory(buffer, sizeof(bytes)), ENOENT);
}

// ------------------------------------------------------------------ limits

TEST_F(TmpfsTest, size_limit_gives_enospc_and_short_writes)
{
    tmpfs::Options options = MUST(tmpfs::parse_options("size=8k,nr_inodes=3"));
    EXPECT_EQ(options.max_pages, 2u);
    EXPECT_EQ(options.max_inodes, 3u);
    RefPtr<vfs::Inode> small = MUST(tmpfs::TmpFs::create(options));
    MUST(make_directory("/small"));
    vfs::Location at = MUST(lookup("/small"));
    MUST(mounts.mount(small, at, "small", 0));

    auto file = MUST(vfs::open(as_root(), root(), "/small/f", O_RDWR | O_CREAT, 0644));
    std::string data(3 * kPage, 'z');
    KernelIoBuffer buffer(static_cast<void const*>(data.data()), data.size());
    EXPECT_EQ(MUST(file->write(buffer, data.size())), 2 * kPage);
    EXPECT_ERRNO(file->write(buffer, data.size()), ENOSPC);

    LinuxStatfs fs = MUST(vfs::statfs(as_root(), root(), "/small"));
    EXPECT_EQ(fs.type, static_cast<i64>(vfs::kTmpfsMagic));
    EXPECT_EQ(fs.bsize, 4096);
    EXPECT_EQ(fs.blocks, 2u);
    EXPECT_EQ(fs.bfree, 0u);
    EXPECT_EQ(fs.files, 3u);
    EXPECT_EQ(fs.ffree, 1u); // the root and f
    EXPECT_EQ(fs.namelen, 255);

    MUST(write_file("/small/g", ""));
    EXPECT_ERRNO(write_file("/small/h", ""), ENOSPC);
    EXPECT_ERRNO(vfs::mkdir(as_root(), root(), "/small/dir", 0755), ENOSPC);
    // Freeing pages makes room again.
    MUST(file->truncate(0));
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/small")).bfree, 2u);
    file = nullptr;
    MUST(vfs::unlink(as_root(), root(), "/small/f"));
    MUST(write_file("/small/h", "fits"));
}

TEST_F(TmpfsTest, concurrent_operations_keep_the_tree_consistent)
{
    // Two threads (the test machines have two CPUs, and a spinlock holder
    // descheduled among more threads than CPUs makes everyone wait) each
    // create, write, read, rename, link and remove files in one shared
    // directory; between rounds one also lists it and the other makes,
    // swaps and removes subdirectories. At the end every count must be
    // back where it began (ASan watches every access, LeakSanitizer every
    // object).
    tmpfs::Options options;
    options.max_inodes = 1000000;
    RefPtr<vfs::Inode> counted = MUST(tmpfs::TmpFs::create(options));
    MUST(make_directory("/counted"));
    vfs::Location at = MUST(lookup("/counted"));
    MUST(mounts.mount(counted, at, "counted", 0));
    MUST(make_directory("/counted/shared"));
    u64 free_inodes = MUST(vfs::statfs(as_root(), root(), "/counted")).ffree;

    constexpr int kWorkers = 2;
    constexpr int kRounds = 40;
    std::atomic<int> failures { 0 };
    auto check = [&](bool ok) {
        if (!ok)
            ++failures;
    };
    auto work = [&](int worker) {
        vfs::Context context = as_root();
        for (int round = 0; round < kRounds; ++round) {
            std::string base = "/counted/shared/w" + std::to_string(worker) + "-" + std::to_string(round);
            std::string data(100 + round, static_cast<char>('a' + worker));
            auto file = vfs::open(context, root(), base.c_str(), O_RDWR | O_CREAT | O_EXCL, 0644);
            check(!file.is_error());
            if (file.is_error())
                continue;
            KernelIoBuffer out(static_cast<void const*>(data.data()), data.size());
            check(!file.value()->write(out, data.size()).is_error());
            check(!vfs::rename(context, root(), base.c_str(), root(), (base + ".moved").c_str(), 0).is_error());
            check(!vfs::link(context, root(), (base + ".moved").c_str(), root(), (base + ".link").c_str(), 0).is_error());
            std::string back(data.size(), '\0');
            KernelIoBuffer in(back.data(), back.size());
            auto reader = vfs::open(context, root(), (base + ".link").c_str(), O_RDONLY, 0);
            check(!reader.is_error() && reader.value()->read(in, back.size()).value() == data.size() && back == data);
            if (worker == 0) {
                check(!list("/counted/shared", 256).is_error());
            } else {
                std::string name = "/counted/shared/dir" + std::to_string(round % 7);
                (void)vfs::mkdir(context, root(), name.c_str(), 0755);
                (void)vfs::rename(context, root(), name.c_str(), root(), "/counted/shared/swapped", RENAME_EXCHANGE);
                (void)vfs::rmdir(context, root(), "/counted/shared/swapped");
                (void)vfs::rmdir(context, root(), name.c_str());
            }
            check(!vfs::unlink(context, root(), (base + ".moved").c_str()).is_error());
            check(!vfs::unlink(context, root(), (base + ".link").c_str()).is_error());
        }
    };
    std::vector<std::thread> threads;
    for (int worker = 0; worker < kWorkers; ++worker)
        threads.emplace_back(work, worker);
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(failures.load(), 0);
    for (int k = 0; k < 7; ++k)
        (void)vfs::rmdir(as_root(), root(), ("/counted/shared/dir" + std::to_string(k)).c_str());
    (void)vfs::rmdir(as_root(), root(), "/counted/shared/swapped");
    EXPECT_EQ(MUST(list("/counted/shared")).size(), 0u);
    LinuxStat shared = MUST(stat("/counted/shared"));
    EXPECT_EQ(shared.nlink, 2u);
    EXPECT_EQ(shared.size, 40);
    EXPECT_EQ(MUST(vfs::statfs(as_root(), root(), "/counted")).ffree, free_inodes);
}

TEST(TmpfsOptions, parse_mount_options)
{
    tmpfs::Options options = MUST(tmpfs::parse_options("size=1m,mode=1777,uid=5,gid=6,nr_inodes=2k"));
    EXPECT_EQ(options.max_pages, 256u);
    EXPECT_EQ(options.root_mode, 01777u);
    EXPECT_EQ(options.root_uid, 5u);
    EXPECT_EQ(options.root_gid, 6u);
    EXPECT_EQ(options.max_inodes, 2048u);
    EXPECT_EQ(MUST(tmpfs::parse_options("size=4097")).max_pages, 2u);
    EXPECT_EQ(MUST(tmpfs::parse_options("")).max_pages, 0u);
    EXPECT_ERRNO(tmpfs::parse_options("colour=blue"), EINVAL);
    EXPECT_ERRNO(tmpfs::parse_options("size=lots"), EINVAL);
    EXPECT_ERRNO(tmpfs::parse_options("mode=0999"), EINVAL);
    EXPECT_ERRNO(tmpfs::parse_options("size"), EINVAL);
    tmpfs::set_default_max_pages(1000);
    EXPECT_EQ(MUST(tmpfs::parse_options("mode=755")).max_pages, 1000u);
    tmpfs::set_default_max_pages(0);
}

TEST(TmpfsLifetime, a_deep_tree_is_released_without_recursion)
{
    // 20000 nested directories: releasing them recursively would need
    // megabytes of stack (ASan's frames are large), so this passes only
    // because the release is a loop.
    RefPtr<vfs::Inode> root = MUST(tmpfs::TmpFs::create({}));
    RefPtr<vfs::Inode> directory = root;
    for (int depth = 0; depth < 20000; ++depth)
        directory = MUST(directory->mkdir("d", S_IFDIR | 0755, { 0, 0 }));
    // Keep the deepest directory: it outlives the tree, detached.
    RefPtr<vfs::Inode> survivor = directory;
    RefPtr<vfs::Inode> file = MUST(survivor->create("f", S_IFREG | 0644, { 0, 0 }));
    directory = nullptr;
    root = nullptr;
    EXPECT_ERRNO(survivor->lookup(".."), ENOENT);
    EXPECT_EQ(survivor->fs().statistics().magic, vfs::kTmpfsMagic);
    // Only the survivor and its file are left alive (LeakSanitizer checks
    // the rest is freed).
}

TEST(TmpfsLifetime, inode_numbers_are_unique_per_file_system)
{
    RefPtr<vfs::Inode> root = MUST(tmpfs::TmpFs::create({}));
    RefPtr<vfs::Inode> a = MUST(root->create("a", S_IFREG | 0644, { 0, 0 }));
    RefPtr<vfs::Inode> b = MUST(root->mkdir("b", S_IFDIR | 0755, { 0, 0 }));
    EXPECT_NE(a->ino(), b->ino());
    EXPECT_NE(a->ino(), root->ino());
    RefPtr<vfs::Inode> other = MUST(tmpfs::TmpFs::create({}));
    EXPECT_NE(other->fs().device(), root->fs().device());
    EXPECT_EQ(vfs::device_major(other->fs().device()), 0u);
}

}

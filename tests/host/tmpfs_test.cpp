// tmpfs (kernel/fs/tmpfs): the page index of files (sparse pages, growth,
// truncation), file data and holes, Linux's sizes, link counts and times,
// directory listings whose positions survive changes, symlinks, renames
// within one tmpfs, the size and inode limits (ENOSPC) and statfs, mount
// options, files that stay usable after their last name is gone, and the
// release of a deep tree without recursion.
#include "fs_test_fixture.h"
#include <fs/tmpfs/page_index.h>
#include <fs/tmpfs/tmpfs_inodes.h>
#include <atomic>
#include <map>
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
    // A hole gets a zeroed page, counted in st_blocks.
    u8* far = MUST(file.inode->page_for_mapping(5));
    EXPECT_EQ(far[100], 0);
    EXPECT_EQ(MUST(stat("/m")).blocks, 16);
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

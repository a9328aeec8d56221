// File descriptor tables (kernel/fs/vfs/fd_table.h): lowest-free
// allocation, RLIMIT_NOFILE (EMFILE), EBADF, dup/dup2/dup3/F_DUPFD and their
// errors, close-on-exec, fork's copy sharing open file descriptions (and
// so positions), and the last close of a description.
#include "fs_test_fixture.h"
#include <atomic>
#include <fs/vfs/fd_table.h>
#include <thread>

using fs_test::FsTest;

namespace {

constexpr u64 kLimit = 1024;

class FdTableTest : public FsTest {
protected:
    void SetUp() override
    {
        FsTest::SetUp();
        MUST(write_file("/f", "0123456789"));
        table = MUST(vfs::FdTable::create());
    }
    RefPtr<vfs::OpenFile> open_file(u32 flags = O_RDONLY)
    {
        return vfs::open(as_root(), root(), "/f", flags, 0).release_value();
    }

    RefPtr<vfs::FdTable> table;
};

TEST_F(FdTableTest, allocates_the_lowest_free_descriptor)
{
    EXPECT_EQ(MUST(table->allocate(open_file(), false, kLimit)), 0);
    EXPECT_EQ(MUST(table->allocate(open_file(), false, kLimit)), 1);
    EXPECT_EQ(MUST(table->allocate(open_file(), false, kLimit)), 2);
    MUST(table->close(1));
    EXPECT_EQ(MUST(table->allocate(open_file(), false, kLimit)), 1);
    EXPECT_EQ(MUST(table->allocate(open_file(), false, kLimit, 10)), 10);
    EXPECT_EQ(MUST(table->allocate(open_file(), false, kLimit)), 3);
    EXPECT_EQ(table->open_count(), 5u);
    EXPECT_EQ(table->highest_open(), 10);
}

TEST_F(FdTableTest, grows_to_many_descriptors_then_emfile)
{
    for (int fd = 0; fd < 300; ++fd)
        ASSERT_EQ(MUST(table->allocate(open_file(), false, 300)), fd);
    EXPECT_ERRNO(table->allocate(open_file(), false, 300), EMFILE);
    // A lower limit applies to new descriptors only.
    EXPECT_ERRNO(table->dup(0, 100), EMFILE);
    MUST(table->close(42));
    EXPECT_EQ(MUST(table->dup(0, 300)), 42);
}

TEST_F(FdTableTest, bad_descriptors_are_ebadf)
{
    EXPECT_ERRNO(table->get(0), EBADF);
    EXPECT_ERRNO(table->get(-1), EBADF);
    EXPECT_ERRNO(table->get(1 << 30), EBADF);
    EXPECT_ERRNO(table->close(0), EBADF);
    EXPECT_ERRNO(table->dup(3, kLimit), EBADF);
    EXPECT_ERRNO(table->dup2(3, 4, kLimit), EBADF);
    EXPECT_ERRNO(table->dup2(3, 3, kLimit), EBADF);
    EXPECT_ERRNO(table->descriptor_flags(5), EBADF);
    EXPECT_ERRNO(table->set_descriptor_flags(5, FD_CLOEXEC), EBADF);
    MUST(table->allocate(open_file(), false, kLimit));
    MUST(table->close(0));
    EXPECT_ERRNO(table->close(0), EBADF);
}

TEST_F(FdTableTest, dup_family)
{
    auto file = open_file();
    int fd = MUST(table->allocate(file, true, kLimit));
    EXPECT_EQ(MUST(table->descriptor_flags(fd)), static_cast<u32>(FD_CLOEXEC));
    int copy = MUST(table->dup(fd, kLimit));
    EXPECT_EQ(copy, 1);
    EXPECT_EQ(MUST(table->get(copy)).ptr(), file.ptr());
    EXPECT_EQ(MUST(table->descriptor_flags(copy)), 0u); // dup clears close-on-exec

    // dup2 onto an open descriptor closes it silently.
    auto other = open_file();
    MUST(table->allocate(other, false, kLimit));
    EXPECT_EQ(MUST(table->dup2(fd, 2, kLimit)), 2);
    EXPECT_EQ(MUST(table->get(2)).ptr(), file.ptr());
    EXPECT_EQ(other->ref_count(), 1u);
    EXPECT_EQ(MUST(table->dup2(fd, fd, kLimit)), fd);
    EXPECT_EQ(MUST(table->dup2(fd, 500, kLimit)), 500);
    EXPECT_ERRNO(table->dup2(fd, static_cast<int>(kLimit), kLimit), EBADF);
    EXPECT_ERRNO(table->dup2(fd, -1, kLimit), EBADF);

    EXPECT_ERRNO(table->dup3(fd, fd, 0, kLimit), EINVAL);
    EXPECT_ERRNO(table->dup3(fd, 7, O_NONBLOCK, kLimit), EINVAL);
    EXPECT_EQ(MUST(table->dup3(fd, 7, O_CLOEXEC, kLimit)), 7);
    EXPECT_EQ(MUST(table->descriptor_flags(7)), static_cast<u32>(FD_CLOEXEC));

    EXPECT_EQ(MUST(table->dup_from(fd, 5, false, kLimit)), 5);
    EXPECT_EQ(MUST(table->dup_from(fd, 5, true, kLimit)), 6);
    EXPECT_EQ(MUST(table->descriptor_flags(6)), static_cast<u32>(FD_CLOEXEC));
    EXPECT_ERRNO(table->dup_from(fd, static_cast<int>(kLimit), false, kLimit), EINVAL);
    EXPECT_ERRNO(table->dup_from(fd, -1, false, kLimit), EINVAL);
    MUST(table->set_descriptor_flags(6, 0));
    EXPECT_EQ(MUST(table->descriptor_flags(6)), 0u);
}

TEST_F(FdTableTest, duplicates_share_the_position)
{
    int fd = MUST(table->allocate(open_file(), false, kLimit));
    int copy = MUST(table->dup(fd, kLimit));
    char buffer[3];
    KernelIoBuffer in(buffer, sizeof(buffer));
    MUST(MUST(table->get(fd))->read(in, 3));
    MUST(MUST(table->get(copy))->read(in, 3));
    EXPECT_EQ(std::string(buffer, 3), "345");
    // A separate open has its own.
    int separate = MUST(table->allocate(open_file(), false, kLimit));
    MUST(MUST(table->get(separate))->read(in, 3));
    EXPECT_EQ(std::string(buffer, 3), "012");
}

TEST_F(FdTableTest, fork_copy_shares_descriptions_and_exec_closes_cloexec)
{
    int plain = MUST(table->allocate(open_file(), false, kLimit));
    int cloexec = MUST(table->allocate(open_file(), true, kLimit));
    MUST(table->dup2(plain, 200, kLimit));
    auto child = MUST(table->clone());
    EXPECT_EQ(child->open_count(), 3u);
    EXPECT_EQ(MUST(child->get(plain)).ptr(), MUST(table->get(plain)).ptr());
    EXPECT_EQ(MUST(child->descriptor_flags(cloexec)), static_cast<u32>(FD_CLOEXEC));
    // Reading through the child moves the parent's position too.
    char buffer[4];
    KernelIoBuffer in(buffer, sizeof(buffer));
    MUST(MUST(child->get(plain))->read(in, 4));
    EXPECT_EQ(MUST(table->get(plain))->offset(), 4u);
    // The tables themselves are separate.
    MUST(child->close(200));
    MUST(table->get(200));

    child->close_on_exec();
    EXPECT_ERRNO(child->get(cloexec), EBADF);
    MUST(child->get(plain));
    MUST(table->get(cloexec));
    child->close_all();
    EXPECT_EQ(child->open_count(), 0u);
    EXPECT_EQ(table->open_count(), 3u);
}

TEST_F(FdTableTest, concurrent_allocation_never_hands_out_one_descriptor_twice)
{
    // Two threads: as many as the test machines have CPUs (a spinlock
    // holder descheduled among more threads than CPUs makes everyone wait).
    constexpr int kThreads = 2;
    constexpr int kRounds = 1000;
    std::atomic<int> failures { 0 };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            auto mine = open_file();
            for (int round = 0; round < kRounds; ++round) {
                auto fd = table->allocate(mine, round % 2, kLimit);
                if (fd.is_error()) {
                    ++failures;
                    continue;
                }
                auto got = table->get(fd.value());
                if (got.is_error() || got.value().ptr() != mine.ptr())
                    ++failures;
                if (table->close(fd.value()).is_error())
                    ++failures;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(table->open_count(), 0u);
}

// Counts last closes: the hook FileOperations get when a description goes.
class CountingOperations final : public vfs::FileOperations {
public:
    void closed(vfs::OpenFile&) override { ++closes; }
    static inline int closes = 0;
};

TEST_F(FdTableTest, the_last_close_of_a_description_runs_its_hook)
{
    CountingOperations::closes = 0;
    auto operations = MUST(try_make_ref_counted<CountingOperations>());
    auto file = MUST(vfs::OpenFile::create(operations, vfs::Location {}, O_RDWR, m_superuser));
    int fd = MUST(table->allocate(file, false, kLimit));
    file = nullptr;
    int copy = MUST(table->dup(fd, kLimit));
    MUST(table->close(fd));
    EXPECT_EQ(CountingOperations::closes, 0);
    auto child = MUST(table->clone());
    MUST(table->close(copy));
    EXPECT_EQ(CountingOperations::closes, 0);
    child = nullptr;
    EXPECT_EQ(CountingOperations::closes, 1);
    // Unseekable files answer ESPIPE, and read/write default to EINVAL.
    auto pipe_like = MUST(vfs::OpenFile::create(operations, vfs::Location {}, O_RDWR, m_superuser));
    EXPECT_ERRNO(pipe_like->seek(0, SEEK_SET), ESPIPE);
    char byte;
    KernelIoBuffer buffer(&byte, 1);
    EXPECT_ERRNO(pipe_like->pread(buffer, 1, 0), ESPIPE);
    EXPECT_ERRNO(pipe_like->read(buffer, 1), EINVAL);
}

}

// /tests/bin/file_test: descriptors and file data (issue 4, point 6): open
// flags, read/write/readv/writev/pread64/pwrite64/lseek, dup/dup2/dup3,
// fcntl, truncate/ftruncate, EBADF/EFAULT/EMFILE, an unlinked open file,
// pipes and SIGPIPE, sendfile, /dev/null, fsync. Scratch files live in a
// fresh directory under /tmp per test.
#include "guest_files.h"
#include "guest_test.h"

#include <algorithm>
#include <climits>
#include <csignal>
#include <string>
#include <sys/resource.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

using guest_files::read_file;
using guest_files::Scratch;
using guest_files::write_file;

namespace {

void* const kKernelAddress = guest_test::bad_pointer(0xffffffff80000000UL);

}

TEST(open_creat_excl_eexist)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string path = dir / "new";
    int fd = EXPECT_OK(open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600));
    EXPECT_OK(close(fd));
    EXPECT_ERRNO(open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST);
    // O_EXCL does not follow a symlink, even a dangling one.
    std::string link = dir / "dangling";
    EXPECT_OK(symlink((dir / "nowhere").c_str(), link.c_str()));
    EXPECT_ERRNO(open(link.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST);
    EXPECT_ERRNO(access((dir / "nowhere").c_str(), F_OK), ENOENT);
    // Without O_EXCL, O_CREAT opens the existing file.
    fd = EXPECT_OK(open(path.c_str(), O_CREAT | O_WRONLY, 0600));
    EXPECT_OK(close(fd));
}

TEST(open_missing_enoent_and_file_as_directory_enotdir)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    EXPECT_ERRNO(open((dir / "missing").c_str(), O_RDONLY), ENOENT);
    EXPECT_ERRNO(open((dir / "no/such/dir/file").c_str(), O_CREAT | O_WRONLY, 0600), ENOENT);
    EXPECT(write_file(dir / "file", "x"));
    EXPECT_ERRNO(open((dir / "file/child").c_str(), O_RDONLY), ENOTDIR);
    EXPECT_ERRNO(open((dir / "file/child").c_str(), O_CREAT | O_WRONLY, 0600), ENOTDIR);
    EXPECT_ERRNO(open("", O_RDONLY), ENOENT);
}

TEST(open_trunc_empties_the_file)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string path = dir / "f";
    EXPECT(write_file(path, "some content"));
    int fd = EXPECT_OK(open(path.c_str(), O_WRONLY | O_TRUNC));
    struct stat st;
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 0);
    EXPECT_EQ(write(fd, "new", 3), 3);
    close(fd);
    EXPECT(read_file(path) == "new");
}

TEST(open_append_always_writes_at_the_end)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string path = dir / "f";
    EXPECT(write_file(path, "abc"));
    int fd = EXPECT_OK(open(path.c_str(), O_RDWR | O_APPEND));
    EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
    EXPECT_EQ(write(fd, "de", 2), 2);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 5);
    // pwrite on an O_APPEND descriptor appends too (Linux).
    EXPECT_EQ(pwrite(fd, "f", 1, 0), 1);
    close(fd);
    EXPECT(read_file(path) == "abcdef");
}

TEST(open_directory_flag_and_directories_eisdir)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string file = dir / "f";
    EXPECT(write_file(file, "x"));
    EXPECT_ERRNO(open(file.c_str(), O_RDONLY | O_DIRECTORY), ENOTDIR);
    int fd = EXPECT_OK(open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    // Reading a directory as a file: EISDIR.
    char buffer[16];
    EXPECT_ERRNO(read(fd, buffer, sizeof(buffer)), EISDIR);
    EXPECT_ERRNO(write(fd, "x", 1), EBADF);
    close(fd);
    // Opening a directory for writing: EISDIR.
    EXPECT_ERRNO(open(dir.c_str(), O_WRONLY), EISDIR);
    EXPECT_ERRNO(open(dir.c_str(), O_RDWR), EISDIR);
    EXPECT_ERRNO(open(dir.c_str(), O_CREAT | O_WRONLY, 0600), EISDIR);
}

TEST(open_cloexec_shows_fd_cloexec)
{
    int with = EXPECT_OK(open("/dev/null", O_RDONLY | O_CLOEXEC));
    int without = EXPECT_OK(open("/dev/null", O_RDONLY));
    EXPECT_EQ(fcntl(with, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(without, F_GETFD), 0);
    EXPECT_OK(fcntl(without, F_SETFD, FD_CLOEXEC));
    EXPECT_EQ(fcntl(without, F_GETFD), FD_CLOEXEC);
    EXPECT_OK(fcntl(with, F_SETFD, 0));
    EXPECT_EQ(fcntl(with, F_GETFD), 0);
    close(with);
    close(without);
}

TEST(open_path_descriptor_cannot_read_or_write)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string file = dir / "f";
    EXPECT(write_file(file, "12345"));
    int fd = EXPECT_OK(open(file.c_str(), O_PATH));
    char buffer[8];
    EXPECT_ERRNO(read(fd, buffer, sizeof(buffer)), EBADF);
    EXPECT_ERRNO(write(fd, "x", 1), EBADF);
    struct stat st;
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 5);
    EXPECT((fcntl(fd, F_GETFL) & O_PATH) != 0);
    close(fd);
    // An O_PATH directory serves as a dirfd.
    int dirfd = EXPECT_OK(open(dir.c_str(), O_PATH | O_DIRECTORY));
    int child = EXPECT_OK(openat(dirfd, "f", O_RDONLY));
    EXPECT_EQ(read(child, buffer, sizeof(buffer)), 5);
    close(child);
    close(dirfd);
}

TEST(read_write_and_offsets)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    int fd = EXPECT_OK(open((dir / "f").c_str(), O_CREAT | O_RDWR, 0600));
    EXPECT_EQ(write(fd, "hello, world", 12), 12);
    EXPECT_EQ(write(fd, "", 0), 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 12);
    char buffer[32] = {};
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 0); // at EOF
    EXPECT_EQ(lseek(fd, 7, SEEK_SET), 7);
    EXPECT_EQ(read(fd, buffer, 3), 3);
    EXPECT_EQ(memcmp(buffer, "wor", 3), 0);
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 2); // short read at the end
    EXPECT_EQ(memcmp(buffer, "ld", 2), 0);
    struct stat st;
    EXPECT_OK(fstat(fd, &st));
    EXPECT(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_size, 12);
    EXPECT_EQ(st.st_nlink, 1);
    EXPECT_EQ(st.st_uid, geteuid());
    EXPECT_GT(st.st_blksize, 0);
    close(fd);
}

TEST(large_write_and_read_back)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    constexpr size_t kSize = 1 << 20;
    std::string data(kSize, 0);
    for (size_t i = 0; i < kSize; ++i)
        data[i] = static_cast<char>(i * 7 + i / 4096);
    int fd = EXPECT_OK(open((dir / "big").c_str(), O_CREAT | O_RDWR, 0600));
    EXPECT_EQ(write(fd, data.data(), kSize), (long)kSize);
    std::string back(kSize, 1);
    EXPECT_EQ(pread(fd, back.data(), kSize, 0), (long)kSize);
    close(fd);
    EXPECT(back == data);
}

TEST(lseek_whence_and_errors)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    int fd = EXPECT_OK(open((dir / "f").c_str(), O_CREAT | O_RDWR, 0600));
    EXPECT_EQ(write(fd, "0123456789", 10), 10);
    EXPECT_EQ(lseek(fd, -3, SEEK_END), 7);
    EXPECT_EQ(lseek(fd, 2, SEEK_CUR), 9);
    EXPECT_EQ(lseek(fd, 0, SEEK_END), 10);
    EXPECT_ERRNO(lseek(fd, -11, SEEK_END), EINVAL);
    EXPECT_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
    EXPECT_ERRNO(lseek(fd, 0, 42), EINVAL);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 10); // unchanged by the failures
    // Seeking past the end and writing leaves a hole that reads as zeros.
    EXPECT_EQ(lseek(fd, 100, SEEK_SET), 100);
    EXPECT_EQ(write(fd, "!", 1), 1);
    struct stat st;
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 101);
    char hole[90];
    EXPECT_EQ(pread(fd, hole, sizeof(hole), 10), (long)sizeof(hole));
    for (char c : hole)
        EXPECT_EQ(c, 0);
    close(fd);
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_ERRNO(lseek(fds[0], 0, SEEK_SET), ESPIPE);
    close(fds[0]);
    close(fds[1]);
}

TEST(pread_pwrite_leave_the_offset_alone)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    int fd = EXPECT_OK(open((dir / "f").c_str(), O_CREAT | O_RDWR, 0600));
    EXPECT_EQ(write(fd, "abcdefgh", 8), 8);
    EXPECT_EQ(lseek(fd, 2, SEEK_SET), 2);
    EXPECT_EQ(pwrite(fd, "XY", 2, 5), 2);
    char buffer[8] = {};
    EXPECT_EQ(pread(fd, buffer, 3, 4), 3);
    EXPECT_EQ(memcmp(buffer, "eXY", 3), 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 2);
    EXPECT_EQ(pread(fd, buffer, 8, 100), 0); // past the end
    EXPECT_ERRNO(pread(fd, buffer, 1, -1), EINVAL);
    EXPECT_ERRNO(pwrite(fd, "x", 1, -1), EINVAL);
    close(fd);
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_ERRNO(pread(fds[0], buffer, 1, 0), ESPIPE);
    EXPECT_ERRNO(pwrite(fds[1], "x", 1, 0), ESPIPE);
    close(fds[0]);
    close(fds[1]);
}

TEST(readv_writev_scatter_and_gather)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    int fd = EXPECT_OK(open((dir / "f").c_str(), O_CREAT | O_RDWR, 0600));
    char a[] = "one ", b[] = "", c[] = "two ", d[] = "three";
    iovec out[] = { { a, 4 }, { b, 0 }, { c, 4 }, { d, 5 } };
    EXPECT_EQ(writev(fd, out, 4), 13);
    EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
    char x[3], y[6], z[10] = {};
    iovec in[] = { { x, 3 }, { y, 6 }, { z, 10 } };
    EXPECT_EQ(readv(fd, in, 3), 13);
    EXPECT_EQ(memcmp(x, "one", 3), 0);
    EXPECT_EQ(memcmp(y, " two t", 6), 0);
    EXPECT_EQ(memcmp(z, "hree", 4), 0);
    // preadv/pwritev at an offset.
    iovec patch[] = { { c, 3 } };
    EXPECT_EQ(pwritev(fd, patch, 1, 0), 3);
    char first[3];
    iovec check[] = { { first, 3 } };
    EXPECT_EQ(preadv(fd, check, 1, 0), 3);
    EXPECT_EQ(memcmp(first, "two", 3), 0);
    // Errors: negative or too many vectors, a bad buffer.
    EXPECT_ERRNO(writev(fd, out, guest_test::opaque(-1)), EINVAL);
    EXPECT_ERRNO(syscall(SYS_writev, fd, out, 1025), EINVAL);
    iovec bad[] = { { guest_test::bad_pointer(1), 4 } };
    EXPECT_ERRNO(writev(fd, bad, 1), EFAULT);
    EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
    EXPECT_ERRNO(readv(fd, bad, 1), EFAULT);
    EXPECT_ERRNO(readv(fd, guest_test::bad_pointer<iovec>(1), 1), EFAULT);
    close(fd);
}

TEST(dup_dup2_dup3)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    int fd = EXPECT_OK(open((dir / "f").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600));
    int copy = EXPECT_OK(dup(fd));
    EXPECT_NE(copy, fd);
    // The copy shares the open file (offset) but not FD_CLOEXEC.
    EXPECT_EQ(fcntl(copy, F_GETFD), 0);
    EXPECT_EQ(write(fd, "abc", 3), 3);
    EXPECT_EQ(lseek(copy, 0, SEEK_CUR), 3);
    // dup returns the lowest free number.
    close(copy);
    int again = EXPECT_OK(dup(fd));
    EXPECT_EQ(again, copy);
    close(again);
    // dup2 onto a chosen number, closing what was there.
    int target = EXPECT_OK(open("/dev/null", O_RDONLY));
    EXPECT_EQ(dup2(fd, target), target);
    EXPECT_EQ(lseek(target, 0, SEEK_CUR), 3);
    EXPECT_EQ(dup2(fd, 100), 100);
    EXPECT_EQ(lseek(100, 0, SEEK_CUR), 3);
    close(100);
    // dup2 to itself is a no-op that returns the number.
    EXPECT_EQ(dup2(fd, fd), fd);
    EXPECT_ERRNO(dup2(9999, target), EBADF);
    EXPECT_ERRNO(dup2(fd, -1), EBADF);
    EXPECT_ERRNO(dup2(fd, 1 << 30), EBADF);
    // dup3: same number is EINVAL, flags other than O_CLOEXEC are EINVAL.
    EXPECT_ERRNO(dup3(fd, fd, 0), EINVAL);
    EXPECT_ERRNO(dup3(fd, target, O_NONBLOCK), EINVAL);
    EXPECT_EQ(dup3(fd, target, O_CLOEXEC), target);
    EXPECT_EQ(fcntl(target, F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(dup3(fd, target, 0), target);
    EXPECT_EQ(fcntl(target, F_GETFD), 0);
    EXPECT_ERRNO(dup(9999), EBADF);
    close(target);
    close(fd);
}

TEST(fcntl_dupfd_getfl_setfl)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    int fd = EXPECT_OK(open((dir / "f").c_str(), O_CREAT | O_RDWR | O_APPEND, 0600));
    int above = EXPECT_OK(fcntl(fd, F_DUPFD, 50));
    EXPECT_GE(above, 50);
    EXPECT_EQ(fcntl(above, F_GETFD), 0);
    int cloexec = EXPECT_OK(fcntl(fd, F_DUPFD_CLOEXEC, 60));
    EXPECT_GE(cloexec, 60);
    EXPECT_EQ(fcntl(cloexec, F_GETFD), FD_CLOEXEC);
    int flags = EXPECT_OK(fcntl(fd, F_GETFL));
    EXPECT_EQ(flags & O_ACCMODE, O_RDWR);
    EXPECT(flags & O_APPEND);
    EXPECT(!(flags & O_NONBLOCK));
    // F_SETFL changes O_APPEND and O_NONBLOCK, not the access mode; the
    // change is seen through every duplicate.
    EXPECT_OK(fcntl(fd, F_SETFL, O_NONBLOCK | O_RDONLY));
    flags = EXPECT_OK(fcntl(above, F_GETFL));
    EXPECT_EQ(flags & O_ACCMODE, O_RDWR);
    EXPECT(!(flags & O_APPEND));
    EXPECT(flags & O_NONBLOCK);
    EXPECT_ERRNO(fcntl(fd, 12345), EINVAL);
    EXPECT_ERRNO(fcntl(fd, F_DUPFD, -1), EINVAL);
    EXPECT_ERRNO(fcntl(9999, F_GETFL), EBADF);
    close(above);
    close(cloexec);
    close(fd);
}

TEST(bad_descriptors_ebadf)
{
    char buffer[4];
    struct stat st;
    for (int fd : { -1, 9999 }) {
        EXPECT_ERRNO(read(fd, buffer, 1), EBADF);
        EXPECT_ERRNO(write(fd, "x", 1), EBADF);
        EXPECT_ERRNO(close(fd), EBADF);
        EXPECT_ERRNO(fstat(fd, &st), EBADF);
        EXPECT_ERRNO(lseek(fd, 0, SEEK_SET), EBADF);
        EXPECT_ERRNO(fcntl(fd, F_GETFD), EBADF);
        EXPECT_ERRNO(fsync(fd), EBADF);
    }
    int fd = EXPECT_OK(open("/dev/null", O_RDONLY));
    EXPECT_OK(close(fd));
    EXPECT_ERRNO(close(fd), EBADF);
    EXPECT_ERRNO(read(fd, buffer, 1), EBADF);
    // Access mode: reading a write-only descriptor and the reverse.
    int write_only = EXPECT_OK(open("/dev/null", O_WRONLY));
    EXPECT_ERRNO(read(write_only, buffer, 1), EBADF);
    close(write_only);
    int read_only = EXPECT_OK(open("/dev/null", O_RDONLY));
    EXPECT_ERRNO(write(read_only, "x", 1), EBADF);
    close(read_only);
}

TEST(bad_buffers_efault)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string path = dir / "f";
    EXPECT(write_file(path, "0123456789"));
    int fd = EXPECT_OK(open(path.c_str(), O_RDWR));
    EXPECT_ERRNO(read(fd, guest_test::bad_pointer(1), 10), EFAULT);
    EXPECT_ERRNO(read(fd, kKernelAddress, 10), EFAULT);
    EXPECT_ERRNO(write(fd, guest_test::bad_pointer(1), 10), EFAULT);
    EXPECT_ERRNO(write(fd, kKernelAddress, 10), EFAULT);
    EXPECT_ERRNO(pread(fd, kKernelAddress, 10, 0), EFAULT);
    EXPECT_ERRNO(fstat(fd, guest_test::bad_pointer<struct stat>(1)), EFAULT);
    EXPECT_ERRNO(fstat(fd, static_cast<struct stat*>(kKernelAddress)), EFAULT);
    close(fd);
    EXPECT_ERRNO(open(guest_test::bad_pointer<const char>(1), O_RDONLY), EFAULT);
    EXPECT_ERRNO(open(static_cast<const char*>(kKernelAddress), O_RDONLY), EFAULT);
    struct stat st;
    EXPECT_ERRNO(stat(guest_test::bad_pointer<const char>(1), &st), EFAULT);
    EXPECT_ERRNO(pipe(guest_test::bad_pointer<int>(1)), EFAULT);
    // The file is unchanged by the failed writes.
    EXPECT(read_file(path) == "0123456789");
}

TEST(truncate_and_ftruncate)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string path = dir / "f";
    EXPECT(write_file(path, "0123456789"));
    EXPECT_OK(truncate(path.c_str(), 4));
    EXPECT(read_file(path) == "0123");
    int fd = EXPECT_OK(open(path.c_str(), O_RDWR));
    EXPECT_OK(ftruncate(fd, 8));
    struct stat st;
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 8);
    EXPECT(read_file(path) == std::string("0123\0\0\0\0", 8));
    EXPECT_OK(ftruncate(fd, 0));
    EXPECT(read_file(path).empty());
    EXPECT_ERRNO(ftruncate(fd, -1), EINVAL);
    close(fd);
    EXPECT_ERRNO(truncate(path.c_str(), -1), EINVAL);
    int read_only = EXPECT_OK(open(path.c_str(), O_RDONLY));
    EXPECT_ERRNO(ftruncate(read_only, 0), EINVAL);
    close(read_only);
    EXPECT_ERRNO(truncate(dir.c_str(), 0), EISDIR);
    EXPECT_ERRNO(truncate((dir / "missing").c_str(), 0), ENOENT);
    EXPECT_ERRNO(ftruncate(9999, 0), EBADF);
}

TEST(unlinked_open_file_stays_readable)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string path = dir / "f";
    EXPECT(write_file(path, "still here"));
    int fd = EXPECT_OK(open(path.c_str(), O_RDWR));
    EXPECT_OK(unlink(path.c_str()));
    EXPECT_ERRNO(access(path.c_str(), F_OK), ENOENT);
    char buffer[16] = {};
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 10);
    EXPECT_EQ(memcmp(buffer, "still here", 10), 0);
    // Writable too, and fstat shows no links left.
    EXPECT_EQ(pwrite(fd, "S", 1, 0), 1);
    EXPECT_EQ(pread(fd, buffer, 1, 0), 1);
    EXPECT_EQ(buffer[0], 'S');
    struct stat st;
    EXPECT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_nlink, 0);
    // A new file of the same name is a different file.
    EXPECT(write_file(path, "new"));
    EXPECT_EQ(pread(fd, buffer, 10, 0), 10);
    EXPECT_EQ(memcmp(buffer, "Still here", 10), 0);
    close(fd);
}

TEST(emfile_after_rlimit_nofile_16)
{
    int status = guest_test::in_child([] {
        rlimit limit { 16, 16 };
        EXPECT_OK(setrlimit(RLIMIT_NOFILE, &limit));
        int first = EXPECT_OK(open("/dev/null", O_RDONLY));
        int highest = first;
        for (int i = 0; i < 32; ++i) {
            int fd = open("/dev/null", O_RDONLY);
            if (fd < 0) {
                EXPECT_EQ(errno, EMFILE);
                break;
            }
            highest = fd;
        }
        EXPECT_EQ(highest, 15);
        EXPECT_ERRNO(open("/dev/null", O_RDONLY), EMFILE);
        EXPECT_ERRNO(dup(first), EMFILE);
        EXPECT_ERRNO(fcntl(first, F_DUPFD, 0), EMFILE);
        int fds[2];
        EXPECT_ERRNO(pipe(fds), EMFILE);
        // Numbers at or above the limit: EBADF for dup2, EINVAL for F_DUPFD.
        EXPECT_ERRNO(dup2(first, 16), EBADF);
        EXPECT_ERRNO(fcntl(first, F_DUPFD, 16), EINVAL);
        // One closed, one more may be opened.
        EXPECT_OK(close(15));
        EXPECT_EQ(open("/dev/null", O_RDONLY), 15);
    });
    EXPECT_EXITED(status, 0);
}

TEST(pipe_carries_data_and_reports_eof)
{
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_EQ(write(fds[1], "ping", 4), 4);
    char buffer[8] = {};
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 4);
    EXPECT_EQ(memcmp(buffer, "ping", 4), 0);
    struct stat st;
    EXPECT_OK(fstat(fds[0], &st));
    EXPECT(S_ISFIFO(st.st_mode));
    EXPECT_EQ(fcntl(fds[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    EXPECT_EQ(fcntl(fds[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    EXPECT_ERRNO(write(fds[0], "x", 1), EBADF);
    EXPECT_ERRNO(read(fds[1], buffer, 1), EBADF);
    close(fds[1]);
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 0);
    close(fds[0]);
}

TEST(pipe_between_processes_256_kib)
{
    constexpr size_t kSize = 256 * 1024;
    int fds[2];
    EXPECT_OK(pipe(fds));
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        close(fds[0]);
        char block[1000];
        size_t sent = 0;
        while (sent < kSize) {
            size_t n = std::min(sizeof(block), kSize - sent);
            for (size_t i = 0; i < n; ++i)
                block[i] = static_cast<char>((sent + i) % 251);
            if (write(fds[1], block, n) != static_cast<ssize_t>(n))
                _exit(1);
            sent += n;
        }
        _exit(0);
    }
    close(fds[1]);
    size_t received = 0, mismatches = 0;
    char block[4096];
    ssize_t n;
    while ((n = read(fds[0], block, sizeof(block))) > 0) {
        for (ssize_t i = 0; i < n; ++i)
            mismatches += block[i] != static_cast<char>((received + i) % 251);
        received += n;
    }
    close(fds[0]);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_EXITED(status, 0);
    EXPECT_EQ(received, kSize);
    EXPECT_EQ(mismatches, 0);
}

TEST(pipe2_flags)
{
    int fds[2];
    EXPECT_OK(pipe2(fds, O_NONBLOCK | O_CLOEXEC));
    char c;
    EXPECT_ERRNO(read(fds[0], &c, 1), EAGAIN);
    EXPECT_EQ(fcntl(fds[0], F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(fds[1], F_GETFD), FD_CLOEXEC);
    EXPECT(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    // A full non-blocking pipe: EAGAIN on write.
    char block[4096] = {};
    long total = 0;
    for (int i = 0; i < 1024; ++i) {
        ssize_t n = write(fds[1], block, sizeof(block));
        if (n < 0) {
            EXPECT_EQ(errno, EAGAIN);
            break;
        }
        total += n;
    }
    EXPECT_GE(total, 4096);
    EXPECT_LT(total, 1024L * 4096);
    close(fds[0]);
    close(fds[1]);
    EXPECT_ERRNO(pipe2(fds, O_APPEND), EINVAL);
}

TEST(pipe_without_reader_epipe_or_sigpipe)
{
    // SIGPIPE ignored: write fails with EPIPE.
    int status = guest_test::in_child([] {
        signal(SIGPIPE, SIG_IGN);
        int fds[2];
        EXPECT_OK(pipe(fds));
        close(fds[0]);
        EXPECT_ERRNO(write(fds[1], "x", 1), EPIPE);
    });
    EXPECT_EXITED(status, 0);
    // Default action: the writer dies of SIGPIPE.
    fflush(stdout);
    pid_t pid = EXPECT_OK(fork());
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        int fds[2];
        if (pipe(fds) != 0)
            _exit(2);
        close(fds[0]);
        ssize_t ignored = write(fds[1], "x", 1);
        (void)ignored;
        _exit(3);
    }
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_SIGNALED(status, SIGPIPE);
}

TEST(sendfile_copies_between_files_and_to_a_pipe)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string source = dir / "source";
    std::string content;
    for (int i = 0; i < 10000; ++i)
        content += static_cast<char>('A' + i % 26);
    EXPECT(write_file(source, content));
    int in = EXPECT_OK(open(source.c_str(), O_RDONLY));
    int out = EXPECT_OK(open((dir / "copy").c_str(), O_CREAT | O_WRONLY, 0600));
    EXPECT_EQ(sendfile(out, in, nullptr, content.size()), (long)content.size());
    EXPECT_EQ(lseek(in, 0, SEEK_CUR), (long)content.size()); // without an offset pointer it moves
    close(out);
    EXPECT(read_file(dir / "copy") == content);
    // With an offset pointer: the offset advances, the file position does not.
    EXPECT_EQ(lseek(in, 0, SEEK_SET), 0);
    off_t offset = 100;
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_EQ(sendfile(fds[1], in, &offset, 50), 50);
    EXPECT_EQ(offset, 150);
    EXPECT_EQ(lseek(in, 0, SEEK_CUR), 0);
    char buffer[64] = {};
    EXPECT_EQ(read(fds[0], buffer, sizeof(buffer)), 50);
    EXPECT(std::string(buffer, 50) == content.substr(100, 50));
    // At the end of the input: 0.
    offset = content.size();
    EXPECT_EQ(sendfile(fds[1], in, &offset, 10), 0);
    EXPECT_ERRNO(sendfile(fds[1], 9999, nullptr, 10), EBADF);
    EXPECT_ERRNO(sendfile(9999, in, nullptr, 10), EBADF);
    close(fds[0]);
    close(fds[1]);
    close(in);
}

TEST(dev_null_swallows_and_is_empty)
{
    int fd = EXPECT_OK(open("/dev/null", O_RDWR));
    EXPECT_EQ(write(fd, "discarded", 9), 9);
    char buffer[8];
    EXPECT_EQ(read(fd, buffer, sizeof(buffer)), 0);
    struct stat st;
    EXPECT_OK(fstat(fd, &st));
    EXPECT(S_ISCHR(st.st_mode));
    EXPECT_EQ(major(st.st_rdev), 1);
    EXPECT_EQ(minor(st.st_rdev), 3);
    close(fd);
}

TEST(fsync_fdatasync_sync)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    int fd = EXPECT_OK(open((dir / "f").c_str(), O_CREAT | O_RDWR, 0600));
    EXPECT_EQ(write(fd, "x", 1), 1);
    EXPECT_OK(fsync(fd));
    EXPECT_OK(fdatasync(fd));
    sync();
    close(fd);
    int fds[2];
    EXPECT_OK(pipe(fds));
    EXPECT_ERRNO(fsync(fds[0]), EINVAL);
    close(fds[0]);
    close(fds[1]);
}

TEST(flock_whole_file_locks_belong_to_the_open_file)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string path = dir / "locked";
    int first = EXPECT_OK(open(path.c_str(), O_CREAT | O_RDWR, 0600));
    int second = EXPECT_OK(open(path.c_str(), O_RDONLY));
    EXPECT_OK(flock(first, LOCK_EX));
    // Another open file description conflicts; a duplicate shares the lock.
    EXPECT_ERRNO(flock(second, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    EXPECT_ERRNO(flock(second, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    int copy = EXPECT_OK(dup(first));
    EXPECT_OK(flock(copy, LOCK_EX | LOCK_NB));
    // flock and record locks are separate kinds.
    struct flock record = {};
    record.l_type = F_RDLCK;
    record.l_whence = SEEK_SET;
    EXPECT_OK(fcntl(second, F_SETLK, &record));
    // Converting to shared lets other readers in.
    EXPECT_OK(flock(first, LOCK_SH));
    EXPECT_OK(flock(second, LOCK_SH | LOCK_NB));
    EXPECT_OK(flock(second, LOCK_UN));
    EXPECT_OK(flock(first, LOCK_UN));
    EXPECT_OK(flock(second, LOCK_EX | LOCK_NB));
    EXPECT_OK(flock(second, LOCK_UN));
    // The lock goes with the last descriptor of its description.
    EXPECT_OK(flock(first, LOCK_EX));
    close(first);
    EXPECT_ERRNO(flock(second, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    close(copy);
    EXPECT_OK(flock(second, LOCK_EX | LOCK_NB));
    close(second);

    EXPECT_ERRNO(flock(-1, LOCK_EX), EBADF);
    int fd = EXPECT_OK(open(path.c_str(), O_RDONLY));
    EXPECT_ERRNO(flock(fd, 0), EINVAL);
    EXPECT_ERRNO(flock(fd, LOCK_SH | LOCK_EX), EINVAL);
    close(fd);
}

TEST(flock_waits_for_the_holder_and_is_inherited_by_fork)
{
    Scratch dir("file");
    EXPECT(dir.ok());
    std::string path = dir / "wait";
    int holder = EXPECT_OK(open(path.c_str(), O_CREAT | O_RDWR, 0600));
    EXPECT_OK(flock(holder, LOCK_EX));
    int ready[2];
    EXPECT_OK(pipe(ready));
    pid_t child = fork();
    if (child == 0) {
        // The inherited descriptor is the same description: it holds the lock.
        if (flock(holder, LOCK_EX | LOCK_NB) != 0)
            _exit(1);
        int other = open(path.c_str(), O_RDWR);
        if (write(ready[1], "w", 1) != 1)
            _exit(2);
        // Blocks until the parent's description lets go.
        if (flock(other, LOCK_EX) != 0)
            _exit(3);
        _exit(0);
    }
    char byte;
    EXPECT_EQ(read(ready[0], &byte, 1), 1);
    usleep(100'000);
    int status = 0;
    EXPECT_EQ(waitpid(child, &status, WNOHANG), 0); // still waiting
    EXPECT_OK(flock(holder, LOCK_UN));
    EXPECT_OK(waitpid(child, &status, 0));
    EXPECT_EXITED(status, 0);
    close(holder);
    close(ready[0]);
    close(ready[1]);
}

int main()
{
    return guest_test::run_tests();
}
